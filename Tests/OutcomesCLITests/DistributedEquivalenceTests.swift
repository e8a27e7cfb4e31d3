import Foundation
import OutcomesDatabase
import OutcomesLab
import OutcomesTestSupport
import PostgresClient
import Testing

/// The whole demo — synthetic load, metrics, contract loads, payment runs, a statement, a matched
/// comparison, a scenario — on one server and on a Citus cluster (a coordinator and two workers
/// this test starts), with identical answers. Citus must be installed (`.ci/run` builds it): if
/// the cluster cannot start, the test fails.
@Suite(.serialized) struct DistributedEquivalenceTests {
    static let persons = "3000"

    /// What must be the same on both: every stored result, line and hash, read in a fixed order
    /// (times, which differ from run to run, left out).
    static let comparedQueries: [(name: String, sql: PostgresQuery)] = [
        ("data loads", "SELECT load_id, kind, content_hash, row_counts FROM ids.data_loads ORDER BY load_id"),
        ("IDS", """
            SELECT (SELECT count(*) FROM ids.persons), (SELECT count(*) FROM ids.events), (SELECT count(*) FROM ids.enrollments),
                   (SELECT md5(string_agg(format('%s', (e.event_id, e.person_id, e.domain, e.event_type, e.source_system, e.start_date, e.end_date, e.amount)), ','
                                          ORDER BY e.event_id)) FROM ids.events e)
            """),
        ("person results", """
            SELECT r.contract_id, r.period, count(*), md5(string_agg(format('%s', (r.person_id, r.metric_id, r.enrollment_id,
                   r.provider_id, r.window_start, r.window_end, r.value, r.pre_value, r.post_value, r.ratio, r.load_id)), ','
                   ORDER BY r.metric_id, r.person_id))
            FROM metrics.person_results r GROUP BY 1, 2 ORDER BY 1, 2
            """),
        ("provider results", """
            SELECT contract_id, metric_id, period, provider_id, measure, participants, with_value, total, mean, rate, load_id
            FROM metrics.provider_results ORDER BY 1, 2, 3, 4
            """),
        ("computed periods", "SELECT contract_id, period, load_id, version, file_sha256 FROM metrics.computed_periods ORDER BY 1, 2"),
        ("payment runs", "SELECT run_id, contract_id, version, period, kind, inputs_sha256, load_id, total FROM payments.runs ORDER BY 1"),
        ("ledger lines", """
            SELECT run_id, line_no, contract_id, period, provider_id, payer_id, person_id, line_id, entry, amount, earned, notes, reasons
            FROM payments.ledger ORDER BY run_id, line_no
            """),
        ("determinations", "SELECT * FROM payments.determinations ORDER BY run_id, seq"),
        ("sealed lines", "SELECT position, run_id, lines_sha256 FROM payments.run_seals ORDER BY position"),
        ("comparison runs", """
            SELECT run_id, evaluation_id, contract_id, version, period, comparison, load_id, spec_sha256, inputs_sha256,
                   sample_sizes, estimates, balance, propensity_model, warnings
            FROM evaluation.runs ORDER BY run_id
            """),
        ("comparison units", """
            SELECT run_id, count(*), md5(string_agg(format('%s', (person_id, treated, provider_id, index_date, propensity, weight,
                   subclass)), ',' ORDER BY person_id)) FROM evaluation.run_units GROUP BY run_id ORDER BY run_id
            """),
    ]

    /// The commands whose examples run on both: everything that reads or writes the data, in the
    /// order of `--help`, all on one database (Citus cannot copy a distributed database).
    static let commandsCompared: Set<String> = ["metrics", "quality", "contract", "payments", "compare", "scenario", "report", "export", "load"]

    struct ExampleRun {
        let line: String, status: Int32, output: String, errors: String
    }

