import Foundation
@testable import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Two providers against one shared control group: each paid the full schedule for its own effect,
/// or — measured together — paid once and split exactly.
@Suite(.serialized) struct PooledEffectRunTests {
    static let perProvider = """
        contract: housing-2021
        program: housing
        version: 1
        data_through: 2024-12-31
        currency: USD
        cohort: {study_arm: treatment, assign_by: enrollment_start}
        periods: {every: year, from: 2021-01-01, to: 2022-12-31}
        metrics:
          - {id: any_shelter_12m, measure: any, domain: shelter, window: {anchor: enrollment_start, from: 1 day, to: 12 months}}
        payments:
          effect:
            - id: fewer_in_shelter
              outcome: any_shelter_12m
              statistic: rate
              better: lower
              improvement: absolute
              comparison: shared_control_group
              threshold: 5
              tiers: [{from: 5, pays: 10000}]
        """
    static let pooled = perProvider + "\n      measured: pooled\n      split: by_participants"

    /// Participants, and those in shelter, per provider ("" pools them), counted in Swift.
    func counts(_ db: PostgresConnection, _ id: String, pooled: Bool) throws -> [String: (Int, Int)] {
        try DeterminationRunTests().counts(db, id, "2021", pooled: pooled)
    }

    /// The oracle of a split by participants: cents by whole-number division, the cents left over
    /// one each to the largest remainders, ties to the provider first by name.
    func split(cents: Int, _ participants: [String: Int]) -> [String: Decimal] {
        let total = participants.values.reduce(0, +)
        var shares = participants.mapValues { cents * $0 / total }
        let left = cents - shares.values.reduce(0, +)
        let order = participants.keys.sorted { (-(cents * participants[$0]! % total), $0) < (-(cents * participants[$1]! % total), $1) }
        for provider in order.prefix(left) { shares[provider]! += 1 }
        return shares.mapValues { Decimal($0) / 100 }
    }

    func ledger(_ db: PostgresConnection) throws -> [String: Decimal] {
        var sums: [String: Decimal] = [:]
        for row in try db.execute("SELECT provider_id, sum(amount) FROM payments.ledger WHERE period = '2021' GROUP BY 1") {
            sums[try row.decode(at: 0)] = try row.decode(at: 1)
        }
        return sums
    }

    @Test func twoProvidersAgainstOneControlArePaidOnceOnThePooledEffect() throws {
        // Each provider's own effect against the shared control group: both clear 5 points, both get the full 10,000.
        let (db, stored) = try DeterminationRunTests().prepared(Self.perProvider, persons: 3_000)
        let control = try #require(try counts(db, "housing-2021@control", pooled: true)[""])
        let treated = try counts(db, "housing-2021", pooled: false)
        #expect(treated.count == 2)
        func points(_ group: (Int, Int)) -> ExactRatio {
            (ExactRatio(Decimal(control.1), Decimal(control.0)) - ExactRatio(Decimal(group.1), Decimal(group.0))) * ExactRatio(100)
        }
        #expect(treated.values.allSatisfy { points($0) >= ExactRatio(5) }, "every provider clears the threshold on its own")
        _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        #expect(try ledger(db) == Dictionary(uniqueKeysWithValues: treated.keys.map { ($0, Decimal(10000)) }), "the schedule paid twice")

        // All providers' participants together against the same control group: paid once, split by participants.
        let (pooledDB, pooledStored) = try DeterminationRunTests().prepared(Self.pooled, persons: 3_000)
        let run = try PaymentRunner(stored: pooledStored).run(period: "2021", on: pooledDB)
        let all = try #require(try counts(pooledDB, "housing-2021", pooled: true)[""])
        #expect(points(all) >= ExactRatio(5))
        let expected = split(cents: 1_000_000, treated.mapValues(\.0))
        #expect(try ledger(pooledDB) == expected)
        #expect(expected.values.reduce(0, +) == 10000)
        // Each provider's determination records the pooled figures and the whole split.
        let determinations = run.determinations.filter { $0.cohort == "2021" }
        #expect(determinations.map(\.provider) == treated.keys.sorted())
        for determination in determinations {
            #expect(determination.treated == GroupFigure(participants: all.0, total: Decimal(all.1), count: all.0))
            #expect(determination.comparison == GroupFigure(participants: control.0, total: Decimal(control.1), count: control.0))
            #expect(determination.improvement == points(all) && determination.finding == .met)
            #expect(determination.payable.amount == expected[determination.provider])
            let split = try #require(determination.split)
            #expect(split.rule == .byParticipants && split.payable == Money(10000, Currency(code: "USD")!))
            #expect(split.shares.map(\.participants) == treated.keys.sorted().map { treated[$0]!.0 })
        }
        // Stored, read back from the detail.
        guard case .posted(let runID) = run.outcome else { Issue.record("not posted"); return }
        let rule = try pooledDB.execute("""
            SELECT DISTINCT detail->'split'->>'rule' FROM payments.determinations WHERE run_id = \(runID) AND cohort = '2021'
            """).map { try $0.decode(String.self, at: 0) }
        #expect(rule == ["by_participants"])
    }

