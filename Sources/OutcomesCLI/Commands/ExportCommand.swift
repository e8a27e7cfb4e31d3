import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a report for other tools: a Jupyter notebook with its data.",
        subcommands: [NotebookExport.self, IndigoExport.self]
    )
}

/// Report options a notebook reproduces: its template and the parameters to fill it with.
protocol NotebookOptions: ReportOptions {
    static var notebook: NotebookExport.Kind { get }

    /// The template's parameters, from the options: plain values, escaped where the template places them.
    func notebookParameters() throws -> [String: String]
}

/// `outcomes export notebook KIND …`: the command's tables as CSV files and a notebook that
/// reproduces the report from them (or from the database), ready to run top to bottom.
package struct NotebookExport: ParsableCommand {
    package enum Kind: String, CaseIterable {
        case metrics, summary, compare, scenario
    }

    package static let configuration = CommandConfiguration(
        commandName: "notebook",
        abstract: "Write a Jupyter notebook that reproduces a report, with the report's tables beside it as CSV.",
        discussion: """
            Runs the command the notebook is of — `metrics`, `payments summary` (summary), \
            `compare` or `scenario run` — with the options \
            given after the kind, writes its tables as CSV files (one per table, the formats of \
            README) into FOLDER/data/, and the notebook (nbformat 4, from notebooks-export/) as \
            FOLDER/KIND.ipynb. The notebook runs top to bottom with no edits: from the CSV files, or \
            with OUTCOMES_SOURCE=database from the database (OUTCOMES_CONNINFO or the PG* \
            variables); it needs the packages of notebooks-export/requirements.txt. The folder is \
            --output (default KIND-notebook), made if need be and \
            written whole: a new folder, or one outcomes wrote before (it holds .outcomes-output), \
            replaced; any other existing folder is refused (exit 73).

            Examples:
              outcomes export notebook metrics --contract housing-2021 --period 2023 --output metrics-notebook
              outcomes export notebook scenario scenarios/housing-2021-scenario.yaml --payment-draws 100 --output scenario-notebook
              outcomes export notebook compare --evaluation scenarios/housing-2021-evaluation.yaml --output comparison-notebook
              outcomes export notebook summary --contract reentry-2021 --output payments-notebook
            """,
        subcommands: [
            NotebookOf<MetricsOptions>.self, NotebookOf<PaymentSummaryOptions>.self, NotebookOf<CompareOptions>.self,
            NotebookOf<ScenarioRunOptions>.self,
        ]
    )

    package init() {}

    /// The kind's template with its parameters filled in, as FOLDER/KIND.ipynb.
    package static func writeNotebook(_ kind: Kind, parameters: [String: String], into folder: String, option: String = "--output") throws {
        try writeNotebook(try NotebookTemplate.read(kind), parameters: parameters, into: folder, option: option)
    }

    /// A template read beforehand with its parameters filled in, as FOLDER/KIND.ipynb.
    static func writeNotebook(_ template: NotebookTemplate, parameters: [String: String], into folder: String, option: String = "--output") throws {
        try SafeWriter(option: option).write(template.filled(with: parameters), to: folder + "/\(template.kind.rawValue).ipynb")
    }
}

/// `outcomes export notebook KIND`: the command's own options, its report made as the command
/// makes it, its tables as CSV beside the notebook.
struct NotebookOf<Options: NotebookOptions>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: Options.notebook.rawValue,
            abstract: "A notebook reproducing `outcomes \(Options.command)`, with its tables beside it as CSV.")
    }

    @OptionGroup var options: Options

    @Option(name: .long, help: ArgumentHelp("The folder to write (default: \(Options.notebook.rawValue)-notebook), made if need be.", valueName: "folder"))
    var output: String?

    @Flag(name: .shortAndLong, help: "No progress bars or notes on standard error.")
    var quiet = false

    /// Not an option: refused by name, so that the user learns why.
    @Option(name: .long, help: .private)
    var format: String?

    func validate() throws {
        if format != nil { throw ValidationError("a notebook's data is CSV; leave out --format.") }
    }

    func run() throws {
        let kind = Options.notebook
        // The template and its parameters first: a missing one stops the export before a report is made or stored.
        let template = try NotebookTemplate.read(kind)
        let parameters = try options.notebookParameters()
        let folder = output ?? "\(kind.rawValue)-notebook"
        // The command's tables and the notebook go into a temporary folder renamed whole into place.
        try SafeWriter(option: "--output").writeFolder(at: folder) { temporary in
            let data = ReportDestination(format: .csv, output: temporary + "/data/", quiet: quiet)
            try data.emit(options.makeReport(progress: data.progress))
            try NotebookExport.writeNotebook(template, parameters: parameters, into: temporary)
        }
        Progress(quiet: quiet).note("Wrote \(folder)/\(kind.rawValue).ipynb and its data.")
    }
}
