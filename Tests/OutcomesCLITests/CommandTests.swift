import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
@testable import OutcomesCLI
import Testing

@Suite struct HelpAndUsageTests {
    @Test func helpShowsCommandsAndExamples() throws {
        let result = try CLI.run(["--help"])
        #expect(result.status == 0)
        for word in ["demo", "synth", "db", "Examples:"] { #expect(result.output.contains(word)) }
        #expect(!result.output.contains("bench"), "the benchmarks are the lab's: outcomes-bench")
        let synth = try CLI.run(["synth", "--help"])
        #expect(synth.output.contains("--persons") && synth.output.contains("--seed") && synth.output.contains("Examples:"))
    }

    @Test func theLabBinaryListsTheBenchmarks() throws {
        let result = try CLI.run(["--help"], program: "outcomes-bench")
        #expect(result.status == 0)
        for benchmark in ["load", "metrics", "payments", "compare", "scenario", "scale", "report", "link"] {
            #expect(result.output.contains("\n  \(benchmark) "), "\(benchmark)")
        }
        #expect(result.output.contains("swift run -c release outcomes-bench compare"))
        let product = try CLI.run(["bench", "load"])
        #expect(product.status == 64 && product.errors.contains("'bench'"))
    }

    @Test func badOptionsAreUsageErrors() throws {
        let result = try CLI.run(["synth", "--persons", "0"])
        #expect(result.status == 64)
        #expect(result.errors.contains("--persons") && result.errors.contains("20000000"), "the option and its bound: \(result.errors)")
        #expect(try CLI.run(["synth", "--format", "xml"]).status == 64)
        #expect(try CLI.run(["no-such-command"]).status == 64)
    }
}

@Suite struct DatabaseErrorTests {
    @Test func anUnreachableDatabase() throws {
        let result = try CLI.run(["synth", "--database", "host=/nonexistent-socket-dir port=1"])
        CLI.expectCleanFailure(result, status: 69, naming: ["host=/nonexistent-socket-dir"])
    }

    @Test func aWrongPasswordIsNamedWithoutTheSecret() throws {
        let cluster = try TestDatabase.cluster()
        let admin = try PostgresConnection(conninfo: cluster.conninfo(database: "postgres"))
        try admin.execute("""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pw_tester') THEN
                CREATE ROLE pw_tester LOGIN PASSWORD 'right-password';
              END IF;
            END $$
            """)
        let hba = cluster.directory.appendingPathComponent("pg_hba.conf")
        let rules = try String(contentsOf: hba, encoding: .utf8)
        if !rules.hasPrefix("local all pw_tester") {
            try Data(("local all pw_tester scram-sha-256\n" + rules).utf8).write(to: hba)
            try admin.execute("SELECT pg_reload_conf()")
        }
        let conninfo = "host=\(cluster.socketDirectory.path) user=pw_tester password=wrong-secret-42 dbname=postgres"
        let result = try CLI.run(["db", "status", "--database", conninfo])
        CLI.expectCleanFailure(result, status: 77, naming: ["pw_tester"])
        #expect(!result.errors.contains("wrong-secret-42"))
    }

    @Test func aDatabaseWithoutTheSchema() throws {
        let (_, conninfo) = try TestDatabase.fresh(migrated: false)
        let result = try CLI.run(["synth", "--persons", "10", "--database", conninfo])
        CLI.expectCleanFailure(result, status: 78, naming: ["outcomes db migrate"])
    }

    @Test func aMissingPostgreSQLInstallation() throws {
        let result = try CLI.run(["db", "start"], environment: [
            "OUTCOMES_PG_BINDIR": "/nonexistent/postgresql/bin", "OUTCOMES_DATA_DIR": "/tmp/outcomes-cli-never-created",
        ])
        CLI.expectCleanFailure(result, status: 78, naming: ["OUTCOMES_PG_BINDIR", "/nonexistent/postgresql/bin"])
        #expect(!FileManager.default.fileExists(atPath: "/tmp/outcomes-cli-never-created"))
    }

