import Foundation
import Testing
@testable import OutcomesDomain

/// Effects measured on every provider's participants together and paid once, split exactly;
/// cohorts without participants; the comparison a determination prints following its condition.
@Suite struct PooledEffectTests {
    static func contract(_ extra: String = "", comparison: String = "shared_control_group") -> String {
        """
        contract: pooled-test
        program: housing
        version: 1
        data_through: 2024-12-31
        currency: USD
        cohort: {providers: [hearth, keystone]}
        periods: {every: year, from: 2021-01-01, to: 2022-12-31}
        metrics:
          - {id: shelter_nights, measure: days_covered, domain: shelter, window: {anchor: enrollment_start, from: 0 days, to: 12 months}}
        payments:
          effect:
            - id: fewer_nights
              outcome: shelter_nights
              better: lower
              improvement: absolute
              comparison: \(comparison)
              threshold: 0.5
              tiers: [{from: 0.5, pays: 10000}]\(extra)
        """
    }

    func terms(_ text: String) throws -> PaymentTerms { try #require(try OutcomeContract.parse(yaml: text, file: "pooled.yaml").payments) }

    /// One control group of 4 with 12 nights (3 a head); hearth's 10 participants 20 nights (2 a
    /// head), keystone's 20 participants 50 (2.5 a head).
    static let control = GroupFigure(participants: 4, total: 12, count: 4)
    static let hearth = GroupFigure(participants: 10, total: 20, count: 10)
    static let keystone = GroupFigure(participants: 20, total: 50, count: 20)

    func owed(_ terms: PaymentTerms, pooled: Bool) throws -> (byProvider: [String: Money], PaymentComputation) {
        var snapshot = PaymentSnapshot()
        snapshot.effectFigures["fewer_nights"] = (cohorts: pooled
            ? [EffectFigures(cohort: "2021", treated: GroupFigure(participants: 30, total: 70, count: 30), comparison: Self.control,
                             participantsByProvider: ["hearth": 10, "keystone": 20])]
            : [EffectFigures(cohort: "2021", group: "hearth", treated: Self.hearth, comparison: Self.control),
               EffectFigures(cohort: "2021", group: "keystone", treated: Self.keystone, comparison: Self.control)], overall: [])
        let computed = try PaymentPlan(terms: terms, periods: ["2021"], isLastPeriod: false).compute(kind: .final, snapshot: snapshot, posted: [:])
        return (computed.entries.reduce(into: [:]) { $0[$1.providerID, default: .zero(usd)] += $1.amount }, computed)
    }

    @Test func twoProvidersAgainstOneControlArePaidOnceOnThePooledEffectSplitExactly() throws {
        // Each provider's own effect (improvements of 1 and 0.5 nights): each reaches the tier and is paid it in full.
        let (perProvider, _) = try owed(try terms(Self.contract()), pooled: false)
        #expect(perProvider == ["hearth": dollars("10000"), "keystone": dollars("10000")])

        // Together: 70 nights over 30 = 7/3 against 3, an improvement of 2/3: the tier once, 10,000.
        // By participants: 10/30 and 20/30 of 1,000,000 cents are 333,333 r 10 and 666,666 r 20; the
        // cent left goes to the larger remainder, keystone's.
        let (pooled, computed) = try owed(try terms(Self.contract("\n      measured: pooled\n      split: by_participants")), pooled: true)
        #expect(pooled == ["hearth": dollars("3333.33"), "keystone": dollars("6666.67")])
        let determinations = computed.determinations
        #expect(determinations.map(\.provider) == ["hearth", "keystone"])
        for determination in determinations {
            #expect(determination.improvement == ExactRatio(2, 3) && determination.treated.participants == 30)
            #expect(determination.split?.earned == dollars("10000") && determination.split?.shares.map(\.payable) == [dollars("3333.33"), dollars("6666.67")])
        }
        // Wording is the subject here and below: how the determination's arithmetic reads to a payer.
        #expect(determinations[0].arithmetic.contains("split by participants (largest remainder): hearth 10 → 3,333.33; keystone 20 → 6,666.67"))

        let (equally, _) = try owed(try terms(Self.contract("\n      measured: pooled\n      split: equally")), pooled: true)
        #expect(equally == ["hearth": dollars("5000"), "keystone": dollars("5000")])
        let (toOne, _) = try owed(try terms(Self.contract("\n      measured: pooled\n      split: {to: keystone}")), pooled: true)
        #expect(toOne == ["keystone": dollars("10000")])
    }

    @Test func theLargestRemainderRuleAddsUpExactly() {
        // Three equal shares of 100.00: 33.33 each and one cent left, to the first by id.
        let equal = PooledSplit.largestRemainder(dollars("100"), weights: [("c", 1), ("a", 1), ("b", 1)])
        #expect(equal.map(\.provider) == ["c", "a", "b"] && equal.map(\.amount) == [dollars("33.33"), dollars("33.34"), dollars("33.33")])
        // 0.05 by 1 : 1 : 3 → 0.01, 0.01, 0.03 exactly; 0.07 by 1 : 1 : 1 → remainders tie: a and b get the extra cents.
        #expect(PooledSplit.largestRemainder(dollars("0.05"), weights: [("a", 1), ("b", 1), ("c", 3)]).map(\.amount)
                == [dollars("0.01"), dollars("0.01"), dollars("0.03")])
        #expect(PooledSplit.largestRemainder(dollars("0.07"), weights: [("a", 1), ("b", 1), ("c", 1)]).map(\.amount)
                == [dollars("0.03"), dollars("0.02"), dollars("0.02")])
        // Random amounts and weights: the shares always add up, each within a cent of its exact share.
        var random = SeededGenerator(seed: 3)
        for _ in 0..<300 {
            let amount = Money(minorUnits: random.int(in: 0...10_000_000), usd)
            let weights = (0..<random.int(in: 1...6)).map { ("p\($0)", random.int(in: 1...50)) }
            let shares = PooledSplit.largestRemainder(amount, weights: weights)
            #expect(Money.sum(shares.map(\.amount), usd) == amount)
            let total = Decimal(weights.reduce(0) { $0 + $1.1 })
            for (share, weight) in zip(shares, weights) {
                let exact = amount.amount * Decimal(weight.1) / total
                #expect(abs(share.amount.amount - exact) < Decimal(string: "0.01")!)
            }
        }
    }

    @Test func thePooledSyntaxReadsAndBadFormsAreRefused() throws {
        #expect(try terms(Self.contract()).effectLines[0].measured == .perProvider)
        #expect(try terms(Self.contract("\n      measured: pooled\n      split: {to: hearth}")).effectLines[0].measured == .pooled(.to("hearth")))
        #expect(try terms(Self.contract("\n      measured: per_provider")).effectLines[0].measured == .perProvider)
        for (extra, line) in [("\n      measured: pooled", 12), ("\n      split: equally", 19), ("\n      measured: pooled\n      split: halves", 20),
                              ("\n      measured: pooled\n      split: {to: elsewhere}", 20), ("\n      measured: everyone", 19)] {
            let error = #expect(throws: DefinitionFileError.self) { _ = try terms(Self.contract(extra)) }
            #expect(error?.line == line, "\(extra): \(error?.message ?? "")")
            #expect(error?.exitStatus == .dataError)
        }
    }

    @Test func aCohortWithoutParticipantsIsADeterminationThatPaysNothing() throws {
        let line = try terms(Self.contract(comparison: "matched_group")).effectLines[0]
        let payments = line.payments(cohorts: [
            EffectFigures(cohort: "2021", group: "hearth", treated: .empty, comparison: nil),
            EffectFigures(cohort: "2021", group: "keystone", treated: Self.keystone, comparison: Self.control),
        ], overall: [], currency: usd, rounding: .halfEven)
        #expect(payments.map(\.determination.finding) == [.noParticipants, .met])
        #expect(payments.map(\.payable) == [dollars("0"), dollars("10000")])
        #expect(payments[0].determination.arithmetic.contains("no participants"))  // wording is the subject
        // Pooled, nobody at all: one determination for no provider, paying nothing.
        let pooled = try terms(Self.contract("\n      measured: pooled\n      split: by_participants", comparison: "matched_group")).effectLines[0]
        let none = pooled.payments(cohorts: [EffectFigures(cohort: "2022", treated: .empty, comparison: nil)], overall: [], currency: usd, rounding: .halfEven)
        #expect(none.map(\.group) == [""] && none[0].determination.finding == .noParticipants && none[0].payable.isZero)
        // A savings share too.
        let savings = SavingsShareLine(id: "s", outcome: "shelter_nights", comparison: .baseline(30), unitCost: dollars("150"),
                                       schedule: [.init(percent: 40)], cap: nil)
        #expect(savings.payments(cohorts: [EffectFigures(cohort: "2021", treated: .empty, comparison: nil)], rounding: .halfEven)[0]
            .determination.finding == .noParticipants)
    }

    /// The sign printed between a figure and its threshold follows the condition's own operator.
    @Test func theComparisonPrintedFollowsTheConditionsOperator() throws {
        func clawback(_ target: String) throws -> Clawback {
            let text = paymentContract(metrics: ["employed"], payments: """
                  clawback:
                    - {id: rearrested, contract_value: 100000, share: 10, outcome: employed, statistic: rate, target: "\(target)", assessed_in: "2021", provider: p1}
                """)
            return try #require(try OutcomeContract.parse(yaml: text, file: "c.yaml").payments?.clawbacks.first)
        }
        let atMost = try clawback("<= 0.53")
        // 523 of 1,000 = 0.523: meets "<= 0.53" — it is at most the target, and reads so.
        let met = atMost.repayment(figure: GroupFigure(participants: 1000, total: 523, count: 1000), rounding: .halfEven).determination
        #expect(met.finding == .met && met.relation == .lessOrEqual)
        #expect(met.arithmetic.contains("figure 0.523 ≤ target 0.53"), "\(met.arithmetic)")
        let missed = atMost.repayment(figure: GroupFigure(participants: 1000, total: 600, count: 1000), rounding: .halfEven).determination
        #expect(missed.finding == .targetMissed && missed.relation == .greater)
        #expect(try clawback("> 0.5").repayment(figure: GroupFigure(participants: 2, total: 1, count: 2), rounding: .halfEven)
            .determination.relation == .lessOrEqual)
        // An effect line: an improvement at or above the threshold, or below it.
        let line = try terms(Self.contract()).effectLines[0]
        let results = line.payments(cohorts: [
            EffectFigures(cohort: "2021", group: "hearth", treated: Self.hearth, comparison: Self.control),
            EffectFigures(cohort: "2021", group: "keystone", treated: GroupFigure(participants: 4, total: 11, count: 4), comparison: Self.control),
        ], overall: [], currency: usd, rounding: .halfEven).map(\.determination)
        #expect(results.map(\.relation) == [.greaterOrEqual, .less])
    }
}
