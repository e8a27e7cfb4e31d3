import Foundation
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

extension OpenDataResource {
    /// The published table, from the stored results of each period, suppressed as the metrics
    /// report suppresses them (the same cells, by the same rule).
    static func make(_ table: PublishableTable, contract stored: StoredContract, periods: [ReportingPeriod], policy: SmallCellPolicy,
                     on connection: PostgresConnection) throws -> (OpenDataResource, [PublishedComputation]) {
        switch table {
        case .paymentsByProvider: return try payments(contract: stored, periods: periods, policy: policy, on: connection)
        case .comparisonEstimates: return try estimates(contract: stored, periods: periods, policy: policy, on: connection)
        case .scenarioResults: return try scenarios(contract: stored, periods: periods, policy: policy, on: connection)
        case .metricsByProvider, .metricsBy:
            // Published only from periods computed from the loaded version.
            let computations = try PublishedComputation.of(stored, periods: periods.map(\.label), on: connection)
            let attribute: PersonAttribute? = if case .metricsBy(let attribute) = table { attribute } else { nil }
            return (try metrics(by: attribute, contract: stored.contract, periods: periods, policy: policy, on: connection), computations)
        }
    }

    /// The metrics by provider, or by provider and `attribute`.
    static func metrics(by attribute: PersonAttribute?, contract: OutcomeContract, periods: [ReportingPeriod], policy: SmallCellPolicy,
                                on connection: PostgresConnection) throws -> OpenDataResource {
        let marker = "\(policy.marker) means suppressed"
        var common: [Field] = [
            Field(name: "period", type: "string", description: "The contract's reporting period."),
            Field(name: "metric_id", type: "string", description: "The metric's id in the contract file; its definition is in README.md."),
            Field(name: "metric", type: "string", description: "The metric's label."),
            Field(name: "unit", type: "string", description: "The unit of the metric's values: days, events, 1 = yes, 0 = no, …"),
            Field(name: "provider", type: "string", description: "The provider the participants were enrolled with, or (all) for all providers together."),
        ]
        // The report's rows (metric id, label, provider, …) with the period first and the unit after the label.
        let units = Dictionary(contract.metrics.map { ($0.id, $0.unitText) }, uniquingKeysWith: { first, _ in first })
        func published(_ row: [Cell], _ period: ReportingPeriod) -> [Cell] {
            let id = if case .text(let id) = row[0] { id } else { "" }
            return [.text(period.label)] + row.prefix(2) + [.text(units[id] ?? "")] + row.dropFirst(2)
        }
        let labels = ["metric_id": Dictionary(contract.metrics.map { ($0.id, $0.label) }, uniquingKeysWith: { first, _ in first })]
        let figures: [Field] = [
            Field(name: "participants", type: "integer", description: "Participants the metric counts in the period (\(marker))."),
            Field(name: "with_value", type: "integer", description: "Of them, those with a value (\(marker))."),
            Field(name: "total", type: "number", description: "Sum of the participants' values, in the metric's unit (\(marker))."),
            Field(name: "mean", type: "number", description: "total / with_value, rounded to 4 decimals (\(marker))."),
            Field(name: "rate", type: "number", description: "For a yes/no metric, the share with the outcome, 0 to 1 (\(marker))."),
        ]
        guard let attribute else {
            var resource = OpenDataResource(
                name: PublishableTable.metricsByProvider.name, title: "Outcome metrics by provider",
                description: "Each metric of the contract for each provider and all providers together, per reporting period; "
                    + "counts of 1 to \(policy.threshold - 1), and the cells that would reveal them, are suppressed.",
                fields: common + figures, primaryKey: ["period", "metric_id", "provider"], rows: [])
            for period in periods {
                let results = try MetricsRunner.read(contract: contract, period: period, on: connection)
                let report = Report(metrics: results, contract: contract, period: period, policy: policy)
                resource.rows += report.tables[0].rows.map { published($0, period) }
            }
            resource.hideSmallTotals(of: contract, policy: policy, groupColumn: nil)
            resource.declareCategories(["period", "metric_id", "unit", "provider"], labels: labels)
            return resource
        }
        common.append(Field(name: attribute.rawValue, type: "string",
                            description: "The participants' \(attribute.rawValue.replacingOccurrences(of: "_", with: " ")), or (all) for the margin."))
        var resource = OpenDataResource(
            name: PublishableTable.metricsBy(attribute).name, title: "Outcome metrics by provider and \(attribute.rawValue.replacingOccurrences(of: "_", with: " "))",
            description: "Each metric by provider and \(attribute.rawValue.replacingOccurrences(of: "_", with: " ")), with margins, per reporting "
                + "period; every count of 1 to \(policy.threshold - 1) is suppressed with the cells that would let it be worked out "
                + "from a row, column or margin. Rates from 20 or fewer events are marked unstable.",
            fields: common + figures + [Field(name: "unstable_rate", type: "string",
                                              description: "yes when the rate rests on 20 or fewer events (read with care); empty for other measures.")],
            primaryKey: ["period", "metric_id", "provider", attribute.rawValue], rows: [])
        for period in periods {
            var report = Report(title: "")
            let equity = try MetricEquity.tables(contract: contract, period: period.label, by: attribute, policy: policy, on: connection)
            report.add(equity: equity, by: attribute, period: period.label, policy: policy)
            resource.rows += report.tables[0].rows.map { published($0, period) }
        }
        resource.hideSmallTotals(of: contract, policy: policy, groupColumn: 5)
        resource.declareCategories(["period", "metric_id", "unit", "provider", attribute.rawValue], labels: labels)
        return resource
    }

