import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

struct ContractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contract",
        abstract: "Validate, load and show contract files: their metrics and payment terms.",
        discussion: """
            A contract file holds a contract's metrics and its payment terms (see scenarios/README.md). \
            Loading stores the file's text in the database under its version; `outcomes metrics` and \
            payment runs compute from the stored text of a loaded version (the latest unless one is \
            named as id@version) and record it. A loaded version never changes: to change the terms, \
            raise `version` and load again.

            Examples:
              outcomes contract validate scenarios/reentry-2021.yaml
              outcomes contract load scenarios/reentry-2021.yaml
              outcomes contract show reentry-2021 --format json
            """,
        subcommands: [Validate.self, Load.self, Show.self]
    )

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a contract file and print its payment terms; nothing is written.")

        @Argument(help: ArgumentHelp("The contract file (YAML).", valueName: "file"))
        var file: String

        @OptionGroup var output: OutputOptions

        func run() throws {
            let contract = try OutcomeContract.load(path: file)
            guard let terms = contract.payments else {
                try output.emit(Report(title: "\(file): valid; \(contract.metrics.count) metrics, no payment terms"))
                return
            }
            try output.emit(Report(terms: terms, contract: contract, title: "\(file): valid payment terms of \(contract.id)"))
        }
    }

    struct Load: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a contract file and store it in the database under its version.")

        @Argument(help: ArgumentHelp("The contract file (YAML).", valueName: "file"))
        var file: String

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let text = try YAMLFile.read(file)
            // The file is checked before the database is touched.
            _ = try OutcomeContract.parse(yaml: text, file: file)
            let (connection, _) = try database.connectReady(progress: output.progress, as: .payments)
            let (contract, result) = try ContractStore.load(text: text, file: file, on: connection)
            let message = switch result {
            case .loaded(let version): "Loaded version \(version) of contract \(contract.id) from \(file)."
            case .unchanged(let version): "Version \(version) of contract \(contract.id) is already loaded with these terms: no change."
            }
            output.progress.note(message)
            try output.emit(Report(contract: contract, title: "Contract \(contract.id)", notes: [message]))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a loaded contract's payment terms.")

        @Argument(help: ArgumentHelp("The contract id.", valueName: "id"))
        var contractID: String

        @Option(help: "A version other than the latest.")
        var version: Int?

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let (connection, _) = try database.connectReady(progress: output.progress, as: .analyst)
            let stored = try ContractStore.stored(contractID, version: version, on: connection)
            let notes = ["Loaded by \(stored.loadedBy) at \(stored.loadedAt); file SHA-256 \(stored.fileSHA256)."]
            try output.emit(Report(contract: stored.contract,
                         title: "Contract \(contractID), version \(stored.version)", notes: notes))
        }
    }
}
