import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// A within-study comparison (LaLonde 1986; Dehejia–Wahba 1999) on the synthetic IDS: the housing
/// and the two-generation family programs are randomized, so their experimental estimates are
/// known; the propensity-matched comparison from people never referred
/// (scenarios/housing-2021-evaluation.yaml, family-2021-evaluation.yaml) must land inside the
/// experiment's 95% interval, and the naive comparison with the same pool must not.
@Suite struct WithinStudyComparisonTests {
    @Test func matchingOnObservedHistoryRecoversTheExperimentalEstimate() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 100_000, seed: 7, families: true)).load(into: db)
        try IDSMaintenance.refreshAfterLoad(db)
        try housingProgram(on: db)
        try twoGenerationProgram(on: db)
        #expect(try db.execute("SELECT count(*) FROM evaluation.runs").scalar(Int.self) == 6)
    }

    /// The planted effect on shelter entries, measured on the participants themselves.
    private func housingProgram(on db: PostgresConnection) throws {
        let (_, experiment, matchedRun, matched, naive) = try Self.estimates(
            contract: "housing-2021.yaml", evaluation: "housing-2021-evaluation.yaml", outcome: "shelter_entries_12m", on: db)
        let interval = experiment.effect.confidenceInterval
        #expect(experiment.effect.estimate < 0 && experiment.effect.treated > 4_000, "the planted effect: fewer shelter entries")
        #expect(interval.lower <= matched.effect.estimate && matched.effect.estimate <= interval.upper,
                "matched \(matched.effect.estimate) outside the experiment's [\(interval.lower), \(interval.upper)]")
        #expect(naive.effect.estimate < interval.lower || naive.effect.estimate > interval.upper,
                "naive \(naive.effect.estimate) inside the experiment's [\(interval.lower), \(interval.upper)]")
        #expect(matchedRun.imbalanced.isEmpty, "imbalanced after matching: \(matchedRun.imbalanced)")
    }

    /// The planted two-generation effect: serving the parent lowers the children's placement rate
    /// (× 0.55 and × 0.75 by provider). The outcome is measured on the participant's children
    /// (`of: child`), the pool is matched on the children's earlier placements and exactly on the
    /// number of young children; the referral favoured families whose children had been placed, so
    /// the naive comparison sees almost no effect.
    private func twoGenerationProgram(on db: PostgresConnection) throws {
        let (_, experiment, matchedRun, matched, naive) = try Self.estimates(
            contract: "family-2021.yaml", evaluation: "family-2021-evaluation.yaml", outcome: "child_placed_24m", on: db)
        let interval = experiment.effect.confidenceInterval
        #expect(interval.upper < 0 && experiment.effect.treated > 400, "the planted effect: fewer children placed")
        #expect(interval.lower <= matched.effect.estimate && matched.effect.estimate <= interval.upper,
                "matched \(matched.effect.estimate) outside the experiment's [\(interval.lower), \(interval.upper)]")
        #expect(naive.effect.estimate > interval.upper,
                "naive \(naive.effect.estimate) inside the experiment's [\(interval.lower), \(interval.upper)]")
        #expect(matchedRun.imbalanced.isEmpty, "imbalanced after matching: \(matchedRun.imbalanced)")
        // Matched exactly on family composition: in every matched pair, as many children under 6 on
        // the index date, counted here from the edges and birth dates directly.
        let runID = try db.execute("SELECT min(run_id) FROM evaluation.runs WHERE evaluation_id = 'family-2021-matched' AND comparison = 'pool'").scalar(Int.self)
        let pairs = try db.execute("""
            WITH young AS (
                SELECT u.person_id, u.subclass, u.treated,
                       (SELECT count(DISTINCT r.relative_id) FROM ids.relationships r JOIN ids.persons c ON c.person_id = r.relative_id
                        WHERE r.person_id = u.person_id AND r.relation = ANY (\(RelationshipCode.selected(by: "child"))::text[])
                          AND r.valid_from <= u.index_date AND (r.valid_to IS NULL OR r.valid_to >= u.index_date)
                          AND c.birth_date <= u.index_date AND extract(year FROM age(u.index_date, c.birth_date)) BETWEEN 0 AND 5) AS children
                FROM evaluation.run_units u WHERE u.run_id = \(runID) AND u.subclass IS NOT NULL)
            SELECT count(DISTINCT subclass), count(DISTINCT subclass) FILTER (WHERE children > 0),
                   count(*) FILTER (WHERE subclass IN (SELECT subclass FROM young GROUP BY subclass HAVING min(children) <> max(children)))
            FROM young
            """)[0]
        #expect(try pairs.decode(Int.self, at: 0) > 400 && pairs.decode(Int.self, at: 1) > 50, "matched pairs, and pairs with young children")
        #expect(try pairs.decode(Int.self, at: 2) == 0, "units in pairs whose numbers of young children differ")
    }

    private static func estimates(contract: String, evaluation: String, outcome: String, on db: PostgresConnection) throws
        -> (EvaluationResult, EvaluationResult.Estimate, EvaluationResult, EvaluationResult.Estimate, EvaluationResult.Estimate)
    {
        let scenarios = Checkout.scenarios
        let contractText = try String(contentsOf: scenarios.appendingPathComponent(contract), encoding: .utf8)
        let stored = try ContractStore.loadStored(text: contractText, file: contract, on: db)
        let path = scenarios.appendingPathComponent(evaluation).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let definition = try EvaluationDefinition.parse(yaml: text, file: path)

        func estimate(_ source: ComparisonSource, method: EvaluationSpec.Method?) throws -> (EvaluationResult, EvaluationResult.Estimate) {
            var runner = ComparisonRunner(definition: definition, text: text, stored: stored, period: nil, source: source)
            if let method {
                runner.design.method = method
                (runner.design.exact, runner.design.caliper) = ([], nil)
            }
            let result = try runner.run(on: db).result
            let row = try #require(result.estimates.first { $0.outcome == outcome && $0.group == nil && $0.analysis == .difference })
            return (result, row)
        }
        let (experimentRun, experiment) = try estimate(.controlArm, method: EvaluationSpec.Method.none)
        let (matchedRun, matched) = try estimate(.pool, method: nil)
        let (_, naive) = try estimate(.pool, method: EvaluationSpec.Method.none)
        return (experimentRun, experiment, matchedRun, matched, naive)
    }
}