    /// Needs a directory owned by another user than the server's; as root that is root's own.
    @Test(.enabled(if: geteuid() == 0, "as a non-root user the unit test of the ownership check covers it"))
    func aDataDirectoryOwnedBySomeoneElse() throws {
        let directory = TestDatabase.scratchDirectory("foreign")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data("15\n".utf8).write(to: directory.appendingPathComponent("PG_VERSION"))
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CLI.run(["db", "start"], environment: ["OUTCOMES_DATA_DIR": directory.path])
        CLI.expectCleanFailure(result, status: 77, naming: [directory.path, "root", "postgres"])
    }
}

@Suite struct WorkflowTests {
    @Test func migrateThenStatus() throws {
        let (db, conninfo) = try TestDatabase.fresh(migrated: false)
        let files = try Migrator().migrations.map(\.fileName)
        #expect(files.first == "0001_linked_ids.sql")
        /// `db status`'s counts of migrations applied and pending.
        func counts() throws -> [Int?] {
            let rows = try CLI.report(try CLI.run(["db", "status", "--database", conninfo, "--format", "json"])).tables["status"] ?? []
            func value(_ item: String) -> Int? { rows.first { $0["item"] as? String == item }?["value"] as? Int }
            return [value("migrations applied"), value("migrations pending")]
        }
        let migrate = try CLI.run(["db", "migrate", "--database", conninfo])
        #expect(migrate.status == 0)
        // One line per migration applied, naming its file, in order.
        let lines = migrate.output.split(separator: "\n")
        #expect(lines.count == files.count && zip(lines, files).allSatisfy { $0.contains($1) }, "\(migrate.output)")
        #expect(try counts() == [files.count, 0])
        let record = try db.execute("SELECT version || ' ' || checksum || ' ' || applied_at FROM public.schema_migrations ORDER BY version")
            .map { try $0.decode(String.self, at: 0) }
        #expect(record.count == files.count)
        // Run again: it succeeds, says one line that names no migration, and applies none (the record is untouched).
        let again = try CLI.run(["db", "migrate", "--database", conninfo])
        #expect(again.status == 0 && again.errors.isEmpty, "\(again.errors)")
        #expect(again.output.split(separator: "\n").count == 1 && !files.contains { again.output.contains($0) }, "\(again.output)")
        #expect(try counts() == [files.count, 0])
        #expect(try db.execute("SELECT version || ' ' || checksum || ' ' || applied_at FROM public.schema_migrations ORDER BY version")
            .map { try $0.decode(String.self, at: 0) } == record)
    }

