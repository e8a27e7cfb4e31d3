import Foundation
import OutcomesDomain
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
        let text = try String(contentsOf: ProjectFiles.directory("scenarios", override: "OUTCOMES_SCENARIOS_DIR")
            .appendingPathComponent("housing-2021.yaml"), encoding: .utf8)
        let (db, stored) = try DeterminationRunTests().prepared(text, persons: 3_000)
        let periods = try PaymentRunner(stored: stored).projection(on: db)
        let projection = PaymentProjection(periods: periods, terms: stored.contract.payments!, effects: ["housed_12m": [nil: (estimate: 0.1, se: 0.05)]])
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
        let projection = PaymentProjection(periods: periods, terms: terms, effects: ["any_shelter_12m": [nil: (estimate: -0.1, se: 0.05)]])
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
}
