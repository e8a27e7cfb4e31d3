import Foundation
@testable import OutcomesDomain
import OutcomesStatistics
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// A payment scenario runs the payment engine on the stored figures: with every effect at its
/// estimate it owes exactly what the payment runs post; a larger effect pays more.
@Suite(.serialized) struct PaymentProjectionTests {
    /// The demo's housing contract: per-day lines, an effect line, a milestone, caps across every mechanism.
    @Test func perDayLinesAndCapsAcrossMechanismsToo() throws {
        let text = try String(contentsOf: Checkout.scenarios
            .appendingPathComponent("housing-2021.yaml"), encoding: .utf8)
        let (db, stored) = try DeterminationRunTests().prepared(text, persons: 3_000)
        let periods = try PaymentRunner(stored: stored).projection(on: db)
        let projection = try PaymentProjection(periods: periods, terms: stored.contract.payments!, effects: ["housed_12m": [nil: (estimate: 0.1, se: 0.05)]])
        let expected = try projection.expected()
        for period in periods { _ = try PaymentRunner(stored: stored).run(period: period.period, on: db) }
        var posted: [PaymentProjection.Key: Decimal] = [:]
        for row in try db.execute("SELECT provider_id, period, sum(amount) FROM payments.ledger GROUP BY 1, 2") {
            posted[PaymentProjection.Key(provider: try row.decode(at: 0), period: try row.decode(at: 1))] = try row.decode(at: 2)
        }
        #expect(periods.count == 4 && posted.count >= 4)
        #expect(expected.owed.filter { $0.value != 0 } == posted.filter { $0.value != 0 })
    }

    @Test func atTheEstimatesItOwesWhatThePaymentRunsPost() throws {
        let (db, stored) = try DeterminationRunTests().prepared(EffectPaymentRunTests.contract, persons: 3_000)
        let periods = try PaymentRunner(stored: stored).projection(on: db)
        #expect(periods.map(\.period) == ["2021", "2022"])
        let terms = try #require(stored.contract.payments)
        let projection = try PaymentProjection(periods: periods, terms: terms, effects: ["any_shelter_12m": [nil: (estimate: -0.1, se: 0.05)]])
        let expected = try projection.expected()
        for period in ["2021", "2022"] { _ = try PaymentRunner(stored: stored).run(period: period, on: db) }
        var posted: [PaymentProjection.Key: Decimal] = [:]
        for row in try db.execute("SELECT provider_id, period, sum(amount) FROM payments.ledger GROUP BY 1, 2") {
            posted[PaymentProjection.Key(provider: try row.decode(at: 0), period: try row.decode(at: 1))] = try row.decode(at: 2)
        }
        #expect(!posted.isEmpty)
        #expect(expected.owed.filter { $0.value != 0 } == posted.filter { $0.value != 0 })

        // Fewer in shelter than estimated (a departure below zero) is a larger improvement: it pays at least as much, and more somewhere.
        let draws = try projection.simulate(draws: 200, stream: MonteCarloStream(seed: 3))
        let expectedTotal = expected.owed.values.reduce(0, +)
        let totals = draws.map { $0.owed.values.reduce(0, +) }
        #expect(totals.contains { $0 > expectedTotal } && totals.contains { $0 < expectedTotal }, "the draws spread around the estimate")
        // Reproducible: the same seed, the same draws.
        #expect(try projection.simulate(draws: 20, stream: MonteCarloStream(seed: 3)) == Array(draws.prefix(20)))
    }

    /// The demo's reentry contract: a rate card with marginal tiers, caps per participant, provider
    /// and contract, two payers. At the estimates it owes what the runs post; under departures the
    /// integer kernel owes what the engine owes.
    @Test func aRateCardOwesWhatItsRunsPostAndTheKernelAgreesWithTheEngine() throws {
        let text = try String(contentsOf: Checkout.scenarios
            .appendingPathComponent("reentry-2021.yaml"), encoding: .utf8)
            // Posted by this one login: the maker–checker approval is not what this test is about.
            .replacingOccurrences(of: "  approval: maker_checker\n", with: "")
        let (db, stored) = try DeterminationRunTests().prepared(text, persons: 3_000)
        let periods = try PaymentRunner(stored: stored).projection(on: db)
        let terms = try #require(stored.contract.payments)
        let effects: [String: [String?: (estimate: Double, se: Double)]] = [
            "employed_after_exit": [nil: (0.05, 0.04)], "employed_4_quarters": ["northside_reentry": (0.03, 0.05), nil: (0.02, 0.03)],
        ]
        let projection = try PaymentProjection(periods: periods, terms: terms, effects: effects)
        #expect(projection.kernel != nil && projection.participants > 0)
        let expected = try projection.expected()
        for period in periods { _ = try PaymentRunner(stored: stored).run(period: period.period, kind: .final, on: db) }
        var posted: [PaymentProjection.Key: Decimal] = [:]
        for row in try db.execute("SELECT provider_id, period, sum(amount) FROM payments.ledger GROUP BY 1, 2") {
            posted[PaymentProjection.Key(provider: try row.decode(at: 0), period: try row.decode(at: 1))] = try row.decode(at: 2)
        }
        #expect(periods.count >= 2 && !posted.isEmpty)
        #expect(expected.owed.filter { $0.value != 0 } == posted.filter { $0.value != 0 })
        try expectKernelAgrees(projection, draws: 60, seed: 5)
    }

    /// The same for the housing contract's per-day (their days moved too), effect and milestone lines under caps across every mechanism.
    @Test func theKernelAgreesWithTheEngineOnPerDayAndEffectLines() throws {
        let text = try String(contentsOf: Checkout.scenarios
            .appendingPathComponent("housing-2021.yaml"), encoding: .utf8)
        let (db, stored) = try DeterminationRunTests().prepared(text, persons: 3_000)
        let projection = try PaymentProjection(periods: try PaymentRunner(stored: stored).projection(on: db), terms: stored.contract.payments!,
                                               effects: ["housed_12m": [nil: (estimate: 0.1, se: 0.15), "hearth": (estimate: 0.2, se: 0.2)],
                                                         "days_out_of_shelter_12m": [nil: (estimate: 25, se: 20)],
                                                         "jail_days_out_of_shelter_12m": ["keystone": (estimate: -2, se: 3)]])
        #expect(projection.kernel?.movedPerDay != nil)
        try expectKernelAgrees(projection, draws: 60, seed: 9)
    }

    /// Draw by draw (the simulation's own departures), the kernel's amounts and caps are the engine's.
    func expectKernelAgrees(_ projection: PaymentProjection, draws: Int, seed: UInt64) throws {
        let stream = MonteCarloStream(seed: seed)
        let simulated = try projection.simulate(draws: draws, stream: stream)
        #expect(Set(simulated.map { $0.owed.values.reduce(0, +) }).count > 10, "the draws move the payments (caps hold the rest)")
        for (i, draw) in simulated.enumerated() {
            let engine = try projection.referenceDraw(shifts: projection.shifts(draw: i, stream: stream))
            #expect(draw == engine, "draw \(i)")
        }
    }
}
