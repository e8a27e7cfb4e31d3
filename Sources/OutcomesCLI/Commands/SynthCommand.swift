import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Replace the IDS data with a synthetic linked data set, or write it as unlinked agency extracts (deterministic for a seed).",
        discussion: """
            Generates people, source-system links, program enrollments (two programs randomized) and \
            six years of jail, shelter, wage, ER, child-welfare and benefit records, with program \
            effects planted per provider (written to ids.synthetic_truth). About a third of the people \
            under 56 have children: the children and the children's other parent are persons too \
            (ids after the --persons people's), with their own records (placements, pediatric ER, \
            WIC and child care, school years with attendance), their relationships and households \
            (Medicaid's, keyed by its records), and a randomized two-generation program for parents \
            whose effect reaches the children. --no-families generates the people alone, as \
            earlier releases did. Loads with COPY in one transaction: the previous IDS data is \
            replaced entirely, or nothing changes.

            On your own server: outcomes synth --persons 1000000 --seed 1 --database postgresql:///ids.

            With --identifiers DIR nothing is loaded: the same world is written as agencies would \
            send it, before linkage: DIR/identifiers/ (identifiers.csv, one record per person and \
            source, with typos, nicknames, partial dates and SSNs, households, twins and name \
            changes at the --noise level), DIR/content/ (enrollments and events keyed by source \
            key) and DIR/truth.csv (which records are the same person). DIR is made if need be \
            and written whole: a new folder, or one outcomes wrote before (it holds \
            .outcomes-output), replaced; any other existing folder is refused (exit 73).

            Examples:
              outcomes synth --persons 2000 --seed 7
              outcomes synth --persons 500 --seed 1 --format json --quiet
              outcomes synth --persons 2000 --seed 7 --identifiers agencies --noise high
            """
    )

    @Option(name: .long, help: "Number of people (1 to 20,000,000), not counting their families' children and other parents.")
    var persons = 2_000

    @Flag(name: .long, inversion: .prefixedNo, help: "Give people families: children, other parents, households.")
    var families = true

    @Option(name: .long, help: "Random seed: the same seed gives the same data.")
    var seed: UInt64 = 1

    @Option(name: .long, help: ArgumentHelp(
        "Write identifier and content extracts and the truth into this folder instead of loading.", valueName: "folder"))
    var identifiers: String?

    @Option(name: .long, help: "Noise in the identifier extracts: low, medium (the default) or high; with --identifiers only.")
    var noise: IdentifierNoiseLevel?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (1...20_000_000).contains(persons) else {
            throw ValidationError("--persons must be between 1 and 20000000, not \(persons).")
        }
        if noise != nil, identifiers == nil { throw ValidationError("--noise applies to --identifiers only.") }
    }

    func run() throws {
        if let identifiers { return try writeExtracts(into: identifiers) }
        let progress = output.progress
        let (connection, _) = try database.connectReady(progress: progress)
        let started = Date()
        let report = try loadSynthetic(persons: persons, seed: seed, families: families, connection: connection, progress: progress)
        let seconds = Date().timeIntervalSince(started)
        var result = Report(title: "Synthetic IDS loaded")
        result.notes = [
            "Load \(report.loadID): \(persons) persons\(families ? " and their families (\(report.persons) in all)" : ""), seed \(seed), "
                + "\(String(format: "%.1f", seconds)) s.",
            "Content SHA-256: \(report.contentHash)",
        ]
        var rows = ReportTable(name: "rows", title: "Rows written", columns: ["table", "rows"])
        rows.rows = [
            [.text("ids.persons"), .int(report.persons)], [.text("ids.source_links"), .int(report.links)],
            [.text("ids.enrollments"), .int(report.enrollments)], [.text("ids.events"), .int(report.events)],
        ]
        if families {
            rows.rows += [[.text("ids.relationships"), .int(report.relationships)], [.text("ids.household_members"), .int(report.householdMembers)]]
        }
        result.tables = [rows]
        try output.emit(result)
    }
}

extension IdentifierNoiseLevel: ExpressibleByArgument {}

extension SynthCommand {
    /// `--identifiers DIR`: the extracts streamed into a temporary folder renamed whole into place.
    func writeExtracts(into folder: String) throws {
        let level = noise ?? .medium
        let writer = SafeWriter(option: "--identifiers")
        try writer.check(folder, folder: true)
        var extracts = SyntheticExtractWriter(ids: SyntheticIDS(persons: persons, seed: seed, families: families), noise: .level(level))
        let bar = output.progress.bar("Writing identifier extracts for \(persons) people")
        extracts.progress = bar.update
        let started = Date()
        var rows: [SyntheticExtractFile: Int] = [:]
        do {
            defer { bar.finish() }
            try writer.writeFolder(at: folder) { temporary in
                let files = StreamingFiles(root: temporary, option: "--identifiers")
                for subfolder in extracts.folders { try files.makeFolder(subfolder) }
                rows = try extracts.write { file, bytes in try files.append(bytes, to: file.rawValue) }
                try files.finish(folders: extracts.folders)
            }
        }
        var result = Report(title: "Synthetic identifier extracts written")
        result.notes = [
            "\(folder): \(persons) persons, seed \(seed), noise \(level.rawValue), "
                + "\(String(format: "%.1f", Date().timeIntervalSince(started))) s.",
        ]
        var table = ReportTable(name: "files", title: "Files written", columns: ["file", "rows"])
        table.rows = extracts.files.map { [.text($0.rawValue), .int(rows[$0] ?? 0)] }
        result.tables = [table]
        try output.emit(result)
    }
}

/// Generates and loads a synthetic data set with a progress bar, then refreshes statistics.
package func loadSynthetic(
    persons: Int, seed: UInt64, families: Bool = false, connection: PostgresClientConnection, progress: Progress
) throws -> SyntheticLoadReport {
    var loader = SyntheticLoader(ids: SyntheticIDS(persons: persons, seed: seed, families: families))
    let bar = progress.bar("Generating and loading \(persons) people")
    loader.progress = bar.update
    defer { bar.finish() }
    let report = try loader.load(into: connection)
    try IDSMaintenance.refreshAfterLoad(connection)
    return report
}

/// Reuses the synthetic data set when it is already loaded with this size and seed, else loads it.
package func reuseOrLoadSynthetic(
    persons: Int, seed: UInt64, families: Bool = false, connection: PostgresClientConnection, progress: Progress
) throws {
    if let loadID = try SyntheticLoader(ids: SyntheticIDS(persons: persons, seed: seed, families: families)).existingLoad(on: connection) {
        progress.note("Reusing the data set already loaded (load \(loadID)).")
    } else {
        let report = try loadSynthetic(persons: persons, seed: seed, families: families, connection: connection, progress: progress)
        progress.note("Loaded \(report.totalRows) rows (load \(report.loadID)).")
    }
}
