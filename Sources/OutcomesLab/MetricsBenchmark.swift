import ArgumentParser
import Foundation
import OutcomesCLI
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

struct MetricsBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Time six mixed outcome metrics for every enrolled participant against one full scan of the events.",
        discussion: """
            Loads the synthetic data set unless it is already loaded, then times (1) one full scan of \
            ids.events (SELECT count(*), sum(amount); the best of three, warm) and (2) computing six \
            metrics of mixed measures — any, count, days covered, sum, sustained, change — for every \
            participant of the three synthetic contracts, with provider aggregates (the contracts side \
            by side on one connection each; the best of three runs). Prints both, their ratio, the \
            slowest metrics run and this process's peak memory.

            Without --persons, 1,000,000 people (the figures in BENCHMARKS.md). With --families the \
            data set has families, and the benchmark also times three metrics (any placement, a \
            count of ER visits, a sum of wages) on the participants of the four synthetic contracts, \
            then the same three over their children and households (`of:`), alternating, the best \
            of three each, and prints their ratio.

            Examples:
              outcomes-bench metrics --persons 5000
              outcomes-bench metrics --persons 5000 --format json --quiet
              outcomes-bench metrics --persons 5000 --families
            """
    )

    @OptionGroup var data: BenchmarkDataOptions

    @Flag(name: .long, help: "Load the data set with families, and also time three metrics over relatives against the same three on the participants.")
    var families = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    /// A benchmark contract's terms before its metrics: every participant, one period of six years.
    static func contractHeader(_ contract: ProgramCatalog.Contract) -> String {
        """
        contract: \(contract.id)
        program: \(contract.programID)
        data_through: 2024-12-31
        cohort: {assign_by: enrollment_start}
        periods:
          - {label: all, from: 2019-01-01, to: 2024-12-31}

        """
    }

    static func contractYAML(_ contract: ProgramCatalog.Contract) -> String {
        contractHeader(contract) + """
        metrics:
          - {id: any_jail_12m, measure: any, domain: jail, window: {anchor: enrollment_start, from: 0 days, to: 12 months}}
          - {id: shelter_entries_12m, measure: count, domain: shelter, window: {anchor: enrollment_start, from: 1 day, to: 12 months}}
          - {id: jail_days_12m, measure: days_covered, domain: jail, window: {anchor: enrollment_start, from: 0 days, to: 364 days}}
          - {id: wages_4q, measure: sum, domain: wages, window: {anchor: enrollment_start, from: 1 quarter, to: 5 quarters}}
          - id: employed_4q
            measure: sustained
            domain: wages
            consecutive: 4 quarters
            window: {anchor: enrollment_start, from: 0 days, to: 24 months}
          - id: er_visits_change
            measure: change
            of: count
            domain: er_visit
            window: {anchor: enrollment_start, from: 0 days, to: 12 months}
            pre_window: {anchor: enrollment_start, from: -12 months, to: -1 day}
        """
    }

    /// Runs each contract's metrics on a connection of its own, all at once; the first error wins.
    static func runSideBySide(_ runners: [MetricsRunner], full: Bool = false, on target: DatabaseTarget) throws -> [ProviderMetricResult] {
        try sideBySide(runners.count) { index in
            try runners[index].run(period: runners[index].contract.periods[0], full: full, on: try target.connect())
        }.flatMap { $0 }
    }

    func run() throws {
        let (persons, seed) = (data.persons, data.seed)
        let progress = output.progress
        let (connection, target) = try database.connectReady(progress: progress)
        try reuseOrLoadSynthetic(persons: persons, seed: seed, families: families, connection: connection, progress: progress)
        progress.note("Scanning ids.events…")
        var scans: [Double] = []
        for _ in 0..<3 {
            scans.append(try measure { try connection.execute("SELECT count(*), sum(amount) FROM ids.events") }.seconds)
        }
        let scan = scans.min()!
        // The benchmark's contracts are not loaded: their results are stored apart, as trials.
        let contracts = try ProgramCatalog.synthetic.contracts.map {
            MetricsRunner(trying: try OutcomeContract.parse(yaml: Self.contractYAML($0), file: "bench-\($0.id).yaml"))
        }
        progress.note("Computing 6 metrics for every participant of \(contracts.count) contracts, side by side…")
        // Best of three, like the scan: each run replaces the previous run's results.
        var runs: [(value: [ProviderMetricResult], seconds: Double)] = []
        for _ in 0..<3 { runs.append(try measure { try Self.runSideBySide(contracts, on: target) }) }
        let timed = runs.min { $0.seconds < $1.seconds }!
        let slowest = runs.map(\.seconds).max()!
        let totals: [ProviderMetricResult] = timed.value.filter {
            $0.providerID == MetricsRunner.allProviders && $0.metricID == "any_jail_12m"
        }
        let participants = totals.reduce(0) { $0 + $1.participants }
        var report = Report(title: "Metrics benchmark: \(persons) people, seed \(seed)")
        report.notes = [
            "Participants: \(participants) across \(contracts.count) contracts; 6 metrics each "
                + "(any, count, days_covered, sum, sustained, change). The contracts run side by side, one "
                + "connection each, as a nightly refresh of every contract would.",
            "Events: \(try connection.execute("SELECT count(*) FROM ids.events").scalar(Int.self)) rows; database: \(target).",
        ]
        var table = ReportTable(name: "metrics", title: "Timing", columns: ["measure", "value"])
        table.rows = [
            [.text("one full scan of ids.events (s)"), .text(String(format: "%.2f", scan))],
            [.text("6 metrics + provider aggregates (s)"), .text(String(format: "%.2f", timed.seconds))],
            [.text("slowest of the three metrics runs (s)"), .text(String(format: "%.2f", slowest))],
            [.text("ratio metrics / scan"), .text(String(format: "%.2f", timed.seconds / scan))],
            [.text("peak memory of outcomes (MB)"), .int(peakResidentMegabytes())],
        ]
        if families { table.rows += try familyRows(on: target, progress: progress) }
        report.tables = [table]
        try output.emit(report)
    }
}

/// Runs `body` for 0..<count on as many threads at once, and returns the results in index order;
/// the first error (by index) is thrown.
func sideBySide<T: Sendable>(_ count: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    let slots = SideBySideSlots<T>(count)
    DispatchQueue.concurrentPerform(iterations: count) { index in
        let result = Result { try body(index) }
        slots.lock.withLock { slots.results[index] = result }
    }
    return try slots.lock.withLock { slots.results }.map { try $0!.get() }
}

/// The results of `sideBySide`, filled in by index under a lock.
private final class SideBySideSlots<T: Sendable>: @unchecked Sendable {
    let lock = NSLock()
    var results: [Result<T, any Error>?]
    init(_ count: Int) { results = Array(repeating: nil, count: count) }
}