    @Test func demoBuildsSummarizesAndReuses() throws {
        let (db, conninfo) = try TestDatabase.fresh(migrated: false)
        let pages = FileManager.default.temporaryDirectory.appendingPathComponent("demo-reports-\(UUID().uuidString)")
        let first = try CLI.run(["demo", "--persons", "3000", "--seed", "3", "--database", conninfo, "--format", "json", "--reports", pages.path])
        #expect(first.status == 0, "\(first.errors)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(first.output.utf8)) as? [String: Any])
        let tables = try #require(json["tables"] as? [String: [[String: Any]]])
        try ReaderTablesTests.expectLabelledAndRead(demo: json, pages: pages)
        // The persons are the ones the demo's link run made of the agencies' records.
        let linkedPersons = try db.execute("SELECT (summary->>'persons')::int FROM linkage.runs ORDER BY run_id DESC LIMIT 1").scalar(Int.self)
        #expect(tables["persons"]?.first?["count"] as? Int == linkedPersons)
        #expect(try db.execute("SELECT count(*) FROM ids.persons").scalar(Int.self) == linkedPersons)
        #expect(Set(tables["events"]?.compactMap { $0["domain"] as? String } ?? [])
            == ["benefit", "child_welfare", "er_visit", "jail", "school", "shelter", "wages"])
        // The agencies' records hold families: children and other parents linked like everyone, their edges through the index.
        #expect(try db.execute("SELECT count(DISTINCT person_id) FROM ids.relationships WHERE relation = 'natural_parent'").scalar(Int.self) > 500)
        #expect(try db.execute("SELECT count(*) FROM ids.household_members").scalar(Int.self) > 500)
        // Small cells are suppressed: no count from 1 to 10 appears anywhere.
        let countColumns = ["count", "linked_persons", "links", "probabilistic_links", "enrollments", "persons",
                            "events", "open_spells", "participants", "with_value", "treated", "controls", "control"]
        // (JSON keys are the columns' snake_case names.)
        #expect(tables.values.contains { $0.contains { $0["with_value"] != nil } } && tables.values.contains { $0.contains { $0["linked_persons"] != nil } })
        for rows in tables.values {
            for row in rows {
                for column in countColumns {
                    if let count = row[column] as? Int { #expect(count == 0 || count >= 11, "\(column): \(count)") }
                }
            }
        }
        // Nor in the notes: no count of 1 to 10 participants or comparison units, matched or not.
        let notes = (json["notes"] as? [String] ?? []).joined(separator: "\n")
        for match in notes.matches(of: /(\d[\d,]*) (?:of [\d,<]+ )?(?:participants|comparison units|units|persons?|new stays|stays)\b/) {
            let count = Int(match.1.replacingOccurrences(of: ",", with: ""))!
            #expect(count == 0 || count >= 11, "\(match.0)")
        }
        // The demo contract's metrics, by provider, with the all-provider total last.
        let metrics = try #require(tables["metrics"])
        #expect(Set(metrics.compactMap { $0["provider"] as? String }) == ["hearth", "keystone", "(all)"])
        // The monthly cycle: the shelter system's December came a month late, after a first computation. The persons
        // it changed (a stay begun in December, or one that ended in it) were computed again, and what is stored
        // equals a full computation.
        func load(_ prefix: String) throws -> Int {
            try db.execute("SELECT load_id FROM ids.data_loads WHERE description LIKE \(prefix + "%")").scalar(Int.self)
        }
        let lateStayers = try db.execute("""
            SELECT count(DISTINCT person_id) FROM ids.events
            WHERE source_system = 'HMIS' AND (start_date >= '2024-12-01' OR end_date >= '2024-12-01')
            """).scalar(Int.self)
        let cycle = try db.execute("""
            SELECT base_load_id || ' ' || load_id || ' ' || recomputed_persons FROM metrics.computed_periods
            WHERE contract_id = 'housing-2021' AND period = '2023'
            """).scalar(String.self)
        let (content, monthly) = (try load("demo content before HMIS from 2024-12-01: "), try load("demo monthly: "))
        #expect(lateStayers > 50 && cycle == "\(content) \(monthly) \(lateStayers)", "\(cycle)")
        let incremental = try StoredMetrics.digest(db, contract: "housing-2021", period: "2023")
        let full = try CLI.run(["metrics", "--contract", "housing-2021", "--period", "2023", "--full", "--database", conninfo, "-q"])
        #expect(full.status == 0, "\(full.errors)")
        #expect(try StoredMetrics.digest(db, contract: "housing-2021", period: "2023") == incremental)
        // The reentry run is staged (maker–checker) and approved by the demo's second login; housing's is posted.
        let runs = try db.execute("""
            SELECT contract_id || ' ' || run_id || ' ' || (staged_id IS NOT NULL) || ' ' || coalesce(approved_by, '-')
            FROM payments.runs ORDER BY run_id
            """).map { try $0.decode(String.self, at: 0) }
        #expect(runs == ["reentry-2021 1 true outcomes_demo_checker", "housing-2021 2 false -", "family-2021 3 false -"], "\(runs)")
        #expect(try db.execute("SELECT count(*) FROM payments.staged_runs WHERE contract_id = 'reentry-2021'").scalar(Int.self) == 1)
        // The reentry run is staged (maker–checker) and approved by the demo's second login; the ledger verifies.
        // The ledger the demo built verifies: both runs sealed, the chain intact, both recomputed.
        let verified = try CLI.report(try CLI.run(["payments", "verify", "--recompute", "--database", conninfo, "--format", "json", "-q"]))
        #expect(verified.tables["breaks"]?.isEmpty == true, "\(verified.tables)")
        #expect(try db.execute("SELECT count(*) FROM payments.run_seals").scalar(Int.self) == 3)
        let housingLines = try db.execute("""
            SELECT DISTINCT line_id FROM payments.ledger WHERE contract_id = 'housing-2021' ORDER BY 1
            """).map { try $0.decode(String.self, at: 0) }
        // The demo is seeded: at 3,000 people, seed 3, both housing lines post (one answer, not either of two).
        #expect(housingLines == ["housed_days", "housing_stability"], "\(housingLines)")
        #expect(tables["statement_lines"]?.isEmpty == false)
        // The statement shows how the effect line was determined, and each cap that bound with its amount and cut.
        let determination = try #require(tables["statement_determinations"]?.first)
        #expect((determination["arithmetic"] as? String)?.contains("treated: ") == true, "\(determination)")
        #expect((determination["arithmetic"] as? String)?.contains("against control arm") == true)
        let caps = try #require(tables["statement_caps"])
        #expect(!caps.isEmpty && caps.allSatisfy { ($0["cap_amount"] as? [String: String])?["currency"] == "USD" && $0["cut"] != nil })
        // A comparison of the housing participants with a matched pool, stored as a run.
        let estimates = try #require(tables["comparison_estimates"])
        #expect(Set(estimates.compactMap { $0["outcome"] as? String }) == ["shelter_entries_12m", "jail_days_12m", "housed_12m", "days_out_of_shelter_12m"])
        #expect(estimates.allSatisfy { $0["provider"] as? String == "all" && $0["estimate"] is Double && $0["std_error"] is Double })
        #expect(tables["comparison_balance_matched"]?.contains { $0["covariate"] as? String == "shelter_days_2019_2020" } == true)
        #expect(try db.execute("SELECT run_id FROM evaluation.runs WHERE evaluation_id = 'housing-2021-matched'").scalar(Int.self) == 1)
        #expect(try db.execute("SELECT design->>'method' || ' 1:' || (design->>'ratio') FROM evaluation.runs WHERE run_id = 1")
                .scalar(String.self) == "nearest 1:1", "1:1 nearest-neighbour matching")
        // The two-generation contract: metrics over the parents' children, a payment run, a matched comparison.
        let familyMetrics = try #require(tables["family_metrics"])
        #expect(Set(familyMetrics.compactMap { $0["metric_id"] as? String })
                == ["child_placed_24m", "children_out_of_care_12m", "school_attendance_90", "parent_employed_12m", "household_wages_12m"])
        #expect(Set(try #require(tables["family_comparison_estimates"]).compactMap { $0["outcome"] as? String })
                == ["child_placed_24m", "parent_employed_12m", "school_attendance_90"])
        #expect(try db.execute("SELECT run_id FROM evaluation.runs WHERE evaluation_id = 'family-2021-matched'").scalar(Int.self) == 2)
        // It ends with the housing contract's benefits and costs, its effects from that comparison.
        let scenario = try #require(tables["scenario_benefit_cost"])
        #expect(scenario.first?["group"] as? String == "all" && scenario.count == 3)
        let scenarioRun = try db.execute("""
            SELECT run_id || ' ' || comparison_runs::text FROM scenario.runs WHERE scenario_id = 'housing-2021-benefit-cost'
            """).map { try $0.decode(String.self, at: 0) }
        #expect(scenarioRun == ["1 {1}"], "run 1, its effects from comparison run 1: \(scenarioRun)")
        let ledgerTotal = try db.execute("SELECT sum(amount) FROM payments.ledger").scalar(Decimal.self)
        #expect(ledgerTotal > 0)
        // Each step's full report as an HTML page, in the folder the demo names.
        #expect(try FileManager.default.contentsOfDirectory(atPath: pages.path).sorted()
                == [".outcomes-output", "comparison.html", "metrics-notebook", "metrics.html", "open-data", "scenario-notebook", "scenario.html",
                    "statement.html"])
        // The housing contract's 2023 open-data package: frictionless validates it.
        let python = try #require(Checkout.python, "Python with Tests/reference-requirements.txt is needed: set OUTCOMES_PYTHON or run .ci/run's venv step")
        let reader = Checkout.root.appendingPathComponent("Tests/OutcomesCLITests/reference/read_open_data_package.py")
        let openData = try ProcessRunner.run(python, [reader.path, pages.appendingPathComponent("open-data").path], separateErrors: true)
        let package = try JSONSerialization.jsonObject(with: Data(openData.output.utf8)) as? [String: Any]
        #expect(package?["valid"] as? Bool == true, "\(openData.errors) \(package?["errors"] ?? "")")
        #expect(package?["dcat_valid"] as? Bool == true, "data.json against the vendored DCAT-US 1.1 schema: \(package?["dcat_errors"] ?? "")")
        #expect(((package?["resources"] as? [String: [[String: Any]]])?["metrics_by_provider"] ?? []).allSatisfy { $0["period"] as? String == "2023" })
        #expect((json["notes"] as? [String] ?? []).contains { $0.hasPrefix("Open data: ") && $0.contains("/open-data/") }, "the summary names the folder")
        for notebook in ["metrics", "scenario"] {
            let folder = pages.appendingPathComponent("\(notebook)-notebook")
            // The parameters cell names what the notebook is of.
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("\(notebook).ipynb"))) as? [String: Any])
            let cells = try #require(json["cells"] as? [[String: Any]])
            let parameters = try #require(cells.first { (($0["metadata"] as? [String: Any])?["tags"] as? [String])?.contains("parameters") == true })
            let source = (parameters["source"] as? [String] ?? []).joined()
            #expect(notebook == "metrics" ? source.contains("CONTRACT = \"housing-2021\"\nPERIOD = \"2023\"") : source.contains("SCENARIO = \"housing-2021-benefit-cost\""), "\(source)")
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(notebook == "metrics" ? "data/metrics.csv" : "data/benefit_cost.csv").path))
        }
        for page in ["comparison", "scenario"] {
            #expect(try String(contentsOf: pages.appendingPathComponent("\(page).html"), encoding: .utf8).contains("<svg"))
        }
        let loads = try db.execute("SELECT count(*) FROM ids.data_loads").scalar(Int.self)
        // Run again, the demo reuses the data set (no new load) and posts no run: nothing new is owed.
        let second = try CLI.report(try CLI.run(["demo", "--persons", "3000", "--seed", "3", "--database", conninfo, "--format", "json",
                                                 "--reports", pages.path]))
        #expect(second.tables["persons"]?.first?["count"] as? Int == linkedPersons)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 3)
        #expect(try db.execute("SELECT sum(amount) FROM payments.ledger").scalar(Decimal.self) == ledgerTotal)
        #expect(try db.execute("SELECT count(*) FROM ids.data_loads").scalar(Int.self) == loads)
        // A database the release before the monthly cycle demoed holds the whole data set in its content load: reused too.
        try db.execute("""
            UPDATE ids.data_loads SET description = 'demo content: 3000 persons, seed 3, model ' || \(SyntheticIDS.familyModelVersion)
            WHERE load_id = \(monthly)
            """)
        let earlier = try CLI.run(["demo", "--persons", "3000", "--seed", "3", "-q", "--database", conninfo, "--reports", pages.path])
        #expect(earlier.status == 0 && earlier.errors.isEmpty, "\(earlier.errors)")
        #expect(try db.execute("SELECT count(*) FROM ids.data_loads").scalar(Int.self) == loads)
        let fresh = try CLI.run(["demo", "--persons", "3000", "--seed", "3", "--fresh", "-q", "--database", conninfo, "--reports", pages.path])
        #expect(fresh.status == 0 && fresh.errors.isEmpty)
        // A fresh data set: the identifiers, the link run, the content and the monthly load, each a data load.
        #expect(try db.execute("SELECT count(*) FROM ids.data_loads").scalar(Int.self) == loads + 4)
        #expect(try db.execute("SELECT count(*) FROM linkage.runs").scalar(Int.self) == 2)
    }

    @Test func synthReportsWhatItLoadedAsCSV() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        let result = try CLI.run(["synth", "--persons", "250", "--seed", "8", "--database", conninfo, "--format", "csv", "-q"])
        #expect(result.status == 0, "\(result.errors)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "table,rows")
        let events = try db.execute("SELECT count(*) FROM ids.events").scalar(Int.self)
        #expect(lines.contains("ids.events,\(events)"))
        // 250 people and their families' children and other parents, each a person of the IDS.
        let persons = try db.execute("SELECT count(*) FROM ids.persons").scalar(Int.self)
        #expect(persons > 300 && lines.contains("ids.persons,\(persons)"), "\(lines)")
        #expect(try db.execute("SELECT count(*) FROM ids.persons WHERE person_id <= 250").scalar(Int.self) == 250)
        let relationships = try db.execute("SELECT count(*) FROM ids.relationships WHERE stated AND evidence = 'declared'").scalar(Int.self)
        #expect(relationships > 0 && lines.contains("ids.relationships,\(relationships)"), "\(lines)")
        // --no-families: the people alone.
        let alone = try CLI.run(["synth", "--persons", "250", "--seed", "8", "--no-families", "--database", conninfo, "--format", "csv", "-q"])
        #expect(alone.status == 0 && alone.output.contains("ids.persons,250\n") && !alone.output.contains("relationships"), "\(alone.output)")
        #expect(try db.execute("SELECT count(*) FROM ids.relationships").scalar(Int.self) == 0)
    }
}

