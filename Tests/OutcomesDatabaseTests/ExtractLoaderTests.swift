import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// A small, valid extract; each test writes it and may spoil one line.
struct ExtractFixture {
    static let files: [String: String] = [
        "source_systems.csv": "source_system,name,agency,domain\nJMS,Jail system,Sheriff,jail\nUI,Wage records,Labor,wages\n",
        "programs.csv": "program_id,name,randomized\nreentry,Reentry employment,false\n",
        "providers.csv": "provider_id,name,program_id\nbridgeway,\"Bridgeway Workforce, Inc.\",reentry\n",
        "contracts.csv": "contract_id,program_id,name,payer,start_date,end_date\nreentry-2021,reentry,Reentry,State DOC,2021-01-01,2024-12-31\n",
        "persons.csv": "person_id,birth_date,birth_year,sex,race_ethnicity,county\n1,1990-05-01,1990,F,hispanic,Alder\n2,,1985,,,\n3,1970-01-31,1970,M,white_nh,Birch\n",
        "source_links.csv": "person_id,source_system,source_key,match_method,match_score\n1,JMS,J-1,deterministic,1\n2,UI,U-2,probabilistic,0.91\n",
        "enrollments.csv": "person_id,enrollment_id,program_id,provider_id,contract_id,start_date,end_date,exit_reason,study_arm\n1,10,reentry,bridgeway,reentry-2021,2021-03-01,2021-09-30,completed,\n2,11,reentry,bridgeway,reentry-2021,2022-01-15,,,\n",
        "events.csv": "person_id,event_id,domain,event_type,source_system,source_record,start_date,end_date,amount\n1,100,jail,booking,JMS,\"J-1-1\",2020-06-01,2020-06-10,\n1,101,wages,ui_wages,UI,U-1-1,2021-10-01,2021-12-31,4200.50\n2,102,jail,booking,JMS,\"note, with comma\",2023-02-01,,\n",
    ]

    let directory: URL

