import Foundation
import Testing
@testable import OutcomesDomain

/// The pure payment computation: terms, a snapshot of figures and what was posted in; ledger lines
/// with typed reasons and determinations out — no database.
@Suite struct PaymentPlanTests {
    static let contract = """
        contract: plan-test
        program: housing
        version: 1
        data_through: 2024-12-31
        currency: USD
        cohort: {providers: [hearth, keystone]}
        periods: {every: year, from: 2021-01-01, to: 2022-12-31}
        metrics:
          - {id: housed, measure: any, domain: shelter, window: {anchor: enrollment_start, from: 0 days, to: 12 months}}
          - {id: shelter_nights, measure: days_covered, domain: shelter, window: {anchor: enrollment_start, from: 0 days, to: 12 months}}
        payments:
          caps:
            contract: 10000
            provider: {hearth: 6000, keystone: 5000}
          rate_card:
            lines: [{id: housed, outcome: housed, price: 1000}]
          effect:
            - id: fewer_nights
              outcome: shelter_nights
              better: lower
              improvement: absolute
              comparison: shared_control_group
              threshold: 0.5
              per_participant: true
              per_unit: {units: fractional, counted_from: zero, brackets: [{from: 0.5, price: 300}]}
        """

    func terms(_ text: String = contract) throws -> PaymentTerms {
        try #require(try OutcomeContract.parse(yaml: text, file: "plan.yaml").payments)
    }

    func snapshot() -> PaymentSnapshot {
        var snapshot = PaymentSnapshot()
        func housed(_ people: [(Int, String)]) -> [RateCardAchievement] {
            people.map { RateCardAchievement(personID: $0.0, providerID: $0.1, lines: 1, precondition: false) }
        }
        snapshot.achievements = [
            PeriodAchievements(period: "2021", participants: housed([(1, "hearth"), (2, "hearth"), (3, "hearth"), (4, "hearth"),
                                                                     (5, "keystone"), (6, "keystone"), (7, "keystone")])),
            PeriodAchievements(period: "2022", participants: housed([(8, "keystone")])),
        ]
        // One control group shared by both providers: 3 nights a head (12 over 4).
        let control = GroupFigure(participants: 4, total: 12, count: 4)
        snapshot.effectFigures["fewer_nights"] = (cohorts: [
            EffectFigures(cohort: "2021", group: "hearth", treated: GroupFigure(participants: 10, total: 20, count: 10), comparison: control),
            EffectFigures(cohort: "2021", group: "keystone", treated: GroupFigure(participants: 10, total: 25, count: 10), comparison: control),
        ], overall: [])
        return snapshot
    }

    func byKey(_ entries: [LedgerEntry]) -> [String: Money] {
        entries.reduce(into: [:]) { $0["\($1.providerID)/\($1.lineID)", default: .zero(usd)] += $1.amount }
    }

