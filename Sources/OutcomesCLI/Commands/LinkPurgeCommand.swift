import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain

struct LinkPurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Destroy the identifiers after linking; keep only the pseudonymous index (one transaction, audited).",
        discussion: """
            Deletes every identifier record (linkage.identifiers) and the scored pairs of records \
            (linkage.pairs), and clears the free-text notes of clerical labels. Kept: ids.persons and \
            ids.source_links (the index), content, the runs' specs and models, pattern counts, id \
            changes, and the labels' decisions (keyed by source keys, as the index is). One \
            transaction, recorded in linkage.audit_log (action purge, the counts, the login). Runs as \
            outcomes_linker.

            It cannot be undone. Without --yes it asks on a terminal (type purge) and refuses \
            elsewhere (exit 64). Afterwards, new identifier records link among themselves and \
            through the source keys the index already holds, never to purged records (README, \
            "Purging identifiers").

            Examples:
              outcomes link purge --yes
            """
    )

    @Flag(name: .long, help: "Purge without asking (required when standard input is not a terminal).")
    var yes = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let (connection, _) = try database.connectReady(progress: output.progress, as: .linker)
        if !yes {
            let pending = try LinkPurge.pending(on: connection)
            guard isatty(STDIN_FILENO) == 1 else { throw PurgeNotConfirmed.noTerminal }
            FileHandle.standardError.write(Data(("This destroys \(pending.identifierRecords) identifier records and "
                + "\(pending.scoredPairs) scored pairs for good. Type purge to go on: ").utf8))
            guard readLine()?.trimmingCharacters(in: .whitespaces) == "purge" else { throw PurgeNotConfirmed.declined }
        }
        try output.emit(Report(purge: try LinkPurge.run(on: connection)))
    }
}

/// A purge asked for without its confirmation: nothing was deleted (exit 64).
enum PurgeNotConfirmed: UserFacingError {
    case noTerminal
    case declined

    var message: String {
        switch self {
        case .noTerminal: "link purge destroys the identifiers for good and asks first; with no terminal to ask on, pass --yes. Nothing was deleted."
        case .declined: "Not confirmed: nothing was deleted."
        }
    }

    var exitStatus: ExitStatus { .usage }
}

extension Report {
    /// What a purge deleted.
    init(purge: LinkPurge.Outcome) {
        self.init(title: "Identifiers purged")
        notes = ["Only the pseudonymous index remains (ids.persons, ids.source_links); recorded in linkage.audit_log."]
        var table = ReportTable(name: "purged", title: "Deleted", columns: ["item", "rows"])
        table.rows = [
            [.text("identifier records"), .int(purge.identifierRecords)],
            [.text("scored pairs"), .int(purge.scoredPairs)],
            [.text("label notes cleared"), .int(purge.labelNotesCleared)],
        ]
        tables = [table]
    }
}
