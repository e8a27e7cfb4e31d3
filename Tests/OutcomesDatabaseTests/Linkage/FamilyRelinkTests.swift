import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Household memberships and edges loaded by source record follow their records through a merge
/// and a split, as events do; an edge whose two ends become one person is dropped and counted in
/// the run's audit entry; a person an edge still names is not retired.
@Suite(.serialized) struct FamilyRelinkTests {
    /// LinkRunnerTests' twenty persons under three sources, and a stray record of person 0, linked.
    static func linked() throws -> PostgresConnection {
        let (db, _) = try TestDatabase.fresh()
        var records = (0..<20).flatMap { p in (1...3).map { LinkRunnerTests.record(person: p, source: $0) } }
        records.append(["S9", "K0-x", "MAREK", "ZYLBERSZTEJN", "1980-06-30", "777889999"])
        try LinkRunnerTests.load(records, on: db)
        _ = try LinkRunnerTests.run(on: db)
        return db
    }

    @Test func familyRowsFollowTheirRecords() throws {
        let db = try Self.linked()
        var ids = try LinkRunnerTests.persons(on: db)
        let (kept, stray, child) = (ids["K0-1"]!, ids["K0-x"]!, ids["K2-1"]!)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("family-relink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("""
            source_system,source_key,relative_source_system,relative_source_key,relation,valid_from
            S9,K0-x,S1,K2-1,child,2020-01-01
            S1,K0-1,S9,K0-x,sibling,2020-01-01

            """.utf8).write(to: folder.appendingPathComponent("relationships.csv"))
        try Data("source_system,source_key,household_key,relationship_to_head,valid_from\nS9,K0-x,H9,1,2020-01-01\n".utf8)
            .write(to: folder.appendingPathComponent("households.csv"))
        _ = try ExtractLoader(directory: folder).load(into: db)
        func edges() throws -> Set<String> {
            Set(try db.execute("SELECT person_id || ' ' || relative_id || ' ' || relation FROM ids.relationships").map { try $0.decode(String.self, at: 0) })
        }
        #expect(try edges() == ["\(stray) \(child) child", "\(child) \(stray) parent", "\(kept) \(stray) sibling", "\(stray) \(kept) sibling"])

        try LinkRunnerTests.label("K0-1", "K0-x", "match", on: db)
        let merged = try LinkRunnerTests.run(on: db)
        ids = try LinkRunnerTests.persons(on: db)
        #expect(ids["K0-x"] == kept)
        #expect(try edges() == ["\(kept) \(child) child", "\(child) \(kept) parent"])
        #expect(try db.execute("SELECT person_id FROM ids.household_members WHERE household_key = 'H9'").scalar(Int.self) == kept)
        let details = try db.execute("""
            SELECT (details->>'family_rows_moved')::int, (details->>'self_edges_dropped')::int FROM linkage.audit_log
            WHERE run_id = \(merged.runID) AND action = 'link_run'
            """)[0]
        #expect(try details.decode(Int.self, at: 0) == 3 && details.decode(Int.self, at: 1) == 1)
        #expect(try db.execute("SELECT count(*) FROM ids.persons WHERE person_id = \(stray)").scalar(Int.self) == 0)

        try LinkRunnerTests.label("K0-1", "K0-x", "non_match", on: db)
        _ = try LinkRunnerTests.run(on: db)
        let fresh = try #require(try LinkRunnerTests.persons(on: db)["K0-x"])
        #expect(fresh != kept)
        #expect(try edges() == ["\(fresh) \(child) child", "\(child) \(fresh) parent"])
        #expect(try db.execute("SELECT person_id FROM ids.household_members WHERE household_key = 'H9'").scalar(Int.self) == fresh)
    }

    /// A pre-linked edge names a person by id: that person is kept when a re-link leaves it no records.
    @Test func aPersonAPreLinkedEdgeNamesIsNotRetired() throws {
        let db = try Self.linked()
        let ids = try LinkRunnerTests.persons(on: db)
        let (stray, other) = (ids["K0-x"]!, ids["K3-1"]!)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("family-prelinked-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("person_id,relative_id,relation,source_system,valid_from\n\(other),\(stray),sibling,S1,2020-01-01\n".utf8)
            .write(to: folder.appendingPathComponent("relationships.csv"))
        _ = try ExtractLoader(directory: folder).load(into: db)
        try LinkRunnerTests.label("K0-1", "K0-x", "match", on: db)
        _ = try LinkRunnerTests.run(on: db)
        #expect(try db.execute("SELECT count(*) FROM ids.persons WHERE person_id = \(stray)").scalar(Int.self) == 1)
        #expect(try db.execute("SELECT count(*) FROM ids.relationships WHERE relative_id = \(stray)").scalar(Int.self) == 1)
    }
}
