import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import Testing

/// `outcomes compare --store-comparison` with the weighting designs, as a user runs it: a
/// subclassification stored with each provider's weights to 1e-9; AIPW refused in one paragraph.
@Suite struct StoreWeightedComparisonCommandTests {
    @Test func aSubclassGroupIsStoredAndAIPWIsRefused() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 3_000, seed: 5)).load(into: db)
        let scenarios = CompareIDSCommandTests.scenarios, evaluation = CompareIDSCommandTests.evaluation
        #expect(try CLI.run(["contract", "load", scenarios.appendingPathComponent("housing-2021.yaml").path, "--database", conninfo, "-q"]).status == 0)

        CLI.expectCleanFailure(try CLI.run(["compare", "--evaluation", evaluation, "--period", "2022", "--store-comparison", "--method", "aipw",
                                            "--database", conninfo]),
                               status: 64, naming: ["--store-comparison", "--method aipw"])
        #expect(try db.execute("SELECT count(*) FROM evaluation.runs").scalar(Int.self) == 0)

        let stored = try CLI.run(["compare", "--evaluation", evaluation, "--period", "2022", "--store-comparison", "--method", "subclass",
                                  "--database", conninfo, "--format", "json", "-q"])
        #expect(stored.status == 0, "\(stored.errors)")
        // The weighted group's metrics are stored under the contract's matched reference, for the period.
        #expect(try db.execute("SELECT count(*) FROM metrics.computed_periods WHERE contract_id = 'housing-2021@matched' AND period = '2022'").scalar(Int.self) == 1)
        // Every provider's weights add up to its participants (each within a billionth), in billionths.
        let sums = try db.execute("""
            SELECT provider_id, sum(weight)::float8 / min(weight_denominator), min(weight_denominator), count(*)
            FROM evaluation.matched_weights GROUP BY 1 ORDER BY 1
            """).map { (try $0.decode(String.self, at: 0), try $0.decode(Double.self, at: 1), try $0.decode(Int.self, at: 2), try $0.decode(Int.self, at: 3)) }
        #expect(sums.count > 1 && sums.allSatisfy { $0.2 == 1_000_000_000 && $0.3 > 0 }, "\(sums)")
        let participants = try db.execute("SELECT provider_id, count(*) FROM evaluation.run_units WHERE treated GROUP BY 1 ORDER BY 1")
            .map { (try $0.decode(String.self, at: 0), try $0.decode(Int.self, at: 1)) }
        #expect(sums.map(\.0) == participants.map(\.0))
        for ((provider, total, _, members), (_, count)) in zip(sums, participants) {
            #expect(abs(total - Double(count)) <= Double(members + 1) * 1e-9, "\(provider): \(total) against \(count) participants")
        }
    }
}
