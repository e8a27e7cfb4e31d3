import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

package typealias PostgresClientConnection = PostgresConnection

/// Where to connect, shared by every command that touches the database (and the lab's benchmarks).
package struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A libpq conninfo string or URI (e.g. postgresql://user@host/db). Default: DATABASE_URL, then PG* variables, then the embedded cluster.",
            valueName: "conninfo"))
    var database: String?

    package init() {}

    func target() throws -> DatabaseTarget { try DatabaseTarget.resolve(option: database) }

    /// Connects; on the embedded cluster, starts it and applies pending migrations (it is ours);
    /// on a named database, requires the schema to be current (migrating it is the user's call,
    /// unless `migrateNamed`, as for the demo, whose job is to set everything up).
    /// Connects, makes the schema current (or requires it), then takes `role`: the command's job.
    func connectReady(progress: Progress, as role: DatabaseRole?, migrateNamed: Bool = false) throws
        -> (PostgresConnection, DatabaseTarget)
    {
        try connectReady(progress: progress, asFirstOf: role.map { [$0] } ?? [], migrateNamed: migrateNamed)
    }

    func connectReady(progress: Progress, asFirstOf roles: [DatabaseRole], migrateNamed: Bool = false) throws
        -> (PostgresConnection, DatabaseTarget)
    {
        let (connection, target) = try connectReady(progress: progress, migrateNamed: migrateNamed)
        if !roles.isEmpty { try DatabaseRole.assume(firstOf: roles, on: connection) }
        return (connection, target)
    }

    package func connectReady(progress: Progress, migrateNamed: Bool = false) throws -> (PostgresConnection, DatabaseTarget) {
        let target = try target()
        let connection = try target.connect(notes: progress.note)
        let migrator = try Migrator()
        var isEmbedded = false
        if case .embedded = target { isEmbedded = true }
        if isEmbedded || migrateNamed {
            for migration in try migrator.migrate(connection) { progress.note("Applied migration \(migration.fileName).") }
        } else {
            try migrator.requireCurrent(connection)
        }
        return (connection, target)
    }
}

package struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: md, json, csv or html (a self-contained page with charts).")
    var format: OutputFormat = .md

    @Option(name: .long, help: ArgumentHelp("Write to this file instead of standard output (with --format csv, a report of several tables, or a path ending in / or naming a folder: a folder, one file per table).",
                                            valueName: "path"))
    var output: String?

    @Flag(name: .shortAndLong, help: "No progress bars or notes on standard error.")
    var quiet = false

    @Flag(name: .long, help: "Markdown with every column; without it, wide tables show a reader's set of columns and name the rest (CSV, JSON and HTML always hold every column).")
    var wide = false

    package init() {}

    package var progress: Progress { Progress(quiet: quiet) }

    /// Where and how the options say a report goes.
    var destination: ReportDestination { ReportDestination(format: format, output: output, quiet: quiet, wide: wide) }

    /// Checks the `--output` of every option group of a parsed command (the entry point calls it
    /// before running the command).
    static func checkTargets(of command: ParsableCommand) throws {
        for child in Mirror(reflecting: command).children {
            if let group = child.value as? OptionGroup<OutputOptions> { try group.wrappedValue.destination.checkTarget() }
        }
    }

    /// The report in the chosen format, on standard output or written whole to `--output`.
    package func emit(_ report: Report) throws { try destination.emit(report) }
}

/// A report's format and where it goes: standard output, a file, or a folder of CSV files. Options
/// give it (`OutputOptions`), and so do `report` (HTML to a file) and `export notebook` (CSV to a folder).
struct ReportDestination {
    var format: OutputFormat
    var output: String?
    var quiet: Bool
    /// Markdown with every column.
    var wide = false

    var progress: Progress { Progress(quiet: quiet) }

    /// Whether the path itself asks for a folder of CSV files: with --format csv, it ends in `/` or
    /// is a folder (a link to one included, so that `writeFolder` refuses it as a link).
    var namesFolder: Bool {
        guard let output else { return false }
        return format == .csv && (output.hasSuffix("/") || SafeWriter.leadsToFolder(output))
    }

    /// Whether `report` goes to a folder, one CSV file per table, rather than a file: with --format
    /// csv when the path asks for one, and always for a report of several tables (several tables
    /// glued together in one file would not be CSV). A report of one table (or none) goes to a file.
    func writesFolder(_ report: Report) -> Bool { namesFolder || (format == .csv && report.tables.count > 1) }

    /// Refuses an `--output` the writer would refuse, before the command does any work. A path
    /// that does not ask for a folder is checked as a file: its folder must exist, and anything there
    /// but a regular file is refused. (How many tables the report has is known only once it is made:
    /// a report of several tables then refuses a regular file at that path, exit 73.)
    func checkTarget() throws {
        guard let output else { return }
        try SafeWriter(option: "--output").check(output, folder: namesFolder)
    }

    /// The report in the format, on standard output or written whole to `--output`.
    func emit(_ report: Report) throws {
        guard let output else { return print(try report.render(format, wide: wide), terminator: "") }
        let writer = SafeWriter(option: "--output")
        if writesFolder(report) {
            if !namesFolder, SafeWriter.kind(of: output) == .regularFile {
                throw OutputPathError(option: "--output", path: output, target: .folder, problem: .severalTables(report.tables.count))
            }
            try writer.writeTables(report, into: output)
        } else {
            try writer.write(report.render(format, wide: wide), to: output)
        }
        progress.note("Wrote \(TemporaryFolders.shared.shown(output)).")
    }
}

/// Small-cell suppression of published counts, shared by every command that publishes them.
struct SuppressionOptions: ParsableArguments {
    @Option(name: .long, help: "Smallest count shown; smaller non-zero counts are suppressed (at least 1; 11 hides 1–10).")
    var smallCellThreshold = 11

    func validate() throws {
        guard smallCellThreshold >= 1 else {
            throw ValidationError("--small-cell-threshold must be at least 1 (1 shows every count), not \(smallCellThreshold).")
        }
    }

    var policy: SmallCellPolicy { SmallCellPolicy(threshold: smallCellThreshold) }

    /// For a table meant for release (an INDIGO export): the database's publication threshold once
    /// a package has set one (a lower option is raised to it; a higher one is refused, since a
    /// table released under two thresholds could give back a cell either hides), else the option's.
    func releasePolicy(on connection: PostgresConnection) throws -> SmallCellPolicy {
        guard let stored = try PublicationThreshold.stored(on: connection) else { return policy }
        guard smallCellThreshold <= stored.threshold else { throw ReleaseThresholdError(given: smallCellThreshold, stored: stored) }
        return SmallCellPolicy(threshold: stored.threshold)
    }
}

/// `--small-cell-threshold` above the database's publication threshold, for a table meant for release: exit 64.
struct ReleaseThresholdError: UserFacingError {
    let given: Int
    let stored: PublicationThreshold
    var exitStatus: ExitStatus { .usage }
    var message: String {
        "--small-cell-threshold \(given): this database releases its tables under \(stored.threshold) (set by \(stored.setBy) on \(stored.setOn)), "
            + "and a table released under two thresholds could give back a cell either hides. Leave the option out to use \(stored.threshold); "
            + "an administrator may change the database's in ids.publication_policy."
    }
}

extension ContractReference {
    /// Checks a `--contract` value before anything runs: a malformed one is a usage error.
    static func validate(_ text: String) throws {
        do {
            _ = try ContractReference(parsing: text)
        } catch {
            throw ValidationError(error.message)
        }
    }
}
