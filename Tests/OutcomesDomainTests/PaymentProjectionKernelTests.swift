import Foundation
import OutcomesStatistics
import Testing
@testable import OutcomesDomain

/// A payment scenario's integer kernel owes, draw by draw, exactly what the payment engine owes
/// on the same moved figures: random rate cards (tiers per provider or contract, exclusive
/// outcomes, prerequisites, a precondition, caps at every scope) with caps across every
/// mechanism and attested milestones, under random departures per outcome and provider.
@Suite struct PaymentProjectionKernelTests {
    @Test(arguments: 1...30)
    func theKernelOwesWhatTheEngineOwes(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed))
        func amount(_ range: ClosedRange<Int>) -> Int { random.int(in: range) }
        func maybe(_ text: String) -> String? { random.bernoulli(0.6) ? text : nil }
        let cardCaps = [maybe("participant: \(amount(1500...6000))"), maybe("provider: \(amount(15000...50000))"),
                        maybe("period: \(amount(10000...40000))"), maybe("contract: \(amount(40000...120000))")].compactMap { $0 }
        let contractCaps = [maybe("contract: \(amount(40000...120000))"),
                            maybe("provider: {p0: \(amount(15000...50000)), p2: \(amount(15000...50000))}")].compactMap { $0 }
        let payments = (contractCaps.isEmpty ? "" : "  caps: {\(contractCaps.joined(separator: ", "))}\n")
            + RateCardPropertyTests.randomCard(caps: cardCaps, using: &random) + """

              milestones:
                - {id: start_up, amount: \(amount(500...5000)), period: "2022", provider: p1}
            """
        let contract = try OutcomeContract.parse(yaml: paymentContract(metrics: RateCardTests.metrics, payments: payments), file: "p.yaml")
        let terms = try #require(contract.payments)
        let card = try #require(terms.rateCard)
        // A period before the first (preconditions and prerequisites only), then the four paid.
        let outcomes = ["2020", "2021", "2022", "2023", "2024"].map { label in
            PeriodOutcomes(period: label, outcomes: (1...40).flatMap { person in
                RateCardTests.metrics.compactMap { metric in
                    random.bernoulli(0.35)
                        ? ParticipantOutcome(personID: person * 7, providerID: "p\(person % 3)", metricID: metric, value: Decimal(random.int(in: 0...1)))
                        : nil
                }
            }, payable: label != "2020")
        }
        var snapshot = PaymentSnapshot()
        snapshot.achievements = outcomes.map(card.achievements)
        snapshot.attestations = ["start_up": (by: "auditor", on: "2023-01-15")]
        let plan = PaymentPlan(terms: terms, periods: ["2021", "2022", "2023", "2024"], isLastPeriod: true)
        let effects = Dictionary(uniqueKeysWithValues: ["housed_6m", "housed_12m", "part_time", "full_time", "employed"].map {
            ($0, [String?: (estimate: Double, se: Double)]())
        })
        let projection = try PaymentProjection(periods: [.init(period: "2024", plan: plan, snapshot: snapshot)], terms: terms, effects: effects)
        #expect(projection.kernel != nil, "the kernel serves this contract (else the test would compare the engine with itself)")

        var totals: Set<Decimal> = [], bound = 0
        for _ in 0..<40 {
            var shifts: [String: [String?: Double]] = [:]
            for outcome in effects.keys where random.bernoulli(0.7) {
                for provider in [nil, "p0", "p1", "p2"] as [String?] where random.bernoulli(0.5) {
                    shifts[outcome, default: [:]][provider] = Double(random.int(in: -40...40)) / 100
                }
            }
            let fast = try projection.draw(shifts: shifts), engine = try projection.referenceDraw(shifts: shifts)
            #expect(fast == engine, "shifts \(shifts)")
            totals.insert(fast.owed.values.reduce(0, +))
            if !fast.capsBound.isEmpty { bound += 1 }
        }
        #expect(totals.count > 5, "the departures move the payments")
    }
}
