import Foundation
import OutcomesDomain
import OutcomesStatistics
import Testing
@testable import OutcomesCLI

/// A comparison report's counts add up (parts of all units, providers of all participants), so a
/// small count hides another with it, or the total minus the rest would give it back.
struct ComparisonSuppressionTests {
    static let policy = SmallCellPolicy(threshold: 11)
    static let marker = Cell.suppressed("<11")

    @Test func aSmallSampleSizeHidesAnotherPartOfItsArm() {
        typealias Pair = EvaluationResult.SampleSizes.Pair
        // Treated 45 + 5 + 0 = 50: the 5 unmatched hide the 45 matched too (50 − 45 would give 5), and so
        // does the effective size, which equals the matched count. Controls 45 + 150 + 5 = 200: the 5
        // discarded hide the 45 matched.
        let sizes = EvaluationResult.SampleSizes(all: Pair(control: 200, treated: 50), matchedESS: Pair(control: 45, treated: 45),
                                                 matched: Pair(control: 45, treated: 45), unmatched: Pair(control: 150, treated: 5),
                                                 discarded: Pair(control: 5, treated: 0))
        let rows = ComparisonTables.sampleSizeRows(sizes, policy: Self.policy) { value in
            value > 0 && value < 11 ? Self.marker : .int(Int(value))
        }
        #expect(rows == [
            [.text("All"), .int(200), .int(50)],
            [.text("Matched (ESS)"), Self.marker, Self.marker],
            [.text("Matched"), Self.marker, Self.marker],
            [.text("Unmatched"), .int(150), Self.marker],
            [.text("Discarded"), Self.marker, .int(0)],
        ])
    }

    @Test func aSmallProviderHidesAnotherProviderOfTheSameOutcome() {
        func estimate(_ group: String?, _ treated: Int, _ controls: Int, outcome: String = "housed_12m") -> EvaluationResult.Estimate {
            .init(outcome: outcome, group: group, analysis: .difference,
                  effect: EffectEstimate(estimate: 0.1, standardError: 0.05, kind: .hc0, treated: treated, controls: controls),
                  meanTreated: 0.7, meanControl: 0.6)
        }
        // 5 + 40 + 55 = 100 treated: hearth's 5 and the next smallest, keystone's 40; the overall row stays.
        let rows = [estimate(nil, 100, 100), estimate("hearth", 5, 30), estimate("keystone", 40, 30), estimate("bridgeway", 55, 40),
                    estimate(nil, 100, 100, outcome: "jail_days_12m"), estimate("hearth", 50, 50, outcome: "jail_days_12m"),
                    estimate("keystone", 50, 50, outcome: "jail_days_12m")]
        #expect(ComparisonTables.hidden(rows, policy: Self.policy) == [false, true, true, false, false, false, false])
        #expect(ComparisonTables.hidden(rows, policy: nil).allSatisfy { !$0 })
    }
}

extension ComparisonSuppressionTests {
    @Test func aBinaryCovariatesMeansThatGiveASmallCountAreHidden() {
        func row(_ name: String, binary: Bool = true, _ treated: Double, _ control: Double) -> Balance.Row {
            Balance.Row(name: name, binary: binary, meanTreated: treated, meanControl: control, standardizedMeanDifference: 0.1,
                        varianceRatio: nil, eCDFMean: 0.01, eCDFMax: 0.02, standardizedPairDistance: nil)
        }
        let units = EvaluationResult.SampleSizes.Pair(control: 400, treated: 200)
        // 0.02 × 200 = 4 treated with the covariate; 0.99 × 400 = 396, so 4 controls without it; 0.1 × 200 = 20
        // and 0.2 × 400 = 80 give nothing away; a continuous covariate's mean is not a count.
        let rows = [row("county_Fir", 0.02, 0.30), row("any_jail", 0.1, 0.2), row("employed", 0.5, 0.99), row("age", binary: false, 0.02, 0.03)]
        #expect(ComparisonTables.hiddenBalance(rows, units: units, policy: Self.policy) == ["county_Fir", "employed"])
        #expect(ComparisonTables.hiddenBalance(rows, units: units, policy: nil).isEmpty)
    }
}
