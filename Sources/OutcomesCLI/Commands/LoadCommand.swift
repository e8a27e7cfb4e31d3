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

            Any other entry in the directory (Events.csv, notes.txt, a subdirectory) is an error \
            naming it and the extract file it most likely meant, and nothing is loaded; with \
            --ignore-unknown the extract files are loaded and the other entries are listed as \
            ignored (they are neither loaded nor part of the load's content hash).

            scenarios/extracts/sample holds a small extract in this layout. On your own server: \
            outcomes load extracts/2024-12/ --database postgresql:///ids.

            Examples:
              outcomes load scenarios/extracts/sample
              outcomes load scenarios/extracts/sample --description "Sample extract, again: no change" --format json
              outcomes load scenarios/extracts/sample --ignore-unknown
            """
    )

    @Argument(help: "The directory holding the extract's CSV files.")
    var directory: String

    @Option(name: .long, help: "A description recorded with the data load.")
    var description: String?

    @Flag(name: .long, help: "Load the extract files and ignore any other entry of the directory (listed in the report).")
    var ignoreUnknown = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(directory) is not a directory; name the directory holding the extract's CSV files.")
        }
        let loader = ExtractLoader(directory: URL(fileURLWithPath: directory), description: description, ignoreUnknown: ignoreUnknown)
        // The folder is judged before the database is touched.
        _ = try loader.checkedContents()
        let (connection, _) = try database.connectReady(progress: output.progress)
        let report = try loader.load(into: connection)
        try IDSMaintenance.refreshAfterLoad(connection)
        var result = Report(title: "Extract loaded: \(loader.description)")
        result.notes = ["Load \(report.loadID); content SHA-256 \(report.contentHash)."]
        if !report.ignored.isEmpty {
            let named = report.ignored.map { $0.name + ($0.nearest.map { " (did you mean \($0)?)" } ?? "") }
            result.notes.append("Ignored (--ignore-unknown; not loaded, not in the content hash): \(named.joined(separator: ", ")).")
        }
        if report.tables.contains(where: { $0.file == ExtractLayout.identifiers.file }) {
            let count = report.placeholderSSNs
            result.notes.append("identifiers.csv: \(count) placeholder SSN\(count == 1 ? "" : "s") (never issued: area 000, 666 or 900–999, "
                + "group 00 or serial 0000) stored as no value.")
        }
        for (file, aside) in report.setAside.sorted(by: { $0.key < $1.key }) {
            result.notes.append("\(file): \(aside.rows) row\(aside.rows == 1 ? "" : "s") set aside, not stored: the index links both of their records "
                + "to one person (an edge between them, or the same edge or household membership from another record of the person). "
                + "The first is line \(aside.firstLine) (\(aside.records)). A false link or a source's duplicate: review those records' "
                + "person with outcomes link review, and load the file again after a re-link.")
        }
        if let persons = report.changedPersons {
            result.notes.append("Persons changed: \(persons); outcomes metrics computes only theirs again (and their relatives').")
        } else {
            result.notes.append("This load inserted or changed reference data (event domains, source systems, programs, providers or "
                + "contracts), which any result may read: outcomes metrics computes each period in full once.")
        }
        var table = ReportTable(name: "files", title: "Rows", columns: ["file", "rows", "new", "changed", "unchanged"])
        table.rows = report.tables.map {
            [.text($0.file), .int($0.rows), .int($0.inserted), .int($0.updated), .int($0.rows - $0.inserted - $0.updated)]
        }
        result.tables = [table]
        try output.emit(result)
    }
}