@Suite struct MetricsCommandTests {
    let contract = Checkout.scenarios
        .appendingPathComponent("reentry-2021.yaml").path

    @Test func printsProviderMetricsAndStoresThem() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 3_000, seed: 2)).load(into: db)
        #expect(try CLI.run(["contract", "load", contract, "--database", conninfo, "-q"]).status == 0)
        let result = try CLI.run(["metrics", "--contract", "reentry-2021", "--period", "2021Q3", "--database", conninfo,
                                  "--format", "csv", "--small-cell-threshold", "1", "-q"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.hasPrefix("metric_id,metric,provider,participants,with_value,total,mean,rate\n"))
        let stored = try db.execute("""
            SELECT participants FROM metrics.provider_results
            WHERE contract_id = 'reentry-2021' AND period = '2021Q3' AND metric_id = 'earnings_year_1' AND provider_id = '(all)'
            """).scalar(Int.self)
        #expect(stored > 0)
        let row = CLI.csvRows(result.output).first { $0["metric_id"] == "earnings_year_1" && $0["provider"] == "(all)" }
        #expect(row?["participants"] == String(stored), "\(String(describing: row))")
    }

    @Test func aBadContractFileNamesItsLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).yaml")
        let text = try String(contentsOfFile: contract, encoding: .utf8).replacingOccurrences(of: "domain: jail", with: "domain: prison")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("prison") }! + 1
        // Domains are data: the contract is checked against the IDS's vocabulary when it is loaded.
        let (db, conninfo) = try TestDatabase.fresh()
        let result = try CLI.run(["contract", "load", file.path, "--database", conninfo, "-q"])
        // The line, the unknown domain and the IDS's domains.
        CLI.expectCleanFailure(result, status: 65, naming: ["\(file.path):\(line):", "'prison'", "benefit, child_welfare, er_visit, jail, school, shelter, wages"])
        #expect(try db.execute("SELECT count(*) FROM payments.contracts").scalar(Int.self) == 0)
    }

    @Test func anUnknownPeriodListsTheKnownOnes() throws {
        let result = try CLI.run(["metrics", "--file", contract, "--period", "2030Q1", "--database", "host=/nowhere"])
        // A usage error (with the usage after it): the option, the value and the contract's periods.
        #expect(result.status == 64)
        #expect(["--period", "2030Q1", "reentry-2021", "2021Q1, 2021Q2"].allSatisfy(result.errors.contains), "\(result.errors)")
    }
}

