import Foundation
import Testing
@testable import OutcomesDomain

/// Improvements, thresholds and brackets are decided from exact totals and counts: a cutoff met
/// exactly by thirds or sevenths pays, one basis point below does not.
@Suite struct ExactDeterminationTests {
    func line(_ yaml: String) throws -> EffectLine {
        let contract = try OutcomeContract.parse(
            yaml: paymentContract(metrics: ["jail_days", "employed", "reconvictions"], payments: "  effect:\n" + yaml), file: "exact.yaml")
        return try #require(contract.payments?.effectLines.first)
    }

    /// `total / count` for the participants, `compared / comparedCount` for the comparison group.
    func figures(_ total: Decimal, _ count: Int, against compared: Decimal, _ comparedCount: Int, cohort: String = "2021")
        -> EffectFigures
    {
        EffectFigures(cohort: cohort, treated: GroupFigure(participants: count, total: total, count: count),
                      comparison: GroupFigure(participants: comparedCount, total: compared, count: comparedCount))
    }

    @Test func ratiosAreExactAndFloorAndRoundAsWritten() {
        let third = ExactRatio(1, 3)
        #expect(third + third + third == ExactRatio(1))
        #expect(ExactRatio(Decimal(38), 3).floor == 12 && ExactRatio(Decimal(-1), 3).floor == -1 && ExactRatio(Decimal(12)).floor == 12)
        #expect(ExactRatio(Decimal(2), 3).rounded(scale: 4) == Decimal(string: "0.6667"))
        // Printing is the subject: an inexact ratio is marked ≈.
        #expect(ExactRatio(Decimal(100), 3).description == "≈33.3333" && ExactRatio(Decimal(1), 4).description == "0.25")
        #expect(ExactRatio(Decimal(100), 3).fraction == "100/3")
        // The rounding of an amount: an exact half cent goes half-even, a third of a cent never ties.
        #expect(Money.rounding(ExactRatio(Decimal(1), 8), usd, .halfEven) == dollars("0.12"))  // 0.125
        #expect(Money.rounding(ExactRatio(Decimal(1), 8), usd, .halfUp) == dollars("0.13"))
        #expect(Money.rounding(ExactRatio(Decimal(-1), 8), usd, .down) == dollars("-0.12"))
    }

    @Test func aRelativeCutoffMetExactlyByThirdsPays() throws {
        let jail = try line("""
                - {id: jail_reduction, outcome: jail_days, better: lower, improvement: relative, comparison: comparison_group,
                   threshold: 20, tiers: [{from: 20, pays: 100000}]}
            """)
        // Comparison mean 10/3, participants' 8/3: (10/3 − 8/3) / (10/3) = exactly 20%.
        let exactly = figures(8, 3, against: 10, 3)
        // Rounded means — what avg() gave — miss the cliff: 19.99999…% pays nothing.
        let rounded = (Decimal(string: "3.3333333333333333")! - Decimal(string: "2.6666666666666667")!) / Decimal(string: "3.3333333333333333")! * 100
        #expect(rounded < 20)
        let paid = jail.payments(cohorts: [exactly], overall: nil, currency: usd, rounding: .halfEven)
        #expect(paid[0].improvement == ExactRatio(20))
        #expect(paid[0].payable == dollars("100000") && paid[0].determination.finding == .met)
        // One basis point below: 19.99% (comparison 10000/1000 = 10, participants 8001/1000).
        let below = jail.payments(cohorts: [figures(8001, 1000, against: 10000, 1000)], overall: nil, currency: usd, rounding: .halfEven)
        #expect(below[0].improvement == ExactRatio(Decimal(string: "19.99")!) && below[0].payable.isZero)
        #expect(below[0].determination.finding == .belowThreshold)
        // One basis point above pays.
        let above = jail.payments(cohorts: [figures(7999, 1000, against: 10000, 1000)], overall: nil, currency: usd, rounding: .halfEven)
        #expect(above[0].payable == dollars("100000"))
    }

