import ArgumentParser
import Foundation
import OutcomesCLI
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

/// The CLI's progress notes and bars, not Foundation's `Progress`.
typealias Progress = OutcomesCLI.Progress

/// The lab's entry point: the benchmarks, with the errors and exit statuses of `outcomes`.
public enum OutcomesBenchMain {
    public static func run() -> Never { OutcomesMain.run(BenchCommand.self, Array(CommandLine.arguments.dropFirst())) }
}

public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "outcomes-bench",
        abstract: "Benchmarks of outcomes (figures in BENCHMARKS.md; never run as timed tests).",
        discussion: """
            Each benchmark times outcomes against a peer (psql \\copy, R's MatchIt), one scan of the \
            events or its own parts, and prints the ratios. Without --persons, the data sets of the \
            figures in BENCHMARKS.md: 1,000,000 people, or the demo's 50,000 for scenario and \
            report. As with outcomes, a benchmark uses the embedded cluster unless --database (or \
            DATABASE_URL, or PGHOST and friends) names a server; scale makes clusters of its own. \
            Time a release build, from the package's folder:

              swift run -c release outcomes-bench compare

            Examples:
              outcomes-bench report --persons 3000 --payment-draws 50
              outcomes-bench help scale
            """,
        version: OutcomesCommand.configuration.version,
        subcommands: [LoadBenchmark.self, MetricsBenchmark.self, PaymentsBenchmark.self, CompareBenchmark.self, ScenarioBenchmark.self, ScaleBenchmark.self,
                      ReportBenchmark.self, LinkBenchmark.self, IncrementalBenchmark.self]
    )

    public init() {}
}

/// The synthetic data set a benchmark runs on.
struct BenchmarkDataOptions: ParsableArguments {
    @Option(name: .long, help: "Number of people.")
    var persons = 1_000_000

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 1
}

func measure<T>(_ body: () throws -> T) rethrows -> (value: T, seconds: Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

/// Peak resident set size of this process, in megabytes (getrusage reports kilobytes on Linux).
func peakResidentMegabytes() -> Int {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss / 1024
    #else
    getrusage(RUSAGE_SELF, &usage)
    return usage.ru_maxrss / 1_048_576
    #endif
}

/// The `outcomes` binary built beside this one (`swift build` and `swift run outcomes-bench` build
/// both): the comparison benchmark times it as a whole process, as a user runs it.
func outcomesBinary() throws -> URL {
    let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
    let binary = executable.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("outcomes")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
        throw ValidationError("\(binary.path) was not found: the comparison benchmark runs the outcomes binary built beside "
                              + "outcomes-bench (swift build -c release builds both).")
    }
    return binary
}