    /// Hand-worked: rate card 4 × 1,000 (hearth) and 3 × 1,000 (keystone) come first in the contract's order; then the
    /// effect line — hearth 1 night avoided a head × 300 × 10 = 3,000, cut to 2,000 by its 6,000 cap across mechanisms;
    /// keystone exactly the 0.5 threshold, counted from zero: 0.5 × 300 × 10 = 1,500, cut to 1,000 by the contract's 10,000.
    @Test func capsAcrossMechanismsAndPerProviderWithASharedControlGroupAndFractionalUnits() throws {
        let plan = PaymentPlan(terms: try terms(), periods: ["2021"], isLastPeriod: false)
        let first = try plan.compute(kind: .final, snapshot: snapshot(), posted: [:])
        #expect(byKey(first.entries) == ["hearth/housed": dollars("4000"), "keystone/housed": dollars("3000"),
                                         "hearth/fewer_nights": dollars("2000"), "keystone/fewer_nights": dollars("1000")])
        #expect(first.total == dollars("10000") && first.entries.allSatisfy { $0.kind == .payment && $0.payerID == "outcome_payer" })
        let hearth = try #require(first.entries.first { $0.providerID == "hearth" && $0.lineID == "fewer_nights" })
        #expect(hearth.earned == dollars("3000"))
        #expect(hearth.reasons == [.determination(cohort: "2021"),
                                   .cap(.providerAllMechanisms("hearth"), cap: dollars("6000"), payable: dollars("2000"), before: dollars("3000"))])
        let keystone = try #require(first.entries.first { $0.providerID == "keystone" && $0.lineID == "fewer_nights" })
        #expect(keystone.reasons.last == .cap(.allMechanisms, cap: dollars("10000"), payable: dollars("1000"), before: dollars("1500")))
        // The determinations: exact improvements, the threshold met exactly, the bracket's arithmetic.
        #expect(first.determinations.map(\.provider) == ["hearth", "keystone"])
        #expect(first.determinations.map(\.improvement) == [ExactRatio(1), ExactRatio(1, 2)])
        #expect(first.determinations.allSatisfy { $0.finding == .met && $0.basis == .sharedControlGroup })
        #expect(first.determinations[1].steps == [PricingStep(from: 0, to: nil, units: ExactRatio(1, 2), price: dollars("300"),
                                                              amount: ExactRatio(1500))])

        // The same inputs against what was posted: nothing to post.
        let posted = Dictionary(first.entries.map { (LedgerKey(provider: $0.providerID, payer: $0.payerID, person: $0.personID,
                                                               line: $0.lineID), $0.amount) }, uniquingKeysWith: +)
        #expect(try plan.compute(kind: .final, snapshot: snapshot(), posted: posted).entries.isEmpty)

        // 2022: the contract cap is spent; keystone's new outcome earns 1,000 and pays nothing, and says why.
        let next = try PaymentPlan(terms: try terms(), periods: ["2021", "2022"], isLastPeriod: true)
            .compute(kind: .final, snapshot: snapshot(), posted: [:])
        #expect(next.entries.map(\.amount) == [dollars("0")])
        #expect(next.entries[0].earned == dollars("1000"))
        #expect(next.entries[0].reasons == [.cap(.allMechanisms, cap: dollars("10000"), payable: dollars("0"), before: dollars("1000"))])
    }

    @Test func interimSharePayersAndAdjustmentsWithTypedReasons() throws {
        let text = Self.contract.replacingOccurrences(of: """
              caps:
                contract: 10000
                provider: {hearth: 6000, keystone: 5000}
            """, with: """
              interim: {share: 75}
              payers: [{id: state, share: 60}, {id: county, share: 40}]
            """)
        let plan = PaymentPlan(terms: try terms(text), periods: ["2021"], isLastPeriod: false)
        let interim = try plan.compute(kind: .interim, snapshot: snapshot(), posted: [:])
        // Person 1's 1,000: 75% = 750, split 450 / 300; what was earned is recorded once, on the first payer's part.
        let person1 = interim.entries.filter { $0.personID == 1 }
        #expect(person1.map(\.payerID) == ["state", "county"] && person1.map(\.amount) == [dollars("450"), dollars("300")])
        #expect(person1.map(\.earned) == [dollars("1000"), nil])
        #expect(person1[0].reasons == [.interim(sharePercent: 75, of: dollars("1000"))])
        // The effect line uncapped: hearth 3,000, keystone 1,500; at 75%: 2,250 and 1,125.
        #expect(interim.owedTotal == dollars("8625"))  // (7,000 + 4,500) × 75%
        let posted = Dictionary(interim.entries.map { (LedgerKey(provider: $0.providerID, payer: $0.payerID, person: $0.personID,
                                                                 line: $0.lineID), $0.amount) }, uniquingKeysWith: +)
        let final = try plan.compute(kind: .final, snapshot: snapshot(), posted: posted)
        #expect(final.entries.allSatisfy { $0.kind == .adjustment } && final.total == dollars("2875"))
        let adjusted = try #require(final.entries.first { $0.personID == 1 && $0.payerID == "state" })
        #expect(adjusted.amount == dollars("150"))
        #expect(adjusted.reasons.last == .adjustment(postedBefore: dollars("450"), nowOwed: dollars("600")))
        #expect(adjusted.reasons.json == #"[{"kind":"adjustment","posted_before":"450.00","now_owed":"600.00"}]"#)
    }

    @Test func providerCapsGivenProviderByProviderAndTheirErrors() throws {
        let text = Self.contract.replacingOccurrences(of: "lines: [{id: housed, outcome: housed, price: 1000}]",
                                                      with: "caps: {provider: {hearth: 2500, others: 1000}}\n    lines: [{id: housed, outcome: housed, price: 1000}]")
        let terms = try terms(text)
        #expect(terms.rateCard?.caps.provider == .named(["hearth": dollars("2500")], others: dollars("1000")))
        let lines = try RateCardEngine(terms: terms)!.lines(for: snapshot().achievements)
        let paid = Dictionary(grouping: lines, by: \.providerID).mapValues { Money.sum($0.map(\.payable), usd) }
        #expect(paid == ["hearth": dollars("2500"), "keystone": dollars("1000")])
        #expect(lines.first { $0.personID == 3 }?.reasons == [.cap(.provider("hearth"), cap: dollars("2500"), payable: dollars("500"),
                                                                   before: dollars("1000"))])
        let unknown = Self.contract.replacingOccurrences(of: "provider: {hearth: 6000, keystone: 5000}", with: "provider: {hearht: 6000}")
        do {
            _ = try OutcomeContract.parse(yaml: unknown, file: "plan.yaml")
            Issue.record("a misspelt provider was accepted")
        } catch let error as DefinitionFileError {
            #expect(error.file == "plan.yaml" && error.line == 14 && error.code == .unknownName(.provider, "hearht"))
        }
    }
}
