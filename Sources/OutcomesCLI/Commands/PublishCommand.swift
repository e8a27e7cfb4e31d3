import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Write an open-data package of a contract's suppressed results: CSV tables, datapackage.json, data.json and a README.",
        discussion: """
            Publishes one table of a loaded contract's periods: its metrics by provider as computed (by \
            `outcomes metrics`) from its latest version (the default), or by provider and a person \
            attribute (--by), what its posted payment runs paid per participant by provider and period \
            (--table payments_by_provider), or the estimates of its latest comparisons from that version \
            (--table comparison_estimates, from `outcomes compare --evaluation … --period …`), or its latest \
            benefit-cost scenarios (--table scenario_results, from `outcomes scenario run`; --period names \
            the periods of the comparisons they cite): one CSV per table, suppressed under the small-cell policy (a \
            suppressed cell holds the marker, declared as a missing value), a Frictionless \
            datapackage.json with a Table Schema per table, a DCAT-US 1.1 data.json with a dataset per \
            table (publisher, contact, license and portal fields from --profile), each table's \
            Table Schema as its own file (the datasets' describedBy), and a README for people: what \
            the figures are, how they were computed, what suppression hid, the limitations, and the \
            contract version and data load with their hashes.

            Only suppressed aggregates leave: a package holds one table, suppressed under the profile's \
            small_cell_threshold (11 unless it says more), which must be the database's one threshold, \
            set by its first package (a table published under two could give back what either hides); \
            --table refuses any table with a row or an id per person, and any stored table without \
            suppression. The folder is written whole or not at \
            all; a folder outcomes did not write is never replaced (one it wrote is).

            Examples:
              outcomes publish --contract housing-2021 --period 2023 --profile scenarios/publication-profile.yaml --output open-data
              outcomes publish --contract housing-2021 --period 2022 --period 2023 --by race --profile scenarios/publication-profile.yaml --output open-data-race
              outcomes publish --contract housing-2021 --period 2022 --table payments_by_provider --profile scenarios/publication-profile.yaml --output open-data-payments
            """
    )

    @Option(name: .long, help: ArgumentHelp("A loaded contract (its latest version).", valueName: "id"))
    var contract: String

    @Option(name: .long, help: ArgumentHelp("A reporting period to publish, computed from the contract's latest version (repeatable).", valueName: "label"))
    var period: [String] = []

    @Option(name: .long, help: ArgumentHelp("Publish the metrics by provider and a person attribute instead: race, sex, age_band, county or family_type.",
                                            valueName: "attribute"))
    var by: [PersonAttribute] = []

    @Option(name: .long, help: ArgumentHelp("The table to publish, by name: metrics_by_provider (default), payments_by_provider, comparison_estimates or scenario_results.",
                                            valueName: "name"))
    var table: [String] = []

    @Option(name: .long, help: ArgumentHelp("The publication profile (YAML): publisher, contact, license and portal fields; see scenarios/publication-profile.yaml.",
                                            valueName: "file"))
    var profile: String

    @Option(name: .long, help: ArgumentHelp("The package's folder: new, empty, or one outcomes wrote before (replaced whole).", valueName: "folder"))
    var output: String

    @OptionGroup var database: DatabaseOptions

    @Flag(name: .shortAndLong, help: "No progress notes on standard error.")
    var quiet = false

    func validate() throws {
        guard !period.isEmpty else { throw ValidationError("Give at least one --period to publish.") }
        if Set(period).count != period.count { throw ValidationError("--period names a period twice.") }
        // Tables that share margins, each suppressed on its own, could give away each other's
        // hidden cells: a package holds one table. By an attribute, its margins are the providers' figures.
        guard by.count + table.count <= 1 else {
            throw ValidationError("A package holds one table: metrics_by_provider, or (--by ATTRIBUTE) metrics by provider and one attribute, "
                                  + "whose margins are the providers' figures; tables suppressed apart could reveal each other's hidden cells. "
                                  + "Publish each in a package of its own.")
        }
    }

    func run() throws {
        let progress = Progress(quiet: quiet)
        // The profile and the folder are checked before the database is touched.
        let profile = try PublicationProfile.load(path: self.profile)
        let writer = SafeWriter(option: "--output")
        try writer.check(output, folder: true)
        let (connection, _) = try database.connectReady(progress: progress, as: .analyst)
        let known = try DataDictionary.tables(on: connection)
        let tables = try table.map { name in try PublishableTable.resolve(name, tables: known).get() }
        let stored = try ContractStore.stored(contract, on: connection)
        let periods = try period.map { try stored.contract.period(option: $0) }.sorted { $0.start < $1.start }
        // The database's one threshold: set by its first package, committed with the package built
        // (a package that cannot be made sets nothing) and before it is written (none is written without it).
        let package = try connection.transaction { connection in
            let settled = try PublicationThreshold.settle(proposing: profile.smallCellThreshold, on: connection)
            guard settled.threshold == profile.smallCellThreshold else {
                throw PublishThresholdError(profile: self.profile, proposed: profile.smallCellThreshold, settled: settled)
            }
            return try OpenDataPackage.make(stored: stored, periods: periods, tables: tables, by: by,
                                            policy: SmallCellPolicy(threshold: settled.threshold), profile: profile, on: connection)
        }
        try writer.writeFolder(at: output) { folder in try package.write(into: folder) }
        let info = package.info, resources = package.resources
        progress.note("Wrote the package \(info.name) in \(output): \(resources.map(\.path).joined(separator: ", ")), datapackage.json, data.json, README.md.")
    }
}

/// A table would be published with nothing in it: exit 65, nothing written.
struct PublishEmptyError: UserFacingError {
    let resource: String
    let reason: String
    var exitStatus: ExitStatus { .dataError }
    var message: String { "the table \(resource) is not published: \(reason). Nothing was written." }
}

/// The profile's threshold is not the one the database publishes under: exit 65, nothing written.
struct PublishThresholdError: UserFacingError {
    let profile: String
    let proposed: Int
    let settled: PublicationThreshold
    var exitStatus: ExitStatus { .dataError }
    var message: String {
        "\(profile): small_cell_threshold is \(proposed), but this database publishes under \(settled.threshold) (set by \(settled.setBy) on "
            + "\(settled.setOn) with its first package): every package of a database uses one threshold, since the same table under two "
            + "could give back a cell either hides. Give small_cell_threshold: \(settled.threshold); an administrator may change the "
            + "database's in ids.publication_policy. Nothing was written."
    }
}
