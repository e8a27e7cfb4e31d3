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

/// `outcomes export notebook KIND …`: the command's tables as CSV files and a notebook that
/// reproduces the report from them (or from the database), ready to run top to bottom.
struct NotebookExport: ParsableCommand {
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case metrics, summary, compare, scenario

        var command: [String] {
            switch self {
            case .metrics: ["metrics"]
            case .summary: ["payments", "summary"]
            case .compare: ["compare"]
            case .scenario: ["scenario", "run"]
            }
        }
    }

    static let configuration = CommandConfiguration(
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
            """
    )

    @Flag(name: .shortAndLong, help: "No progress bars or notes on standard error.")
    var quiet = false

    @Argument(help: "What the notebook reproduces: metrics, summary, compare or scenario.")
    var kind: Kind

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The command's options (see its --help), and --output FOLDER.", valueName: "options"))
    var options: [String] = []

    func validate() throws {
        if options.contains("--format") { throw ValidationError("a notebook's data is CSV; leave out --format.") }
    }

    /// The kind's template with its parameters filled in (as JSON string contents), as FOLDER/KIND.ipynb.
    static func writeNotebook(_ kind: Kind, parameters: [String: String], into folder: String, option: String = "--output") throws {
        let template = try ResourceFolder.notebookTemplates.directory().appendingPathComponent("\(kind.rawValue).ipynb")
        var notebook = try String(contentsOf: template, encoding: .utf8)
        for (key, value) in parameters {
            let escaped = String(String(decoding: try JSONEncoder().encode(value), as: UTF8.self).dropFirst().dropLast())
            notebook = notebook.replacingOccurrences(of: "{{\(key)}}", with: escaped)
        }
        try SafeWriter(option: option).write(notebook, to: folder + "/\(kind.rawValue).ipynb")
    }

    /// The value after an option, if given.
    private func value(of option: String, in list: [String]) -> String? {
        list.firstIndex(of: option).flatMap { $0 + 1 < list.count ? list[$0 + 1] : nil }
    }

    func run() throws {
        var arguments = options
        var folder = "\(kind.rawValue)-notebook"
        if let index = arguments.firstIndex(of: "--output") {
            guard index + 1 < arguments.count else { throw ValidationError("--output needs a folder.") }
            folder = arguments[index + 1]
            arguments.removeSubrange(index...(index + 1))
        }
        let parameters: [String: String]
        switch kind {
        case .metrics:
            guard let contract = value(of: "--contract", in: arguments), let period = value(of: "--period", in: arguments) else {
                throw ValidationError("a metrics notebook needs --contract ID and --period LABEL.")
            }
            parameters = ["contract": contract, "period": period]
        case .summary:
            guard let contract = value(of: "--contract", in: arguments) else { throw ValidationError("a payments notebook needs --contract ID.") }
            parameters = ["contract": contract]
        case .compare:
            guard let file = value(of: "--evaluation", in: arguments) else { throw ValidationError("a comparison notebook needs --evaluation FILE.") }
            parameters = ["evaluation": try EvaluationDefinition.parse(yaml: try YAMLFile.read(file), file: file).id]
        case .scenario:
            guard let file = arguments.first(where: { !$0.hasPrefix("-") }) else { throw ValidationError("a scenario notebook needs the scenario file.") }
            let definition = try ScenarioDefinition.parse(yaml: try YAMLFile.read(file), file: file)
            parameters = ["scenario": definition.id]
        }
        // The command's tables and the notebook go into a temporary folder renamed whole into place.
        try SafeWriter(option: "--output").writeFolder(at: folder) { temporary in
            var command = try OutcomesCommand.parseAsRoot(kind.command + arguments + ["--format", "csv", "--output", temporary + "/data/"]
                                                          + (quiet ? ["--quiet"] : []))
            try command.run()
            try Self.writeNotebook(kind, parameters: parameters, into: temporary)
        }
        if !quiet && !options.contains("-q") && !options.contains("--quiet") { FileHandle.standardError.write(Data("Wrote \(folder)/\(kind.rawValue).ipynb and its data.\n".utf8)) }
    }
}
