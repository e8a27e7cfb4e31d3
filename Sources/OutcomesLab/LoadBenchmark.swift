import ArgumentParser
import Foundation
import OutcomesCLI
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

struct LoadBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Time the synthetic load against psql \\copy of the same rows; report peak memory.",
        discussion: """
            1. outcomes generates and loads the data set (as `outcomes synth` does) and is timed;
            2. the loaded rows are exported to files;
            3. psql loads the same files with \\copy into the same tables, in one transaction after \
            TRUNCATE, as outcomes does, and is timed.
            Prints both throughputs, their ratio and the peak resident memory of this process.

            Without --persons, 1,000,000 people (the figures in BENCHMARKS.md).

            Examples:
              outcomes-bench load --persons 5000
              outcomes-bench load --persons 5000 --format json --quiet
            """
    )

    @OptionGroup var data: BenchmarkDataOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let (persons, seed) = (data.persons, data.seed)
        let progress = output.progress
        let (connection, target) = try database.connectReady(progress: progress)
        var loader = SyntheticLoader(ids: SyntheticIDS(persons: persons, seed: seed))
        let bar = progress.bar("outcomes: generating and loading \(persons) people")
        loader.progress = bar.update
        let ours = try measure { try loader.load(into: connection) }
        bar.finish()
        let report = ours.value

        let directory = try SafeWriter.privateTemporaryFolder(prefix: "outcomes-bench")
        defer { try? FileManager.default.removeItem(at: directory) }
        progress.note("Exporting the loaded rows for psql…")
        let tables = [
            ("ids.persons", SyntheticRowWriter.personColumns), ("ids.events", SyntheticRowWriter.eventColumns),
            ("ids.source_links", SyntheticRowWriter.linkColumns), ("ids.enrollments", SyntheticRowWriter.enrollmentColumns),
        ]
        // The same server-side steps as the loader: truncate, drop foreign keys, load, re-add them.
        let foreignKeys = try ForeignKeyDeferral(tables: SyntheticLoader.tables, on: connection)
        var script = "\\set ON_ERROR_STOP on\nBEGIN;\nTRUNCATE \(SyntheticLoader.tables.joined(separator: ", "));\n"
            + "SELECT set_config('outcomes.load_id', '\(report.loadID)', true);\n"
            + foreignKeys.keys.map { $0.dropStatement.sql + ";\n" }.joined()
        for (table, columns) in tables {
            let file = directory.appendingPathComponent("\(table).copy")
            try export(table: table, columns: columns, to: file, connection: connection)
            script += "\\copy \(table) (\(columns.joined(separator: ", "))) FROM '\(file.path)'\n"
        }
        script += foreignKeys.keys.map { $0.addStatement.sql + ";\n" }.joined() + "COMMIT;\n"
        let scriptFile = directory.appendingPathComponent("load.sql")
        try Data(script.utf8).write(to: scriptFile)

        progress.note("Loading the same rows with psql \\copy…")
        let conninfo: String
        switch target {
        case .embedded(let cluster): conninfo = cluster.conninfo()
        case .named(let named): conninfo = named
        }
        let psql = try measure { try runPsql(conninfo: conninfo, script: scriptFile) }
        try IDSMaintenance.refreshAfterLoad(connection)

        let rows = report.totalRows
        let oursRate = Double(rows) / ours.seconds
        let psqlRate = Double(rows) / psql.seconds
        var result = Report(title: "Load benchmark: \(persons) people, seed \(seed)")
        result.notes = [
            "Rows: \(rows) (persons \(report.persons), links \(report.links), enrollments \(report.enrollments), events \(report.events)).",
            "Machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, "
                + "\(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB; database: \(target).",
        ]
        var table = ReportTable(name: "load", title: "Throughput", columns: ["measure", "value"])
        table.rows = [
            [.text("outcomes synth load (s)"), .text(String(format: "%.1f", ours.seconds))],
            [.text("outcomes rows/s"), .int(Int(oursRate))],
            [.text("psql \\copy load (s)"), .text(String(format: "%.1f", psql.seconds))],
            [.text("psql rows/s"), .int(Int(psqlRate))],
            [.text("ratio outcomes / psql"), .text(String(format: "%.2f", oursRate / psqlRate))],
            [.text("peak memory of outcomes (MB)"), .int(peakResidentMegabytes())],
        ]
        result.tables = [table]
        try output.emit(result)
    }

    private func export(table: String, columns: [String], to file: URL, connection: PostgresConnection) throws {
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        var buffer = Data()
        let names = columns.map { "\(escapedIdentifier: $0)" as PostgresQuery }.joined(separator: ", ")
        try connection.copyOut("COPY \(identifier: SQLIdentifier(validating: table)!) (\(names)) TO STDOUT") { chunk in
            buffer.append(contentsOf: chunk)
            if buffer.count >= 1 << 20 {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: buffer)
    }

    private func runPsql(conninfo: String, script: URL) throws {
        let candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .map { "\($0)/psql" } + ["/usr/bin/psql"]
        guard let psql = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ValidationError("psql was not found on the PATH; install the PostgreSQL client (postgresql-client).")
        }
        let result = try ProcessRunner.run(URL(fileURLWithPath: psql), ["-X", "-q", "-d", conninfo, "-f", script.path])
        guard result.succeeded else {
            throw ValidationError("psql failed (status \(result.status)) loading the benchmark files: \(result.output)")
        }
    }
}
