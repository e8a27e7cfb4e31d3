import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import Testing

/// `outcomes compare --evaluation` as a user runs it: the tables, the run stored, and mistakes
/// named before anything is computed.
@Suite struct CompareIDSCommandTests {
    static let scenarios = Checkout.scenarios
    static let evaluation = scenarios.appendingPathComponent("housing-2021-evaluation.yaml").path

    @Test func comparesStoresAndNamesMistakes() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 4_000, seed: 5)).load(into: db)
        // The contract must be loaded first: its version is what the comparison uses.
        let unloaded = try CLI.run(["compare", "--evaluation", Self.evaluation, "--database", conninfo, "-q"])
        CLI.expectCleanFailure(unloaded, status: 65, naming: ["housing-2021", "outcomes contract load"])
        #expect(try CLI.run(["contract", "load", Self.scenarios.appendingPathComponent("housing-2021.yaml").path, "--database", conninfo, "-q"]).status == 0)

        let result = try CLI.run(["compare", "--evaluation", Self.evaluation, "--period", "2022", "--database", conninfo, "--format", "json", "-q"])
        #expect(result.status == 0, "\(result.errors)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let tables = try #require(json["tables"] as? [String: [[String: Any]]])
        #expect(Set(tables.keys) == ["estimates", "sample_sizes", "balance_all", "balance_matched", "propensity_model", "propensity_overlap"])
        // The overlap table counts every unit once, small bins suppressed (with a complement when one alone would show).
        let overlap = try #require(tables["propensity_overlap"])
        #expect(overlap.count == 20)
        for column in ["participants", "comparison_pool", "comparisons_kept"] {
            let counts = overlap.compactMap { $0[column] as? Int }
            #expect(counts.allSatisfy { $0 == 0 || $0 >= 11 }, "\(column): \(counts)")
            #expect(overlap.count - counts.count != 1, "a lone suppressed bin would be the total minus the rest")
        }
        let all = try #require(tables["sample_sizes"]?.first { $0["sample"] as? String == "All" })
        if overlap.allSatisfy({ $0["participants"] is Int }) {
            #expect(overlap.compactMap { $0["participants"] as? Int }.reduce(0, +) == all["treated"] as? Int)
        }
        let overall = try #require(tables["estimates"]?.first { $0["provider"] as? String == "all" && $0["analysis"] as? String == "difference" })
        let (estimate, se) = (try #require(overall["estimate"] as? Double), try #require(overall["std_error"] as? Double))
        let (lower, upper) = (try #require(overall["ci_lower"] as? Double), try #require(overall["ci_upper"] as? Double))
        #expect(abs(lower - (estimate - 1.959963984540054 * se)) < 1e-9 && abs(upper - (estimate + 1.959963984540054 * se)) < 1e-9)
        // The run as stored: its treated units are the ones the table counts.
        let matched = try #require(tables["sample_sizes"]?.first { $0["sample"] as? String == "Matched" }?["treated"] as? Int)
        #expect(try db.execute("SELECT count(*) FROM evaluation.run_units WHERE run_id = 1 AND treated").scalar(Int.self) == matched)
        // Run 1 of the evaluation, under the version of the contract loaded, for the period asked.
        let loaded = try db.execute("SELECT version FROM payments.contracts WHERE contract_id = 'housing-2021'").scalar(Int.self)
        #expect(try db.execute("SELECT evaluation_id || ' ' || version || ' ' || period FROM evaluation.runs WHERE run_id = 1").scalar(String.self)
                == "housing-2021-matched \(loaded) 2022")

        // Mistakes, each one paragraph naming the option; nothing stored.
        func usage(_ arguments: [String], naming values: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
            let result = try CLI.run(arguments)
            #expect(result.status == 64 && values.allSatisfy(result.errors.contains) && result.output.isEmpty, "\(result.errors)", sourceLocation: sourceLocation)
        }
        try usage(["compare", "--evaluation", Self.evaluation, "--period", "2030", "--database", conninfo], naming: ["--period", "2030", "housing-2021"])
        CLI.expectCleanFailure(try CLI.run(["compare", "--evaluation", Self.evaluation, "--store-comparison", "--database", conninfo]),
                               status: 64, naming: ["--store-comparison", "weighting, subclass, cem or ebal"])
        // An option of the other input: the option and the input it belongs to.
        try usage(["compare", "--evaluation", Self.evaluation, "--treatment", "t", "--database", conninfo], naming: ["--treatment", "--data"])
        try usage(["compare", "--data", "x.csv", "--treatment", "t", "--period", "2022"], naming: ["--period", "--evaluation"])
        try usage(["compare", "--data", "x.csv", "--treatment", "t", "--by", "race"], naming: ["--by", "--evaluation"])
        #expect(try db.execute("SELECT count(*) FROM evaluation.runs").scalar(Int.self) == 1)
    }

    /// `--by race`: each group's participants against their own matches from the same run. With
    /// 1:1 matching the groups' differences, weighted by their participants, are the overall one;
    /// under the small-cell policy no group of 1 to 10 shows, nor a lone one the totals would give.
    @Test func estimatesByAPersonAttributeAddUpToTheOverallOne() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 4_000, seed: 5)).load(into: db)
        #expect(try CLI.run(["contract", "load", Self.scenarios.appendingPathComponent("housing-2021.yaml").path, "--database", conninfo, "-q"]).status == 0)
        #expect(try CLI.run(["metrics", "--contract", "housing-2021", "--period", "2022", "--database", conninfo, "-q"]).status == 0)
        func report(_ attribute: String, _ extra: [String]) throws -> (tables: [String: [[String: Any]]], notes: [String]) {
            let result = try CLI.run(["compare", "--evaluation", Self.evaluation, "--period", "2022", "--by", attribute, "--database", conninfo, "--format", "json", "-q"] + extra)
            #expect(result.status == 0, "\(result.errors)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
            return (try #require(json["tables"] as? [String: [[String: Any]]]), json["notes"] as? [String] ?? [])
        }
        func tables(_ extra: [String]) throws -> [String: [[String: Any]]] { try report("race", extra).tables }
        var checked = 0
        for attribute in ["sex", "county", "age_band", "race"] {
            let (all, notes) = try report(attribute, ["--small-cell-threshold", "1"])
            let overall = try #require(all["estimates"]?.first { $0["provider"] as? String == "all" && $0["analysis"] as? String == "difference" && $0["outcome"] as? String == "housed_12m" })
            let groups = try #require(all["estimates_by_\(attribute)"]?.filter { $0["analysis"] as? String == "difference" && $0["outcome"] as? String == "housed_12m" })
            #expect(groups.count >= 2)
            let treated = groups.compactMap { $0["treated"] as? Int }
            // A group too small to estimate (one participant, say) is named in a note instead.
            guard treated.reduce(0, +) == overall["treated"] as? Int else {
                #expect(notes.contains { $0.contains(attribute.replacingOccurrences(of: "_", with: " ")) }, "the attribute's group is named: \(attribute): \(notes)")
                continue
            }
            let weighted = zip(groups.compactMap { $0["estimate"] as? Double }, treated).reduce(0.0) { $0 + $1.0 * Double($1.1) } / Double(treated.reduce(0, +))
            #expect(abs(weighted - (overall["estimate"] as? Double ?? .nan)) < 1e-12, "\(attribute): \(weighted) vs \(overall)")
            checked += 1
        }
        #expect(checked >= 1, "at least one attribute's groups were all estimated")
        // One run stored per comparison; the groups ride along.
        #expect(try db.execute("SELECT count(*) FROM evaluation.runs").scalar(Int.self) == 4)

        let published = try #require(try tables([])["estimates_by_race"])
        for (outcome, rows) in Dictionary(grouping: published, by: { "\($0["outcome"] ?? "")/\($0["analysis"] ?? "")" }) {
            let counts = rows.compactMap { $0["treated"] as? Int }
            #expect(counts.allSatisfy { $0 >= 11 }, "\(outcome): \(counts)")
            #expect(rows.count - counts.count != 1, "\(outcome): a lone suppressed group would be the total minus the rest")
        }
    }
}
