import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain

struct LinkReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The quality of a link run: link rates by source and group, match weights, estimated errors, clusters.",
        discussion: """
            About the latest link run (or --run N): link rates by source system, race/ethnicity, sex and \
            age band (suppressed as every published table is); the distribution of match weights; the \
            false-discovery and false-negative rates the model expects without labels (fastLink's \
            estimates); persons by number of records and of sources; persons whose records disagree on \
            the date of birth or sex. With --labels, precision, recall and F1 against labels, pairwise \
            and clustered; true pairs no blocking rule proposed count as misses. Labels are a CSV file, \
            either source_system,source_key,entity (truth clusters, as truth.csv) or \
            source_system_l,source_key_l,source_system_r,source_key_r,decision (match or non_match).

            Examples:
              outcomes link report
              outcomes link report --format json --small-cell-threshold 11
            """
    )

    @Option(name: .customLong("run"), help: ArgumentHelp("The link run to report on (default: the latest).", valueName: "n"))
    var runID: Int?

    @Option(name: .long, help: ArgumentHelp("Measure the run against labels (CSV: truth clusters or pair decisions).", valueName: "file"))
    var labels: String?

    @OptionGroup var suppression: SuppressionOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        // The file is read (and refused at file:line) before anything touches the database.
        let labelled = try labels.map { try LinkageLabels.read(path: $0) }
        let (connection, _) = try database.connectReady(progress: output.progress, as: nil)
        try DatabaseRole.linker.assume(on: connection)
        let quality = try LinkQuality.read(run: runID, on: connection)
        let evaluation = try labelled.map { try LinkLabelEvaluation.evaluate($0, file: labels ?? "", run: quality.run, on: connection) }
        try output.emit(Report(linkQuality: quality, labels: evaluation, policy: suppression.policy))
    }
}