    init(replacing old: String? = nil, with new: String = "", in file: String? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("extract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in Self.files {
            var content = text
            if name == file, let old {
                #expect(content.contains(old), "fixture \(name) has \(old)")
                content = content.replacingOccurrences(of: old, with: new)
            }
            try Data(content.utf8).write(to: directory.appendingPathComponent(name))
        }
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

@Suite struct ExtractLoaderTests {
    func counts(_ db: PostgresConnection) throws -> [Int] {
        try (["ids.persons", "ids.source_links", "ids.enrollments", "ids.events"] as [SQLIdentifier]).map { table in
            try db.execute("SELECT count(*) FROM \(identifier: table)").scalar(Int.self)
        }
    }

    @Test func loadsAndReloadsWithoutDuplicates() throws {
        let (db, _) = try TestDatabase.fresh()
        let fixture = try ExtractFixture()
        defer { fixture.remove() }
        let first = try ExtractLoader(directory: fixture.directory).load(into: db)
        #expect(try counts(db) == [3, 2, 2, 3])
        #expect(first.tables.first { $0.file == "events.csv" } == .init(file: "events.csv", rows: 3, inserted: 3, updated: 0))
        let row = try db.execute("""
            SELECT amount, end_date IS NULL, source_record FROM ids.events WHERE event_id = \(102)
            """)[0]
        #expect(try row.decode(Decimal?.self, at: 0) == nil)
        #expect(try row.decode(Bool.self, at: 1))
        #expect(try row.decode(String.self, at: 2) == "note, with comma")
        #expect(try db.execute("SELECT sex || race_ethnicity FROM ids.persons WHERE person_id = \(2)").scalar(String.self) == "Uunknown")
        #expect(try db.execute("SELECT name FROM ids.providers").scalar(String.self) == "Bridgeway Workforce, Inc.")

        // The same extract again: nothing new, nothing changed, same content hash.
        let again = try ExtractLoader(directory: fixture.directory).load(into: db)
        #expect(try counts(db) == [3, 2, 2, 3])
        #expect(again.tables.allSatisfy { $0.inserted == 0 && $0.updated == 0 })
        #expect(again.contentHash == first.contentHash)
        #expect(try db.execute("SELECT count(*) FROM ids.events WHERE load_id = \(again.loadID)").scalar(Int.self) == 0)

        // A corrected amount updates one row, which now carries the new load.
        let corrected = try ExtractFixture(replacing: "4200.50", with: "4300.00", in: "events.csv")
        defer { corrected.remove() }
        let third = try ExtractLoader(directory: corrected.directory).load(into: db)
        #expect(third.tables.first { $0.file == "events.csv" } == .init(file: "events.csv", rows: 3, inserted: 0, updated: 1))
        #expect(try db.execute("SELECT load_id FROM ids.events WHERE event_id = \(101)").scalar(Int.self) == third.loadID)
        // Synthetic data never overwrite an extract.
        #expect { _ = try SyntheticLoader(ids: SyntheticIDS(persons: 10, seed: 1)).load(into: db) } throws: {
            ($0 as? DatabaseError)?.code == .wouldReplaceExtract
        }
    }

    /// Each bad row rejects the whole set with file:line and the column, and nothing is loaded.
    @Test(arguments: [
        ("events.csv", "2020-06-10", "2020-06-31", 2, "end_date", "is not a date written YYYY-MM-DD"),
        ("events.csv", "2023-02-01,,", "2023-02-01,2023-01-01,", 4, "end_date", "is before start_date"),
        ("enrollments.csv", "2,11,", "9,11,", 3, "person_id", "'9' is unknown"),
        ("events.csv", "1,101,", "1,100,", 3, nil, "duplicate key: the same as line 2"),
        ("persons.csv", "3,1970-01-31,1970,M,white_nh,Birch", "3,1970-01-31,1970,M", 4, nil, "4 fields where the header has 6"),
        ("events.csv", ",jail,booking,JMS,\"J-1-1\"", ",prison,booking,JMS,\"J-1-1\"", 2, "domain", "'prison' is unknown: it is neither in ids.event_domains nor in event_domains.csv of this extract."),
        ("source_links.csv", "J-1,deterministic,1", "J-1,deterministic,1.5", 2, "match_score", "not between 0 and 1"),
        ("enrollments.csv", "reentry-2021,2022-01-15", "reentry-2099,2022-01-15", 3, "contract_id", "'reentry-2099' is unknown"),
        ("persons.csv", "1,1990-05-01,1990", "1,1990-05-01,1991", 2, "birth_year", "differs from the birth date"),
        ("events.csv", "person_id,event_id", "person,event_id", 1, "person", "not a column of events.csv"),
        // Numbers and dates by the one grammar, and only the digits a column holds (the database rounded 4200.505).
        ("events.csv", "4200.50", "4200.505", 3, "amount", "has more digits than the column holds"),
        ("events.csv", "4200.50", "\"4,200.50\"", 3, "amount", "digits are not grouped"),
        ("events.csv", "4200.50", "4200.50 USD", 3, "amount", "'USD' after the digits"),
        ("events.csv", "4200.50", "1e3", 3, "amount", "exponents are not read"),
        ("source_links.csv", "U-2,probabilistic,0.91", "U-2,probabilistic,0.91234", 3, "match_score", "at most 1 before the point and 4 after"),
        ("persons.csv", "3,1970-01-31", "+3,1970-01-31", 4, "person_id", "no '+' sign"),
        ("persons.csv", "1,1990-05-01,1990", "1,0000-05-01,1990", 2, "birth_date", "0000-05-01 is outside the dates input files may hold"),
        ("persons.csv", "1,1990-05-01,1990", "1,0001-05-01,1990", 2, "birth_date", "outside the dates input files may hold"),
    ] as [(String, String, String, Int, String?, String)])
    func badRowsRejectTheWholeSet(file: String, old: String, new: String, line: Int, column: String?, reason: String) throws {
        let (db, _) = try TestDatabase.fresh()
        let fixture = try ExtractFixture(replacing: old, with: new, in: file)
        defer { fixture.remove() }
        do {
            _ = try ExtractLoader(directory: fixture.directory).load(into: db)
            Issue.record("the spoiled \(file) loaded")
        } catch let error as ExtractError {
            #expect(error.file == fixture.directory.appendingPathComponent(file).path)
            #expect(error.line == line)
            #expect(error.column == column)
            #expect(error.reason.contains(reason), "\(error.message)")
        }
        #expect(try counts(db) == [0, 0, 0, 0])
        #expect(try db.execute("SELECT count(*) FROM ids.data_loads").scalar(Int.self) == 0)
        #expect(try db.execute("SELECT count(*) FROM ids.programs").scalar(Int.self) == 0)
    }
}

/// An extract folder holds extract files only: a misnamed or unknown entry stops the load before
/// anything is read, unless the load is told to ignore it — and then it is neither loaded nor hashed.
@Suite struct ExtractFolderTests {
    func counts(_ db: PostgresConnection) throws -> [Int] { try ExtractLoaderTests().counts(db) }

    /// The fixture with events.csv misnamed Events.csv and a stray notes.txt.
    func misnamed() throws -> ExtractFixture {
        let fixture = try ExtractFixture()
        try FileManager.default.moveItem(at: fixture.directory.appendingPathComponent("events.csv"),
                                         to: fixture.directory.appendingPathComponent("Events.csv"))
        try Data("notes\n".utf8).write(to: fixture.directory.appendingPathComponent("notes.txt"))
        return fixture
    }

