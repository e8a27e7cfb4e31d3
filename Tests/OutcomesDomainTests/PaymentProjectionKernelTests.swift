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
            for outcome in effects.keys.sorted() where random.bernoulli(0.7) {  // sorted: the same draws in every process
                for provider in [nil, "p0", "p1", "p2"] as [String?] where random.bernoulli(0.5) {
                    shifts[outcome, default: [:]][provider] = Double(random.int(in: -40...40)) / 100
                }
            }
            let fast = try projection.draw(shifts: shifts), engine = try projection.referenceDraw(shifts: shifts)
            #expect(fast == engine, "shifts \(shifts)")
            totals.insert(fast.owed.values.reduce(0, +))
            if !fast.capsBound.isEmpty { bound += 1 }
        }
        #expect(totals.count > 2, "the departures move the payments (caps hold many draws to the same total)")
    }
}

/// Effects on a per-day line's days move them in whole days: by hand, and the kernel against the engine.
@Suite struct PerDayProjectionTests {
    @Test func departuresAreSharedOutInWholeDays() {
        #expect(PaymentProjection.wholeDays(0.25, count: 10) == [1, 1, 1, 0, 0, 0, 0, 0, 0, 0])  // 2.5 rounds to 3 days
        #expect(PaymentProjection.wholeDays(-1.5, count: 4) == [-2, -2, -1, -1])
        #expect(PaymentProjection.wholeDays(0.04, count: 10) == Array(repeating: 0, count: 10))
        #expect(PaymentProjection.wholeDays(7, count: 0) == [])
    }

    func contract(_ payments: String) throws -> PaymentTerms {
        try #require(try OutcomeContract.parse(yaml: paymentContract(metrics: RateCardTests.metrics, payments: payments), file: "d.yaml").payments)
    }

    @Test func twoMoreDaysEachPayTwoDaysMoreEach() throws {
        let terms = try contract("""
              per_day:
                - {id: days, days: housed_12m, less: employed, price: 10}
            """)
        var snapshot = PaymentSnapshot()
        snapshot.values = [PeriodOutcomes(period: "2021", outcomes: [(1, 100, 5), (2, 50, 0), (3, 0, 0)].flatMap { person, days, less in
            [ParticipantOutcome(personID: person, providerID: "p", metricID: "housed_12m", value: Decimal(days)),
             ParticipantOutcome(personID: person, providerID: "p", metricID: "employed", value: Decimal(less))]
        })]
        let plan = PaymentPlan(terms: terms, periods: ["2021"], isLastPeriod: false)
        let projection = try PaymentProjection(periods: [.init(period: "2021", plan: plan, snapshot: snapshot)], terms: terms,
                                               effects: ["housed_12m": [nil: (estimate: 2, se: 1)], "employed": [nil: (estimate: -1, se: 1)]])
        #expect(projection.kernel?.movedPerDay != nil)
        let key = PaymentProjection.Key(provider: "p", period: "2021")
        // (100 − 5) + 50 + 0 = 145 days at 10.
        #expect(try projection.expected().owed == [key: 1450])
        // Two more days each in the state: 151 days.
        #expect(try projection.owed(shifts: ["housed_12m": [nil: 2]]).owed == [key: 1510])
        // Five fewer days taken off each: person 1's 5 go to zero, the others have none to lose (never below zero): 150 days.
        #expect(try projection.owed(shifts: ["employed": [nil: -5]]).owed == [key: 1500])
        // A third of a day more each is one day in all, to the first by the hash: 146 days.
        #expect(try projection.owed(shifts: ["housed_12m": [nil: 1.0 / 3]]).owed == [key: 1460])
        #expect(try projection.owed(shifts: ["employed": [nil: -10.0 / 3]]) == (try projection.referenceDraw(shifts: ["employed": [nil: -10.0 / 3]])))
    }

    @Test(arguments: 1...20)
    func theKernelOwesWhatTheEngineOwes(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed))
        func amount(_ range: ClosedRange<Int>) -> Int { random.int(in: range) }
        let terms = try contract("""
              caps: {contract: \(amount(200_000...900_000)), provider: {p1: \(amount(100_000...400_000))}}
              per_day:
                - {id: housed, days: housed_12m, less: employed, price: \(amount(5...20)).50, participant_cap: \(amount(1500...4000)),
                   cap: \(amount(150_000...500_000)), precondition: engaged}
                - {id: qualified, days: qualified, price: \(amount(1...9)), cap: \(amount(20_000...90_000))}
            """)
        let values = ["2020", "2021", "2022", "2023"].map { label in
            PeriodOutcomes(period: label, outcomes: (1...50).flatMap { person in
                ["housed_12m", "employed", "engaged", "qualified"].compactMap { metric in
                    random.bernoulli(0.85)
                        ? ParticipantOutcome(personID: person * 3, providerID: "p\(person % 3)", metricID: metric,
                                             value: Decimal(metric == "engaged" ? random.int(in: 0...1) : random.int(in: 0...365)))
                        : nil
                }
            }, payable: label != "2020")
        }
        var snapshot = PaymentSnapshot()
        snapshot.values = values
        let plan = PaymentPlan(terms: terms, periods: ["2021", "2022", "2023"], isLastPeriod: true)
        let effects: [String: [String?: (estimate: Double, se: Double)]] = ["housed_12m": [nil: (20, 15)], "employed": ["p1": (-5, 5)], "qualified": [nil: (3, 9)]]
        let projection = try PaymentProjection(periods: [.init(period: "2023", plan: plan, snapshot: snapshot)], terms: terms, effects: effects)
        #expect(projection.kernel?.movedPerDay != nil)
        var totals: Set<Decimal> = []
        for _ in 0..<30 {
            var shifts: [String: [String?: Double]] = [:]
            for (outcome, providers) in [("housed_12m", [nil, "p0"]), ("employed", ["p1", "p2"]), ("qualified", [nil])] as [(String, [String?])] {
                for provider in providers where random.bernoulli(0.7) { shifts[outcome, default: [:]][provider] = Double(random.int(in: -4000...4000)) / 100 }
            }
            let fast = try projection.draw(shifts: shifts)
            #expect(fast == (try projection.referenceDraw(shifts: shifts)), "shifts \(shifts)")
            totals.insert(fast.owed.values.reduce(0, +))
        }
        #expect(totals.count > 5)
    }
}