    @Test func aRateCutoffMetExactlyBySevenths() throws {
        let employment = try line("""
                - {id: employment_gain, outcome: employed, statistic: rate, better: higher, improvement: absolute,
                   comparison: comparison_group, threshold: 0, per_unit: [{from: 0, price: 1000}]}
            """)
        // 5 of 7 against 2 of 7: 3/7 = 42.857142… points pay for 42 whole points, never 42.86 or a rounding of it.
        let paid = employment.payments(cohorts: [figures(5, 7, against: 2, 7)], overall: nil, currency: usd, rounding: .halfEven)
        #expect(paid[0].improvement == ExactRatio(Decimal(300), 7))
        #expect(paid[0].payable == dollars("42000"))
        // Exactly 38 points from counts of 350 (50 sevenths): 152/350 against 19/350 is 133/350 = 0.38.
        let cliff = try line("""
                - {id: cliff, outcome: employed, statistic: rate, better: higher, improvement: absolute, comparison: comparison_group,
                   threshold: 38, tiers: [{from: 38, pays: 5000}]}
            """)
        #expect(cliff.payments(cohorts: [figures(152, 350, against: 19, 350)], overall: nil, currency: usd, rounding: .halfEven)[0]
            .payable == dollars("5000"))
        #expect(cliff.payments(cohorts: [figures(1519, 3500, against: 190, 3500)], overall: nil, currency: usd, rounding: .halfEven)[0]
            .payable.isZero, "37.97 points")
    }

    @Test func fractionalUnitsPricedPerReconvictionAvoided() throws {
        let reconvictions = try line("""
                - id: reconvictions_avoided
                  outcome: reconvictions
                  better: lower
                  improvement: absolute
                  comparison: comparison_group
                  threshold: 0.1
                  per_participant: true
                  per_unit:
                    units: fractional
                    counted_from: zero
                    brackets: [{from: 0.1, price: 700}]
            """)
        // Comparison 2 reconvictions a head (300/150), participants 5/3 a head (250/150): 1/3 avoided per participant,
        // counted from zero once the threshold is met: 1/3 × 700 × 150 participants = 35,000 exactly.
        let paid = reconvictions.payments(cohorts: [figures(250, 150, against: 300, 150)], overall: nil, currency: usd,
                                          rounding: .halfEven)
        #expect(paid[0].improvement == ExactRatio(1, 3))
        #expect(paid[0].payable == dollars("35000"))
        let step = try #require(paid[0].determination.steps.first)
        #expect(step.from == 0 && step.units == ExactRatio(1, 3) && step.amount == ExactRatio(35000))
        // Wording is the subject: how the arithmetic reads.
        #expect(paid[0].determination.arithmetic.contains("150 treated: 250/150 = ≈1.6667 against control arm 300/150 = 2"))
        // 7 participants, 1/7 each (comparison 2, participants 13/7): 1/7 × 700 × 7 = 700; below 0.1 nothing.
        #expect(reconvictions.payments(cohorts: [figures(13, 7, against: 14, 7)], overall: nil, currency: usd, rounding: .halfEven)[0]
            .payable == dollars("700"))
        #expect(reconvictions.payments(cohorts: [figures(1901, 1000, against: 2000, 1000)], overall: nil, currency: usd,
                                       rounding: .halfEven)[0].payable.isZero, "0.099 avoided: below the threshold")
        // Counted from the bracket's start instead: only what is above 0.1 pays: (1/3 − 0.1) × 700 × 150 = 24,500.
        let fromStart = try line("""
                - {id: r, outcome: reconvictions, better: lower, improvement: absolute, comparison: comparison_group, threshold: 0.1,
                   per_participant: true, per_unit: {units: fractional, counted_from: bracket_start, brackets: [{from: 0.1, price: 700}]}}
            """)
        #expect(fromStart.payments(cohorts: [figures(250, 150, against: 300, 150)], overall: nil, currency: usd, rounding: .halfEven)[0]
            .payable == dollars("24500"))
        // The file must say how units are counted when it gives the mapping form.
        #expect(throws: DefinitionFileError.self) {
            _ = try line("""
                    - {id: r, outcome: reconvictions, better: lower, improvement: absolute, comparison: comparison_group, threshold: 0.1,
                       per_unit: {units: fractional, brackets: [{from: 0.1, price: 700}]}}
                """)
        }
    }

    @Test func aDeterminationIsRecordedWhenNothingIsPaid() throws {
        let jail = try line("""
                - {id: jail_reduction, outcome: jail_days, better: lower, improvement: relative, comparison: comparison_group,
                   threshold: 10, tiers: [{from: 10, pays: 100000}]}
            """)
        // 8.4%: below the 10% threshold — on record with its figures.
        let paid = jail.payments(cohorts: [figures(9160, 1000, against: 10000, 1000)], overall: nil, currency: usd, rounding: .halfEven)
        let determination = paid[0].determination
        #expect(determination.finding == .belowThreshold && determination.improvement == ExactRatio(Decimal(string: "8.4")!))
        #expect(determination.threshold == 10 && determination.treated.total == 9160 && determination.comparison?.count == 1000)
        #expect(determination.arithmetic.contains("improvement 8.4 < threshold 10: nothing is paid"))  // wording is the subject
        let detail = determination.detail
        #expect(detail.improvement?.exact == "42/5" && detail.improvement?.printed == DecimalString(Decimal(string: "8.4")!))
        #expect(detail.finding == .belowThreshold)
    }

    @Test func aSavingsShareStepsDownOnceTheLineHasPaidItsFirstStep() throws {
        let contract = try OutcomeContract.parse(yaml: paymentContract(metrics: ["jail_days"], payments: """
              savings_share:
                - id: jail_savings
                  outcome: jail_days
                  comparison: {baseline: 30}
                  unit_cost: 100
                  share: [{percent: 50, until: 10000}, {percent: 20}]
            """), file: "savings.yaml")
        let line = try #require(contract.payments?.savingsShares.first)
        // Each cohort avoids 5 days × 100 × 30 participants = 15,000 of cost.
        let cohort = { (label: String) in
            EffectFigures(cohort: label, treated: GroupFigure(participants: 30, total: 750, count: 30), comparison: nil)
        }
        let paid = line.payments(cohorts: [cohort("2021"), cohort("2022")], rounding: .halfEven)
        // 2021: 50% of 15,000 = 7,500 (paid so far 7,500). 2022: 50% until 10,000 — 2,500 from 5,000 of saving — then 20%
        // of the other 10,000 = 2,000: 4,500.
        #expect(paid.map(\.payable) == [dollars("7500"), dollars("4500")])
        for bad in ["[{percent: 50}, {percent: 20}]", "[{percent: 50, until: 100}, {percent: 20, until: 50}]",
                    "[{percent: 50, until: 100}, {percent: 30, until: 50}, {percent: 20}]"] {
            #expect(throws: DefinitionFileError.self, "\(bad)") {
                _ = try OutcomeContract.parse(yaml: paymentContract(metrics: ["jail_days"], payments: """
                      savings_share: [{id: s, outcome: jail_days, comparison: {baseline: 30}, unit_cost: 100, share: \(bad)}]
                    """), file: "savings.yaml")
            }
        }
    }

    @Test func aClawbackTargetOnAChangeFromABaseline() throws {
        let contract = try OutcomeContract.parse(yaml: paymentContract(metrics: ["employed"], payments: """
              clawback:
                - id: missed_gain
                  contract_value: 600000
                  share: 5
                  outcome: employed
                  statistic: rate
                  target: {baseline: 0.30, better: higher, improvement: relative, at_least: 10}
                  assessed_in: "2022"
                  provider: hearth
            """), file: "clawback.yaml")
        let clawback = try #require(contract.payments?.clawbacks.first)
        func repay(_ employed: Int, of participants: Int) -> Money {
            clawback.repayment(figure: GroupFigure(participants: participants, total: Decimal(employed), count: participants),
                               rounding: .halfEven).amount
        }
        // 33 of 100 is exactly 10% above 0.30: met. 32.99% (3299 of 10000) misses: 5% of 600,000 repaid.
        #expect(repay(33, of: 100) == dollars("0"))
        #expect(repay(3299, of: 10000) == dollars("-30000"))
        // 11 of 33 = 1/3: (1/3 − 0.3) / 0.3 = 11.11…%: met.
        #expect(repay(11, of: 33) == dollars("0"))
    }
}
