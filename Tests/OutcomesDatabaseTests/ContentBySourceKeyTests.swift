import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Enrollments and events that name a source record instead of a person: the person is the one
/// the record is linked to, and the row keeps the record's key.
@Suite struct ContentBySourceKeyTests {
    /// By key, against the pre-linked fixture's links (1 ↔ JMS/J-1, 2 ↔ UI/U-2) and a link this
    /// extract adds (3 ↔ JMS/J-3).
    static let keyed: [String: String] = [
        "source_links.csv": "person_id,source_system,source_key,match_method,match_score\n3,JMS,J-3,deterministic,1\n",
        "enrollments.csv": "source_system,source_key,enrollment_id,program_id,provider_id,start_date\nJMS,J-1,20,reentry,bridgeway,2022-05-01\nJMS,J-3,21,reentry,bridgeway,2022-06-01\n",
        "events.csv": "source_key,event_id,domain,source_system,source_record,start_date,amount\nU-2,200,wages,UI,U-2-9,2022-01-01,900.00\nJ-3,201,jail,JMS,J-3-1,2022-02-01,\n",
    ]

    /// A database holding the pre-linked fixture.
    func linked() throws -> PostgresConnection {
        let (db, _) = try TestDatabase.fresh()
        let fixture = try ExtractFixture()
        defer { fixture.remove() }
        _ = try ExtractLoader(directory: fixture.directory).load(into: db)
        return db
    }

    func rows(_ db: PostgresConnection, _ query: PostgresQuery) throws -> [[String?]] {
        try db.execute(query).map { row in try (0..<row.columnCount).map { try row.decode(String?.self, at: $0) } }
    }

    @Test func contentByKeyGoesToTheLinkedPersonAndKeepsItsKey() throws {
        let db = try linked()
        let folder = try ExtractFiles(Self.keyed)
        defer { folder.remove() }
        let report = try ExtractLoader(directory: folder.directory).load(into: db)
        #expect(try rows(db, """
            SELECT enrollment_id::text, person_id::text, source_system, source_key FROM ids.enrollments WHERE enrollment_id >= 20 ORDER BY 1
            """) == [["20", "1", "JMS", "J-1"], ["21", "3", "JMS", "J-3"]])
        #expect(try rows(db, "SELECT event_id::text, person_id::text, source_system, source_key FROM ids.events WHERE event_id >= 200 ORDER BY 1")
            == [["200", "2", "UI", "U-2"], ["201", "3", "JMS", "J-3"]])
        // Pre-linked rows keep no key.
        #expect(try rows(db, "SELECT count(*)::text FROM ids.events WHERE source_key IS NULL") == [["3"]])
        #expect(try rows(db, "SELECT count(*)::text FROM ids.enrollments WHERE source_system IS NULL AND source_key IS NULL") == [["2"]])
        #expect(report.tables.first { $0.file == "events.csv" } == .init(file: "events.csv", rows: 2, inserted: 2, updated: 0))

        // Again: nothing changes.
        let again = try ExtractLoader(directory: folder.directory).load(into: db)
        #expect(again.tables.allSatisfy { $0.inserted == 0 && $0.updated == 0 })
    }

    /// A key no link holds, one two persons hold, a header that names the person both ways or
    /// neither: file:line with its code, and nothing of the extract is written.
    @Test(arguments: [
        ("events.csv", "J-3,201", "J-9,201", 3, "source_key", ExtractError.Code.unlinkedSourceKey("JMS/J-9")),
        ("events.csv", "U-2,200,wages,UI", "U-2,200,wages,JMS", 2, "source_key", .unlinkedSourceKey("JMS/U-2")),
        ("enrollments.csv", "source_system,source_key,enrollment_id", "person_id,source_system,source_key,enrollment_id", 1, "source_system",
         .personAndSourceKey),
        ("events.csv", "source_key,event_id", "person_id,source_key,event_id", 1, "source_key", .personAndSourceKey),
        ("enrollments.csv", "source_system,source_key,enrollment_id", "enrollment_id", 1, nil, .noPersonColumn),
        ("events.csv", "source_key,event_id", "event_id", 1, nil, .noPersonColumn),
        ("enrollments.csv", "source_system,source_key,enrollment_id", "source_key,enrollment_id", 1, "source_system", .missingColumn),
        ("events.csv", "J-3,201", ",201", 3, "source_key", .missingValue),
        ("enrollments.csv", "JMS,J-3,21", "JMS,,21", 3, "source_key", .missingValue),
        // Hostile review #9: a 12 KB key in content by source key, or in a link (exit 70 before).
        ("events.csv", "J-3,201", "\(String(repeating: "J", count: 12_000)),201", 3, "source_key",
         .valueTooLong(length: 12_000, maximum: 200)),
        ("enrollments.csv", "JMS,J-3,21", "JMS,\(String(repeating: "J", count: 12_000)),21", 3, "source_key",
         .valueTooLong(length: 12_000, maximum: 200)),
        // This extract links J-1 to person 3 as well: the enrollment by J-1 names two persons.
        ("source_links.csv", "3,JMS,J-3", "3,JMS,J-1", 2, "source_key", .ambiguousSourceKey("JMS/J-1", persons: 2)),
        ("source_links.csv", "3,JMS,J-3", "3,JMS,\(String(repeating: "J", count: 12_000))", 2, "source_key",
         .valueTooLong(length: 12_000, maximum: 200)),
    ] as [(String, String, String, Int, String?, ExtractError.Code)])
    func aKeyThatNamesNoOneOrTwoPersonsRejectsTheWholeSet(
        file: String, old: String, new: String, line: Int, column: String?, code: ExtractError.Code
    ) throws {
        let db = try linked()
        var files = Self.keyed.merging(["identifiers.csv": ExtractFiles.identifiers]) { $1 }
        #expect(files[file]?.contains(old) == true)
        files[file] = files[file]?.replacingOccurrences(of: old, with: new)
        let folder = try ExtractFiles(files)
        defer { folder.remove() }
        let error = #expect(throws: ExtractError.self) { _ = try ExtractLoader(directory: folder.directory).load(into: db) }
        // The error is the content row's, whichever file was spoiled (a grammar error is the file's own).
        let grammar: Bool = if case .valueTooLong = code { true } else { false }
        #expect(error?.file == folder.path(file == "source_links.csv" && !grammar ? "enrollments.csv" : file))
        #expect(error?.line == line)
        #expect(error?.column == column)
        #expect(error?.code == code)
        #expect(try ExtractLoaderTests().counts(db) == [3, 2, 2, 3])
        #expect(try db.execute("SELECT count(*) FROM linkage.identifiers").scalar(Int.self) == 0)
        #expect(try db.execute("SELECT count(*) FROM ids.data_loads").scalar(Int.self) == 1)
    }
}
