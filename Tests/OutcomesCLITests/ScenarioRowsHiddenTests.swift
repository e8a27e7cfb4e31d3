import Foundation
import OutcomesDomain
import Testing
@testable import OutcomesCLI
@testable import OutcomesDatabase

/// A scenario's row is hidden with the differences in means it rests on, worked by hand.
struct ScenarioRowsHiddenTests {
    func estimate(_ outcome: String, _ provider: String?, analysis: String = "difference") -> PublishedEstimates.Estimate {
        PublishedEstimates.Estimate(evaluation: "e", period: "2023", comparison: "pool", outcome: outcome, provider: provider, analysis: analysis,
                                    estimate: 0.1, standardError: 0.05, standardErrorType: "robust", ciLower: 0, ciUpper: 0.2, pValue: 0.05,
                                    treated: 100, controls: 100, meanTreated: 0.5, meanControl: 0.4)
    }

    func row(_ provider: String?, runs: [Int] = [7]) -> PublishedScenarios.Figures {
        PublishedScenarios.Figures(scenario: "s", provider: provider, variant: nil, benefits: [], totalBenefits: 1, cost: 1, benefitsMinusCosts: 0,
                                   benefitCostRatio: 1, chanceBenefitsExceedCosts: 0.5, netP5: nil, netP95: nil, breakEvenScale: nil,
                                   comparisonRuns: runs)
    }

    @Test func aRowFollowsItsProvidersEstimateElseAllProviders() {
        let shown = EstimateSuppression.Hidden(sizes: false, figures: false), hidden = EstimateSuppression.Hidden(sizes: false, figures: true)
        // Run 7: housed for all providers (hidden) and for a (shown); entries for all (shown) and a (shown);
        // b has no estimate of its own; a's difference-in-differences row is hidden but no scenario takes it.
        let cited: [(run: Int, estimate: PublishedEstimates.Estimate)] = [
            (7, estimate("housed", nil)), (7, estimate("housed", "a")), (7, estimate("entries", nil)), (7, estimate("entries", "a")),
            (7, estimate("entries", "a", analysis: "difference-in-differences")),
        ]
        let flags = [hidden, shown, shown, shown, hidden]
        let rows = [row(nil), row("a"), row("b"), row("a", runs: [8]), row(nil, runs: [])]
        // All providers: its housed estimate is hidden. a: both its own shown. b: none of its own, so all
        // providers' housed (hidden). A run nothing cites, or none: nothing to rest on.
        #expect(OpenDataResource.scenarioRowsHidden(rows, cited: cited, hidden: flags) == [true, false, true, false, false])
    }
}
