import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain

struct LinkChangesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changes",
        abstract: "What a link run's merged and split person ids leave stale: metrics periods and payment runs.",
        discussion: """
            From the run's id changes (linkage.id_changes: merged_into, split_from), lists each stored \
            contract-period whose person results name a changed id (compute it again with outcomes \
            metrics), and each payment run whose ledger lines name one or which paid such a period \
            (listed for an adjustment, which the next payments run posts; runs are never edited). A \
            changed id is the person that lost records and the one that gained them. Periods \
            computed and runs posted after the link run are not listed. Runs as outcomes_analyst: \
            it reads no identifier.

            Examples:
              outcomes link changes
              outcomes link changes --run 1 --format csv
            """
    )

    @Option(name: .customLong("run"), help: ArgumentHelp("The link run (default: the latest).", valueName: "id"))
    var linkRun: Int?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let (connection, _) = try database.connectReady(progress: output.progress, as: .analyst)
        try output.emit(Report(changes: try DownstreamChanges.of(linkRun: linkRun, on: connection)))
    }
}

extension Report {
    /// The periods and payment runs a link run's changed ids touch.
    init(changes: DownstreamChanges) {
        self.init(title: "Downstream changes of link run \(changes.linkRunID)")
        notes = [
            "\(changes.merged) persons merged into another, \(changes.split) split; \(changes.changedPersons) changed person ids "
                + "(data load \(changes.loadID)).",
            "\(changes.periods.count) metrics periods to compute again; \(changes.paymentRuns.count) payment runs to review for adjustment.",
        ]
        var periods = ReportTable(name: "periods", title: "Metrics periods to compute again",
                                  columns: ["contract", "version", "period", "computed_from_load", "changed_persons"])
        periods.rows = changes.periods.map { p in
            [.text(p.contractID), p.version.map { .int($0) } ?? .null, .text(p.period), .int(p.loadID), .int(p.changedPersons)]
        }
        var runs = ReportTable(name: "payment_runs", title: "Payment runs whose participants merged or split",
                               columns: ["run", "contract", "version", "period", "kind", "changed_participants", "paid_a_period_to_recompute"])
        runs.rows = changes.paymentRuns.map { r in
            [.int(r.runID), .text(r.contractID), .int(r.version), .text(r.period), .text(r.kind), .int(r.changedParticipants),
             .text(r.paidAPeriodToRecompute ? "yes" : "no")]
        }
        tables = [periods, runs]
    }
}
