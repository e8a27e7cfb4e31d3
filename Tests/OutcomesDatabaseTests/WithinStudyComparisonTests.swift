import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// A within-study comparison (LaLonde 1986; Dehejia–Wahba 1999) on the synthetic IDS: the housing
/// program is randomized, so its experimental estimate is known; the propensity-matched comparison
/// from people never referred (scenarios/housing-2021-evaluation.yaml) must land inside the
/// experiment's 95% interval, and the naive comparison with the same pool must not.
@Suite struct WithinStudyComparisonTests {
    @Test func matchingOnObservedHistoryRecoversTheExperimentalEstimate() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 100_000, seed: 7)).load(into: db)
        let scenarios = Checkout.scenarios
        let contractText = try String(contentsOf: scenarios.appendingPathComponent("housing-2021.yaml"), encoding: .utf8)
        let stored = try ContractStore.loadStored(text: contractText, file: "housing-2021.yaml", on: db)
        let path = scenarios.appendingPathComponent("housing-2021-evaluation.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let definition = try EvaluationDefinition.parse(yaml: text, file: path)

        func estimate(_ source: ComparisonSource, method: EvaluationSpec.Method?) throws -> (EvaluationResult, EvaluationResult.Estimate) {
            var runner = ComparisonRunner(definition: definition, text: text, stored: stored, period: nil, source: source)
            if let method {
                runner.design.method = method
                (runner.design.exact, runner.design.caliper) = ([], nil)
            }
            let result = try runner.run(on: db).result
            let row = try #require(result.estimates.first { $0.outcome == "shelter_entries_12m" && $0.group == nil && $0.analysis == .difference })
            return (result, row)
        }
        let (_, experiment) = try estimate(.controlArm, method: EvaluationSpec.Method.none)
        let (matchedRun, matched) = try estimate(.pool, method: nil)
        let (_, naive) = try estimate(.pool, method: EvaluationSpec.Method.none)
        let interval = experiment.effect.confidenceInterval
        #expect(experiment.effect.estimate < 0 && experiment.effect.treated > 4_000, "the planted effect: fewer shelter entries")
        #expect(interval.lower <= matched.effect.estimate && matched.effect.estimate <= interval.upper,
                "matched \(matched.effect.estimate) outside the experiment's [\(interval.lower), \(interval.upper)]")
        #expect(naive.effect.estimate < interval.lower || naive.effect.estimate > interval.upper,
                "naive \(naive.effect.estimate) inside the experiment's [\(interval.lower), \(interval.upper)]")
        #expect(matchedRun.imbalanced.isEmpty, "imbalanced after matching: \(matchedRun.imbalanced)")
        #expect(try db.execute("SELECT count(*) FROM evaluation.runs").scalar(Int.self) == 3)
    }
}
