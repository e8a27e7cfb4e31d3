import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing

/// `outcomes dictionary` run as a user would: the state's layout in CSV with the catalog's own
/// definitions, event counts by domain and source equal to a count over the events (suppressed
/// under the policy), the loaded contract's metrics, and Table Schemas that frictionless accepts.
@Suite(.serialized) struct DictionaryCommandTests {
    static let housing = Checkout.scenarios.appendingPathComponent("housing-2021.yaml")

    @Test func theDictionaryOfADatabase() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 600, seed: 12, families: true)).load(into: db)
        #expect(try CLI.run(["contract", "load", Self.housing.path, "--database", conninfo, "-q"]).status == 0)

        // The state's layout.
        let csv = try CLI.run(["dictionary", "--format", "csv", "--agency", "State IDS", "--database", conninfo, "-q"])
        #expect(csv.status == 0, "\(csv.errors)")
        #expect(CLI.csvRecords(csv.output).first
                == ["Agency", "Program", "Data Category", "Element Name", "Definition", "Data Type", "Years Available"])
        let rows = CLI.csvRows(csv.output)
        let birthDate = try #require(rows.first { $0["Data Category"] == "ids.persons" && $0["Element Name"] == "birth_date" })
        #expect(birthDate["Agency"] == "State IDS" && birthDate["Data Type"] == "date")
        #expect(birthDate["Definition"] == (try db.execute("""
            SELECT col_description('ids.persons'::regclass, attnum) FROM pg_attribute
            WHERE attrelid = 'ids.persons'::regclass AND attname = 'birth_date'
            """).scalar(String.self)))
        let columns = try db.execute("""
            SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition
              AND (n.nspname IN ('ids', 'metrics', 'payments', 'evaluation', 'scenario', 'linkage', 'linkage_work')
                   OR (n.nspname = 'public' AND c.relname = 'schema_migrations'))
            """).scalar(Int.self)
        #expect(rows.filter { $0["Data Category"]!.contains(".") }.count == columns, "every column, once")
        let years = try db.execute("""
            SELECT min(extract(year FROM start_date))::int || '–' || max(extract(year FROM coalesce(end_date, start_date)))::int
            FROM ids.events WHERE domain = 'jail'
            """).scalar(String.self)
        let jail = try #require(rows.first { $0["Data Category"] == "Event domain" && $0["Element Name"] == "jail (JMS)" })
        #expect(jail["Years Available"] == years && jail["Agency"] == "Sheriff's Office" && jail["Data Type"] == "event records (spell)")
        let metrics = rows.filter { $0["Data Category"] == "Outcome metric: housing-2021 version 2" }
        #expect(metrics.count == 9 && metrics.allSatisfy { $0["Program"] == "housing" && $0["Years Available"] == "2021–2024" })

        // Counts by domain and source: exact with no suppression, hidden under a policy that hides them all.
        let counts = try db.execute("SELECT domain || ' ' || source_system || ' ' || count(*) FROM ids.events GROUP BY domain, source_system ORDER BY 1")
            .map { try $0.decode(String.self, at: 0) }
        let shown = try CLI.report(try CLI.run(["dictionary", "--format", "json", "--small-cell-threshold", "1", "--database", conninfo, "-q"]))
        let domains = shown.tables["event_domains"] ?? []
        #expect(domains.compactMap { row in (row["events"] as? Int).map { "\(row["domain"]!) \(row["source_system"]!) \($0)" } }.sorted() == counts)
        let hidden = try CLI.report(try CLI.run(["dictionary", "--format", "json", "--small-cell-threshold", "100000000", "--database", conninfo, "-q"]))
        #expect((hidden.tables["event_domains"] ?? []).allSatisfy { ($0["events"] as? [String: Any])?["suppressed"] as? Bool == true })

        // One Table Schema per table, valid for frictionless, keys included.
        let folder = TestDatabase.scratchDirectory("dictionary-schemas").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let written = try CLI.run(["dictionary", "--table-schemas", folder, "--database", conninfo, "-q"])
        #expect(written.status == 0, "\(written.errors)")
        let events = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: folder + "/ids.events.schema.json"))) as? [String: Any])
        #expect(events["primaryKey"] as? [String] == ["person_id", "event_id"])
        let fields = try #require(events["fields"] as? [[String: Any]])
        #expect(fields.first { $0["name"] as? String == "amount" }?["type"] as? String == "number")
        #expect(fields.first { $0["name"] as? String == "start_date" }?["type"] as? String == "date")
        let python = try #require(Checkout.python, "Python with Tests/reference-requirements.txt is needed: set OUTCOMES_PYTHON or run .ci/run's venv step")
        let script = Checkout.root.appendingPathComponent("Tests/OutcomesCLITests/reference/validate_table_schemas.py")
        let validated = try ProcessRunner.run(python, [script.path, folder])
        #expect(validated.status == 0, "\(validated.output)")
        let tables = try columnsTables(db)
        #expect(validated.output.contains("\(tables) schemas, 0 invalid"), "\(validated.output)")
    }

    func columnsTables(_ db: PostgresConnection) throws -> Int {
        try db.execute("""
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition
              AND (n.nspname IN ('ids', 'metrics', 'payments', 'evaluation', 'scenario', 'linkage', 'linkage_work')
                   OR (n.nspname = 'public' AND c.relname = 'schema_migrations'))
            """).scalar(Int.self)
    }

    @Test func badOptionsAreRefusedBeforeAnythingIsWritten() throws {
        let agency = try CLI.run(["dictionary", "--agency", " "])
        #expect(agency.status == 64 && agency.errors.contains("--agency") && agency.output.isEmpty, "\(agency.errors)")
        // A folder outcomes did not write is never replaced.
        let folder = TestDatabase.scratchDirectory("dictionary-theirs").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "mine".write(toFile: folder + "/notes.txt", atomically: true, encoding: .utf8)
        CLI.expectCleanFailure(try CLI.run(["dictionary", "--table-schemas", folder]), status: 73, naming: [folder])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["notes.txt"])
    }
}
