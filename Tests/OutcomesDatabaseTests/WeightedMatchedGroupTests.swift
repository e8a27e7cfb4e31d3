import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Stored matched groups matched k:1 and with replacement, paid against with MatchIt's weights,
/// exactly — on eight handcrafted people whose matches and amounts are worked out by hand — and a
/// period without participants, which is a determination paying nothing rather than a deadlock.
///
/// Exact matching on sex with sex the only covariate gives every unit of a sex the same propensity
/// score, so ties decide every match: treated units by descending score (men first, 1/2 against
/// 1/3), then data order (participants by id, then controls by id); each takes the first control
/// still available in its stratum.
@Suite(.serialized) struct WeightedMatchedGroupTests {
    static let contract = """
        contract: housing-2021
        program: housing
        version: 1
        data_through: 2024-12-31
        currency: USD
        cohort: {providers: [hearth, keystone], assign_by: enrollment_start}
        periods: {every: year, from: 2021-01-01, to: 2022-12-31}
        metrics:
          - {id: jail_days_12m, measure: days_covered, domain: jail, window: {anchor: enrollment_start, from: 0 days, to: 364 days}}
        payments:
          effect:
            - id: fewer_jail_days
              outcome: jail_days_12m
              better: lower
              improvement: absolute
              comparison: matched_group
              threshold: 0
              per_participant: true
              per_unit: {units: fractional, counted_from: zero, brackets: [{from: 0, price: 100}]}
            - id: fewer_jail_days_together
              outcome: jail_days_12m
              better: lower
              improvement: absolute
              comparison: matched_group
              threshold: 0
              per_participant: true
              per_unit: {units: fractional, counted_from: zero, brackets: [{from: 0, price: 100}]}
              measured: pooled
              split: by_participants
        """

    static func evaluation(_ design: String) -> String {
        """
        evaluation: jail-matched
        contract: housing-2021
        pool:
          eligibility: {domain: shelter}
          intake: {from: 2021-01-01, to: 2021-12-31}
          min_days: 1
          index_date: first_eligibility
        covariates: [sex]
        exact: [sex]
        outcomes: [jail_days_12m]
        \(design)
        """
    }

    /// (person, sex, provider — nil for a pool member —, jail days from 2021-04-01)
    static let people: [(Int, String, String?, Int)] = [
        (1, "F", "hearth", 0), (2, "M", "keystone", 10), (3, "F", "keystone", 5),
        (11, "F", nil, 20), (12, "F", nil, 10), (13, "F", nil, 0), (14, "F", nil, 26), (15, "M", nil, 44),
    ]

    /// Participants enrolled on 2021-03-01; pool members eligible (a night in shelter) that day.
    func prepared() throws -> (PostgresConnection, StoredContract) {
        let db = try referenceDataOnly()
        var events = HandcraftedEvents(db)
        func add(_ person: Int, _ domain: String, _ type: String, _ from: String, _ to: String) throws {
            try events.add(person, domain, type, from, to)
        }
        for (person, sex, provider, jailDays) in Self.people {
            try db.execute("INSERT INTO ids.persons (person_id, birth_year, sex) VALUES (\(person), 1985, \(sex))")
            if let provider {
                try db.execute("""
                    INSERT INTO ids.enrollments (person_id, enrollment_id, program_id, provider_id, contract_id, start_date, end_date)
                    VALUES (\(person), \(person), 'housing', \(provider), 'housing-2021', '2021-03-01', '2021-12-31')
                    """)
            } else {
                try add(person, "shelter", "emergency_shelter", "2021-03-01", "2021-03-01")
            }
            if jailDays > 0 {
                let end = LocalDate(iso: "2021-04-01")!.adding(days: jailDays - 1).description
                try add(person, "jail", "booking", "2021-04-01", end)
            }
        }
        let stored = try ContractStore.loadStored(text: Self.contract, file: "matched.yaml", on: db)
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        return (db, stored)
    }

    func store(_ design: String, _ stored: StoredContract, period: String = "2021", on db: PostgresConnection) throws -> ComparisonRunner.Outcome {
        let text = Self.evaluation(design)
        var runner = ComparisonRunner(definition: try EvaluationDefinition.parse(yaml: text, file: "evaluation.yaml"), text: text,
                                      stored: stored, period: stored.contract.period(period), source: .pool)
        runner.storeComparison = true
        return try runner.run(on: db)
    }

    static func usd(_ amount: String) -> Money { Money(Decimal(string: amount)!, Currency(code: "USD")!) }

    func ledger(_ db: PostgresConnection) throws -> [String: Decimal] {
        var sums: [String: Decimal] = [:]
        for row in try db.execute("SELECT line_id || '/' || provider_id, sum(amount) FROM payments.ledger GROUP BY 1") {
            sums[try row.decode(at: 0)] = try row.decode(at: 1)
        }
        return sums
    }

