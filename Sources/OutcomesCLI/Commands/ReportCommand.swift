import ArgumentParser
import Foundation

/// The options of a command whose output is a report, and the report they ask for. The command
/// itself, `report KIND` and `export notebook KIND` all make the report by calling `makeReport`.
protocol ReportOptions: ParsableArguments {
    /// What `report` (and `export notebook`) calls the report: `metrics`, `payments`, …
    static var kind: String { get }
    /// The command the options are of, as typed after `outcomes` (`payments statement`).
    static var command: String { get }

    func makeReport(progress: Progress) throws -> Report
}

/// `outcomes report KIND …`: the report of a command as one self-contained HTML file with charts.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a report as one self-contained HTML file: its tables, with charts.",
        discussion: """
            Runs the command a report is of — `metrics`, `payments statement` (payments), \
            `payments summary` (summary), `compare` or `scenario run` — with the options given after \
            the kind, and writes its report as one HTML file (inline CSS and SVG: it opens offline \
            and can be sent as it is) to --output, by default KIND.html here. Charts: a scenario's \
            benefit-cost bars, the distribution of benefits minus costs, the tornado, the outcome \
            payments by year and by variant, investor returns by effect level; a comparison's love \
            plot and each estimate with its interval. Every chart's numbers are in a table of the \
            same report; counts follow the small-cell policy. The file is written whole or not at all.

            Examples:
              outcomes report scenario scenarios/housing-2021-scenario.yaml --payment-draws 200 --output housing-scenario.html
              outcomes report compare --evaluation scenarios/housing-2021-evaluation.yaml --output comparison.html
            """,
        subcommands: [
            HTMLReport<MetricsOptions>.self, HTMLReport<StatementOptions>.self, HTMLReport<PaymentSummaryOptions>.self,
            HTMLReport<CompareOptions>.self, HTMLReport<ScenarioRunOptions>.self,
        ]
    )
}

/// `outcomes report KIND`: the command's own options, its report made as the command makes it,
/// written as HTML.
struct HTMLReport<Options: ReportOptions>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: Options.kind,
            abstract: "The report of `outcomes \(Options.command)` as one self-contained HTML file with charts.")
    }

    @OptionGroup var options: Options

    @Option(name: .long, help: ArgumentHelp("The HTML file to write (default: \(Options.kind).html here).", valueName: "file"))
    var output: String?

    @Flag(name: .shortAndLong, help: "No progress bars or notes on standard error.")
    var quiet = false

    /// Not an option: refused by name, so that the user learns where md, json and csv are.
    @Option(name: .long, help: .private)
    var format: String?

    func validate() throws {
        if format != nil { throw ValidationError("a report is HTML; leave out --format (use the command itself for md, json or csv).") }
    }

    func run() throws {
        let destination = ReportDestination(format: .html, output: output ?? "\(Options.kind).html", quiet: quiet)
        try destination.checkTarget()
        try destination.emit(options.makeReport(progress: destination.progress))
    }
}
