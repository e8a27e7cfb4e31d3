import Foundation
import Testing

/// `outcomes compare --data` with the designs beyond nearest-neighbour matching, on MatchIt's
/// LaLonde data, against R (reference/lalonde_designs.R: MatchIt 4.7.2, WeightIt 1.4.0 and
/// sandwich): matched counts, the effect on re78 with its default standard error (HC3 after
/// subclassification and CEM, HC2 after weighting) and the CR1 one, and the balance after; AIPW
/// against reference/lalonde_aipw.py.
@Suite struct CompareDesignsTests {
    static let designs: [(name: String, options: [String], label: String)] = [
        ("subclass_att", ["--method", "subclass"], "HC3"),
        ("subclass_ate", ["--method", "subclass", "--estimand", "ATE"], "HC3"),
        ("subclass_att10", ["--method", "subclass", "--subclasses", "10"], "HC3"),
        ("cem_att", ["--method", "cem"], "HC3"),
        ("cem_ate", ["--method", "cem", "--estimand", "ATE"], "HC3"),
        ("cem_att_bins", ["--method", "cem", "--cutpoints", "age=4,re74=3,re75=3"], "HC3"),
        ("replace_ratio2", ["--replace", "--ratio", "2"], "HC3"),
        ("ebal_att", ["--method", "ebal"], "HC2"),
        ("ebal_ate", ["--method", "ebal", "--estimand", "ATE"], "HC2"),
    ]