    /// A total of events or days under the threshold says how few people had them (a total of 1
    /// shelter entry is one person's): such totals are suppressed with their means, and in every
    /// line whose margin is published (a provider's groups, a group's providers, the providers)
    /// where one cell alone is hidden, the smallest other non-zero one too, until no line has one.
    mutating func hideSmallTotals(of contract: OutcomeContract, policy: SmallCellPolicy, groupColumn: Int?) {
        let counted = Set(contract.metrics.filter(OpenDataResource.countsEventsOrDays).map(\.id))
        // period, metric_id, metric, unit, provider, [group,] participants, with_value, total, mean, ….
        let (providerColumn, totalColumn) = (4, groupColumn.map { $0 + 3 } ?? 7)
        let all = MetricsRunner.allProviders
        func text(_ cell: Cell) -> String { if case .text(let value) = cell { value } else { "" } }
        func value(_ row: [Cell]) -> Decimal? {
            switch row[totalColumn] {
            case .decimal(let value): value
            case .int(let value): Decimal(value)
            default: nil
            }
        }
        func isMargin(_ index: Int) -> Bool {
            text(rows[index][providerColumn]) == all || groupColumn.map { text(rows[index][$0]) == "(all)" } ?? false
        }
        let marker = Cell.suppressed(policy.marker)
        let keys = Dictionary(grouping: rows.indices.filter { counted.contains(text(rows[$0][1])) }) { "\(text(rows[$0][0]))\u{1F}\(text(rows[$0][1]))" }
        for indices in keys.values {
            var hidden = Set(indices.filter { index in value(rows[index]).map { $0 > 0 && $0 < Decimal(policy.threshold) } ?? false })
            // Lines: each provider's groups with its (all) group, each group's providers with the (all) provider.
            var lines: [[Int]] = []
            let byProvider = Dictionary(grouping: indices) { text(rows[$0][providerColumn]) }
            if let groupColumn {
                lines += byProvider.values.map(Array.init)
                lines += Dictionary(grouping: indices) { text(rows[$0][groupColumn]) }.values.map(Array.init)
            } else {
                lines.append(indices)
            }
            var changed = !hidden.isEmpty
            while changed {
                changed = false
                for line in lines where line.filter({ hidden.contains($0) && value(rows[$0]) != nil }).count == 1 {
                    let shown = line.filter { !hidden.contains($0) && (value(rows[$0]) ?? 0) != 0 }
                    // The smallest part, else the margin (the row whose provider or group is (all)).
                    let parts = shown.filter { !isMargin($0) }
                    if let pick = (parts.isEmpty ? shown : parts).min(by: { value(rows[$0])! < value(rows[$1])! }) {
                        hidden.insert(pick)
                        changed = true
                    }
                }
            }
            for index in hidden {
                rows[index][totalColumn] = marker
                rows[index][totalColumn + 1] = marker
            }
        }
    }
}