    static func runExamples(on conninfo: String) throws -> [ExampleRun] {
        let folder = URL(fileURLWithPath: "/tmp/outcomes-citus-examples-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenarios = Checkout.scenarios
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("scenarios"), withDestinationURL: scenarios)
        let environment = ["DATABASE_URL": conninfo, "OUTCOMES_DATA_DIR": "/dev/null/outcomes-tests-must-name-a-database"]
        var runs: [ExampleRun] = []
        // Loading an extract changes the data the others read: its examples run last.
        let compared = HelpExamplesTests.examples.filter { commandsCompared.contains($0.path.first ?? "") }
        for examples in compared.filter({ $0.path.first != "load" }) + compared.filter({ $0.path.first == "load" }) {
            for line in examples.lines {
                let command = "cd '\(folder.path)' && exec '\(CLI.binary.path)'" + line.dropFirst("outcomes".count)
                let result = try ProcessRunner.run(URL(fileURLWithPath: "/bin/sh"), ["-c", command], environment: environment,
                                                   separateErrors: true)
                runs.append(ExampleRun(line: line, status: result.status, output: result.output, errors: result.errors))
            }
        }
        return runs
    }

    /// Output without what differs between any two runs: the times of day things were done, and
    /// the ledger's seals, which hash the time each run was sealed (their lines' hashes are compared
    /// above, and `payments verify` checks each chain).
    static func timeless(_ text: String) -> String {
        text.replacingOccurrences(of: #"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?( UTC|Z|[+-]\d{2}(:\d{2})?)?"#, with: "<time>",
                                  options: .regularExpression)
            .replacingOccurrences(of: #"(seal |\b\d+:)[0-9a-f]{64}"#, with: "<seal>", options: .regularExpression)
    }

    /// Each example's output on both, numbered, in .build/citus-examples/{single,citus}/ to diff.
    static func keep(_ runs: [[ExampleRun]]) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/citus-examples")
        try? FileManager.default.removeItem(at: root)
        for (name, run) in zip(["single", "citus"], runs) {
            let folder = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (index, example) in run.enumerated() {
                let text = "\(example.line)\nexit \(example.status)\n\(example.errors)\n\(example.output)"
                try Data(text.utf8).write(to: folder.appendingPathComponent(String(format: "%03d.txt", index)))
            }
        }
    }

