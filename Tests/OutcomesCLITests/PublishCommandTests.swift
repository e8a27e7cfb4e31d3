import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesCLI

/// `outcomes publish` as a user runs it: a package frictionless validates and pandas reads back
/// to the same numbers as `outcomes metrics --format json`, with suppressed cells as the declared
/// missing value; only aggregates leave (every stored table is refused by name), and bad input
/// writes nothing.
@Suite(.serialized) struct PublishCommandTests {
    static let housing = Checkout.scenarios.appendingPathComponent("housing-2021.yaml")
    static let profile = Checkout.scenarios.appendingPathComponent("publication-profile.yaml")

    /// The conninfo of a database with synthetic data, the housing contract and its 2022 and 2023 metrics.
    static let prepared: Result<String, Error> = Result {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 6_000, seed: 21, families: true)).load(into: db)
        guard try CLI.run(["contract", "load", housing.path, "--database", conninfo, "-q"]).status == 0 else {
            throw DatabaseError(.noData, "the contract did not load")
        }
        for period in ["2022", "2023"] {
            let computed = try CLI.run(["metrics", "--contract", "housing-2021", "--period", period, "--database", conninfo, "-q"])
            guard computed.status == 0 else { throw DatabaseError(.noData, computed.errors) }
        }
        return conninfo
    }

    static var database: Result<(PostgresConnection, String), Error> {
        prepared.flatMap { conninfo in Result { (try PostgresConnection(conninfo: conninfo), conninfo) } }
    }

    func publish(_ extra: [String], output: String, conninfo: String) throws -> ProcessRunner.Result {
        try CLI.run(["publish", "--contract", "housing-2021", "--profile", Self.profile.path, "--output", output, "--database", conninfo, "-q"] + extra)
    }

    /// Reads a package back with frictionless and pandas (the committed reference script).
    func readBack(_ folder: String) throws -> [String: [[String: Any]]] {
        let python = try #require(Checkout.python, "Python with Tests/reference-requirements.txt is needed: set OUTCOMES_PYTHON or run .ci/run's venv step")
        let script = Checkout.root.appendingPathComponent("Tests/OutcomesCLITests/reference/read_open_data_package.py")
        let read = try ProcessRunner.run(python, [script.path, folder], separateErrors: true)
        #expect(read.status == 0, "\(read.errors)")
        let package = try #require(try JSONSerialization.jsonObject(with: Data(read.output.utf8)) as? [String: Any])
        #expect(package["valid"] as? Bool == true, "frictionless: \(package["errors"] ?? "")")
        #expect(package["dcat_valid"] as? Bool == true, "DCAT-US: \(package["dcat_errors"] ?? "")")
        return try #require(package["resources"] as? [String: [[String: Any]]])
    }

    /// The metrics whose totals are counts of events or days (a small one says how few people had them).
    static let countedMetrics: Set<String> = ["shelter_entries_12m", "shelter_days_12m", "days_out_of_shelter_12m", "jail_days_12m",
                                               "jail_days_out_of_shelter_12m", "days_to_shelter_return"]

    @Test func aPackageFrictionlessAcceptsAndPandasReadsBackToTheCLIsNumbers() throws {
        let (db, conninfo) = try Self.database.get()
        let folder = TestDatabase.scratchDirectory("publish").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let published = try publish(["--period", "2023", "--period", "2022"], output: folder, conninfo: conninfo)
        #expect(published.status == 0, "\(published.errors)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted() == [
            "README.md", "data.json", "datapackage.json", "metrics_by_provider.csv", "metrics_by_provider.schema.json",
        ])
        let resources = try readBack(folder)

        // The same numbers as the CLI's JSON, period by period, where the package shows one; what it
        // hides beyond the report is only a small total of events or days (and its mean).
        func key(_ row: [String: Any]) -> String { "\(row["metric_id"]!) \(row["provider"]!)" }
        // Numbers as numbers (pandas reads an integer column with a missing cell as floats), a missing cell as nil.
        func figures(_ row: [String: Any]) -> [Double?] {
            ["participants", "with_value", "total", "mean", "rate"].map { (row[$0] as? NSNumber)?.doubleValue }
        }
        for period in ["2022", "2023"] {
            let cli = try CLI.report(try CLI.run(["metrics", "--contract", "housing-2021", "--period", period, "--format", "json",
                                                  "--database", conninfo, "-q"]))
            let expected = Dictionary(uniqueKeysWithValues: (cli.tables["metrics"] ?? []).map { (key($0), figures($0)) })
            let rows = (resources["metrics_by_provider"] ?? []).filter { $0["period"] as? String == period }
            #expect(!rows.isEmpty && rows.count == expected.count)
            for row in rows {
                let (shown, reported) = (figures(row), try #require(expected[key(row)]))
                for (index, value) in shown.enumerated() where value != reported[index] {
                    #expect(value == nil && [2, 3].contains(index) && Self.countedMetrics.contains(row["metric_id"] as! String), "\(period) \(key(row)) \(index)")
                }
                if Self.countedMetrics.contains(row["metric_id"] as! String), let total = shown[2] {
                    #expect(total == 0 || total >= 11, "a small total of events or days is never published: \(period) \(key(row))")
                }
            }
        }

        // Aggregates only: every row is a (period, metric, provider) and no field is a person's id.
        let metrics = try db.execute("SELECT count(*) FROM metrics.provider_results WHERE contract_id = 'housing-2021' AND period IN ('2022', '2023')")
            .scalar(Int.self)
        #expect(resources["metrics_by_provider"]?.count == metrics)
        let datapackage = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/datapackage.json"))) as? [String: Any])
        let fields = ((datapackage["resources"] as? [[String: Any]]) ?? []).flatMap { (($0["schema"] as? [String: Any])?["fields"] as? [[String: Any]]) ?? [] }
            .compactMap { $0["name"] as? String }
        #expect(fields == ["period", "metric_id", "metric", "unit", "provider", "participants", "with_value", "total", "mean", "rate"])
        let sha = try db.execute("SELECT file_sha256 FROM payments.contracts WHERE contract_id = 'housing-2021'").scalar(String.self)
        let sources = (datapackage["sources"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
        #expect(sources.first == "Contract housing-2021 version 2, text SHA-256 \(sha)" && sources.count == 2, "\(sources)")

        // The DCAT-US entry: one dataset per table, its dictionary the table's own schema.
        let catalog = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/data.json"))) as? [String: Any])
        let datasets = try #require(catalog["dataset"] as? [[String: Any]])
        #expect(datasets.count == 1)
        #expect(datasets.allSatisfy { ($0["describedBy"] as? String)?.hasSuffix("/housing-2021-2022-2023/metrics_by_provider.schema.json") == true
                                       && $0["accessLevel"] as? String == "public" && $0["temporal"] as? String == "2022-01-01/2023-12-31" })
        let readme = try String(contentsOfFile: folder + "/README.md", encoding: .utf8)
        #expect(readme.contains(sha), "the README names the contract text it was computed from")
        // The linkage it rests on, by source system, as the IDS holds it.
        let linked = try db.execute("""
            SELECT s.name || ' (' || s.source_system || '): ' || count(DISTINCT l.person_id) || ' persons linked'
            FROM ids.source_systems s JOIN ids.source_links l USING (source_system) GROUP BY s.source_system, s.name
            """).map { try $0.decode(String.self, at: 0) }
        #expect(!linked.isEmpty && linked.allSatisfy(readme.contains), "\(linked)")

        // By an attribute: that one table, its margins the providers' figures, small cells suppressed.
        let bySex = TestDatabase.scratchDirectory("publish-sex").path
        defer { try? FileManager.default.removeItem(atPath: bySex) }
        #expect(try publish(["--period", "2023", "--by", "sex"], output: bySex, conninfo: conninfo).status == 0)
        let sexRows = try readBack(bySex)["metrics_by_provider_and_sex"] ?? []
        #expect(!sexRows.isEmpty && sexRows.contains { $0["participants"] == nil || $0["participants"] is NSNull }, "small cells by sex are suppressed")
        #expect(try String(contentsOfFile: bySex + "/metrics_by_provider_and_sex.csv", encoding: .utf8).contains(",<11,"))
        for row in sexRows where Self.countedMetrics.contains(row["metric_id"] as! String) {
            if let total = (row["total"] as? NSNumber)?.doubleValue { #expect(total == 0 || total >= 11, "\(row)") }
        }
    }

    @Test func everyStoredTableIsRefusedByName() throws {
        let (db, _) = try Self.database.get()
        let tables = try DataDictionary.tables(on: db)
        // Named by hand: tables of persons, their results, payments, links and identifiers ...
        let personal = ["ids.persons", "ids.events", "ids.enrollments", "ids.source_links", "ids.relationships", "ids.household_members",
                        "metrics.person_results", "payments.ledger", "payments.staged_lines", "evaluation.run_units", "evaluation.matched_weights",
                        "linkage.identifiers", "linkage.pairs", "linkage.labels", "linkage.id_changes", "linkage.runs"]
        // ... and stored aggregates or reference tables, published only in their suppressed form.
        let unsuppressed = ["metrics.provider_results", "metrics.computed_periods", "ids.event_domains", "ids.programs", "payments.contracts",
                            "payments.runs", "scenario.runs", "evaluation.runs"]
        for name in personal { #expect(refusal(name, tables) == .personLevel(name), "\(name)") }
        for name in unsuppressed { #expect(refusal(name, tables) == .notSuppressed(name), "\(name)") }
        // And every other stored table is refused one way or the other.
        for table in tables { #expect(refusal(table.qualifiedName, tables) != nil, "\(table.qualifiedName) would be published") }
        #expect(refusal("person_results", tables) == .personLevel("metrics.person_results"), "by its bare name too")
        #expect(refusal("everything", tables) == .unknown("everything"))
        #expect(PublishableTable.all.allSatisfy { (try? PublishableTable.resolve($0.name, tables: tables).get()) == $0 })
    }

    func refusal(_ name: String, _ tables: [DataDictionary.Table]) -> PublishableTable.Refusal? {
        if case .failure(let error) = PublishableTable.resolve(name, tables: tables) { return error.refusal }
        return nil
    }

    @Test func badInputWritesNothing() throws {
        let (_, conninfo) = try Self.database.get()
        let folder = TestDatabase.scratchDirectory("publish-bad").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A person-level table, by name: refused before anything is written.
        CLI.expectCleanFailure(try publish(["--period", "2023", "--table", "metrics.person_results"], output: folder, conninfo: conninfo),
                               status: 64, naming: ["metrics.person_results"])
        CLI.expectCleanFailure(try publish(["--period", "2023", "--table", "payments.ledger"], output: folder, conninfo: conninfo),
                               status: 64, naming: ["payments.ledger"])
        // A period not computed from the loaded version.
        CLI.expectCleanFailure(try publish(["--period", "2024"], output: folder, conninfo: conninfo), status: 65,
                               naming: ["2024", "outcomes metrics --contract housing-2021 --period 2024"])
        // A threshold is the profile's, never an option; tables that share margins: refused.
        for options in [["--small-cell-threshold", "11"], ["--by", "race", "--by", "sex"], ["--table", "metrics_by_provider", "--by", "race"],
                        ["--table", "metrics_by_provider", "--table", "metrics_by_provider"]] {
            let refused = try publish(["--period", "2023"] + options, output: folder, conninfo: conninfo)
            #expect(refused.status == 64 && refused.output.isEmpty, "\(options): \(refused.errors)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder))
        // A profile without a contact e-mail, and one whose license is not a URL: file:line.
        let text = try String(contentsOf: Self.profile, encoding: .utf8)
        let broken = TestDatabase.scratchDirectory("profile").path + ".yaml"
        defer { try? FileManager.default.removeItem(atPath: broken) }
        try text.replacingOccurrences(of: "  email: opendata@example.gov", with: "").write(toFile: broken, atomically: true, encoding: .utf8)
        CLI.expectCleanFailure(try CLI.run(["publish", "--contract", "housing-2021", "--period", "2023", "--profile", broken, "--output", folder]),
                               status: 65, naming: ["\(broken):9:", "email"])
        let thresholdLine = try #require(text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("small_cell_threshold: 11 ") }) + 1
        try text.replacingOccurrences(of: "small_cell_threshold: 11 ", with: "small_cell_threshold: 5 ").write(toFile: broken, atomically: true, encoding: .utf8)
        CLI.expectCleanFailure(try CLI.run(["publish", "--contract", "housing-2021", "--period", "2023", "--profile", broken, "--output", folder]),
                               status: 65, naming: ["\(broken):\(thresholdLine):", "small_cell_threshold", "5"])
        try text.replacingOccurrences(of: "license: https://creativecommons.org/publicdomain/zero/1.0/", with: "license: CC0")
            .write(toFile: broken, atomically: true, encoding: .utf8)
        CLI.expectCleanFailure(try CLI.run(["publish", "--contract", "housing-2021", "--period", "2023", "--profile", broken, "--output", folder]),
                               status: 65, naming: ["\(broken):11:", "license", "'CC0'"])
        #expect(!FileManager.default.fileExists(atPath: folder))
        // A folder outcomes did not write is never replaced.
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "mine".write(toFile: folder + "/notes.txt", atomically: true, encoding: .utf8)
        CLI.expectCleanFailure(try publish(["--period", "2023"], output: folder, conninfo: conninfo), status: 73, naming: [folder])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["notes.txt"])
    }
}
