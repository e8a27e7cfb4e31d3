import Foundation
import OutcomesStatistics
import Testing
@testable import OutcomesDomain

/// A scenario's variants that change the payment terms: prices scaled and rounded as the contract
/// rounds, another contract cap, fewer participants, other effects — each checked against amounts
/// worked out by hand or from the engine's own lines.
@Suite struct PaymentVariantsTests {
    static let payments = """
          rate_card:
            lines:
              - {id: six, outcome: housed_6m, price: 1500}
              - {id: job, outcome: employed, recurs: true, tiers: [{up_to: 3, price: 300}, {price: 150.25}]}
        """

    func terms(_ payments: String = Self.payments) throws -> PaymentTerms {
        try #require(try OutcomeContract.parse(yaml: paymentContract(metrics: RateCardTests.metrics, payments: payments), file: "v.yaml").payments)
    }

    @Test func pricesAreScaledAndRoundedCapsAndMilestonesStay() throws {
        let terms = try terms("""
              caps: {contract: 90000}
              rate_card:
                caps: {contract: 50000}
                lines:
                  - {id: six, outcome: housed_6m, price: 1500}
                  - {id: job, outcome: employed, recurs: true, tiers: [{up_to: 3, price: 300}, {price: 150.25}]}
              per_day:
                - {id: days, days: housed_12m, price: 9.50}
              milestones:
                - {id: report, amount: 7500, period: "2022", provider: p1}
            """)
        let scaled = terms.pricesScaled(by: Decimal(string: "1.1")!)
        let card = try #require(scaled.rateCard)
        #expect(card.lines[0].pricing == .flat(dollars("1650")))
        // 150.25 × 1.1 = 165.275, half-even to the cent: 165.28.
        #expect(card.lines[1].pricing == .tiers([.init(upTo: 3, price: dollars("330")), .init(upTo: nil, price: dollars("165.28"))]))
        #expect(scaled.perDayLines[0].pricePerDay == dollars("10.45"))
        #expect(scaled.milestones == terms.milestones && scaled.caps == terms.caps && card.caps == terms.rateCard!.caps)
        #expect(scaled.lineIDs == terms.lineIDs)

        let capped = terms.withContractCap(60000)
        #expect(capped.caps.contract == dollars("60000") && capped.rateCard?.caps.contract == dollars("60000"))
        #expect(capped.rateCard?.lines == terms.rateCard?.lines && capped.perDayLines == terms.perDayLines)
    }

    /// 60 participants over two periods; every line's amount from the engine.
    func projection(_ terms: PaymentTerms) throws -> (PaymentProjection, [PaymentLine]) {
        let card = try #require(terms.rateCard)
        var random = SeededGenerator(seed: 11)
        let outcomes = ["2021", "2022"].map { label in
            PeriodOutcomes(period: label, outcomes: (1...60).flatMap { person in
                ["housed_6m", "employed"].map { ParticipantOutcome(personID: person, providerID: "p\(person % 2)", metricID: $0, value: Decimal(random.int(in: 0...1))) }
            })
        }
        var snapshot = PaymentSnapshot()
        snapshot.achievements = outcomes.map(card.achievements)
        let plan = PaymentPlan(terms: terms, periods: ["2021", "2022"], isLastPeriod: false)
        let projection = try PaymentProjection(periods: [.init(period: "2022", plan: plan, snapshot: snapshot)], terms: terms,
                                               effects: ["housed_6m": [nil: (estimate: 0.2, se: 0.05)], "employed": [nil: (estimate: 0.1, se: 0.05)]])
        return (projection, try RateCardEngine(terms: terms)!.lines(for: snapshot.achievements))
    }

    func total(_ draw: PaymentProjection.Draw) -> Decimal { draw.owed.values.reduce(0, +) }
    func total(_ lines: [PaymentLine]) -> Decimal { lines.reduce(Decimal(0)) { $0 + $1.payable.amount } }

    @Test func doublePricesPayDoubleWithoutCapsAndACapHolds() throws {
        let (projection, lines) = try projection(try terms())
        let stated = total(try projection.expected())
        #expect(stated == total(lines) && stated > 0)
        var variant = ScenarioDefinition.Variant(name: "double")
        variant.priceScale = 2
        #expect(total(try projection.variant(variant).expected()) == 2 * stated)
        var capped = ScenarioDefinition.Variant(name: "cap")
        capped.contractCap = (stated / 2).rounded(scale: 0)
        let draw = try projection.variant(capped).expected()
        #expect(total(draw) == (stated / 2).rounded(scale: 0) && draw.capsBound == [.scope(.allMechanisms)])
    }

    @Test func fewerEnrollmentsPayForTheParticipantsKept() throws {
        let (projection, lines) = try projection(try terms())
        var variant = ScenarioDefinition.Variant(name: "fewer")
        variant.enrollmentScale = 0.5
        let fewer = try projection.variant(variant)
        let kept = Set(fewer.periods.last!.snapshot.achievements.flatMap { $0.participants.map(\.personID) })
        #expect(kept.count > 18 && kept.count < 42, "about half of 60: \(kept.count)")
        #expect(fewer.participants == kept.count)
        // Without caps, and with the tiers counting afresh over those kept, each kept participant's one-off line pays as before.
        let sixes = lines.filter { $0.lineID == "six" && kept.contains($0.personID!) }
        let jobs = try RateCardEngine(terms: try terms())!.lines(for: fewer.periods.last!.snapshot.achievements).filter { $0.lineID == "job" }
        #expect(total(try fewer.expected()) == total(sixes) + total(jobs))
        // The same people every time: the sample is a hash of the person.
        #expect(Set(try projection.variant(variant).periods.last!.snapshot.achievements.flatMap { $0.participants.map(\.personID) }) == kept)
    }

    @Test func effectVariantsStartEveryDrawFromTheirDeparture() throws {
        let (projection, _) = try projection(try terms())
        var none = ScenarioDefinition.Variant(name: "no effect")
        none.effectScale = 0
        let changed = try projection.variant(none)
        // No effect at all: the expected draw is the figures moved back by the whole estimate, and the draws do not spread.
        #expect(try changed.expected() == (try projection.owed(shifts: ["housed_6m": [nil: -0.2], "employed": [nil: -0.1]])))
        #expect(Set(try changed.simulate(draws: 30, stream: MonteCarloStream(seed: 4)).map(total)).count == 1)
        var lower = ScenarioDefinition.Variant(name: "lower")
        lower.effectsAt = .lower
        let z = Normal.quantile(0.975)
        #expect(try projection.variant(lower).expected() == (try projection.owed(shifts: ["housed_6m": [nil: -z * 0.05], "employed": [nil: -z * 0.05]])))
    }
}