    @Test func distributingAServerWithoutCitusIsRefusedAndChangesNothing() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        let before = try db.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f'").scalar(Int.self)
        let result = try CLI.run(["db", "distribute", "--database", conninfo])
        CLI.expectCleanFailure(result, status: 78, naming: ["'citus'", "citus_add_node"])
        #expect(try db.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f'").scalar(Int.self) == before)
        let usage = try CLI.run(["db", "distribute", "--database", conninfo, "--shard-count", "0"])
        #expect(usage.status == 64 && usage.errors.contains("--shard-count"))
    }

    @Test func theDemoGivesTheSameAnswersOnOneServerAndOnCitus() throws {
        let cluster = try LocalCitusCluster(directory: TestDatabase.scratchDirectory("citus"), workers: 2)
        defer { try? cluster.remove() }
        try cluster.start()
        let migrate = try CLI.run(["db", "migrate", "--database", cluster.conninfo, "--quiet"])
        #expect(migrate.status == 0, "\(migrate.errors)")
        // A load without a finish time (one running) cannot be distributed: a clear error, nothing changed.
        let coordinator = try PostgresConnection(conninfo: cluster.conninfo)
        try coordinator.execute("INSERT INTO ids.data_loads (kind, description) VALUES ('extract', 'a load still running')")
        let running = try coordinator.execute("SELECT load_id FROM ids.data_loads WHERE finished_at IS NULL").scalar(Int.self)
        let midLoad = try CLI.run(["db", "distribute", "--database", cluster.conninfo])
        CLI.expectCleanFailure(midLoad, status: 65, naming: ["load(s) \(running)"])
        #expect(try coordinator.execute("SELECT count(*) FROM pg_dist_partition").scalar(Int.self) == 0)
        #expect(try TableLayout.of(coordinator) == .singleNode)
        // (Deleted, not truncated: a TRUNCATE would cascade to the append-only comparison runs.)
        try coordinator.execute("DELETE FROM ids.data_loads")
        try coordinator.execute("SELECT setval(pg_get_serial_sequence('ids.data_loads', 'load_id'), 1, false)")

        // The demo's data set is loaded first, so distributing moves loaded data to the workers;
        // the single server loads it the same way, and both demos find it loaded.
        let single = try TestDatabase.fresh().conninfo
        for conninfo in [single, cluster.conninfo] {
            let synth = try CLI.run(["synth", "--persons", Self.persons, "--seed", "2026", "--database", conninfo, "--quiet"])
            try #require(synth.status == 0, "\(synth.errors)")
        }

        // `db distribute`'s help examples, as written, against the coordinator.
        let examples = try #require(HelpExamplesTests.examples.first { $0.path == HelpExamplesTests.citusExamplePath })
        try #require(examples.lines == ["outcomes db distribute --shard-count 8 --format json"])
        let distribute = try ProcessRunner.run(
            URL(fileURLWithPath: "/bin/sh"), ["-c", "exec '\(CLI.binary.path)'" + examples.lines[0].dropFirst("outcomes".count)],
            environment: ["DATABASE_URL": cluster.conninfo, "OUTCOMES_DATA_DIR": "/dev/null/outcomes-tests-must-name-a-database"],
            separateErrors: true)
        try #require(distribute.status == 0, "\(distribute.errors)")
        #expect(!distribute.errors.contains("error:"))
        let placements = try JSONSerialization.jsonObject(with: Data(distribute.output.utf8)) as? [String: Any]
        let rows = ((placements?["tables"] as? [String: Any])?["tables"] as? [[String: Any]]) ?? []
        #expect(rows.first { $0["table"] as? String == "ids.events" }?["placement"] as? String == "distributed by person_id")
        #expect((rows.first { $0["table"] as? String == "ids.events" }?["rows"] as? Int ?? 0) > 10_000)
        #expect(rows.first { $0["table"] as? String == "payments.ledger" }?["placement"] as? String == "coordinator")
        #expect(rows.first { $0["table"] as? String == "ids.providers" }?["placement"] as? String == "reference (on every node)")
        let status = try CLI.report(try CLI.run(["db", "status", "--database", cluster.conninfo, "--format", "json"]))
        let layout = status.tables["status"]?.first { $0["item"] as? String == "layout" }?["value"] as? String
        #expect(layout == "distributed on Citus (2 workers)", "the status table's layout cell")
        let again = try CLI.run(["db", "distribute", "--database", cluster.conninfo])
        CLI.expectCleanFailure(again, status: 65, naming: ["ids.events", "ids.persons"])

        var outputs: [String] = []
        // One folder for both runs' reports, as the demo names it in its output.
        let reports = TestDatabase.scratchDirectory("citus-reports")
        for conninfo in [single, cluster.conninfo] {
            defer { try? FileManager.default.removeItem(at: reports) }
            let demo = try CLI.run(["demo", "--persons", Self.persons, "--database", conninfo, "--reports", reports.path,
                                    "--format", "json", "--quiet"])
            try #require(demo.status == 0, "\(demo.errors)")
            outputs.append(demo.output)
            let verify = try CLI.run(["payments", "verify", "--database", conninfo])
            #expect(verify.status == 0, "\(verify.output) \(verify.errors)")
        }
        #expect(Self.timeless(outputs[0]) == Self.timeless(outputs[1]))

        let connections = try [single, cluster.conninfo].map { try PostgresConnection(conninfo: $0) }
        #expect(try TableLayout.of(connections[0]) == .singleNode)
        #expect(try TableLayout.of(connections[1]) == .distributed)
        for (name, sql) in Self.comparedQueries {
            let answers = try connections.map { connection in
                try connection.execute(sql).map { row in
                    try (0..<row.columnCount).map { try row.decode(String?.self, at: $0) ?? "NULL" }.joined(separator: "|")
                }
            }
            #expect(!answers[0].isEmpty, "\(name): nothing to compare")
            #expect(answers[0] == answers[1], "\(name) differ between one server and Citus")
        }
        // Every other command, as its --help examples run it, answers the same on both.
        let runs = try [single, cluster.conninfo].map { try Self.runExamples(on: $0) }
        #expect(runs[0].count > 40)
        try Self.keep(runs)
        for (one, distributed) in zip(runs[0], runs[1]) {
            #expect(one.status == 0 && distributed.status == 0, "\(one.line): \(one.errors) | \(distributed.errors)")
            #expect(Self.timeless(one.output) == Self.timeless(distributed.output), "\(one.line) answers differently on Citus")
        }
        // The results live on the workers, not on the coordinator.
        let shardsOnWorkers = try connections[1].execute("""
            SELECT count(DISTINCT n.nodename) FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid)
            JOIN pg_dist_node n USING (groupid)
            WHERE s.logicalrelid::text LIKE 'metrics.person_results_%' AND n.groupid <> 0
            """).scalar(Int.self)
        #expect(shardsOnWorkers == 2)
    }
}
