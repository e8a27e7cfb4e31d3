import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain

/// `outcomes link review`: the clerical review queue out to a CSV file, and the reviewer's
/// decisions back in as labels that the next link run obeys.
struct LinkReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Export the pairs between the review and match thresholds for clerical review; import the decisions as labels.",
        discussion: """
            --export FILE writes the latest link run's pairs with a match probability between the \
            spec's review and match thresholds, most uncertain (closest to 0.5) first, pairs \
            already labelled left out: the pair's source keys, its probability and weight, each \
            comparison's level and, only where the pair's values differ, the two values (`=` where \
            they agree; an SSN as its last four only); a cell beginning with = + - @, tab or carriage \
            return is written after a single quote, so a spreadsheet shows it as text instead of \
            running it as a formula (`=` alone and plain numbers stay as they are). The file is written whole or not at all, \
            readable by its owner only (mode 0600); an existing regular file at FILE is replaced. Fill in the decision column (match, \
            non_match, or empty for undecided) and, if you like, the note column.

            --import FILE reads such a file back strictly (errors at file:line, exit 65; nothing is \
            imported) and stores each decided pair in linkage.labels, replacing an earlier \
            decision on the same pair, in one transaction recorded in the audit log. Labels \
            override the model on every later link run: a match links the two records, a \
            non_match keeps them apart. Runs as outcomes_linker. See docs/linkage.md.

            Examples:
              outcomes link review --export review.csv --limit 50
              outcomes link review --import review.csv
            """
    )

    @Option(name: .customLong("export"), help: ArgumentHelp("Write the review queue to this CSV file.", valueName: "file"))
    var exportFile: String?

    @Option(name: .customLong("import"), help: ArgumentHelp("Read decisions from this CSV file (the export's format) into the labels.", valueName: "file"))
    var importFile: String?

    @Option(name: .customLong("run"), help: ArgumentHelp("With --export: the link run (default: the latest; only its pairs are kept).", valueName: "n"))
    var runID: Int?

    @Option(name: .long, help: ArgumentHelp("With --export: at most this many pairs, the most uncertain.", valueName: "k"))
    var limit: Int?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (exportFile == nil) != (importFile == nil) else { throw ValidationError("give one of --export FILE or --import FILE.") }
        if importFile != nil, runID != nil || limit != nil { throw ValidationError("--run and --limit go with --export only.") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1.") }
        if let runID, runID < 1 { throw ValidationError("--run must be a run id (1 or more).") }
    }

    func run() throws {
        if let exportFile { try export(to: exportFile) }
        if let importFile { try importDecisions(from: importFile) }
    }

    private func export(to path: String) throws {
        var writer = SafeWriter(option: "--export")
        // The file holds names and dates of birth: for its owner only.
        writer.ownerOnly = true
        // Refuse an unwritable path before reading any identifier.
        try writer.check(path, folder: false)
        let (connection, _) = try database.connectReady(progress: output.progress, as: .linker)
        let queue = try ClericalReview.queue(runID: runID, limit: limit, on: connection)
        var text = CSVTextBuffer()
        for row in queue.csvRows { text.row(row) }
        try writer.write(Data(text.bytes), to: path)
        var report = Report(title: "Clerical review queue: link run \(queue.runID)")
        report.notes = [
            "\(queue.pairsInBand) pairs have a match probability in [\(queue.review), \(queue.match)); "
                + "\(queue.rows.count) written to \(path) (pairs already labelled are left out).",
        ]
        try output.emit(report)
    }

    private func importDecisions(from path: String) throws {
        // The file is read whole before the database is touched: a bad row imports nothing.
        let file = try ClericalReviewImport.read(path: path)
        let (connection, _) = try database.connectReady(progress: output.progress, as: .linker)
        let result = try ClericalReview.importLabels(file, path: path, on: connection)
        var report = Report(title: "Clerical decisions imported from \(path)")
        report.notes = ["The next link run obeys these labels: a match links the two records, a non_match keeps them apart."]
        var table = ReportTable(name: "labels", title: "Labels", columns: ["measure", "value"])
        table.rows = [
            [.text("match"), .int(result.matches)],
            [.text("non_match"), .int(result.nonMatches)],
            [.text("new labels"), .int(result.inserted)],
            [.text("labels replaced"), .int(result.updated)],
            [.text("undecided rows"), .int(result.undecidedRows)],
        ]
        report.tables = [table]
        try output.emit(report)
    }
}
