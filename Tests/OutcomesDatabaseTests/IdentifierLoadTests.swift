import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// An extract folder written from file texts.
struct ExtractFiles {
    /// A small identifier extract: every form of date of birth and SSN, a placeholder, blanks.
    static let identifiers = """
        source_system,source_key,first_name,middle_name,last_name,birth_date,ssn,sex,race_ethnicity,postcode
        JMS,J-1,Ana,,Ruiz,1990-05-01,123-45-6789,F,hispanic,97201
        JMS,J-2,Bo,Q,Lee,1985-07,XXX-XX-4321,,,
        UI,U-2,Cy,,Park,1970,4321,M,,
        UI,U-3,Di,,Fox,,000-12-3456,,,
        UI,U-4,Ed,,Ng,,,,,

        """

    let directory: URL

    init(_ files: [String: String]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("extract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files {
            try Data(text.utf8).write(to: directory.appendingPathComponent(name))
        }
    }

    /// The valid pre-linked fixture plus the identifier extract, with one file replaced or spoiled.
    static func withIdentifiers(_ changes: [String: String] = [:]) throws -> ExtractFiles {
        try ExtractFiles(ExtractFixture.files.merging(["identifiers.csv": identifiers]) { $1 }.merging(changes) { $1 })
    }

    func path(_ file: String) -> String { directory.appendingPathComponent(file).path }
    func remove() { try? FileManager.default.removeItem(at: directory) }
}

@Suite struct IdentifierLoadTests {
    func identifierCount(_ db: PostgresConnection) throws -> Int {
        try db.execute("SELECT count(*) FROM linkage.identifiers").scalar(Int.self)
    }