@Suite struct LoadCommandTests {
    func extract(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-extract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
        return directory
    }

    @Test func loadsAnExtractAndRejectsABadOneWholly() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        let good = try extract([
            "persons.csv": "person_id,birth_year,sex\n1,1980,F\n2,1975,M\n",
            "events.csv": "person_id,event_id,domain,source_system,source_record,start_date,end_date\n"
                + "1,1,jail,JMS,J-1,2022-01-05,2022-01-07\n",
            "source_systems.csv": "source_system,name,agency,domain\nJMS,Jail system,Sheriff,jail\n",
        ])
        defer { try? FileManager.default.removeItem(at: good) }
        let result = try CLI.run(["load", good.path, "--database", conninfo, "--format", "csv", "-q"])
        #expect(result.status == 0, "\(result.errors)")
        let files = Dictionary(uniqueKeysWithValues: CLI.csvRows(result.output).map { ($0["file"] ?? "", [$0["rows"], $0["new"], $0["changed"]]) })
        #expect(files["persons.csv"] == ["2", "2", "0"] && files["events.csv"] == ["1", "1", "0"], "\(result.output)")

        let bad = try extract([
            "persons.csv": "person_id,birth_year\n3,1990\n",
            "events.csv": "person_id,event_id,domain,source_system,source_record,start_date\n3,2,jail,JMS,J-2,2022-13-01\n",
        ])
        defer { try? FileManager.default.removeItem(at: bad) }
        let failure = try CLI.run(["load", bad.path, "--database", conninfo])
        CLI.expectCleanFailure(failure, status: 65, naming: ["events.csv:2:", "start_date", "'2022-13-01'"])
        #expect(try db.execute("SELECT count(*) FROM ids.persons").scalar(Int.self) == 2)
    }
}

