import ArgumentParser
import Foundation
import OutcomesCLI
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

struct ScaleBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "The metrics and payments benchmarks on one server and on Citus clusters of 1 and 2 workers on this machine.",
        discussion: """
            For each layout — one server, then a Citus coordinator with each number of workers in \
            --workers — creates a cluster of its own in --directory, migrates it (and distributes \
            it), loads the synthetic data set, loads the payments benchmark's three contracts, \
            computes their metrics side by side (twice; the faster run is reported) and posts their \
            payment runs. Reports the times, the CPU seconds each node spent on the metrics and on the \
            payments, each node's share of the events, and the plan of one contract's metric \
            statement: tasks sent to the workers, intermediate results pulled through the \
            coordinator, joins re-partitioned between workers. Every node runs on this machine, so \
            the workers share its cores: the CPU seconds show the work each would do on its own. \
            The clusters are deleted afterwards unless --keep.

            Without --persons, 1,000,000 people (the figures in BENCHMARKS.md). Needs Citus installed \
            (../shared/vendor/citus/build.sh).

            Examples:
              outcomes-bench scale --persons 3000 --workers 1 --directory scale-clusters
              outcomes-bench scale --persons 3000 --workers 2 --shard-count 4 --directory scale-clusters --format json --quiet
            """
    )

    @OptionGroup var data: BenchmarkDataOptions

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Worker counts of the Citus clusters.", valueName: "n"))
    var workers: [Int] = [1, 2]

    @Option(name: .long, help: ArgumentHelp("Shards per distributed table.", valueName: "n"))
    var shardCount = 32

    @Option(name: .long, help: ArgumentHelp("Where the clusters are created (each in a folder of its own).", valueName: "path"))
    var directory = "/tmp/outcomes-bench-scale"

    @Flag(help: "Keep the clusters after the run (they are stopped).")
    var keep = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !workers.isEmpty, workers.allSatisfy({ (1...8).contains($0) }) else {
            throw ValidationError("--workers takes worker counts between 1 and 8, e.g. --workers 1 2.")
        }
        guard (1...1024).contains(shardCount) else { throw ValidationError("--shard-count must be between 1 and 1024.") }
    }

    func run() throws {
        try LocalCitusCluster.requireCitusInstalled()
        let progress = output.progress
        var measured: [ScaleRun] = []
        for layout in [0] + workers {
            let folder = URL(fileURLWithPath: directory).appendingPathComponent(layout == 0 ? "single" : "citus-\(layout)")
            progress.note(layout == 0 ? "One server…" : "Citus, \(layout) worker(s)…")
            measured.append(try ScaleRun.measured(workers: layout, in: folder, persons: data.persons, seed: data.seed,
                                                 shardCount: shardCount, keep: keep, progress: progress))
        }
        try output.emit(ScaleRun.report(measured, persons: data.persons, seed: data.seed, shardCount: shardCount))
    }
}

/// One layout's figures.
struct ScaleRun {
    struct Node {
        let name: String
        var metricsCPU: Double = 0, paymentsCPU: Double = 0, eventsShare: Double = 0
    }

    let workers: Int
    var load = 0.0, metrics = 0.0, payments = 0.0
    var nodes: [Node] = []
    var plan: PlanShape?
    var lines = 0

    var name: String { workers == 0 ? "one server" : "Citus, \(workers) worker\(workers == 1 ? "" : "s")" }