    /// A domain's description is given in event_domains.csv; an extract that leaves it out (no
    /// column, or an empty cell) keeps the stored one: the migration's for a built-in domain, an
    /// earlier extract's for its own.
    @Test func aDomainsDescriptionIsKeptUntilAnExtractGivesAnother() throws {
        let (db, _) = try TestDatabase.fresh()
        func load(_ text: String) throws {
            let fixture = try ExtractFixture()
            defer { fixture.remove() }
            try Data(text.utf8).write(to: fixture.directory.appendingPathComponent("event_domains.csv"))
            _ = try ExtractLoader(directory: fixture.directory).load(into: db)
        }
        func descriptions() throws -> [String] {
            try db.execute("SELECT domain || ': ' || coalesce(description, 'none') FROM ids.event_domains WHERE domain IN ('shelter', 'tenancy') ORDER BY 1")
                .map { try $0.decode(String.self, at: 0) }
        }
        let shelter = try db.execute("SELECT description FROM ids.event_domains WHERE domain = 'shelter'").scalar(String.self)
        try load("domain,shape,description\ntenancy,spell,Tenancies from the housing authority's leases\nshelter,spell,\n")
        #expect(try descriptions() == ["shelter: \(shelter)", "tenancy: Tenancies from the housing authority's leases"])
        try load("domain,shape\ntenancy,spell\nshelter,spell\n")
        #expect(try descriptions() == ["shelter: \(shelter)", "tenancy: Tenancies from the housing authority's leases"])
        try load("domain,shape,description\ntenancy,spell,Leases\n")
        #expect(try descriptions() == ["shelter: \(shelter)", "tenancy: Leases"])
    }

    @Test func aMisnamedOrUnknownFileIsAnErrorAndNothingIsLoaded() throws {
        let (db, _) = try TestDatabase.fresh()
        let fixture = try misnamed()
        defer { fixture.remove() }
        let error = #expect(throws: ExtractFolderError.self) { _ = try ExtractLoader(directory: fixture.directory).load(into: db) }
        #expect(error?.problem == .unknownEntries([.init(name: "Events.csv", nearest: "events.csv"), .init(name: "notes.txt", nearest: nil)]))
        #expect(error?.exitStatus == .dataError)
        #expect(try counts(db) == [0, 0, 0, 0])
        #expect(try db.execute("SELECT count(*) FROM ids.data_loads").scalar(Int.self) == 0)
        // A subdirectory is an entry like any other; one named as an extract file is refused as such.
        try FileManager.default.removeItem(at: fixture.directory.appendingPathComponent("notes.txt"))
        try FileManager.default.moveItem(at: fixture.directory.appendingPathComponent("Events.csv"),
                                         to: fixture.directory.appendingPathComponent("events.csv"))
        try FileManager.default.createDirectory(at: fixture.directory.appendingPathComponent("archive"), withIntermediateDirectories: false)
        #expect(throws: ExtractFolderError(directory: fixture.directory.path, problem: .unknownEntries([.init(name: "archive/", nearest: nil)]))) {
            _ = try ExtractLoader(directory: fixture.directory).load(into: db)
        }
        try FileManager.default.createDirectory(at: fixture.directory.appendingPathComponent("programs.csv.d/programs.csv"),
                                                withIntermediateDirectories: true)
        try FileManager.default.removeItem(at: fixture.directory.appendingPathComponent("programs.csv"))
        try FileManager.default.moveItem(at: fixture.directory.appendingPathComponent("programs.csv.d/programs.csv"),
                                         to: fixture.directory.appendingPathComponent("programs.csv"))
        #expect(throws: ExtractFolderError(directory: fixture.directory.path, problem: .directoryNamedAsFile("programs.csv"))) {
            _ = try ExtractLoader(directory: fixture.directory, ignoreUnknown: true).load(into: db)
        }
        #expect(try counts(db) == [0, 0, 0, 0])
    }

    @Test func ignoredEntriesAreReportedAndNotHashed() throws {
        let (db, _) = try TestDatabase.fresh()
        let fixture = try misnamed()
        defer { fixture.remove() }
        let report = try ExtractLoader(directory: fixture.directory, ignoreUnknown: true).load(into: db)
        #expect(report.ignored == [.init(name: "Events.csv", nearest: "events.csv"), .init(name: "notes.txt", nearest: nil)])
        #expect(report.tables.map(\.file) == ExtractLayout.all.map(\.file).filter { ExtractFixture.files.keys.contains($0) && $0 != "events.csv" })
        #expect(try counts(db) == [3, 2, 2, 0])
        #expect(try db.execute("SELECT parameters->'ignored' = '[\"Events.csv\", \"notes.txt\"]'::jsonb FROM ids.data_loads").scalar(Bool.self))
        #expect(try db.execute("SELECT parameters->'files' ? 'events.csv' FROM ids.data_loads").scalar(Bool.self) == false)

        // The content hash is that of the extract files alone: the same folder without the ignored
        // entries, loaded into another database, hashes the same; changing an ignored file changes nothing.
        let clean = try ExtractFixture()
        defer { clean.remove() }
        try FileManager.default.removeItem(at: clean.directory.appendingPathComponent("events.csv"))
        let (other, _) = try TestDatabase.fresh()
        let reference = try ExtractLoader(directory: clean.directory).load(into: other)
        #expect(reference.ignored.isEmpty && report.contentHash == reference.contentHash)
        try Data("other notes\n".utf8).write(to: fixture.directory.appendingPathComponent("notes.txt"))
        let (third, _) = try TestDatabase.fresh()
        #expect(try ExtractLoader(directory: fixture.directory, ignoreUnknown: true).load(into: third).contentHash == reference.contentHash)
    }
}
