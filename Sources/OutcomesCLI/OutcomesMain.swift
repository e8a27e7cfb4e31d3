import ArgumentParser
import Foundation
import OutcomesDomain
import PostgresClient

/// The process entry point: parses, runs, and turns errors into one paragraph and an exit status.
public enum OutcomesMain {
    public static func run(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        run(OutcomesCommand.self, arguments)
    }

    /// Runs `root`'s command tree (the lab's `outcomes-bench` too) with the same errors and exit statuses.
    package static func run(_ root: any ParsableCommand.Type, _ arguments: [String]) -> Never {
        do {
            var command = try root.parseAsRoot(arguments)
            // From here on, Ctrl-C or SIGTERM removes what is half-written and exits 130 or 143.
            Interruption.install()
            try OutputOptions.checkTargets(of: command)
            try command.run()
            finish(.success)
        } catch let error as UserFacingError {
            fail(error.message, error.exitStatus)
        } catch let refusal as PaymentRefusal {
            fail(refusal.message, refusal.exitStatus)
        } catch let error as PostgresError where error.isConnectionLoss {
            // What happened and what to do; never the SQL, never "a bug".
            fail("the connection to the database was lost (\(firstLine(of: error.message))); whatever this command had not "
                 + "committed was rolled back. Check that the server runs (`outcomes db status`) and run the command again.",
                 .unavailable)
        } catch let error as PostgresError {
            fail("the database refused the request: \(firstLine(of: error.message))" + (error.hint.map { " Hint: \($0)" } ?? ""),
                 status(for: error))
        } catch let error as CocoaError {
            let path = error.userInfo[NSFilePathErrorKey] as? String ?? error.filePath
            fail((path.map { "\($0): " } ?? "") + error.localizedDescription, .noInput)
        } catch let error as SortedJSONError {
            fail("a figure could not be written as JSON (\(error)); nothing was written.", .software)
        } catch let error as PostgresJSONError {
            fail("a figure could not be stored as JSON (\(error)); the command's transaction was rolled back.", .software)
        } catch {
            TemporaryFolders.shared.holdForExit()
            root.exit(withError: error)  // usage errors, --help, --version
        }
    }

    /// Exits with `status`, an interruption arriving now waiting for the exit rather than racing it.
    static func finish(_ status: ExitStatus) -> Never {
        TemporaryFolders.shared.holdForExit()
        exit(status.rawValue)
    }

    static func firstLine(of text: String) -> String {
        String(text.split(separator: "\n", omittingEmptySubsequences: true).first ?? "")
    }

    static func fail(_ message: String, _ status: ExitStatus) -> Never {
        // One paragraph: line breaks and control characters from input files are escaped, not printed.
        let paragraph = message.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: " ").printable
        TemporaryFolders.shared.holdForExit()  // an interruption now waits: one line, one exit
        FileHandle.standardError.write(Data("error: \(paragraph)\n".utf8))
        exit(status.rawValue)
    }

    static func status(for error: PostgresError) -> ExitStatus {
        if error.sqlState == .insufficientPrivilege { return .permission }
        return switch error.sqlState?.errorClass {
        case "22", "23": .dataError
        case "28": .permission
        case "08", "57": .unavailable
        case "3D", "42": .configuration
        default: error.kind == .connection ? .unavailable : .software
        }
    }
}

public struct OutcomesCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "outcomes",
        abstract: "Outcomes-based contracting on linked administrative data (IDS).",
        discussion: """
            Computes outcome metrics, pay-for-success payments, cohort comparisons and return on \
            investment from an Integrated Data System held in PostgreSQL.

            Without --database (or DATABASE_URL, or PGHOST and friends), commands use a private \
            PostgreSQL cluster that outcomes creates and starts itself.

            Examples:
              outcomes demo                         Build the demo data set and summarize it
              outcomes quality                      Is the linked data fit for computing payments?
              outcomes contract load scenarios/housing-2021.yaml
              outcomes metrics --contract housing-2021 --period 2023
              outcomes synth --persons 2000 --seed 7
              outcomes db status
              outcomes --help db
            """,
        version: "0.1.0",
        subcommands: [
            DemoCommand.self, MetricsCommand.self, CompareCommand.self, QualityCommand.self, ContractCommand.self, PaymentsCommand.self, LoadCommand.self, LinkCommand.self,
            DictionaryCommand.self, PublishCommand.self,
            SynthCommand.self,
            ScenarioCommand.self, ReportCommand.self, ExportCommand.self, DBCommand.self,
        ]
    )

    public init() {}
}
