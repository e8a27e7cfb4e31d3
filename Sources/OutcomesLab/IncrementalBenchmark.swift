import ArgumentParser
import Foundation
import OutcomesCLI
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

struct IncrementalBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incremental",
        abstract: "Time recomputing the metrics after a monthly load that changes 1% of people, against a full run.",
        discussion: """
            Loads the synthetic data set unless it is already loaded, loads the payments benchmark's \
            contracts as a new version (the metrics benchmark's six metrics; refused on a database \
            holding versions the benchmarks did not load), and computes their metrics in full. Then, \
            in each of --rounds rounds: loads an extract (events.csv, pre-linked) that adds an event \
            for each of --share percent of the people and changes one stored event of each (timed \
            apart), computes the metrics again incrementally (timed), keeps their person-level \
            results, computes them again in full (timed) and checks that both are the same row for \
            row. Contracts run side by side, as in the metrics benchmark. Prints each round's times, \
            the ratio incremental / full (min, median, max) and this process's peak memory.

            The loads add rows to the events of the synthetic data set: the next benchmark that needs \
            the data set as generated loads it again.

            Without --persons, 1,000,000 people (the figures in BENCHMARKS.md).

            Examples:
              outcomes-bench incremental --persons 5000
              outcomes-bench incremental --persons 5000 --share 5 --rounds 2 --format json --quiet
            """
    )

    @OptionGroup var data: BenchmarkDataOptions

    @Option(name: .long, help: "Percent of the people each monthly load changes (0.01 to 50).")
    var share = 1.0

    @Option(name: .long, help: "Monthly loads, each followed by an incremental and a full run (1 to 10).")
    var rounds = 3

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (0.01...50).contains(share) else { throw ValidationError("--share must be from 0.01 to 50 (percent of the people); got \(share).") }
        guard (1...10).contains(rounds) else { throw ValidationError("--rounds must be from 1 to 10; got \(rounds).") }
    }

    func run() throws {
        let progress = output.progress
        let (connection, target) = try database.connectReady(progress: progress)
        try PaymentsBenchmark.refuseVersionsNotItsOwn(on: connection)
        try reuseOrLoadSynthetic(persons: data.persons, seed: data.seed, connection: connection, progress: progress)
        let stored = try PaymentsBenchmark.loadNewVersions(on: connection)
        let runners = stored.map(MetricsRunner.init(stored:))
        progress.note("Computing the metrics of \(stored.count) contracts in full…")
        _ = try MetricsBenchmark.runSideBySide(runners, full: true, on: target)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outcomes-bench-incremental-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var table = ReportTable(name: "rounds", title: "Rounds",
                                columns: ["round", "persons_changed", "load_s", "incremental_s", "full_s", "incremental_over_full", "persons_recomputed", "equal"])
        var ratios: [Double] = []
        for round in 1...rounds {
            progress.note("Round \(round): a load that changes \(share)% of the people…")
            let directory = folder.appendingPathComponent("load-\(round)")
            let changed = try Self.writeMonthlyLoad(into: directory, share: share, round: round, on: connection)
            let load = try measure { try ExtractLoader(directory: directory, description: "bench incremental, round \(round)").load(into: connection) }
            let incremental = try measure {
                try sideBySide(runners.count) { index in
                    try runners[index].compute(period: runners[index].contract.periods[0], on: try target.connect())
                }
            }
            let recomputed = incremental.value.flatMap(\.arms).compactMap(\.recomputedPersons).max() ?? 0
            guard incremental.value.flatMap(\.arms).allSatisfy({ if case .incremental = $0.recomputation { true } else { false } }) else {
                throw ValidationError("round \(round): a run was not incremental: \(incremental.value.flatMap(\.arms).map(\.recomputation))")
            }
            try Self.keepResults(of: stored, on: connection)
            let full = try measure { try MetricsBenchmark.runSideBySide(runners, full: true, on: target) }
            let differing = try Self.differences(from: stored, on: connection)
            guard differing == 0 else {
                throw ValidationError("round \(round): the incremental results differ from the full ones in \(differing) rows")
            }
            ratios.append(incremental.seconds / full.seconds)
            table.rows.append([.int(round), .int(changed), .text(String(format: "%.2f", load.seconds)),
                               .text(String(format: "%.3f", incremental.seconds)), .text(String(format: "%.2f", full.seconds)),
                               .text(String(format: "%.3f", ratios.last!)), .int(recomputed), .text("yes")])
        }
        let sorted = ratios.sorted()
        var report = Report(title: "Incremental benchmark: \(data.persons) people, seed \(data.seed)")
        report.notes = [
            "Contracts: \(stored.map(\.contract.id).joined(separator: ", ")) (6 metrics each), side by side; database: \(target).",
            "Each round loads an event for each of \(share)% of the people and changes one of theirs, then computes incrementally, then in full.",
        ]
        var summary = ReportTable(name: "summary", title: "Incremental / full", columns: ["measure", "value"])
        summary.rows = [
            [.text("ratio incremental / full, min"), .text(String(format: "%.3f", sorted.first!))],
            [.text("ratio incremental / full, median"), .text(String(format: "%.3f", sorted[sorted.count / 2]))],
            [.text("ratio incremental / full, max"), .text(String(format: "%.3f", sorted.last!))],
            [.text("peak memory of outcomes (MB)"), .int(peakResidentMegabytes())],
        ]
        report.tables = [summary, table]
        try output.emit(report)
    }

    /// Writes a monthly load: for `share` percent of the people (chosen by a hash of their id and
    /// the round), a new jail stay and one of their stored events moved by a week. Returns how many people.
    static func writeMonthlyLoad(into directory: URL, share: Double, round: Int, on connection: PostgresConnection) throws -> Int {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let modulus = max(1, Int((100 / share).rounded()))
        let rows = try connection.execute("""
            SELECT DISTINCT ON (person_id) person_id, event_id, domain, source_system, source_record, start_date, end_date, amount
            FROM ids.events
            WHERE abs(hashint8(person_id + \(round * 7919))) % \(modulus) = 0 AND domain <> 'wages'
            ORDER BY person_id, event_id
            """)
        var text = "person_id,event_id,domain,source_system,source_record,start_date,end_date,amount\n"
        var next = try connection.execute("SELECT coalesce(max(event_id), 0) + 1 FROM ids.events").scalar(Int.self)
        var persons = 0
        for row in rows {
            let person: Int = try row.decode(at: 0), start: LocalDate = try row.decode(at: 5), end: LocalDate? = try row.decode(at: 6)
            let amount: Decimal? = try row.decode(at: 7)
            let (system, record): (String, String) = (try row.decode(at: 3), try row.decode(at: 4))
            text += "\(person),\(try row.decode(Int.self, at: 1)),\(try row.decode(String.self, at: 2)),\(system),\(record),"
                + "\(start.adding(days: 7)),\(end.map { $0.adding(days: 7).description } ?? ""),\(amount.map { "\($0)" } ?? "")\n"
            let jailed = LocalDate(year: 2020 + person % 4, month: 1 + person % 12, day: 1 + person % 28)!
            text += "\(person),\(next),jail,JMS,BENCH-\(round)-\(next),\(jailed),\(jailed.adding(days: person % 20)),\n"
            next += 1
            persons += 1
        }
        try text.write(to: directory.appendingPathComponent("events.csv"), atomically: true, encoding: .utf8)
        return persons
    }

    static func resultsOf(_ stored: [StoredContract]) -> PostgresQuery {
        """
        SELECT person_id, contract_id, metric_id, period, enrollment_id, provider_id, window_start, window_end, value, pre_value,
               post_value, ratio, relatives, relative_ids, relative_values
        FROM metrics.person_results WHERE contract_id = ANY (\(stored.map(\.contract.id))::text[])
        """
    }

    /// Keeps the incremental run's person-level results, to hold the full run's to.
    static func keepResults(of stored: [StoredContract], on connection: PostgresConnection) throws {
        try connection.execute("DROP TABLE IF EXISTS pg_temp.bench_incremental")
        try connection.execute("CREATE TEMP TABLE bench_incremental AS \(resultsOf(stored))")
    }

    /// Rows in one of the incremental and the full results and not in the other.
    static func differences(from stored: [StoredContract], on connection: PostgresConnection) throws -> Int {
        try connection.execute("""
            SELECT (SELECT count(*) FROM (SELECT * FROM bench_incremental EXCEPT ALL \(resultsOf(stored))) a)
                 + (SELECT count(*) FROM (\(resultsOf(stored)) EXCEPT ALL SELECT * FROM bench_incremental) b)
            """).scalar(Int.self)
    }
}