    static func measured(workers: Int, in folder: URL, persons: Int, seed: UInt64, shardCount: Int, keep: Bool,
                        progress: Progress) throws -> ScaleRun
    {
        try? FileManager.default.removeItem(at: folder)
        let citus = workers > 0 ? try LocalCitusCluster(directory: folder, workers: workers, durable: true) : nil
        let single = workers == 0 ? try EmbeddedCluster(directory: folder, durable: true) : nil
        let servers: [(String, EmbeddedCluster)] = citus.map { cluster in
            [("coordinator", cluster.coordinator)] + cluster.workers.enumerated().map { ("worker \($0.offset + 1)", $0.element) }
        } ?? [("server", single!)]
        defer {
            if let citus { if keep { try? citus.stop() } else { try? citus.remove() } }
            if let single { _ = try? single.stop(); if !keep { try? FileManager.default.removeItem(at: folder) } }
        }
        if let citus { try citus.start() } else { try single!.start() }
        let conninfo = citus?.conninfo ?? single!.conninfo()
        let target = DatabaseTarget.named(conninfo)
        let connection = try target.connect()
        try Migrator().migrate(connection)
        if workers > 0 { _ = try Distributor(shardCount: shardCount).distribute(connection) }

        var run = ScaleRun(workers: workers)
        run.nodes = servers.map { Node(name: $0.0) }
        run.load = try measure { _ = try loadSynthetic(persons: persons, seed: seed, connection: connection, progress: progress) }.seconds
        var stored: [StoredContract] = []
        for synthetic in ProgramCatalog.synthetic.contracts {
            let text = PaymentsBenchmark.contractYAML(synthetic, version: 1)
            let (contract, _) = try ContractStore.load(text: text, file: "bench-\(synthetic.id).yaml", on: connection)
            stored.append(try ContractStore.stored(contract.id, on: connection))
        }
        func cpu() -> [Double] { servers.map { $0.1.cpuSeconds() ?? 0 } }
        let runners = stored.map(MetricsRunner.init(stored:))
        var fastest = Double.infinity
        for _ in 0..<2 {
            let before = cpu()
            let seconds = try measure { _ = try MetricsBenchmark.runSideBySide(runners, on: target) }.seconds
            if seconds < fastest {
                fastest = seconds
                for (index, spent) in zip(cpu(), before).map({ $0 - $1 }).enumerated() { run.nodes[index].metricsCPU = spent }
            }
        }
        run.metrics = fastest
        let before = cpu()
        let posted = try measure { try PaymentsBenchmark.runPayments(stored, on: target) }
        run.payments = posted.seconds
        run.lines = posted.value.reduce(0) { $0 + $1.entries.count }
        for (index, spent) in zip(cpu(), before).map({ $0 - $1 }).enumerated() { run.nodes[index].paymentsCPU = spent }
        if workers > 0 {
            run.plan = try PlanShape(explainJSON: runners[0].explainPersonResults(period: runners[0].contract.periods[0], on: connection))
            let sizes = try connection.execute("""
                SELECT nodename, sum(shard_size)::float8 FROM citus_shards WHERE table_name = 'ids.events'::regclass GROUP BY nodename
                """).map { (try $0.decode(String.self, at: 0), try $0.decode(Double.self, at: 1)) }
            let total = sizes.reduce(0) { $0 + $1.1 }
            for (index, server) in servers.enumerated() {
                run.nodes[index].eventsShare = (sizes.first { $0.0 == server.1.socketDirectory.path }?.1 ?? 0) / max(total, 1)
            }
        } else {
            run.nodes[0].eventsShare = 1
        }
        return run
    }

    static func report(_ runs: [ScaleRun], persons: Int, seed: UInt64, shardCount: Int) -> Report {
        var report = Report(title: "Scale benchmark: \(persons) people, seed \(seed)")
        let baseline = runs.first { $0.workers == 0 }
        report.notes = [
            "Each layout loads the data set, computes the metrics of 3 contracts (6 metrics each) side by side and posts "
                + "their payment runs (\(runs.first?.lines ?? 0) ledger lines). Citus: \(shardCount) shards per distributed table.",
            "All nodes share this machine's \(ProcessInfo.processInfo.activeProcessorCount) cores: the CPU seconds are the work "
                + "each node did, which on machines of their own would run at once.",
        ]
        func f(_ value: Double) -> Cell { .text(String(format: "%.2f", value)) }
        var times = ReportTable(name: "layouts", title: "Times", columns: [
            "layout", "load (s)", "metrics (s)", "payments (s)", "metrics vs one server", "tasks", "via coordinator",
            "re-partitioned joins", "joins on workers",
        ])
        times.rows = runs.map { run in
            [.text(run.name), f(run.load), f(run.metrics), f(run.payments),
             baseline.map { f(run.metrics / $0.metrics) } ?? .text(""),
             run.plan.map { .int($0.tasks) } ?? .text(""), run.plan.map { .int($0.subplans) } ?? .text(""),
             run.plan.map { .int($0.repartitions) } ?? .text(""), run.plan.map { .text($0.joinsOnWorkers ? "yes" : "no") } ?? .text("")]
        }
        var nodes = ReportTable(name: "nodes", title: "Work by node", columns: [
            "layout", "node", "share of events", "metrics CPU (s)", "payments CPU (s)",
        ])
        nodes.rows = runs.flatMap { run in
            run.nodes.map { [.text(run.name), .text($0.name), f($0.eventsShare), f($0.metricsCPU), f($0.paymentsCPU)] }
        }
        report.tables = [times, nodes]
        return report
    }
}