    func figure(_ run: PaymentRunResult, _ line: String, _ provider: String) throws -> Determination {
        try #require(run.determinations.first { $0.lineID == line && $0.provider == provider && $0.cohort == "2021" })
    }

    @Test func aTwoToOneGroupAndAGroupWithReplacementPayWhatTheirWeightsSay() throws {
        let (db, stored) = try prepared()
        // 2:1 without replacement. Men first: participant 2 (keystone) takes control 15, the only man.
        // Then women: 1 (hearth) takes 11, 3 (keystone) takes 12; second round: 1 takes 13, 3 takes 14,
        // and 2 finds no second man. Weights in halves: 11, 13 under hearth 1 each; 12, 14 under keystone
        // 1 each, 15 under keystone 2 (its participant has one match).
        let twoToOne = try store("ratio: 2", stored, on: db)
        let weights = try db.execute("""
            SELECT person_id::int, provider_id, weight::int, weight_denominator::int FROM evaluation.matched_weights
            WHERE run_id = \(twoToOne.runID) ORDER BY person_id
            """).map { "\(try $0.decode(Int.self, at: 0)) \(try $0.decode(String.self, at: 1)) \(try $0.decode(Int.self, at: 2))/\(try $0.decode(Int.self, at: 3))" }
        #expect(weights == ["11 hearth 1/2", "12 keystone 1/2", "13 hearth 1/2", "14 keystone 1/2", "15 keystone 2/2"])
        // MatchIt's weights: 1/2 each, 1 for 15, scaled by 5 controls / 3 matched participants.
        let matchIt = try db.execute("SELECT person_id::int, weight FROM evaluation.run_units WHERE run_id = \(twoToOne.runID) AND NOT treated ORDER BY 1")
            .map { (try $0.decode(Int.self, at: 0), try $0.decode(Double.self, at: 1)) }
        #expect(matchIt.map(\.0) == [11, 12, 13, 14, 15])
        let expectedWeights: [Double] = [5.0 / 6, 5.0 / 6, 5.0 / 6, 5.0 / 6, 5.0 / 3]
        #expect(zip(matchIt.map(\.1), expectedWeights).allSatisfy { abs($0 - $1) < 1e-12 })

        let first = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        // hearth: its participant 0 days against (20 + 0) / 2 = 10: 10 days × 100 × 1 participant = 1,000.
        let hearth = try figure(first, "fewer_jail_days", "hearth")
        #expect(hearth.comparison == GroupFigure(participants: 2, total: 20, count: 2, weightDenominator: 2))
        #expect(hearth.earned == Self.usd("1000"))
        // keystone: (10 + 5) / 2 = 7.5 against (1×10 + 1×26 + 2×44) / 4 = 31: 23.5 × 100 × 2 = 4,700 (one for one it would be 26.67).
        let keystone = try figure(first, "fewer_jail_days", "keystone")
        #expect(keystone.comparison == GroupFigure(participants: 3, total: 124, count: 4, weightDenominator: 2))
        #expect(keystone.improvement == ExactRatio(Decimal(string: "23.5")!) && keystone.earned == Self.usd("4700"))
        // Together: 15 / 3 = 5 against (20 + 10 + 0 + 26 + 88) / 6 = 24: 19 × 100 × 3 = 5,700, split 1 : 2.
        let together = try figure(first, "fewer_jail_days_together", "keystone")
        #expect(together.treated.participants == 3 && together.comparison == GroupFigure(participants: 5, total: 144, count: 6, weightDenominator: 2))
        #expect(together.split?.payable == Self.usd("5700") && together.payable == Self.usd("3800"))
        #expect(try ledger(db) == ["fewer_jail_days/hearth": 1000, "fewer_jail_days/keystone": 4700,
                                   "fewer_jail_days_together/hearth": 1900, "fewer_jail_days_together/keystone": 3800])
        // The run names the stored comparison it paid against, in its determinations and its inputs.
        #expect(keystone.comparisonRuns == ["2021": twoToOne.runID] && keystone.detail.comparisonRuns == ["2021": twoToOne.runID])

        // 1:1 with replacement: both women take 11 (under hearth and under keystone), participant 2 takes 15.
        let replaced = try store("replace: true", stored, on: db)
        let again = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        #expect(again.inputsSHA256 != first.inputsSHA256)
        // hearth: 0 against 20: 2,000. keystone: 7.5 against (20 + 44) / 2 = 32: 24.5 × 100 × 2 = 4,900.
        #expect(try figure(again, "fewer_jail_days", "hearth").comparison == GroupFigure(participants: 1, total: 20, count: 1, weightDenominator: 1))
        #expect(try figure(again, "fewer_jail_days", "keystone").comparison == GroupFigure(participants: 2, total: 64, count: 2, weightDenominator: 1))
        // Together, 11 counts twice: (2×20 + 44) / 3 = 28 against 5: 23 × 100 × 3 = 6,900, split 2,300 and 4,600.
        #expect(try figure(again, "fewer_jail_days_together", "hearth").comparison
                == GroupFigure(participants: 2, total: 84, count: 3, weightDenominator: 1))
        #expect(try ledger(db) == ["fewer_jail_days/hearth": 2000, "fewer_jail_days/keystone": 4900,
                                   "fewer_jail_days_together/hearth": 2300, "fewer_jail_days_together/keystone": 4600])
        #expect(try figure(again, "fewer_jail_days", "hearth").comparisonRuns == ["2021": replaced.runID])
        let matchItReplaced = try db.execute("SELECT weight FROM evaluation.run_units WHERE run_id = \(replaced.runID) AND NOT treated ORDER BY person_id")
            .map { try $0.decode(Double.self, at: 0) }
        let expectedReplaced: [Double] = [4.0 / 3, 2.0 / 3]
        #expect(matchItReplaced.count == 2 && zip(matchItReplaced, expectedReplaced).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func aPeriodWithoutParticipantsIsADeterminationThatPaysNothing() throws {
        let (db, stored) = try prepared()
        // Nobody enrolled in 2022: no matched group can be stored for it …
        let refused = #expect(throws: EvaluationError.self) { _ = try store("ratio: 2", stored, period: "2022", on: db) }
        guard case .design(.noParticipants)? = refused else { Issue.record("\(refused?.message ?? "no error")"); return }
        _ = try store("ratio: 2", stored, on: db)
        // … and the period still pays: nothing, on record as no participants, for every provider and line.
        let run = try PaymentRunner(stored: stored).run(period: "2022", on: db)
        guard case .posted(let runID) = run.outcome else { Issue.record("not posted: \(run.outcome)"); return }
        let current = run.determinations.filter { $0.cohort == "2022" }
        #expect(current.map { "\($0.lineID)/\($0.provider)" }.sorted()
                == ["fewer_jail_days/hearth", "fewer_jail_days/keystone", "fewer_jail_days_together/"])
        #expect(current.allSatisfy { $0.finding == .noParticipants && $0.payable.isZero && $0.improvement == nil })
        #expect(try db.execute("SELECT count(*) FROM payments.determinations WHERE run_id = \(runID) AND finding = 'no_participants'")
            .scalar(Int.self) == current.count)
        #expect(run.total.isZero)
        // Where a provider has participants but its matched group has no one, the run is still refused.
        try db.execute("""
            DELETE FROM metrics.person_results WHERE contract_id = 'housing-2021@matched' AND provider_id = 'hearth'
            """)
        #expect(throws: PaymentRefusal.noComparison(contract: "housing-2021", line: "fewer_jail_days", provider: "hearth", cohort: "2021",
                                                     basis: .matchedGroup)) {
            _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        }
    }
}