    /// A clawback assessed in an earlier period than the last: the projection at the figures as
    /// they are owes what the runs post — the repayment too — and the investors' flows carry it.
    @Test func aClawbackIsInTheProjectionAsTheRunPostsIt() throws {
        let contract = paymentRunContract.replacingOccurrences(of: "  interim: {share: 75}", with: """
              interim: {share: 75}
              milestones:
                - {id: launch, amount: 5000, period: "2021", provider: bridgeway}
                - {id: report, amount: 7500, period: "2022", provider: bridgeway}
              clawback:
                - {id: missed_target, contract_value: 200000, share: 10, outcome: any_jail_12m, statistic: rate, target: "<= 0.05",
                   assessed_in: "2021", provider: bridgeway}
            """)
        let (db, _, stored) = try PaymentRunnerTests().prepared(contract)
        #expect(try MilestoneAttestation.attest("launch", of: stored, note: "opened", on: db) == .attested)
        let periods = try PaymentRunner(stored: stored).projection(on: db)
        let terms = try #require(stored.contract.payments)
        let projection = try PaymentProjection(periods: periods, terms: terms, effects: ["any_jail_12m": [nil: (estimate: -0.05, se: 0.02)]])
        let expected = try projection.expected()
        for period in ["2021", "2022"] { _ = try PaymentRunner(stored: stored).run(period: period, on: db) }
        var posted: [PaymentProjection.Key: Decimal] = [:]
        for row in try db.execute("SELECT provider_id, period, sum(amount) FROM payments.ledger GROUP BY 1, 2") {
            posted[PaymentProjection.Key(provider: try row.decode(at: 0), period: try row.decode(at: 1))] = try row.decode(at: 2)
        }
        // The repayment, worked by hand: 10% of 200,000, in 2021, from bridgeway (whose jail rate misses 5%).
        #expect(try db.execute("SELECT sum(amount) FROM payments.ledger WHERE line_id = 'missed_target' AND period = '2021'")
            .scalar(Decimal.self) == -20000)
        let others = try db.execute("""
            SELECT sum(amount) FROM payments.ledger WHERE provider_id = 'bridgeway' AND period = '2021' AND line_id <> 'missed_target'
            """).scalar(Decimal.self)
        #expect(expected.owed[PaymentProjection.Key(provider: "bridgeway", period: "2021")] == others - 20000)
        #expect(expected.owed.filter { $0.value != 0 } == posted.filter { $0.value != 0 })
        // What the projection leaves out, and says so: the unattested report milestone.
        #expect(projection.leftOut == [.milestoneNotAttested(id: "report", period: "2022", amount: Money(7500, terms.currency))])

        // The investors are paid from the same amounts, the repayment included.
        let financing = Financing(start: LocalDate(iso: "2021-01-01")!, tranches: [.init(id: "senior", kind: .senior, amount: 1, coupon: 0)],
                                  upfrontFee: 0, annualFee: 0, guarantee: nil)
        let ends = Dictionary(uniqueKeysWithValues: stored.contract.periods.map { ($0.label, $0.end) })
        let investors = try InvestorReturns(financing: financing, projection: projection, expected: expected, draws: [], periodEnds: ends)
        let level = try #require(investors.levels.first { $0.name == "estimate" })
        #expect(level.payments == posted.values.reduce(0, +))
        #expect(level.tranches[0].received == NSDecimalNumber(decimal: posted.values.reduce(0, +)).doubleValue)
    }
}

