import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import Testing

/// `outcomes compare --evaluation` as a user runs it: the tables, the run stored, and mistakes
/// named before anything is computed.
@Suite struct CompareIDSCommandTests {
    static let scenarios = ProjectFiles.directory("scenarios", override: "OUTCOMES_SCENARIOS_DIR")
    static let evaluation = scenarios.appendingPathComponent("housing-2021-evaluation.yaml").path

    @Test func comparesStoresAndNamesMistakes() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 4_000, seed: 5)).load(into: db)
        // The contract must be loaded first: its version is what the comparison uses.
        let unloaded = try CLI.run(["compare", "--evaluation", Self.evaluation, "--database", conninfo, "-q"])
        #expect(unloaded.status != 0 && unloaded.errors.contains("housing-2021") && !unloaded.errors.contains("Fatal error"), "\(unloaded.errors)")
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
        let notes = json["notes"] as? [String] ?? []
        #expect(notes.first?.hasPrefix("Evaluation housing-2021-matched, run 1: participants and outcomes from version") == true, "\(notes)")
        // The run as stored: its treated units are the ones the table counts.
        let matched = try #require(tables["sample_sizes"]?.first { $0["sample"] as? String == "Matched" }?["treated"] as? Int)
        #expect(try db.execute("SELECT count(*) FROM evaluation.run_units WHERE run_id = 1 AND treated").scalar(Int.self) == matched)
        #expect(try db.execute("SELECT period FROM evaluation.runs WHERE run_id = 1").scalar(String.self) == "2022")

        // Mistakes, each one paragraph naming the option; nothing stored.
        func usage(_ arguments: [String], _ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let result = try CLI.run(arguments)
            #expect(result.status == 64 && result.errors.contains(text) && result.output.isEmpty, "\(result.errors)", sourceLocation: sourceLocation)
        }
        try usage(["compare", "--evaluation", Self.evaluation, "--period", "2030", "--database", conninfo], "--period 2030 is not a period of housing-2021")
        CLI.expectCleanFailure(try CLI.run(["compare", "--evaluation", Self.evaluation, "--store-comparison", "--database", conninfo]),
                               status: 64, mentioning: "--store-comparison: stores a 1:1 matched comparison group")
        try usage(["compare", "--evaluation", Self.evaluation, "--treatment", "t", "--database", conninfo], "--treatment applies to --data")
        try usage(["compare", "--data", "x.csv", "--treatment", "t", "--period", "2022"], "--period applies to --evaluation")
        #expect(try db.execute("SELECT count(*) FROM evaluation.runs").scalar(Int.self) == 1)
    }
}
