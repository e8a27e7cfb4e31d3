import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Compute a contract's outcome metrics for a reporting period and print them by provider.",
        discussion: """
            Computes, inside PostgreSQL, every participant's value of the metrics of a loaded contract \
            version (`outcomes contract load` first), from the contract's stored text; stores \
            person-level values and provider aggregates (metrics.person_results, \
            metrics.provider_results), replacing that contract-period's earlier results in one \
            transaction, records the version, the text's SHA-256 and the data load they came from, \
            and prints the provider aggregates. Payment runs pay only on metrics computed this way, \
            from the version they run under and the current data load.

            `--file` tries a contract file out without loading it: its results are stored apart \
            (as <id>@trial) and never feed a payment.

            Examples:
              outcomes metrics --contract housing-2021 --period 2023
              outcomes metrics --contract reentry-2021@1 --period 2021Q1 --format csv
              outcomes metrics --file scenarios/housing-2021.yaml --period 2022
            """
    )

    @Option(name: .long, help: ArgumentHelp("A loaded contract: its id (the latest version) or id@version.", valueName: "id"))
    var contract: String?

    @Option(name: .long, help: ArgumentHelp("A contract file (YAML) to try out; its results never feed a payment.", valueName: "file"))
    var file: String?

    @Option(name: .long, help: ArgumentHelp("A reporting period label of the contract, e.g. 2023 or 2022Q1.", valueName: "label"))
    var period: String

    @OptionGroup var suppression: SuppressionOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (contract == nil) != (file == nil) else {
            throw ValidationError("Give either --contract ID (a loaded contract) or --file FILE (a file to try out), not \(contract == nil ? "neither" : "both").")
        }
    }

    func run() throws {
        let progress = output.progress
        // A file is read and checked before the database is touched.
        let trial = try file.map { path in
            let text = try YAMLFile.read(path)
            let contract = try OutcomeContract.parse(yaml: text, file: path)
            _ = try reportingPeriod(in: contract)
            return (contract: contract, hash: SHA256.hex(text))
        }
        let (connection, _) = try database.connectReady(progress: progress)
        let runner: MetricsRunner
        var notes: [String] = []
        if let trial {
            runner = MetricsRunner(trying: trial.contract, fileSHA256: trial.hash)
            notes.append("Tried out \(file!): results stored as \(runner.contract.storedID), apart from the loaded contract's; "
                         + "they never feed a payment.")
        } else {
            let stored = try ContractStore.stored(reference: contract!, on: connection)
            runner = MetricsRunner(stored: stored)
            notes.append("Computed from version \(stored.version) of \(stored.contract.id) as loaded (SHA-256 \(stored.fileSHA256.prefix(12))…).")
        }
        let definition = runner.contract
        let chosen = try reportingPeriod(in: definition)
        let enrolled = try connection.execute(
            "SELECT count(*) FROM ids.enrollments WHERE contract_id = \(definition.id)").scalar(Int.self)
        if enrolled == 0 { progress.note("No enrollments are recorded under contract \(definition.id) in the IDS.") }
        let results = try runner.run(period: chosen, on: connection)
        var report = Report(
            metrics: results, contract: definition, period: chosen,
            policy: suppression.policy)
        report.notes.insert(contentsOf: notes, at: 0)
        print(report.render(output.format), terminator: "")
    }

    private func reportingPeriod(in contract: OutcomeContract) throws -> ReportingPeriod {
        guard let found = contract.period(period) else {
            throw ValidationError(
                "--period \(period) is not a period of \(contract.id); it has: \(contract.periods.map(\.label).joined(separator: ", ")).")
        }
        return found
    }
}

extension Report {
    /// Provider aggregates, with small groups and their complements suppressed within each metric.
    init(metrics results: [ProviderMetricResult], contract: OutcomeContract, period: ReportingPeriod, policy: SmallCellPolicy) {
        self.init(title: "\(contract.name): outcome metrics, period \(period.label) (\(period.start) to \(period.end))")
        notes = [
            "Participants: first enrollment under the contract, enrolled at least \(contract.cohort.minimumEnrolledDays) days"
                + (contract.cohort.studyArm.map { ", study arm \($0.rawValue)" } ?? "")
                + "; counted in the period by \(contract.cohort.assignBy.rawValue.replacingOccurrences(of: "_", with: " ")); "
                + "data through \(contract.dataThrough).",
            "Groups of 1 to \(policy.threshold - 1) participants are suppressed (\(policy.marker)), with a complementary "
                + "provider where one alone would be revealed by the total.",
        ]
        var table = ReportTable(
            name: "metrics", title: "Outcome metrics by provider, \(period.label)",
            columns: ["metric", "provider", "participants", "with value", "total", "mean", "rate"])
        let labels = Dictionary(uniqueKeysWithValues: contract.metrics.map { ($0.id, $0.label) })
        for metricID in contract.metrics.map(\.id) {
            let rows = results.filter { $0.metricID == metricID }
            let providers = rows.filter { $0.providerID != MetricsRunner.allProviders }
            let hidden = policy.suppressedParts(of: providers.map(\.participants))
            for (index, row) in rows.enumerated() {
                let suppressed = row.providerID == MetricsRunner.allProviders ? policy.suppresses(row.participants) : hidden[index]
                let cells: [Cell] = suppressed
                    ? Array(repeating: .suppressed(policy.marker), count: 5)
                    : [.int(row.participants), .int(row.withValue), row.total.map(Cell.rounded) ?? .null,
                       row.mean.map(Cell.rounded) ?? .null, row.rate.map(Cell.rounded) ?? .null]
                table.rows.append([.text(labels[metricID] ?? metricID), .text(row.providerID)] + cells)
            }
        }
        tables = [table]
    }
}

extension Cell {
    /// A computed figure to four decimals (half-even), exact in JSON up to that rounding.
    static func rounded(_ value: Decimal) -> Cell {
        var source = value, result = Decimal()
        NSDecimalRound(&result, &source, 4, .bankers)
        return .decimal(result)
    }
}
