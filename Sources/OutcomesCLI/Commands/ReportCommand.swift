import ArgumentParser
import Foundation

/// `outcomes report KIND …`: the report of a command as one self-contained HTML file with charts.
struct ReportCommand: ParsableCommand {
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case metrics, payments, summary, compare, scenario

        /// The command whose report it is.
        var command: [String] {
            switch self {
            case .metrics: ["metrics"]
            case .payments: ["payments", "statement"]
            case .summary: ["payments", "summary"]
            case .compare: ["compare"]
            case .scenario: ["scenario", "run"]
            }
        }
    }

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
            """
    )

    @Flag(name: .shortAndLong, help: "No progress bars or notes on standard error (as the command's own --quiet).")
    var quiet = false

    @Argument(help: "What to report: metrics, payments, summary, compare or scenario.")
    var kind: Kind

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The options of the command the report is of (see its --help).", valueName: "options"))
    var options: [String] = []

    func validate() throws {
        if options.contains("--format") { throw ValidationError("a report is HTML; leave out --format (use the command itself for md, json or csv).") }
    }

    func run() throws {
        var arguments = kind.command + options + ["--format", "html"]
        if !options.contains("--output") { arguments += ["--output", "\(kind.rawValue).html"] }
        if quiet { arguments.append("--quiet") }
        var command = try OutcomesCommand.parseAsRoot(arguments)
        try command.run()
    }
}
