import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain

struct DictionaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dictionary",
        abstract: "Write the data dictionary of the database: every table, column, event domain and contract metric.",
        discussion: """
            Generated from the database itself: each table's and column's definition is the comment \
            its migration put on it, each event domain is listed with the source systems, agencies \
            and years that supply it (event counts suppressed under the small-cell policy), and each \
            loaded contract's metrics with their definition (the contract's description: or one \
            generated from the measure), window, unit and the contract version.

            --format md, html or json writes the whole dictionary; --format csv writes it in the \
            state's layout (Agency, Program, Data Category, Element Name, Definition, Data Type, Years \
            Available), one row per element. --table-schemas writes a folder with one Frictionless \
            Table Schema per table (<schema>.<table>.schema.json), written whole or not at all.

            Examples:
              outcomes dictionary
              outcomes dictionary --format csv --output dictionary.csv --agency "State IDS"
              outcomes dictionary --format html --output dictionary.html --table-schemas schemas/
            """
    )

    @Option(name: .long, help: ArgumentHelp("Who keeps the IDS's own tables, for the Agency column of --format csv.", valueName: "name"))
    var agency = "Integrated Data System"

    @Option(name: .long, help: ArgumentHelp("Also write one Table Schema (JSON) per table into this new folder.", valueName: "folder"))
    var tableSchemas: String?

    @OptionGroup var suppression: SuppressionOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if agency.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--agency must name an agency, not be empty.") }
    }

    func run() throws {
        // Refused before any work, as --output is.
        if let tableSchemas { try SafeWriter(option: "--table-schemas").check(tableSchemas, folder: true) }
        let progress = output.progress
        let (connection, _) = try database.connectReady(progress: progress, as: .analyst)
        progress.note("Reading the catalog, the events' domains and the loaded contracts…")
        let dictionary = try DataDictionary.read(on: connection)
        if let tableSchemas {
            try SafeWriter(option: "--table-schemas").writeFolder(at: tableSchemas) { folder in
                for table in dictionary.tables {
                    let text = try SortedJSON.text(TableSchemaDocument(table), prettyPrinted: true) + "\n"
                    try SafeWriter(option: "--table-schemas").write(text, to: folder + "/" + TableSchemaDocument.fileName(table))
                }
            }
            progress.note("Wrote \(dictionary.tables.count) Table Schemas in \(tableSchemas).")
        }
        let report = output.format == .csv
            ? Report(stateDictionary: dictionary, agency: agency, policy: suppression.policy) : Report(dictionary: dictionary, policy: suppression.policy)
        try output.emit(report)
    }
}
