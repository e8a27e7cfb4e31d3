import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain

struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load a directory of CSV extract files into the IDS, all or nothing.",
        discussion: """
            The directory holds any of: source_systems.csv, programs.csv, providers.csv, \
            contracts.csv, persons.csv, source_links.csv, enrollments.csv, events.csv — UTF-8, \
            comma-separated, a header row naming the columns, dates as YYYY-MM-DD, an empty field \
            for no value (column layouts: README.md, "Loading extracts"). Every row is checked before \
            anything is written; a bad row rejects the whole set, naming file:line and the column. \
            Rows are matched on their keys: loading the same extract again changes nothing, and a \
            corrected extract updates the rows that changed.

            scenarios/extracts/sample holds a small extract in this layout. On your own server: \
            outcomes load extracts/2024-12/ --database postgresql:///ids.

            Examples:
              outcomes load scenarios/extracts/sample
              outcomes load scenarios/extracts/sample --description "Sample extract, again: no change" --format json
            """
    )

    @Argument(help: "The directory holding the extract's CSV files.")
    var directory: String

    @Option(name: .long, help: "A description recorded with the data load.")
    var description: String?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(directory) is not a directory; name the directory holding the extract's CSV files.")
        }
        let loader = ExtractLoader(directory: URL(fileURLWithPath: directory), description: description)
        let (connection, _) = try database.connectReady(progress: output.progress)
        let report = try loader.load(into: connection)
        try IDSMaintenance.refreshAfterLoad(connection)
        var result = Report(title: "Extract loaded: \(loader.description)")
        result.notes = ["Load \(report.loadID); content SHA-256 \(report.contentHash)."]
        var table = ReportTable(name: "files", title: "Rows", columns: ["file", "rows", "new", "changed", "unchanged"])
        table.rows = report.tables.map {
            [.text($0.file), .int($0.rows), .int($0.inserted), .int($0.updated), .int($0.rows - $0.inserted - $0.updated)]
        }
        result.tables = [table]
        try output.emit(result)
    }
}