/// The package's README, for people: what the tables are, how they were computed, what
/// suppression hid, the limitations, and what the figures were computed from.
enum OpenDataReadme {
    static func text(_ info: OpenDataPackageInfo, resources: [OpenDataResource], latestLoad: Int?, summary: IDSSummary) -> String {
        let contract = info.contract.contract
        var lines = ["# \(info.title)", "", info.description, ""]
        lines += ["Published by \(info.profile.publisher.name)" + (info.profile.publisher.parent.map { " (\($0))" } ?? "")
                  + "; contact \(info.profile.contactName), \(info.profile.contactEmail). License: \(info.profile.license)"
                  + (info.profile.licenseTitle.map { " (\($0))" } ?? "") + ". Covers \(info.profile.spatial), \(info.temporal).", ""]
        lines += ["## Files", ""]
        for resource in resources {
            lines.append("- `\(resource.path)` — \(resource.title): \(resource.description) Table Schema: `\(resource.schemaPath)`.")
        }
        lines += ["- `datapackage.json` — the Frictionless Data Package: every table's fields, types, keys and missing values.",
                  "- `data.json` — a DCAT-US 1.1 catalog entry per table, for a state open-data portal.", ""]
        lines += ["## How the figures were computed", "",
                  "Participants are each person's first enrollment under contract \(contract.id) that meets its cohort rule "
                  + "(enrolled at least \(contract.cohort.minimumEnrolledDays) days"
                  + (contract.cohort.studyArm.map { ", study arm \($0.rawValue)" } ?? "")
                  + "), counted in a period by \(contract.cohort.assignBy.rawValue.replacingOccurrences(of: "_", with: " ")); data through "
                  + "\(contract.dataThrough). Each metric is measured on the linked administrative records of the Integrated Data "
                  + "System (IDS) and aggregated by provider:", "",
                  "| metric | label | definition | unit |", "|---|---|---|---|"]
        for metric in contract.metrics {
            lines.append("| `\(metric.id)` | \(cell(metric.label)) | \(cell(metric.definitionText)) | \(cell(metric.unitText)) |")
        }
        if resources.contains(where: { $0.name == PublishableTable.paymentsByProvider.name }) {
            lines += ["", "Payments are what the contract's posted payment runs owe on lines paid per participant (rate-card "
                      + "outcomes, days priced per day), net of later adjustments, summed by provider and period from the sealed "
                      + "ledger; the runs are listed under Provenance. Lines that pay for a cohort's estimated effect, a share of "
                      + "savings or a milestone, and clawbacks, are left out: their amounts can say how large a small cohort was. A cell that "
                      + "paid 1 to \(info.policy.threshold - 1) people in all or on one line is suppressed, and so is a provider's cell "
                      + "wherever a metric its lines price (an outcome, days) is suppressed for that provider and period: an amount is "
                      + "prices times those counts and days, and could give them back. Each period's latest run is of this contract "
                      + "version and rests on the data load its metrics are computed from."]
        }
        if resources.contains(where: { $0.name == PublishableTable.comparisonEstimates.name }) {
            lines += ["", "Effects are estimated by `outcomes compare`: each participant's outcome against a comparison group "
                      + "matched or weighted on the evaluation's covariates from the eligible population (or the randomized control "
                      + "arm), with the standard errors MatchIt and WeightIt report. The latest comparison of each evaluation and "
                      + "period from this contract version is published; the runs are listed under Provenance."]
        }
        if resources.contains(where: { $0.name == PublishableTable.scenarioResults.name }) {
            lines += ["", "Benefits and costs come from `outcomes scenario run`: each estimated effect (a difference in means from "
                      + "the comparisons the scenario cites) is valued per unit for each perspective, carried over the scenario's "
                      + "horizon with its decay, discounted and put in its base year's prices, and set against the program's cost per "
                      + "participant; the uncertainty comes from the scenario's seeded draws. The latest run of each scenario from this "
                      + "contract version is published; the runs are listed under Provenance."]
        }
        lines += ["", "## Suppression", "",
                  "Counts of 1 to \(info.policy.threshold - 1) are suppressed, with every cell from which one could be worked out "
                  + "(a complement in the same metric, a margin), and the means and rates of suppressed counts. A suppressed cell holds "
                  + "`\(info.policy.marker)`, declared in `datapackage.json` as a missing value; an empty cell means there is no value "
                  + "(for example, no rate for a measure that is not yes/no). No table holds a row or an identifier per person.", ""]
        if resources.contains(where: { $0.name == PublishableTable.comparisonEstimates.name || $0.name == PublishableTable.scenarioResults.name }) {
            lines += ["In the estimates, a row whose treated or comparison units number 1 to \(info.policy.threshold - 1) hides them and its "
                      + "figures; a row whose mean gives away a count under \(info.policy.threshold) (a share, or a mean count of events or "
                      + "days, times the arm's size) hides its means, estimate, interval and p-value; and where one provider's row alone "
                      + "is hidden, the smallest other provider's is too, so the all-providers row cannot give it back. A "
                      + "difference-in-differences row never shows its means: they are means of changes, which with the difference "
                      + "row's would give the counts before the index date. A scenario's "
                      + "figures for a provider (or all providers) are hidden when any difference in means they rest on is.", ""]
        }
        lines += ["## Limitations", "",
                  "- Figures are as good as the linkage of agency records into persons: a person whose records were not linked is "
                  + "missing from an outcome, and a false link gives someone else's record. " + linkage(summary, policy: info.policy)
                  + " The linkage's estimated error rates are in the publisher's linkage report (outcomes link report).",
                  "- Participant counts of different metrics in the same cell can differ (a metric counts a participant only once its "
                  + "window is observed); they are not meant to be subtracted.",
                  "- Rates from 20 or fewer events are unstable: they are marked in the tables by attribute, and should be read "
                  + "with care everywhere.",
                  "- The metrics describe outcomes, not effects: without a comparison group they do not say what the program caused."]
        if resources.contains(where: { $0.name == PublishableTable.scenarioResults.name }) {
            lines.append("- A scenario is a projection: its figures are only as good as its unit values, horizon, decay and "
                         + "discount rate, which its variants vary one at a time.")
        }
        if resources.contains(where: { $0.name == PublishableTable.comparisonEstimates.name || $0.name == PublishableTable.scenarioResults.name }) {
            lines.append("- A comparison group matched or weighted on recorded covariates balances what was recorded; differences "
                         + "nobody recorded can remain, so an estimated effect is only as good as the evaluation's design.")
        }
        lines.append("")
        lines += ["## Provenance", "",
                  "Contract \(contract.id) version \(info.contract.version), text SHA-256 `\(info.contract.fileSHA256)`.", ""]
        for computation in info.computations {
            let data = computation.loadID == 0 ? "" : " from data load \(computation.loadID), content SHA-256 `\(computation.contentHash ?? "none")`"
            lines.append("- \(computation.about): \(computation.origin) on \(computation.computedOn)\(data).")
        }
        if let latestLoad, !info.computations.allSatisfy({ $0.loadID == latestLoad || $0.loadID == 0 }) {
            lines.append("- The IDS has a later data load (\(latestLoad)) than some of these computations; they are published as computed.")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The linkage of the data load by source system: persons linked and the share linked by a
    /// probabilistic match (which may be false), small counts suppressed.
    static func linkage(_ summary: IDSSummary, policy: SmallCellPolicy) -> String {
        let sources = summary.linkage.filter { $0.links > 0 }.map { source -> String in
            let probabilistic = policy.suppresses(source.probabilisticLinks) || policy.suppresses(source.links - source.probabilisticLinks)
                ? "" : String(format: ", %.1f%% of its links probabilistic", Double(source.probabilisticLinks) * 100 / Double(source.links))
            return "\(source.name) (\(source.source)): \(policy.shown(source.linkedPersons)) persons linked\(probabilistic)"
        }
        return "When this package was published" + (summary.latestLoad.map { " (data load \($0.id))" } ?? "") + ", the IDS knew "
            + "\(policy.shown(summary.persons)) persons, \(policy.shown(summary.personsInNoSource)) of them in no agency's records" + (sources.isEmpty ? "." : ". By source system: " + sources.joined(separator: "; ") + ".")
    }

    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }
}
