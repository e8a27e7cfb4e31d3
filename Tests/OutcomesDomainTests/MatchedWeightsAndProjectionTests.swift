import Foundation
import Testing
@testable import OutcomesDomain

/// Matched groups' weights worked by hand, and payment projections that run the whole contract —
/// clawbacks and milestones — with the investors' flows carrying a repayment.
@Suite struct MatchedWeightsAndProjectionTests {
    @Test func matchItsWeightsKToOneAndWithReplacement() {
        // 2:1: treated 0 (hearth) took 10 and 11, treated 1 (keystone) found only 12.
        let twoToOne = MatchedGroup(matches: [0: [10, 11], 1: [12], 2: []], provider: { [0: "hearth", 1: "keystone"][$0]! })
        #expect(twoToOne.denominator == 2 && twoToOne.matchedTreated == 2)
        #expect(twoToOne.members.map { "\($0.unit) \($0.provider) \($0.weight)" } == ["10 hearth 1", "11 hearth 1", "12 keystone 2"])
        // MatchIt: 1/2, 1/2, 1 (adding up to 2 treated), scaled to the 3 controls: 3/4, 3/4, 3/2.
        #expect(twoToOne.matchItWeight(of: 10) == (3, 4) && twoToOne.matchItWeight(of: 12) == (6, 4))

        // With replacement, 3:1 at most: control 20 serves treated 0 (hearth, 3 controls) and 1 (keystone, 2 controls).
        let replaced = MatchedGroup(matches: [0: [20, 21, 22], 1: [20, 23]], provider: { [0: "hearth", 1: "keystone"][$0]! })
        #expect(replaced.denominator == 6)
        #expect(replaced.members.map { "\($0.unit) \($0.provider) \($0.weight)" }
                == ["20 hearth 2", "20 keystone 3", "21 hearth 2", "22 hearth 2", "23 keystone 3"])
        // MatchIt: 20 weighs 1/3 + 1/2 = 5/6; over all four controls the weights add up to 2, scaled by 4/2.
        let weight = replaced.matchItWeight(of: 20)
        #expect(ExactRatio(Decimal(weight.numerator), Decimal(weight.denominator)) == ExactRatio(5, 3))
        #expect(replaced.controls == [20, 21, 22, 23])
    }

    /// Two periods: a milestone of 5,000 and a clawback of 10% of 200,000 in 2021 (its figure, 58
    /// placed of 100, misses ">= 0.6"), a rate card paying 1,000 for each of 25 participants employed in
    /// 2022, and a milestone nobody has attested in 2022.
    func projection() throws -> (PaymentProjection, [PaymentPlan]) {
        let terms = try #require(try OutcomeContract.parse(yaml: paymentContract(metrics: ["employed", "placed"], payments: """
              rate_card: {lines: [{id: job, outcome: employed, price: 1000}]}
              milestones:
                - {id: launch, amount: 5000, period: "2021", provider: p1}
                - {id: report, amount: 7500, period: "2022", provider: p1}
              clawback:
                - {id: missed_jobs, contract_value: 200000, share: 10, outcome: placed, statistic: rate, target: ">= 0.6", assessed_in: "2021", provider: p1}
                - {id: missed_later, contract_value: 200000, share: 10, outcome: placed, statistic: rate, target: ">= 0.6", assessed_in: "2024", provider: p1}
            """), file: "p.yaml").payments)
        let card = try #require(terms.rateCard)
        func achievements(_ label: String, employed: Int) -> PeriodAchievements {
            card.achievements(PeriodOutcomes(period: label, outcomes: (1...60).map {
                ParticipantOutcome(personID: $0, providerID: "p1", metricID: "employed", value: label == "2022" && $0 <= employed ? 1 : 0)
            }))
        }
        var first = PaymentSnapshot(), second = PaymentSnapshot()
        first.achievements = [achievements("2021", employed: 0)]
        first.attestations = ["launch": ("auditor", "2021-12-01")]
        first.clawbackFigures = ["missed_jobs": GroupFigure(participants: 100, total: 58, count: 100)]
        second.achievements = [achievements("2021", employed: 0), achievements("2022", employed: 25)]
        second.attestations = first.attestations
        let plans = [PaymentPlan(terms: terms, periods: ["2021"], isLastPeriod: false),
                     PaymentPlan(terms: terms, periods: ["2021", "2022"], isLastPeriod: false)]
        let projection = try PaymentProjection(periods: [.init(period: "2021", plan: plans[0], snapshot: first),
                                                         .init(period: "2022", plan: plans[1], snapshot: second)],
                                               terms: terms, effects: ["placed": [nil: (estimate: 0.1, se: 0.05)]])
        return (projection, plans)
    }

    @Test func aClawbackAndMilestonesAreProjectedAsTheRunsPostThem() throws {
        let (projection, plans) = try projection()
        // 2021: 5,000 − 20,000 = −15,000. 2022: 25 × 1,000 = 25,000 (the report milestone is not attested).
        let expected = try projection.expected()
        #expect(expected.owed == [.init(provider: "p1", period: "2021"): -15000, .init(provider: "p1", period: "2022"): 25000])
        // What each period's own run would post.
        let runs = try plans.enumerated().map { index, plan in
            try plan.compute(kind: .final, snapshot: projection.periods[index].snapshot, posted: [:]).total.amount
        }
        #expect(runs == [-15000, 25000])
        #expect(projection.leftOut == [.milestoneNotAttested(id: "report", period: "2022", amount: dollars("7500")),
                                       .periodNotProjected(id: "missed_later", period: "2024")])
        // A draw that moves the placement rate moves the clawback's figure too: 0.58 + 0.01 still misses 0.6, + 0.03 meets it.
        #expect(try projection.owed(shifts: ["placed": [nil: 0.01]]).owed[.init(provider: "p1", period: "2021")] == -15000)
        #expect(try projection.owed(shifts: ["placed": [nil: 0.03]]).owed[.init(provider: "p1", period: "2021")] == 5000)

        // The investors: the 2021 repayment is set off against 2022's payment, 25,000 − 15,000 = 10,000.
        let financing = Financing(start: LocalDate(iso: "2021-01-01")!, tranches: [.init(id: "senior", kind: .senior, amount: 20000, coupon: 0)],
                                  upfrontFee: 0, annualFee: 0, guarantee: nil)
        let ends = ["2021": LocalDate(iso: "2021-12-31")!, "2022": LocalDate(iso: "2022-12-31")!]
        let investors = try InvestorReturns(financing: financing, projection: projection, expected: expected, draws: [], periodEnds: ends)
        let estimate = try #require(investors.levels.first { $0.name == "estimate" })
        #expect(estimate.payments == 10000)
        #expect(estimate.tranches[0].flows.map(\.amount) == [-20000, 10000] && !estimate.tranches[0].repaidInFull)
    }

    @Test func aRepaymentIsSetOffAgainstLaterPaymentsAndWhatIsLeftFallsOnTheJuniorInvestors() {
        let financing = Financing(start: LocalDate(iso: "2021-01-01")!, tranches: [
            .init(id: "senior", kind: .senior, amount: 100, coupon: 0), .init(id: "junior", kind: .subordinate, amount: 50, coupon: 0),
        ], upfrontFee: 0, annualFee: 0, guarantee: nil)
        // −30, then 80 (50 after the set-off: all to the senior), then −40 that nothing covers: the junior pays it back.
        let flows = financing.waterfall([(LocalDate(iso: "2021-12-31")!, -30), (LocalDate(iso: "2022-12-31")!, 80), (LocalDate(iso: "2023-12-31")!, -40)])
        #expect(flows[0].flows.map(\.amount) == [-100, 50] && flows[0].received == 50)
        #expect(flows[1].flows.map(\.amount) == [-50, -40] && flows[1].received == -40)
    }
}