/// Migration 0021 on a database a release before it left, with determinations and a stored
/// matched group in it.
@Suite(.serialized) struct PooledMigrationTests {
    @Test func noParticipantsAndMatchedWeightsArriveWithTheDataKept() throws {
        let db = try MigratorTests().migrated(before: 19)
        try db.runScript("""
            INSERT INTO ids.data_loads (kind, description, content_hash, finished_at) VALUES ('synthetic', 'before', repeat('a', 64), now());
            INSERT INTO payments.contracts (contract_id, version, currency, file_sha256, body) VALUES ('c', 1, 'USD', 'x', 'x');
            INSERT INTO payments.runs (contract_id, version, period, kind, inputs_sha256, load_id, total) VALUES ('c', 1, '2021', 'final', 'h', 1, 0);
            INSERT INTO payments.determinations (run_id, seq, contract_id, period, line_id, mechanism, cohort, provider_id, finding, earned, payable, detail)
            VALUES (1, 1, 'c', '2021', 'l', 'effect', '2021', 'hearth', 'met', 10, 10, '{"a": 1}'),
                   (1, 2, 'c', '2021', 'l', 'effect', '2021', 'keystone', 'not_measurable', 0, 0, '{}');
            INSERT INTO evaluation.runs (evaluation_id, contract_id, version, contract_sha256, period, comparison, load_id, spec_text,
                                         spec_sha256, design, inputs_sha256, sample_sizes, estimates, balance, propensity_model, warnings,
                                         stored_comparison)
            VALUES ('e', 'c', 1, 'x', '2021', 'pool', 1, '', '', '{}', '', '{}', '[]', '{}', '[]', '[]', true),
                   ('e', 'c', 1, 'x', '2021', 'pool', 1, '', '', '{}', '', '{}', '[]', '{}', '[]', '[]', false);
            INSERT INTO evaluation.run_units (person_id, run_id, treated, provider_id, index_date, weight, subclass)
            VALUES (1, 1, true, 'hearth', '2021-01-01', 1, 1), (2, 1, false, NULL, '2021-01-01', 1, 1),
                   (3, 1, true, 'keystone', '2021-01-01', 1, 2), (4, 1, false, NULL, '2021-01-01', 1, 2),
                   (5, 2, true, 'hearth', '2021-01-01', 1, 1), (6, 2, false, NULL, '2021-01-01', 1, 1);
            """)
        #expect(throws: PostgresError.self) {
            try db.execute("""
                INSERT INTO payments.determinations (run_id, seq, contract_id, period, line_id, mechanism, cohort, provider_id, finding, earned, payable, detail)
                VALUES (1, 3, 'c', '2021', 'l', 'effect', '2022', 'hearth', 'no_participants', 0, 0, '{}')
                """)
        }
        try Migrator().migrate(db)
        let kept = try db.execute("SELECT seq, finding, detail::text FROM payments.determinations ORDER BY seq").map {
            "\(try $0.decode(Int.self, at: 0)) \(try $0.decode(String.self, at: 1)) \(try $0.decode(String.self, at: 2))"
        }
        #expect(kept == ["1 met {\"a\": 1}", "2 not_measurable {}"])
        try db.execute("""
            INSERT INTO payments.determinations (run_id, seq, contract_id, period, line_id, mechanism, cohort, provider_id, finding, earned, payable, detail)
            VALUES (1, 3, 'c', '2021', 'l', 'effect', '2022', 'hearth', 'no_participants', 0, 0, '{}')
            """)
        #expect(throws: PostgresError.self) {
            try db.execute("""
                INSERT INTO payments.determinations (run_id, seq, contract_id, period, line_id, mechanism, cohort, provider_id, finding, earned, payable, detail)
                VALUES (1, 4, 'c', '2021', 'l', 'effect', '2022', 'hearth', 'no_one', 0, 0, '{}')
                """)
        }
        // The stored 1:1 group weighs each control 1 under its participant's provider; the other run stored none.
        let weights = try db.execute("SELECT person_id::int, run_id::int, provider_id, weight::int, weight_denominator::int FROM evaluation.matched_weights ORDER BY 1")
            .map { "\(try $0.decode(Int.self, at: 0)) \(try $0.decode(Int.self, at: 1)) \(try $0.decode(String.self, at: 2)) \(try $0.decode(Int.self, at: 3))/\(try $0.decode(Int.self, at: 4))" }
        #expect(weights == ["2 1 hearth 1/1", "4 1 keystone 1/1"])
        #expect(throws: PostgresError.self) { try db.execute("UPDATE evaluation.matched_weights SET weight = 2") }
    }
}
