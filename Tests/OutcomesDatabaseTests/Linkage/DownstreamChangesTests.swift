import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// `link changes`: a re-link that merges two persons lists the metrics periods and payment runs
/// that used either id, exactly, and nothing computed or posted after it.
@Suite(.serialized) struct DownstreamChangesTests {
    /// Keys linked to existing persons by an earlier process, in a load of their own.
    static func preLink(_ links: [(system: String, key: String, person: Int)], on db: PostgresConnection) throws {
        try db.transaction { db in
            let load = try db.execute("INSERT INTO ids.data_loads (kind, description) VALUES ('extract', 'pre-linked keys') RETURNING load_id")
                .scalar(Int.self)
            try db.execute("SELECT set_config('outcomes.load_id', \(String(load)), true)")
            for system in Set(links.map(\.system)).sorted() {
                try db.execute("INSERT INTO ids.source_systems VALUES (\(system), \(system), 'test', NULL) ON CONFLICT DO NOTHING")
            }
            for link in links {
                try db.execute("""
                    INSERT INTO ids.source_links (person_id, source_system, source_key, match_method, match_score)
                    VALUES (\(link.person), \(link.system), \(link.key), 'deterministic', 1)
                    """)
            }
            try db.execute("UPDATE ids.data_loads SET content_hash = repeat('0', 64), finished_at = now() WHERE load_id = \(load)")
        }
    }

    static func changes(_ run: Int? = nil, on db: PostgresConnection) throws -> DownstreamChanges {
        try db.execute("SET ROLE outcomes_analyst")
        defer { _ = try? db.execute("RESET ROLE") }
        return try DownstreamChanges.of(linkRun: run, on: db)
    }

    @Test func aMergeListsThePeriodsAndPaymentRunsThatUsedEitherId() throws {
        // An IDS with metrics computed and payments posted for both years.
        let (db, _) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1_500, seed: 5)).load(into: db)
        let stored = try ContractStore.loadStored(text: paymentRunContract, file: "reentry.yaml", on: db)
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        for period in ["2021", "2022"] { _ = try PaymentRunner(stored: stored).run(period: period, on: db) }
        // A and B: participants of 2021 only, paid in 2021 only. Nineteen others beside A are linked too.
        let ab = try db.execute("""
            SELECT r.person_id FROM metrics.person_results r
            WHERE r.contract_id = 'reentry-2021' AND r.period = '2021'
              AND NOT EXISTS (SELECT 1 FROM metrics.person_results x WHERE x.person_id = r.person_id AND x.period <> '2021')
              AND EXISTS (SELECT 1 FROM payments.ledger l WHERE l.person_id = r.person_id AND l.period = '2021')
              AND NOT EXISTS (SELECT 1 FROM payments.ledger l WHERE l.person_id = r.person_id AND l.period <> '2021')
            GROUP BY r.person_id ORDER BY r.person_id LIMIT 2
            """).map { try $0.decode(Int.self, at: 0) }
        try #require(ab.count == 2)
        let (a, b) = (ab[0], ab[1])
        let others = try db.execute("SELECT person_id FROM ids.persons WHERE person_id NOT IN (\(a), \(b)) ORDER BY person_id LIMIT 19")
            .map { try $0.decode(Int.self, at: 0) }
        let people = [a] + others
        let metricsLoad = try db.execute("SELECT load_id FROM metrics.computed_periods WHERE contract_id = 'reentry-2021' AND period = '2021'")
            .scalar(Int.self)
        let paid = try db.execute("SELECT run_id, kind FROM payments.runs WHERE period = '2021'")
        try #require(paid.count == 1)
        let (run2021, kind2021) = (try paid[0].decode(Int.self, at: 0), try paid[0].decode(String.self, at: 1))

        // Link: each of the twenty people's three records, under keys already linked to them; every id is kept.
        try Self.preLink(people.indices.flatMap { p in (1...3).map { (system: "S\($0)", key: "K\(p)-\($0)", person: people[p]) } }
                        + [(system: "S4", key: "KB-9", person: b)], on: db)
        try LinkRunnerTests.load((0..<20).flatMap { p in (1...3).map { LinkRunnerTests.record(person: p, source: $0) } }, on: db)
        let first = try LinkRunnerTests.run(on: db)
        #expect(first.assignment.kept == 20 && first.assignment.new == 0)
        #expect(try Self.changes(on: db) == DownstreamChanges(linkRunID: first.runID, loadID: first.loadID, merged: 0, split: 0,
                                                            changedPersons: 0, periods: [], paymentRuns: []))

        // B's record arrives, with A's identifiers: the re-link merges B into A.
        try LinkRunnerTests.load([["S4", "KB-9"] + LinkRunnerTests.record(person: 0, source: 1).dropFirst(2)], on: db)
        let second = try LinkRunnerTests.run(on: db)
        #expect(try db.execute("SELECT person_id || ' ' || change || ' ' || other_person_id FROM linkage.id_changes WHERE run_id = \(second.runID)")
                    .map { try $0.decode(String.self, at: 0) } == ["\(b) merged_into \(a)"])
        let expectedRun = DownstreamChanges.PaymentRun(runID: run2021, contractID: "reentry-2021", version: 1, period: "2021", kind: kind2021,
                                                       changedParticipants: 2, paidAPeriodToRecompute: true)
        #expect(try Self.changes(on: db) == DownstreamChanges(
            linkRunID: second.runID, loadID: second.loadID, merged: 1, split: 0, changedPersons: 2,
            periods: [.init(contractID: "reentry-2021", version: 1, period: "2021", loadID: metricsLoad, changedPersons: 2)],
            paymentRuns: [expectedRun]))
        #expect(try Self.changes(first.runID, on: db).changedPersons == 0)

        // Once 2021 is computed again, only the posted run remains to adjust.
        try MetricsRunner(stored: stored).run(period: stored.contract.period("2021")!, on: db)
        var adjusted = expectedRun
        adjusted.paidAPeriodToRecompute = false
        #expect(try Self.changes(on: db).periods == [])
        #expect(try Self.changes(on: db).paymentRuns == [adjusted])
    }

    @Test func withoutTheRunItNamesWhatIsMissing() throws {
        let (db, _) = try TestDatabase.fresh()
        #expect(throws: DownstreamChangesError.noLinkRun) { try Self.changes(on: db) }
        try LinkRunnerTests.load((0..<20).flatMap { p in (1...3).map { LinkRunnerTests.record(person: p, source: $0) } }, on: db)
        let run = try LinkRunnerTests.run(on: db)
        #expect(throws: DownstreamChangesError.noSuchLinkRun(run.runID + 1)) { try Self.changes(run.runID + 1, on: db) }
        // The first run made every id new: nothing downstream used them.
        #expect(try Self.changes(run.runID, on: db) == DownstreamChanges(linkRunID: run.runID, loadID: run.loadID, merged: 0, split: 0,
                                                                       changedPersons: 0, periods: [], paymentRuns: []))
    }
}