@Suite struct QualityCommandTests {
    func thresholdsFile(_ text: String) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString).yaml")
        try Data(text.utf8).write(to: file)
        return file
    }

    @Test func exitsNonZeroOnlyWhenAFailLimitIsExceeded() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 2_000, seed: 11)).load(into: db)
        let clean = try CLI.run(["quality", "--database", conninfo, "--format", "json", "-q"])
        #expect(clean.status == 0, "\(clean.errors)")
        let report = try JSONSerialization.jsonObject(with: Data(clean.output.utf8)) as? [String: Any]
        let tables = report?["tables"] as? [String: [[String: Any]]]
        let wageCheck = tables?["checks"]?.first { $0["check"] as? String == "wage_quarter_gaps" }
        #expect(wageCheck?["status"] as? String == "ok" && wageCheck?["of"] as? Int == 24)
        #expect(tables?["wage_quarters"]?.count == 24)
        #expect(tables?["checks"]?.isEmpty == false && tables?["checks"]?.allSatisfy { $0["status"] as? String != "FAIL" } == true)

        try db.execute("DELETE FROM ids.events WHERE domain = 'wages' AND start_date = '2023-04-01'")
        let spoiled = try CLI.run(["quality", "--database", conninfo, "--format", "json", "-q"])
        #expect(spoiled.status == 1)
        let failed = try #require(try JSONSerialization.jsonObject(with: Data(spoiled.output.utf8)) as? [String: Any])
        let failedCheck = ((failed["tables"] as? [String: [[String: Any]]])?["checks"])?.first { $0["check"] as? String == "wage_quarter_gaps" }
        #expect(failedCheck?["status"] as? String == "FAIL" && failedCheck?["found"] as? Int == 1 && failedCheck?["of"] as? Int == 24,
                "\(String(describing: failedCheck))")
        // One paragraph naming the check, its count, rate and limit.
        #expect(spoiled.errors.hasPrefix("error: ") && spoiled.errors.split(separator: "\n").count == 1)
        for value in ["wage_quarter_gaps", "1 of 24", "4.17%", "max 0"] { #expect(spoiled.errors.contains(value), "\(value): \(spoiled.errors)") }

        let lenient = try thresholdsFile("wage_quarter_gaps: {max_count: 1}\n")
        defer { try? FileManager.default.removeItem(at: lenient) }
        let allowed = try CLI.run(["quality", "--database", conninfo, "--thresholds", lenient.path, "-q", "--format", "csv"])
        #expect(allowed.status == 0, "\(allowed.errors)")
        let gaps = CLI.csvTables(allowed.output).first?.first { $0["check"] == "wage_quarter_gaps" }
        #expect(gaps.map { [$0["status"], $0["found"], $0["of"], $0["rate"], $0["limit"]] } == ["ok", "1", "24", "0.041667", "max 1"],
                "\(allowed.output)")
        #expect(gaps?["where"]?.hasPrefix("2023Q2: 0 ") == true, "the quarter and its count: \(allowed.output)")
    }

    @Test func badThresholdsAndDatesAreUserErrors() throws {
        let file = try thresholdsFile("persons_without_links: {max_rate: 0.02}\noverlapping_enrollment: {max_count: 0}\n")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try CLI.run(["quality", "--thresholds", file.path, "--database", "host=/nowhere"])
        CLI.expectCleanFailure(result, status: 65, naming: ["\(file.path):2:", "'overlapping_enrollment'", "persons_without_links"])
        let date = try CLI.run(["quality", "--through", "2024-13-01", "--database", "host=/nowhere"])
        #expect(date.status == 64)
        #expect(["--through", "YYYY-MM-DD", "'2024-13-01'"].allSatisfy(date.errors.contains), "the option, its form, the value: \(date.errors)")
    }
}
