import Foundation
import Testing

/// `outcomes compare --data` with the designs beyond nearest-neighbour matching, on MatchIt's
/// LaLonde data, against R (reference/lalonde_designs.R: MatchIt 4.7.2 and sandwich): matched
/// counts, the effect on re78 with its default (HC3) and CR1 standard errors, and the balance after.
@Suite struct CompareDesignsTests {
    static let designs: [(name: String, options: [String])] = [
        ("subclass_att", ["--method", "subclass"]),
        ("subclass_ate", ["--method", "subclass", "--estimand", "ATE"]),
        ("subclass_att10", ["--method", "subclass", "--subclasses", "10"]),
        ("cem_att", ["--method", "cem"]),
        ("cem_ate", ["--method", "cem", "--estimand", "ATE"]),
        ("cem_att_bins", ["--method", "cem", "--cutpoints", "age=4,re74=3,re75=3"]),
    ]

    static func rows(_ file: String) throws -> [[String]] {
        try String(contentsOf: CompareCommandTests.reference.appendingPathComponent(file), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } }
    }

    @Test(arguments: designs.map(\.name))
    func designEqualsMatchIt472(_ design: String) throws {
        let tests = CompareCommandTests()
        let options = try #require(Self.designs.first { $0.name == design }).options
        // design, matched_treated, matched_controls, estimate, se_hc3, se_cr1
        let r = try #require(try Self.rows("lalonde_designs_estimates.csv").first { $0[0] == design })
        for (convention, expected) in [("HC3", r[4]), ("CR1", r[5])] {
            let tables = try tests.compare(["--outcome", "re78"] + options + (convention == "HC3" ? [] : ["--se", convention]))
            let estimate = try #require(tables["estimates"]!.first { $0["analysis"] as? String == "difference" })
            tests.close(estimate["estimate"], NSNumber(value: Double(r[3])!), "\(design) estimate")
            tests.close(estimate["std_error"], NSNumber(value: Double(expected)!), "\(design) \(convention) standard error")
            #expect(estimate["se_type"] as? String == (convention == "HC3" ? "HC3" : "CR1 by matched set"))
            let matched = try #require(tables["sample_sizes"]!.first { $0["sample"] as? String == "Matched" })
            tests.close(matched["treated"], NSNumber(value: Double(r[1])!), "\(design) matched treated")
            tests.close(matched["control"], NSNumber(value: Double(r[2])!), "\(design) matched controls")
            guard convention == "HC3" else { continue }
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

    /// CEM's default strata leave participants without a comparison unit: said with counts.
    @Test func cemSaysWhoItLeftOut() throws {
        let result = try CLI.run(CompareCommandTests.base.dropLast(2) + ["--outcome", "re78", "--method", "cem"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("Warning: 120 of 185 participants are in 86 strata with no comparison unit"), "\(result.output)")
        #expect(!result.output.contains("nan") && !result.output.contains("NaN"))
    }
}