    @Test func eachDateAndSSNFormIsStoredAsKnownAndPlaceholdersAreCounted() throws {
        let (db, _) = try TestDatabase.fresh()
        let folder = try ExtractFiles.withIdentifiers()
        defer { folder.remove() }
        let report = try ExtractLoader(directory: folder.directory).load(into: db)
        #expect(report.placeholderSSNs == 1)
        #expect(report.tables.map(\.file) == ["source_systems.csv", "identifiers.csv", "programs.csv", "providers.csv", "contracts.csv",
                                              "persons.csv", "source_links.csv", "enrollments.csv", "events.csv"])
        #expect(report.tables.first { $0.file == "identifiers.csv" } == .init(file: "identifiers.csv", rows: 5, inserted: 5, updated: 0))
        let rows = try db.execute("""
            SELECT source_key, birth_date::text, birth_year, birth_month, ssn, ssn_last4, sex, race_ethnicity, middle_name, postcode, load_id
            FROM linkage.identifiers ORDER BY source_key
            """).map { row in
            [try row.decode(String.self, at: 0), try row.decode(String?.self, at: 1), try row.decode(Int?.self, at: 2).map(String.init),
             try row.decode(Int?.self, at: 3).map(String.init), try row.decode(String?.self, at: 4), try row.decode(String?.self, at: 5),
             try row.decode(String?.self, at: 6), try row.decode(String?.self, at: 7), try row.decode(String?.self, at: 8),
             try row.decode(String?.self, at: 9), String(try row.decode(Int.self, at: 10))]
        }
        let load = String(report.loadID)
        #expect(rows == [
            ["J-1", "1990-05-01", "1990", "5", "123456789", "6789", "F", "hispanic", nil, "97201", load],
            ["J-2", nil, "1985", "7", nil, "4321", nil, nil, "Q", nil, load],
            ["U-2", nil, "1970", nil, nil, "4321", "M", nil, nil, nil, load],
            ["U-3", nil, nil, nil, nil, nil, nil, nil, nil, nil, load],
            ["U-4", nil, nil, nil, nil, nil, nil, nil, nil, nil, load],
        ])
        // The load's row counts and content hash include the identifier extract.
        #expect(try db.execute("SELECT (row_counts->>'identifiers.csv')::int FROM ids.data_loads").scalar(Int.self) == 5)
        let without = try ExtractFiles(ExtractFixture.files)
        defer { without.remove() }
        let (other, _) = try TestDatabase.fresh()
        #expect(try ExtractLoader(directory: without.directory).load(into: other).contentHash != report.contentHash)
    }

    /// Upserted on (source_system, source_key): a record keeps its record_id; a changed one takes the new load.
    @Test func reloadingKeepsEachRecordsID() throws {
        let (db, _) = try TestDatabase.fresh()
        let first = try ExtractFiles.withIdentifiers()
        defer { first.remove() }
        let firstLoad = try ExtractLoader(directory: first.directory).load(into: db)
        func ids() throws -> [String: Int] {
            Dictionary(uniqueKeysWithValues: try db.execute("SELECT source_system || '/' || source_key, record_id FROM linkage.identifiers").map {
                (try $0.decode(String.self, at: 0), try $0.decode(Int.self, at: 1))
            })
        }
        let before = try ids()
        let again = try ExtractLoader(directory: first.directory).load(into: db)
        #expect(again.tables.first { $0.file == "identifiers.csv" } == .init(file: "identifiers.csv", rows: 5, inserted: 0, updated: 0))
        #expect(again.contentHash == firstLoad.contentHash)

        // Married: a new last name; and a new record. Loaded alone: its source system is in the database.
        let changed = try ExtractFiles(["identifiers.csv": ExtractFiles.identifiers.replacingOccurrences(of: "Ana,,Ruiz", with: "Ana,,Ruiz Soto")
            + "JMS,J-5,Flo,,Diaz,2001-02,,X,,\n"])
        defer { changed.remove() }
        let third = try ExtractLoader(directory: changed.directory).load(into: db)
        #expect(third.tables == [.init(file: "identifiers.csv", rows: 6, inserted: 1, updated: 1)])
        let after = try ids()
        #expect(after.filter { $0.key != "JMS/J-5" } == before)
        #expect(after["JMS/J-5"].map { $0 > before.values.max()! } == true)
        let row = try db.execute("SELECT last_name, load_id FROM linkage.identifiers WHERE source_key = \("J-1")")[0]
        #expect(try row.decode(String.self, at: 0) == "Ruiz Soto")
        #expect(try row.decode(Int.self, at: 1) == third.loadID)
        #expect(try db.execute("SELECT load_id FROM linkage.identifiers WHERE source_key = \("J-2")").scalar(Int.self) == firstLoad.loadID)
    }

    /// A bad identifier row rejects the whole set at file:line with its code, and nothing is written.
    @Test(arguments: [
        ("1990-05-01,123-45-6789", "1990-02-30,123-45-6789", 2, "birth_date", ExtractError.Code.notAPartialDate("1990-02-30")),
        ("1985-07,XXX", "1985-13,XXX", 3, "birth_date", .notAPartialDate("1985-13")),
        ("1990-05-01,123-45-6789", "05/01/1990,123-45-6789", 2, "birth_date", .notAPartialDate("05/01/1990")),
        ("Park,1970,", "Park,1879,", 4, "birth_date", .birthYearOutOfRange(1879)),
        ("123-45-6789", "123-45-678", 2, "ssn", .notAnSSN(shape: "NNN-NN-NNN")),
        ("XXX-XX-4321", "XXX-45-4321", 3, "ssn", .notAnSSN(shape: "XXX-NN-NNNN")),
        ("1970,4321", "1970,43210", 4, "ssn", .notAnSSN(shape: "NNNNN")),
        ("6789,F", "6789,female", 2, "sex", .unknownCode("female", allowed: ["F", "M", "X", "U"])),
        ("UI,U-4", "DMV,U-4", 6, "source_system", .unknownReference("DMV")),
        ("UI,U-4", "UI,U-3", 6, nil, .duplicateKey),
        ("UI,U-4", ",U-4", 6, "source_system", .missingValue),
        ("first_name,middle_name", "first_name,birth_year", 1, "birth_year", .unknownColumn),
        // Hostile review #8: a name over 255 characters would stop every link run; #9: a 12 KB key
        // broke the index (exit 70); and control characters.
        ("Bo,Q,Lee", "Bo,Q,\(String(repeating: "Lee", count: 400))", 3, "last_name", .valueTooLong(length: 1_200, maximum: 255)),
        ("UI,U-4", "UI,\(String(repeating: "U4", count: 6_000))", 6, "source_key", .valueTooLong(length: 12_000, maximum: 200)),
        ("UI,U-4", "UI,=U-4", 6, "source_key", .formulaStart("=")),
        ("Cy,,Park", "\"Cy\u{1B}]0;x\u{07}\",,Park", 4, "first_name", .controlCharacter("\u{1B}")),
        ("Ed,,Ng", "Ed,,\u{202E}gN", 6, "last_name", .controlCharacter("\u{202E}")),
    ] as [(String, String, Int, String?, ExtractError.Code)])
    func aBadIdentifierRowRejectsTheWholeSet(old: String, new: String, line: Int, column: String?, code: ExtractError.Code) throws {
        let (db, _) = try TestDatabase.fresh()
        #expect(ExtractFiles.identifiers.contains(old))
        let folder = try ExtractFiles.withIdentifiers(["identifiers.csv": ExtractFiles.identifiers.replacingOccurrences(of: old, with: new)])
        defer { folder.remove() }
        let error = #expect(throws: ExtractError.self) { _ = try ExtractLoader(directory: folder.directory).load(into: db) }
        #expect(error?.file == folder.path("identifiers.csv"))
        #expect(error?.line == line)
        #expect(error?.column == column)
        #expect(error?.code == code)
        if case .notAnSSN = code { #expect(error?.message.contains(new) == false, "the message repeats no SSN") }
        #expect(try identifierCount(db) == 0)
        #expect(try ExtractLoaderTests().counts(db) == [0, 0, 0, 0])
        #expect(try db.execute("SELECT count(*) FROM ids.data_loads").scalar(Int.self) == 0)
    }
}
