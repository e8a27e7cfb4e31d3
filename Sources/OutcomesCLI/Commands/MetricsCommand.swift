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
            Reads the metric definitions of a contract file (see scenarios/README.md), computes every \
            participant's value inside PostgreSQL, stores person-level values and provider aggregates \
            (metrics.person_results, metrics.provider_results), replacing that contract-period's \
            earlier results in one transaction, and prints the provider aggregates.

            Examples:
              outcomes metrics --contract scenarios/housing-2021.yaml --period 2023
              outcomes metrics --contract scenarios/reentry-2021.yaml --period 2022Q1 --format csv
            """
    )

    @Option(name: .long, help: ArgumentHelp("The contract file (YAML).", valueName: "file"))
    var contract: String

    @Option(name: .long, help: ArgumentHelp("A reporting period label of the contract, e.g. 2023 or 2022Q1.", valueName: "label"))
    var period: String

    @Option(name: .long, help: "Smallest participant count shown; smaller non-zero groups are suppressed.")
    var smallCellThreshold = 11

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let definition = try OutcomeContract.load(path: contract)
        guard let reportingPeriod = definition.period(period) else {
            throw ValidationError(
                "--period \(period) is not a period of \(contract); it has: \(definition.periods.map(\.label).joined(separator: ", ")).")
        }
        let progress = output.progress
        let (connection, _) = try database.connectReady(progress: progress)
        let enrolled = try connection.execute(
            "SELECT count(*) FROM ids.enrollments WHERE contract_id = \(definition.id)").scalar(Int.self)
        if enrolled == 0 { progress.note("No enrollments are recorded under contract \(definition.id) in the IDS.") }
        let results = try MetricsRunner(contract: definition).run(period: reportingPeriod, on: connection)
        let report = Report(
            metrics: results, contract: definition, period: reportingPeriod,
            policy: SmallCellPolicy(threshold: smallCellThreshold))
        print(report.render(output.format), terminator: "")
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
