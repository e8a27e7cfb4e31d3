import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// `link purge`: the identifiers and scored pairs go, in one audited transaction; the index and
/// the record of what was done stay; later loads link among themselves and through kept keys.
@Suite(.serialized) struct LinkPurgeTests {
    static func digest(_ db: PostgresConnection, _ table: SQLIdentifier) throws -> String {
        try db.execute("SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \(identifier: table) t")
            .scalar(String.self)
    }

    static let kept: [SQLIdentifier] = ["ids.persons", "ids.source_links", "linkage.runs", "linkage.pattern_counts", "linkage.id_changes"]

    static func purge(_ db: PostgresConnection) throws -> LinkPurge.Outcome {
        try db.execute("SET ROLE outcomes_linker")
        defer { _ = try? db.execute("RESET ROLE") }
        return try LinkPurge.run(on: db)
    }

    @Test func purgeDeletesIdentifiersAndPairsOnlyAndIsAudited() throws {
        let (db, _) = try TestDatabase.fresh()
        try LinkRunnerTests.load((0..<20).flatMap { p in (1...3).map { LinkRunnerTests.record(person: p, source: $0) } }, on: db)
        let run = try LinkRunnerTests.run(on: db)
        try db.execute("""
            INSERT INTO linkage.labels (source_system_l, source_key_l, source_system_r, source_key_r, decision, note)
            VALUES ('S1', 'K0-1', 'S1', 'K1-1', 'non_match', 'MARIA GARCIA is not JAMES OKAFOR'),
                   ('S1', 'K2-1', 'S2', 'K2-2', 'match', NULL)
            """)
        let pairs = try db.execute("SELECT count(*) FROM linkage.pairs").scalar(Int.self)
        #expect(pairs >= 40, "each person's three records pair up")
        let before = try Self.kept.map { try Self.digest(db, $0) }
        try db.execute("SET ROLE outcomes_linker")
        #expect(try LinkPurge.pending(on: db) == LinkPurge.Outcome(identifierRecords: 60, scoredPairs: pairs, labelNotesCleared: 1, lastRunID: run.runID))
        try db.execute("RESET ROLE")

        let purged = try Self.purge(db)
        #expect(purged == LinkPurge.Outcome(identifierRecords: 60, scoredPairs: pairs, labelNotesCleared: 1, lastRunID: run.runID))
        #expect(try db.execute("SELECT count(*) FROM linkage.identifiers").scalar(Int.self) == 0)
        #expect(try db.execute("SELECT count(*) FROM linkage.pairs").scalar(Int.self) == 0)
        #expect(try Self.kept.map { try Self.digest(db, $0) } == before, "the index, runs, pattern counts and id changes are untouched")
        // The decisions stay (keyed by source keys, as the index is); the notes, which may quote identifiers, do not.
        #expect(try db.execute("SELECT string_agg(decision || ':' || coalesce(note, '-'), ',' ORDER BY source_key_l) FROM linkage.labels")
                    .scalar(String.self) == "non_match:-,match:-")
        let audit = try db.execute("""
            SELECT action, run_id, (details->>'identifierRecords')::int, (details->>'scoredPairs')::int, done_by = session_user
            FROM linkage.audit_log ORDER BY entry_id DESC LIMIT 1
            """)[0]
        #expect(try audit.decode(String.self, at: 0) == "purge")
        #expect(try audit.decode(Int.self, at: 1) == run.runID)
        #expect(try audit.decode(Int.self, at: 2) == 60 && audit.decode(Int.self, at: 3) == pairs)
        #expect(try audit.decode(Bool.self, at: 4), "the login that purged")

        // Nothing left to link: the run says the identifiers were purged, and by whom.
        let user = try db.execute("SELECT session_user::text").scalar(String.self)
        let refused = #expect(throws: LinkageError.self) { try LinkRunnerTests.run(on: db) }
        guard case .identifiersPurged(let by, _) = refused?.code else { Issue.record("\(String(describing: refused))"); return }
        #expect(by == user && refused?.exitStatus == .dataError)
        // A second purge has nothing to delete, and says so in the log too.
        #expect(try Self.purge(db) == LinkPurge.Outcome(identifierRecords: 0, scoredPairs: 0, labelNotesCleared: 0, lastRunID: run.runID))
        #expect(try db.execute("SELECT count(*) FROM linkage.audit_log WHERE action = 'purge'").scalar(Int.self) == 2)
    }

    /// After a purge, new records link among themselves and through keys the index holds; a known
    /// person's record under a key the index does not hold becomes a new person (the limitation
    /// README states).
    @Test func recordsLoadedAfterAPurgeLinkOnlyAmongThemselvesAndThroughKeptKeys() throws {
        let (db, _) = try TestDatabase.fresh()
        try LinkRunnerTests.load((0..<20).flatMap { p in (1...3).map { LinkRunnerTests.record(person: p, source: $0) } }, on: db)
        _ = try LinkRunnerTests.run(on: db)
        let before = try LinkRunnerTests.persons(on: db)
        _ = try Self.purge(db)

        // Persons 0–9 under keys the index never held; persons 10–19 under their source-1 key again and two new keys.
        func renamed(_ p: Int, _ s: Int) -> [String?] { ["S\(s)", "K\(p)-\(s)"] + LinkRunnerTests.record(person: p, source: 1).dropFirst(2) }
        try LinkRunnerTests.load((0..<10).flatMap { p in (4...6).map { renamed(p, $0) } }
                                 + (10..<20).flatMap { p in [LinkRunnerTests.record(person: p, source: 1), renamed(p, 4), renamed(p, 5)] }, on: db)
        let run = try LinkRunnerTests.run(on: db)
        #expect(run.records == 60)
        #expect(run.assignment == PersonAssignment.Outcome(persons: 20, kept: 10, new: 10, merged: 0, split: 0, contentRowsMoved: 0))
        let after = try LinkRunnerTests.persons(on: db)
        for (key, id) in before { #expect(after[key] == id, "\(key) keeps its person") }
        for p in 0..<10 {
            let ids = Set((4...6).map { after["K\(p)-\($0)"] })
            #expect(ids.count == 1 && ids.first! != nil && !Set(before.values).contains(ids.first!!), "person \(p): one new person")
        }
        for p in 10..<20 { #expect(after["K\(p)-4"] == before["K\(p)-1"] && after["K\(p)-5"] == before["K\(p)-1"], "person \(p)") }
    }
}