    static func rows(_ file: String) throws -> [[String]] {
        try String(contentsOf: CompareCommandTests.reference.appendingPathComponent(file), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } }
    }

    @Test(arguments: designs.map(\.name))
    func designEqualsMatchIt472(_ design: String) throws {
        let tests = CompareCommandTests()
        let (_, options, label) = try #require(Self.designs.first { $0.name == design })
        // design, matched_treated, matched_controls, estimate, se_default, se_cr1 (NA after weighting)
        let r = try #require(try Self.rows("lalonde_designs_estimates.csv").first { $0[0] == design })
        for (convention, expected) in [(label, r[4]), ("CR1", r[5])] where expected != "NA" {
            let tables = try tests.compare(["--outcome", "re78"] + options + (convention == label ? [] : ["--se", convention]))
            let estimate = try #require(tables["estimates"]!.first { $0["analysis"] as? String == "difference" })
            tests.close(estimate["estimate"], NSNumber(value: Double(r[3])!), "\(design) estimate")
            tests.close(estimate["std_error"], NSNumber(value: Double(expected)!), "\(design) \(convention) standard error")
            let clusters = design.hasPrefix("cem") ? "stratum" : design.hasPrefix("subclass") ? "subclass" : "matched set"
            #expect(estimate["se_type"] as? String == (convention == label ? label : "CR1 by \(clusters)"))
            let matched = try #require(tables["sample_sizes"]!.first { $0["sample"] as? String == "Matched" })
            tests.close(matched["treated"], NSNumber(value: Double(r[1])!), "\(design) matched treated")
            tests.close(matched["control"], NSNumber(value: Double(r[2])!), "\(design) matched controls")
            guard convention == label else { continue }
            if design.hasPrefix("ebal") {
                // Entropy balancing's point: every covariate's weighted mean on target.
                let smds = tables["balance_matched"]!.map { ($0["std_mean_diff"] as! NSNumber).doubleValue }
                #expect(smds.count == 9 && smds.allSatisfy { abs($0) < 1e-9 }, "\(smds)")
                continue
            }
            // design, covariate, smd, pair (NA where MatchIt's summary has no pair distance)
            let balance = try Self.rows("lalonde_designs_balance.csv").filter { $0[0] == design }
            #expect(balance.count >= 9)
            let ours = Dictionary(uniqueKeysWithValues: tables["balance_matched"]!.map {
                (($0["covariate"] as! String).replacingOccurrences(of: "_", with: ""), $0)
            })
            #expect(Set(ours.keys) == Set(balance.map { $0[1] }), "\(ours.keys.sorted())")
            for row in balance {
                tests.close(ours[row[1]]?["std_mean_diff"], NSNumber(value: Double(row[2])!), "\(design) \(row[1]) SMD")
                if row[3] != "NA" { tests.close(ours[row[1]]?["std_pair_dist"], NSNumber(value: Double(row[3])!), "\(design) \(row[1]) pair distance") }
            }
        }
    }

    /// Every standard-error convention after nearest-neighbour matching, without and with
    /// replacement (two-way CR1 on MatchIt's get_matches() rows), with and without the covariates
    /// in the model, as sandwich computes it (reference/lalonde_se_conventions.R).
    @Test(arguments: [("nearest", [String]()), ("ratio2", ["--ratio", "2"]), ("replace", ["--replace"]), ("replace_ratio3", ["--replace", "--ratio", "3"])])
    func everyConventionEqualsSandwich(_ design: String, _ options: [String]) throws {
        let tests = CompareCommandTests()
        // design, model, convention, estimate, std_error
        let reference = try Self.rows("lalonde_se_conventions.csv").filter { $0[0] == design && !$0[2].hasPrefix("vcovCL") }
        let conventions = Set(reference.map { $0[2] }).sorted()
        #expect(conventions.count == (design.hasPrefix("replace") ? 5 : 6))
        for convention in conventions {
            let tables = try tests.compare(["--outcome", "re78", "--adjust", "--se", convention] + options)
            for row in reference where row[2] == convention {
                let ours = try #require(tables["estimates"]!.first { $0["analysis"] as? String == row[1] })
                tests.close(ours["estimate"], NSNumber(value: Double(row[3])!), "\(design) \(row[1]) estimate")
                tests.close(ours["std_error"], NSNumber(value: Double(row[4])!), "\(design) \(row[1]) \(convention)")
            }
        }
    }

    /// The ATE and the ATT with their influence-function standard errors, as the statsmodels
    /// reference computes them (its stacked estimating equations; the ATT by Hahn's formula).
    @Test(arguments: ["ATE", "ATT"]) func aipwEqualsTheReference(_ estimand: String) throws {
        let tests = CompareCommandTests()
        let r = try CompareCommandTests.json("lalonde_aipw.json")[estimand.lowercased()] as! [String: Any]
        let tables = try tests.compare(["--outcome", "re78", "--method", "aipw", "--estimand", estimand])
        let estimate = try #require(tables["estimates"]!.first { $0["analysis"] as? String == "difference" })
        tests.close(estimate["estimate"], r["estimate"], "AIPW \(estimand)")
        tests.close(estimate["std_error"], r["se"], "AIPW \(estimand) standard error")
        tests.close(estimate["mean_treated"], r["treated_mean"], "AIPW \(estimand) treated mean")
        tests.close(estimate["mean_control"], r["control_mean"], "AIPW \(estimand) control mean")
        #expect(estimate["se_type"] as? String == "influence function")
    }

    /// A covariate whose participants' mean lies beyond every comparison unit's value cannot be
    /// balanced by positive weights: a clear error naming it (not another), never NaN weights.
    @Test func entropyBalancingThatCannotConvergeNamesTheCovariate() throws {
        var lines = ["id,t,x,shift,y"]
        for i in 0..<40 {
            let treated = i % 4 == 0
            lines.append("p\(i),\(treated ? 1 : 0),\((i * 7) % 11),\(treated ? 10 + i % 3 : i % 5),\(i % 6)")
        }
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        try Scratch.put(lines.joined(separator: "\n") + "\n", folder + "/units.csv")
        let result = try CLI.run(["compare", "--data", folder + "/units.csv", "--treatment", "t", "--covariates", "x,shift", "--outcome", "y",
                                  "--method", "ebal"])
        CLI.expectCleanFailure(result, status: 65, naming: ["shift"])
        // x alone is reachable, and balanced.
        let alone = try CLI.run(["compare", "--data", folder + "/units.csv", "--treatment", "t", "--covariates", "x", "--outcome", "y",
                                 "--method", "ebal", "--format", "json"])
        #expect(alone.status == 0, "\(alone.errors)")
    }

    /// CEM's default strata leave participants without a comparison unit: said with counts.
    @Test func cemSaysWhoItLeftOut() throws {
        let result = try CLI.run(CompareCommandTests.base.dropLast(2) + ["--outcome", "re78", "--method", "cem"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(!result.output.contains("nan") && !result.output.contains("NaN"))
        /// All and unmatched (treated, control) from the sample sizes, and the notes (the only place the strata are counted).
        func leftOut(_ options: [String]) throws -> (all: [Int], unmatched: [Int], notes: [String]) {
            let report = try CLI.report(try CLI.run(CompareCommandTests.base + ["--outcome", "re78", "--method", "cem"] + options))
            func sizes(_ sample: String) -> [Int] {
                guard let row = report.tables["sample_sizes"]?.first(where: { $0["sample"] as? String == sample }) else { return [] }
                return [row["treated"], row["control"]].compactMap { $0 as? Int }
            }
            return (sizes("All"), sizes("Unmatched"), report.notes)
        }
        let att = try leftOut([])
        #expect(att.all == [185, 429] && att.unmatched.first == 120, "120 of 185 participants left out: \(att)")
        #expect(att.notes.contains { $0.contains("120") && $0.contains("86 strata") }, "\(att.notes)")
        let ate = try leftOut(["--estimand", "ATE"])
        #expect(ate.all == [185, 429] && ate.unmatched.last == 354, "354 of 429 comparison units left out: \(ate)")
        #expect(ate.notes.contains { $0.contains("354") && $0.contains("279 strata") }, "\(ate.notes)")
    }
}