extension WeightedMatchedGroupTests {
    /// A matched group stored while a load numbered before the comparison's had not finished (loads
    /// finish in any order) misses that load's data, as metrics computed then do: once the load has
    /// finished, a payment run on the group is refused until it is stored again.
    @Test func aGroupStoredBeforeAnEarlierLoadFinishedIsNotPaidOnOnceItHas() throws {
        let (db, stored) = try prepared()
        let conninfo = try TestDatabase.cluster().conninfo(database: try db.execute("SELECT current_database()").scalar(String.self))
        let slow = try PostgresConnection(conninfo: conninfo)
        try slow.execute("BEGIN")
        let slowLoad = try slow.execute("INSERT INTO ids.data_loads (kind, description) VALUES ('extract', 'slow') RETURNING load_id")
            .scalar(Int.self)
        try slow.execute("INSERT INTO ids.logged_loads VALUES (\(slowLoad), 0)")
        try slow.execute("UPDATE ids.data_loads SET content_hash = repeat('0', 64), finished_at = now() WHERE load_id = \(slowLoad)")
        // A quicker load, numbered after it, finishes; the metrics and the group are computed from it.
        let quick = try DoorCurrencyTests.emptyLoad(on: db)
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        _ = try store("ratio: 2", stored, on: db)
        #expect(try db.execute("""
            SELECT coalesce(pending_loads = ARRAY[\(slowLoad)]::integer[], false) FROM metrics.computed_periods WHERE contract_id = 'housing-2021@matched' AND period = '2021'
            """).scalar(Bool.self))
        try slow.execute("COMMIT")

        // The metrics computed again take the slow load in; the group, stored before it finished, does not.
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        #expect {
            _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        } throws: { error in
            guard case .metricsNotCurrent(_, _, _, let currentLoad, let problems) = error as? PaymentRefusal else { return false }
            return currentLoad == quick && problems == [MetricsProblem(period: "2021", arm: .matchedGroup, kind: .missedLoad(slowLoad))]
        }
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)
        _ = try store("ratio: 2", stored, on: db)
        let run = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        #expect({ if case .posted = run.outcome { true } else { false } }())
    }
}
