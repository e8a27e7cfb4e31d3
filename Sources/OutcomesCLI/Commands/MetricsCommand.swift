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

            A period computed before is computed again only for the persons the data loads since \
            then changed (their records, links, enrollments, events, memberships or edges; with \
            metrics over relatives, also everyone with an edge to them); everyone else's results \
            are kept, and the provider aggregates are computed again. It is computed in full when \
            the contract version or its text changed, when a load since then does not say whom it \
            changed (a synthetic data set, an extract that changed reference data such as \
            providers.csv), or with --full. The report says which, and metrics.computed_periods \
            records both loads (load_id, base_load_id).

            Examples:
              outcomes metrics --contract housing-2021 --period 2023
              outcomes metrics --contract reentry-2021@3 --period 2021Q1 --format csv
              outcomes metrics --file scenarios/housing-2021.yaml --period 2022
              outcomes metrics --contract housing-2021 --period 2023 --by race --by age_band
              outcomes metrics --contract housing-2021 --period 2023 --full
            """
    )

    @OptionGroup var options: MetricsOptions
    @OptionGroup var output: OutputOptions

    func run() throws { try output.emit(options.makeReport(progress: output.progress)) }
}

/// What `outcomes metrics` computes, and its report: the command, `report metrics` and
/// `export notebook metrics` all make the report here.
struct MetricsOptions: NotebookOptions {
    static let kind = "metrics"
    static let command = "metrics"
    static let notebook = NotebookExport.Kind.metrics

    @Option(name: .long, help: ArgumentHelp("A loaded contract: its id (the latest version) or id@version.", valueName: "id"))
    var contract: String?

    @Option(name: .long, help: ArgumentHelp("A contract file (YAML) to try out; its results never feed a payment.", valueName: "file"))
    var file: String?

    @Option(name: .long, help: ArgumentHelp("A reporting period label of the contract, e.g. 2023 or 2022Q1.", valueName: "label"))
    var period: String

    @Flag(name: .long, help: "Compute every participant again, not only those the loads since the last run changed.")
    var full = false

    @OptionGroup var suppression: SuppressionOptions
    @Option(name: .long, help: ArgumentHelp("Also break the metrics down by provider and a person attribute: race, sex, age_band or county (repeatable).",
                                            valueName: "attribute"))
    var by: [PersonAttribute] = []

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard (contract == nil) != (file == nil) else {
            throw ValidationError("Give either --contract ID (a loaded contract) or --file FILE (a file to try out), not \(contract == nil ? "neither" : "both").")
        }
        if let contract { try ContractReference.validate(contract) }
    }

    func makeReport(progress: Progress) throws -> Report {
        // A file is read and checked before the database is touched.
        let trial = try file.map { path in
            let text = try YAMLFile.read(path)
            let contract = try OutcomeContract.parse(yaml: text, file: path)
            _ = try reportingPeriod(in: contract)
            return (contract: contract, hash: SHA256.hex(text))
        }
        let (connection, _) = try database.connectReady(progress: progress, as: .analyst)
        let runner: MetricsRunner
        var notes: [String] = []
        if let trial {
            try trial.contract.checkDomains(known: EventDomains.known(on: connection), file: file!)
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
        let computation = try runner.compute(period: chosen, full: full, on: connection)
        let results = computation.results
        notes.append(contentsOf: computation.arms.map { $0.note(suppression.policy) })
        var report = Report(
            metrics: results, contract: definition, period: chosen,
            policy: suppression.policy)
        report.notes.insert(contentsOf: notes, at: 0)
        // Every period computed so far, for the trend (HTML charts it; md, json and csv carry the table).
        let computed = try definition.periods.map { period in
            (period.label, period.label == chosen.label ? results : try MetricsRunner.read(contract: definition, period: period, on: connection))
        }
            .filter { !$0.1.isEmpty }
        report.addTrend(computed, contract: definition, policy: suppression.policy)
        // The randomized control arm, when the contract pays against it: each rate is charted against it.
        if definition.needsComparisonArm, let arm = definition.comparisonArm {
            let control = try MetricsRunner.read(contract: arm, period: chosen, on: connection)
            report.addControlArm(control, results: results, contract: definition, policy: suppression.policy)
        }
        for attribute in by {
            let tables = try MetricEquity.tables(contract: definition, period: chosen.label, by: attribute, policy: suppression.policy, on: connection)
            report.add(equity: tables, by: attribute, period: chosen.label, policy: suppression.policy)
        }
        return report
    }

    /// The notebook reproduces a loaded contract's metrics (a file tried out is stored apart).
    func notebookParameters() throws -> [String: String] {
        guard let contract else { throw ValidationError("a metrics notebook needs --contract ID and --period LABEL.") }
        return ["contract": contract, "period": period]
    }

    private func reportingPeriod(in contract: OutcomeContract) throws -> ReportingPeriod {
        try contract.period(option: period)
    }
}

extension OutcomeContract {
    /// The period a `--period` option names, or a usage error listing the contract's periods.
    func period(option label: String) throws -> ReportingPeriod {
        guard let found = period(label) else {
            throw ValidationError("--period \(label) is not a period of \(id); it has: \(periods.map(\.label).joined(separator: ", ")).")
        }
        return found
    }
}

extension Report {
    /// Provider aggregates, every count cell protected: small counts and those that would reveal
    /// them are suppressed within each metric, and means and rates of a suppressed count with them.
    package init(metrics results: [ProviderMetricResult], contract: OutcomeContract, period: ReportingPeriod, policy: SmallCellPolicy) {
        self.init(title: "\(contract.name): outcome metrics, period \(period.label) (\(period.start) to \(period.end))")
        notes = [
            "Participants: first enrollment under the contract, enrolled at least \(contract.cohort.minimumEnrolledDays) days"
                + (contract.cohort.studyArm.map { ", study arm \($0.rawValue)" } ?? "")
                + "; counted in the period by \(contract.cohort.assignBy.rawValue.replacingOccurrences(of: "_", with: " ")); "
                + "data through \(contract.dataThrough).",
            "Counts of 1 to \(policy.threshold - 1) are suppressed (\(policy.marker)) — participants, with a value, and totals of "
                + "yes/no measures — with the cells that would reveal them, and the means and rates of suppressed counts.",
        ]
        var rates: [Reading.Rate] = [], participants: Int?
        var table = ReportTable(
            name: "metrics", title: "Outcome metrics by provider, \(period.label)",
            columns: ["metric_id", "metric", "provider", "participants", "with value", "total", "mean", "rate"], moreColumns: ["metric_id"])
        let labels = Dictionary(uniqueKeysWithValues: contract.metrics.map { ($0.id, $0.label) })
        for metricID in contract.metrics.map(\.id) {
            let rows = results.filter { $0.metricID == metricID }
            let hidden = MetricCellSuppression(rows: rows, policy: policy)
            for (index, row) in rows.enumerated() {
                let marker = Cell.suppressed(policy.marker)
                let cells: [Cell] = [
                    hidden.participants[index] ? marker : .int(row.participants),
                    hidden.withValue[index] ? marker : .int(row.withValue),
                    hidden.total[index] ? marker : row.total.map(Cell.rounded) ?? .null,
                    hidden.figure[index] ? marker : row.mean.map(Cell.rounded) ?? .null,
                    hidden.figure[index] ? marker : row.rate.map(Cell.roundedRate) ?? .null,
                ]
                table.rows.append([.text(metricID), .text(labels[metricID] ?? metricID), .text(row.providerID)] + cells)
            }
            // The reading cites rates the table shows, at the precision it shows them.
            func shown(_ index: Int) -> Double? {
                hidden.figure[index] ? nil : rows[index].rate.map { NSDecimalNumber(decimal: Cell.roundedValue($0)).doubleValue }
            }
            let all = rows.firstIndex { $0.providerID == MetricsRunner.allProviders }
            if let all, !hidden.participants[all] { participants = max(participants ?? 0, rows[all].participants) }
            if let all, let rate = shown(all) {
                let providers = rows.indices.filter { rows[$0].providerID != MetricsRunner.allProviders }.compactMap { index in shown(index).map { (rows[index].providerID, $0) } }
                rates.append(Reading.Rate(label: labels[metricID] ?? metricID, all: rate, lowest: providers.min { $0.1 < $1.1 },
                                          highest: providers.max { $0.1 < $1.1 }))
            }
        }
        tables = [table]
        reading = Reading.metrics(period: period.label, participants: participants,
                                  providers: Set(results.map(\.providerID)).subtracting([MetricsRunner.allProviders]).count, rates: rates,
                                  threshold: policy.threshold)
        addCharts(metrics: results, contract: contract, policy: policy)
    }
}

extension PersonAttribute: ExpressibleByArgument {}

extension Report {
    /// Each metric by provider and a person attribute, with its margins, suppressed as one table.
    mutating func add(equity breakdown: [(metric: MetricDefinition, table: EquityTable)], by attribute: PersonAttribute, period: String,
                      policy: SmallCellPolicy) {
        var table = ReportTable(name: "metrics_by_\(attribute.rawValue)", title: "Outcome metrics by provider and \(attribute.rawValue.replacingOccurrences(of: "_", with: " ")), \(period)",
                                columns: ["metric_id", "metric", "provider", attribute.rawValue, "participants", "with value", "total", "mean", "rate", "unstable rate"],
                                moreColumns: ["metric_id"])
        table.narrowColumns = ["total"]
        let marker = Cell.suppressed(policy.marker)
        for (metric, equity) in breakdown {
            for row in equity.rows {
                let figure = row.figure.map(equity.binary ? Cell.roundedRate : Cell.rounded) ?? (row.suppressedWithValue || row.suppressedTotal ? marker : .null)
                table.rows.append([
                    .text(metric.id), .text(metric.label), .text(row.provider ?? MetricsRunner.allProviders), .text(row.group ?? "(all)"),
                    row.participants.map(Cell.int) ?? marker, row.withValue.map(Cell.int) ?? marker,
                    row.total.map(Cell.rounded) ?? marker, equity.binary ? .null : figure, equity.binary ? figure : .null,
                    equity.binary && row.figure != nil ? .text(row.unstable ? "yes" : "no") : .null,
                ])
            }
        }
        tables.append(table)
        notes.append("By \(attribute.rawValue.replacingOccurrences(of: "_", with: " ")): every count of 1 to \(policy.threshold - 1) is suppressed with the cells "
                     + "that would let it be worked out from any row, column or margin; rates from 20 or fewer events are marked unstable.")
    }
}

/// Which cells of one metric's provider rows (and its `(all)` row) are suppressed. The people of a
/// provider fall into disjoint groups — without a value; with one (for yes/no measures: achieved
/// or not) — and each published count is a sum of them, so `ComplementarySuppression` can check
/// that none of them, nor any suppressed cell, is recoverable.
struct MetricCellSuppression {
    var participants: [Bool], withValue: [Bool], total: [Bool], figure: [Bool]

    init(rows: [ProviderMetricResult], policy: SmallCellPolicy) {
        let binary = rows.contains { $0.rate != nil }
        let providers = rows.indices.filter { rows[$0].providerID != MetricsRunner.allProviders }
        let totalRow = rows.indices.first { rows[$0].providerID == MetricsRunner.allProviders }
        var atoms: [Int] = []
        // Each provider row's atoms: without a value, and achieved / not achieved (or with a value).
        var rowAtoms: [Int: (without: Int, with: [Int], achieved: Int?)] = [:]
        func addAtoms(for index: Int) {
            let row = rows[index]
            let achieved = binary ? NSDecimalNumber(decimal: row.total ?? 0).intValue : 0
            let without = atoms.count
            atoms.append(row.participants - row.withValue)
            var with: [Int] = []
            if binary {
                atoms.append(achieved)
                atoms.append(row.withValue - achieved)
                with = [without + 1, without + 2]
            } else {
                atoms.append(row.withValue)
                with = [without + 1]
            }
            rowAtoms[index] = (without, with, binary ? without + 1 : nil)
        }
        providers.forEach(addAtoms)
        // The (all) row sums the providers' atoms; if it does not add up, it stands on atoms of its own.
        if let totalRow {
            let all = rows[totalRow]
            let sums = providers.reduce(into: (0, 0)) { $0.0 += rows[$1].participants; $0.1 += rows[$1].withValue }
            if sums != (all.participants, all.withValue) || providers.isEmpty { addAtoms(for: totalRow) }
        }
        var cells: [[Int]] = []
        var position: [(row: Int, kind: Int)] = []  // kind: 0 participants, 1 with value, 2 total
        for index in rows.indices {
            let parts: [(without: Int, with: [Int], achieved: Int?)] = rowAtoms[index].map { [$0] } ?? providers.map { rowAtoms[$0]! }
            cells.append(parts.flatMap { [$0.without] + $0.with })
            position.append((index, 0))
            cells.append(parts.flatMap(\.with))
            position.append((index, 1))
            if binary {
                cells.append(parts.compactMap(\.achieved))
                position.append((index, 2))
            }
        }
        let hidden = policy.suppressed(CountTable(atoms: atoms, cells: cells))
        participants = Array(repeating: false, count: rows.count)
        withValue = participants
        total = participants
        for (cell, place) in position.enumerated() where hidden[cell] {
            switch place.kind {
            case 0: participants[place.row] = true
            case 1: withValue[place.row] = true
            default: total[place.row] = true
            }
        }
        // A total of values (days, amounts) and a mean or rate go with the count they are of.
        if !binary { total = withValue }
        let (shownWith, shownTotal) = (withValue, total)
        figure = rows.indices.map { shownWith[$0] || shownTotal[$0] }
    }
}

extension Cell {
    /// A computed figure to four decimals (half-even), exact in JSON up to that rounding.
    static func rounded(_ value: Decimal) -> Cell { .decimal(value.rounded(scale: 4)) }

    /// `value` to four decimals (half-even), as the tables show it.
    static func roundedValue(_ value: Decimal) -> Decimal { value.rounded(scale: 4) }

    /// A rate to four decimals (half-even) for machines; a percentage for a person.
    static func roundedRate(_ value: Decimal) -> Cell { .rate(value.rounded(scale: 4)) }
}
