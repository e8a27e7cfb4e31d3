import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Monthly loads recomputed incrementally give exactly what a full run gives: on random families,
/// random loads that add and change events, edges (at either end, ending inside a window),
/// household memberships (whose inferred edges are replaced), dates of birth and participants.
@Suite(.serialized) struct IncrementalMetricsTests {
    /// What a payment run would post on the stored metrics (lines and total).
    static func payment(_ db: PostgresConnection, _ stored: StoredContract, period: String) throws -> [String] {
        let result = try PaymentRunner(stored: stored).run(period: period, dryRun: true, on: db)
        return result.entries.map { "\($0)" }.sorted() + ["\(result.total)"]
    }

    @Test(arguments: [UInt64(41), 42, 43])
    func monthlyLoadsRecomputedIncrementallyEqualFullRuns(seed: UInt64) throws {
        let db = try referenceDataOnly()
        let folder = TestDatabase.scratchDirectory("incremental-\(seed)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let families = RandomFamilies(seed: seed, participants: 80)
        try families.write(to: folder.appendingPathComponent("base"))
        _ = try ExtractLoader(directory: folder.appendingPathComponent("base")).load(into: db)
        let stored = try ContractStore.loadStored(text: RandomFamilies.contractYAML, file: "families.yaml", on: db)
        let periods = stored.contract.periods
        for period in periods {
            let first = try MetricsRunner(stored: stored).compute(period: period, on: db)
            #expect(first.arms.map(\.recomputation) == [.full(.notComputed)])
        }
        let persons = try db.execute("SELECT count(*) FROM ids.persons").scalar(Int.self)
        var random = SeededGenerator(seed: seed)
        var change = MonthlyChange(base: families)
        // Loads between runs: one, two at once, one; the first run after each is incremental from the run before.
        var computedFrom = try db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self)
        for (round, loads) in [1, 2, 1].enumerated() {
            for number in 0..<loads {
                let files = change.next(using: &random)
                let directory = folder.appendingPathComponent("load-\(round)-\(number)")
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                for (name, text) in files { try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8) }
                let report = try ExtractLoader(directory: directory).load(into: db)
                #expect(try report.changedPersons == db.execute("SELECT count(*) FROM ids.load_changes WHERE load_id = \(report.loadID)")
                    .scalar(Int.self) && (report.changedPersons ?? 0) > 10)
            }
            let current = try db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self)
            var incremental: [String: [String]] = [:], paid: [String] = []
            for period in periods {
                let computation = try MetricsRunner(stored: stored).compute(period: period, on: db)
                let arm = try #require(computation.arms.first)
                #expect(arm.recomputation == .incremental(since: computedFrom), "round \(round), \(period.label)")
                let recomputed = try #require(arm.recomputedPersons)
                #expect(recomputed > 0 && recomputed < persons / 2, "round \(round): \(recomputed) of \(persons) persons computed again")
                #expect(try db.execute("""
                    SELECT base_load_id = \(computedFrom) AND load_id = \(current) AND recomputed_persons = \(recomputed)
                    FROM metrics.computed_periods WHERE contract_id = \(stored.contract.id) AND period = \(period.label)
                    """).scalar(Bool.self))
                incremental[period.label] = try StoredMetrics.digest(db, contract: stored.contract.id, period: period.label)
            }
            paid = try Self.payment(db, stored, period: "all")
            for period in periods {
                #expect(try MetricsRunner(stored: stored).compute(period: period, full: true, on: db).arms.map(\.recomputation)
                    == [.full(.requested)])
                #expect(try StoredMetrics.digest(db, contract: stored.contract.id, period: period.label) == incremental[period.label],
                        "round \(round), period \(period.label): incremental ≠ full")
            }
            #expect(try Self.payment(db, stored, period: "all") == paid, "round \(round): payments on incremental ≠ on full")
            computedFrom = current
        }
    }

    /// A load that changed reference data, or one not logged (synthetic), is followed by a full run.
    @Test func anUnloggedLoadMeansAFullRun() throws {
        let db = try referenceDataOnly()
        let folder = TestDatabase.scratchDirectory("incremental-unlogged")
        defer { try? FileManager.default.removeItem(at: folder) }
        try RandomFamilies(seed: 44, participants: 20).write(to: folder.appendingPathComponent("base"))
        _ = try ExtractLoader(directory: folder.appendingPathComponent("base")).load(into: db)
        let stored = try ContractStore.loadStored(text: RandomFamilies.contractYAML, file: "families.yaml", on: db)
        let period = try #require(stored.contract.period("2023"))
        try MetricsRunner(stored: stored).run(period: period, on: db)
        // Nothing loaded since: incremental, with no one to compute again.
        let again = try MetricsRunner(stored: stored).compute(period: period, on: db).arms[0]
        #expect(again.recomputation == .incremental(since: again.loadID) && again.recomputedPersons == 0)

        let providers = folder.appendingPathComponent("providers")
        try FileManager.default.createDirectory(at: providers, withIntermediateDirectories: true)
        try "provider_id,name,program_id\nnewcomer,Newcomer Housing,housing\n".write(to: providers.appendingPathComponent("providers.csv"), atomically: true, encoding: .utf8)
        let report = try ExtractLoader(directory: providers).load(into: db)
        let load = report.loadID
        #expect(report.changedPersons == nil)
        #expect(try db.execute("SELECT count(*) FROM ids.logged_loads WHERE load_id = \(load)").scalar(Int.self) == 0)
        #expect(try MetricsRunner(stored: stored).compute(period: period, on: db).arms[0].recomputation == .full(.loadNotLogged(load)))

        // New identifiers change no one's results until a link run (itself logged): the load is logged.
        let identifiers = folder.appendingPathComponent("identifiers")
        try FileManager.default.createDirectory(at: identifiers, withIntermediateDirectories: true)
        try "source_system,source_key,first_name,last_name,birth_date\nCWS,K-1,ANA,LOPEZ,1980-01-02\n"
            .write(to: identifiers.appendingPathComponent("identifiers.csv"), atomically: true, encoding: .utf8)
        let identifiersReport = try ExtractLoader(directory: identifiers).load(into: db)
        let identified = identifiersReport.loadID
        #expect(identifiersReport.changedPersons == 0)
        #expect(try db.execute("SELECT persons FROM ids.logged_loads WHERE load_id = \(identified)").scalar(Int.self) == 0)
        let afterIdentifiers = try MetricsRunner(stored: stored).compute(period: period, on: db).arms[0]
        #expect(afterIdentifiers.recomputation == .incremental(since: load) && afterIdentifiers.recomputedPersons == 0)

        // The IDS emptied outside a load (as the demo's reset records it).
        try LoadChanges.recordReplacement(on: db)
        #expect(try MetricsRunner(stored: stored).compute(period: period, on: db).arms[0].recomputation == .full(.replaced))
    }
}

/// A re-link that merges a person into another moves their content; the next run computes both
/// again (from the run's id changes) and gives what a full run gives.
@Suite(.serialized) struct IncrementalRelinkTests {
    @Test func aMergeIsComputedAgainForBothPersons() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1_500, seed: 5)).load(into: db)
        let stored = try ContractStore.loadStored(text: paymentRunContract, file: "reentry.yaml", on: db)
        let period = try #require(stored.contract.period("2021"))
        // A and B: two participants of 2021 without a jail stay in their first year.
        let ab = try db.execute("""
            SELECT e.person_id, e.start_date FROM ids.enrollments e
            WHERE e.contract_id = 'reentry-2021' AND e.start_date BETWEEN '2021-01-01' AND '2021-06-30'
              AND coalesce(e.end_date, '2024-12-31') >= e.start_date + 60
              AND NOT EXISTS (SELECT 1 FROM ids.events v WHERE v.person_id = e.person_id AND v.domain = 'jail'
                              AND v.start_date <= e.start_date + 400 AND coalesce(v.end_date, v.start_date) >= e.start_date - 30)
            ORDER BY e.person_id LIMIT 2
            """).map { (try $0.decode(Int.self, at: 0), try $0.decode(LocalDate.self, at: 1)) }
        try #require(ab.count == 2)
        let (a, b) = (ab[0].0, ab[1].0)
        let jailed = max(ab[0].1, ab[1].1).adding(days: 10)
        let others = try db.execute("SELECT person_id FROM ids.persons WHERE person_id NOT IN (\(a), \(b)) ORDER BY person_id LIMIT 19")
            .map { try $0.decode(Int.self, at: 0) }
        let people = [a] + others
        try DownstreamChangesTests.preLink(people.indices.flatMap { p in (1...3).map { (system: "S\($0)", key: "K\(p)-\($0)", person: people[p]) } }
                                           + [(system: "S4", key: "KB-9", person: b)], on: db)
        try LinkRunnerTests.load((0..<20).flatMap { p in (1...3).map { LinkRunnerTests.record(person: p, source: $0) } }, on: db)
        _ = try LinkRunnerTests.run(on: db)
        // B's record arrives with A's identifiers, and a jail stay under B's key.
        try LinkRunnerTests.load([["S4", "KB-9"] + LinkRunnerTests.record(person: 0, source: 1).dropFirst(2)], on: db)
        let folder = TestDatabase.scratchDirectory("incremental-relink")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "source_key,event_id,domain,source_system,source_record,start_date\nKB-9,9000001,jail,S4,J-1,\(jailed)\n"
            .write(to: folder.appendingPathComponent("events.csv"), atomically: true, encoding: .utf8)
        _ = try ExtractLoader(directory: folder).load(into: db)
        try MetricsRunner(stored: stored).run(period: period, on: db)
        let base = try db.execute("SELECT load_id FROM metrics.computed_periods WHERE contract_id = 'reentry-2021' AND period = '2021'")
            .scalar(Int.self)
        func jail(_ person: Int) throws -> Decimal? {
            try db.execute("""
                SELECT value FROM metrics.person_results
                WHERE contract_id = 'reentry-2021' AND period = '2021' AND metric_id = 'any_jail_12m' AND person_id = \(person)
                """).map { try $0.decode(Decimal?.self, at: 0) }.first ?? nil
        }
        #expect(try jail(a) == 0 && jail(b) == 1)

        // The re-link merges B into A, and the stay goes with B's record.
        _ = try LinkRunnerTests.run(on: db)
        let computation = try MetricsRunner(stored: stored).compute(period: period, on: db).arms[0]
        #expect(computation.recomputation == .incremental(since: base))
        #expect((computation.recomputedPersons ?? 0) >= 2 && (computation.recomputedPersons ?? 0) < 100)
        #expect(try jail(a) == 1)
        let incremental = try StoredMetrics.digest(db, contract: "reentry-2021", period: "2021")
        try MetricsRunner(stored: stored).run(period: period, full: true, on: db)
        #expect(try StoredMetrics.digest(db, contract: "reentry-2021", period: "2021") == incremental)
    }
}

/// Migration 0028 applies to a database the last release (0001–0027) left, with families, metrics
/// and a posted payment: what was stored reads as before, the periods computed then are the base
/// of the first incremental run after a load, which equals a full one.
@Suite(.serialized) struct IncrementalMetricsMigrationTests {
    @Test func theLastReleasesPeriodsAreComputedIncrementallyAfterALoad() throws {
        let folder = TestDatabase.scratchDirectory("incremental-migration")
        defer { try? FileManager.default.removeItem(at: folder) }
        let families = RandomFamilies(seed: 28, participants: 40)
        let (db, stored, baseLoad) = try MigratorTests().lastReleaseWithFamilies(before: 28, families, folder: folder.appendingPathComponent("base"))
        let period = try #require(stored.contract.period("all"))
        let before = try StoredMetrics.digest(db, contract: stored.contract.id, period: "all")

        #expect(try Migrator().migrate(db).map(\.fileName) == ["0028_incremental_metrics.sql", "0029_ledger_block_range_index.sql",
                                                              "0030_door_refuses_metrics_missing_a_load.sql", "0031_door_reads_tables_it_owns.sql", "0032_results_carry_no_code.sql"])
        #expect(try StoredMetrics.digest(db, contract: stored.contract.id, period: "all") == before)
        #expect(try db.execute("SELECT count(*) FROM metrics.computed_periods WHERE base_load_id IS NOT NULL OR recomputed_persons IS NOT NULL")
            .scalar(Int.self) == 0)
        #expect(try ChainVerification.verify(on: db, recompute: true).isIntact)
        #expect(try DataDictionary.undocumented(on: db) == [])

        // The release before did not record its compiler: the first run computes in full, the same results.
        let same = try MetricsRunner(stored: stored).compute(period: period, on: db).arms[0]
        #expect(same.recomputation == .full(.engineChanged))
        #expect(try StoredMetrics.digest(db, contract: stored.contract.id, period: "all") == before)

        // A monthly load after the migration is logged; the next run is incremental and equals a full one.
        var random = SeededGenerator(seed: 28)
        var change = MonthlyChange(base: families)
        let monthly = folder.appendingPathComponent("monthly")
        try change.writeNext(to: monthly, using: &random)
        _ = try ExtractLoader(directory: monthly).load(into: db)
        #expect(try MetricsRunner(stored: stored).compute(period: period, on: db).arms[0].recomputation == .incremental(since: baseLoad))
        let incremental = try StoredMetrics.digest(db, contract: stored.contract.id, period: "all")
        #expect(incremental != before)
        try MetricsRunner(stored: stored).run(period: period, full: true, on: db)
        #expect(try StoredMetrics.digest(db, contract: stored.contract.id, period: "all") == incremental)
    }
}

/// Loads commit in any order: one numbered before a run but finished after it is taken in by the next.
@Suite(.serialized) struct IncrementalLoadOrderTests {
    @Test func aLoadThatFinishesAfterARunNumberedBeforeItIsTakenInNext() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1, seed: 1)).load(into: db)
        try db.execute("TRUNCATE ids.relationships, ids.household_members, ids.events, ids.enrollments, ids.source_links, ids.persons")
        let folder = TestDatabase.scratchDirectory("incremental-order")
        defer { try? FileManager.default.removeItem(at: folder) }
        let families = RandomFamilies(seed: 45, participants: 30)
        try families.write(to: folder.appendingPathComponent("base"))
        _ = try ExtractLoader(directory: folder.appendingPathComponent("base")).load(into: db)
        let stored = try ContractStore.loadStored(text: RandomFamilies.contractYAML, file: "families.yaml", on: db)
        let period = try #require(stored.contract.period("all"))
        try MetricsRunner(stored: stored).run(period: period, on: db)

        // A slow load takes its number and writes a jail stay for a participant, not yet committed…
        let slow = try PostgresConnection(conninfo: conninfo)
        let participant = families.enrollments[0]
        try slow.execute("BEGIN")
        let slowLoad = try slow.execute("INSERT INTO ids.data_loads (kind, description) VALUES ('extract', 'slow') RETURNING load_id")
            .scalar(Int.self)
        try slow.execute("SELECT set_config('outcomes.load_id', \(String(slowLoad)), true)")
        try slow.execute("""
            INSERT INTO ids.events (person_id, event_id, domain, source_system, source_record, start_date, end_date)
            VALUES (\(participant.person), 777777, 'jail', 'JMS', 'SLOW-1', \(participant.start.adding(days: 20)), \(participant.start.adding(days: 25)))
            """)
        try slow.execute("INSERT INTO ids.load_changes VALUES (\(slowLoad), \(participant.person))")
        try slow.execute("INSERT INTO ids.logged_loads VALUES (\(slowLoad), 1)")
        try slow.execute("UPDATE ids.data_loads SET content_hash = repeat('0', 64), finished_at = now() WHERE load_id = \(slowLoad)")
        // …while a quicker one, numbered after it, finishes, and the metrics are computed.
        var random = SeededGenerator(seed: 45)
        var change = MonthlyChange(base: families)
        try change.writeNext(to: folder.appendingPathComponent("quick"), using: &random)
        let quick = try ExtractLoader(directory: folder.appendingPathComponent("quick")).load(into: db).loadID
        #expect(quick > slowLoad)
        #expect(try MetricsRunner(stored: stored).compute(period: period, on: db).arms[0].recomputation != .full(.requested))
        #expect(try db.execute("SELECT \(slowLoad) = ANY (pending_loads) FROM metrics.computed_periods WHERE period = 'all'").scalar(Bool.self))
        // The inputs a run would post on them now, for the door below.
        let inputs = try PaymentTrustTests.genuineInputs(stored, period: period.label, on: db)
        try PaymentDoor.recordTerms(stored, on: db)
        try slow.execute("COMMIT")

        // Until then the stored metrics miss the slow load: a payment run on them is refused, though
        // they were computed from the newest load.
        #expect {
            try PaymentRunner(stored: stored).run(period: period.label, dryRun: true, on: db)
        } throws: { error in
            guard case .metricsNotCurrent(_, _, _, let currentLoad, let problems) = error as? PaymentRefusal else { return false }
            return currentLoad == quick && problems.map(\.kind) == [.missedLoad(slowLoad)]
        }
        // So does the door, to a payments login calling it itself with those inputs (migration 0030).
        let payer = try PostingDoorTests().paymentsLogin(conninfo, db)
        let refused = PostingDoorTests().sqlState {
            _ = try payer.transaction { connection in
                try connection.execute("""
                    SELECT payments.open_run(\(stored.contract.id)::text, \(stored.version)::int, 'all', 'final', \(quick)::int, 0::numeric,
                                             \(String(decoding: inputs.text, as: UTF8.self))::text, '')
                    """).scalar(Int.self)
            }
        }
        #expect(refused == .checkViolation)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)

        // The next run takes the slow load in, though it is numbered before the last run's.
        let next = try MetricsRunner(stored: stored).compute(period: period, on: db).arms[0]
        #expect(next.recomputation == .incremental(since: quick) && (next.recomputedPersons ?? 0) >= 1)
        #expect(try PaymentRunner(stored: stored).run(period: period.label, dryRun: true, on: db).outcome == .dryRun)
        let incremental = try StoredMetrics.digest(db, contract: stored.contract.id, period: "all")
        try MetricsRunner(stored: stored).run(period: period, full: true, on: db)
        #expect(try StoredMetrics.digest(db, contract: stored.contract.id, period: "all") == incremental)
    }
}

/// A contract paid on its effect against the control arm: both arms are computed incrementally
/// after a load, and give what full runs give; so does the payment run on them.
@Suite(.serialized) struct IncrementalArmsTests {
    @Test func theControlArmIsComputedIncrementallyToo() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 3_000, seed: 4)).load(into: db)
        let stored = try ContractStore.loadStored(text: EffectPaymentRunTests.contract, file: "housing.yaml", on: db)
        let period = try #require(stored.contract.period("2021"))
        let first = try MetricsRunner(stored: stored).compute(period: period, on: db)
        #expect(first.arms.map(\.storedID) == ["housing-2021", "housing-2021@control"])
        let base = first.arms[0].loadID

        // A monthly load: a shelter stay and a jail stay for one person in twenty, treated and control alike.
        let folder = TestDatabase.scratchDirectory("incremental-arms")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let rows = try db.execute("""
            SELECT e.person_id, e.start_date FROM ids.enrollments e
            WHERE e.contract_id = 'housing-2021' AND e.person_id % 20 = 0 ORDER BY e.person_id
            """).map { (try $0.decode(Int.self, at: 0), try $0.decode(LocalDate.self, at: 1)) }
        try #require(rows.count > 10)
        var events = "person_id,event_id,domain,source_system,source_record,start_date,end_date\n"
        for (index, (person, start)) in rows.enumerated() {
            events += "\(person),\(800_000 + 2 * index),shelter,HMIS,M-\(index),\(start.adding(days: 30)),\(start.adding(days: 40))\n"
            events += "\(person),\(800_001 + 2 * index),jail,JMS,J-\(index),\(start.adding(days: 60)),\(start.adding(days: 75))\n"
        }
        try events.write(to: folder.appendingPathComponent("events.csv"), atomically: true, encoding: .utf8)
        _ = try ExtractLoader(directory: folder).load(into: db)

        let computation = try MetricsRunner(stored: stored).compute(period: period, on: db)
        #expect(computation.arms.map(\.recomputation) == [.incremental(since: base), .incremental(since: base)])
        #expect(computation.arms.allSatisfy { ($0.recomputedPersons ?? 0) == rows.count })
        let arms = ["housing-2021", "housing-2021@control"]
        let incremental = try arms.map { try StoredMetrics.digest(db, contract: $0, period: "2021") }
        let paid = try IncrementalMetricsTests.payment(db, stored, period: "2021")
        try MetricsRunner(stored: stored).run(period: period, full: true, on: db)
        #expect(try arms.map { try StoredMetrics.digest(db, contract: $0, period: "2021") } == incremental)
        #expect(try IncrementalMetricsTests.payment(db, stored, period: "2021") == paid)
        #expect(paid.count > 1)
    }
}
