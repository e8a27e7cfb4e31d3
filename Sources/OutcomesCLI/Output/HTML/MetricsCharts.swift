import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesStatistics

extension Report {
    /// Outcome metrics by provider: each rate with its Wilson 95% interval against all providers'
    /// (dashed), each mean as a bar; suppressed cells are left out, as they are in the table.
    mutating func addCharts(metrics results: [ProviderMetricResult], contract: OutcomeContract, policy: SmallCellPolicy,
                            control: [ProviderMetricResult] = []) {
        let labels = Dictionary(uniqueKeysWithValues: contract.metrics.map { ($0.id, $0.label) })
        for metricID in contract.metrics.map(\.id) {
            let rows = results.filter { $0.metricID == metricID }
            let hidden = MetricCellSuppression(rows: rows, policy: policy)
            let shown = rows.indices.filter { !hidden.figure[$0] && rows[$0].providerID != MetricsRunner.allProviders }
            let label = labels[metricID] ?? metricID
            if rows.contains(where: { $0.rate != nil }) {
                // The control arm's own rate and interval, when it is computed and not a small cell.
                let arm = control.first { $0.metricID == metricID && $0.providerID == MetricsRunner.allProviders }
                    .flatMap { row -> Chart.Interval? in
                        let achieved = NSDecimalNumber(decimal: row.total ?? 0).intValue
                        guard let rate = row.rate, !policy.suppresses(row.withValue), !policy.suppresses(achieved), !policy.suppresses(row.withValue - achieved),
                              let ci = Proportion.wilson(successes: achieved, of: row.withValue) else { return nil }
                        return .init(label: "control arm", estimate: NSDecimalNumber(decimal: rate).doubleValue, low: ci.lower, high: ci.upper)
                    }
                let intervals = (arm.map { [$0] } ?? []) + shown.compactMap { index -> Chart.Interval? in
                    let row = rows[index]
                    let achieved = NSDecimalNumber(decimal: row.total ?? 0).intValue
                    guard let rate = row.rate, let ci = Proportion.wilson(successes: achieved, of: row.withValue) else { return nil }
                    return .init(label: row.providerID, estimate: NSDecimalNumber(decimal: rate).doubleValue, low: ci.lower, high: ci.upper)
                }
                guard !intervals.isEmpty else { continue }
                // All providers' rate as the table shows it, and only when it shows it: a line drawn at a
                // hidden rate would give back the counts the table hides.
                let allIndex = rows.firstIndex { $0.providerID == MetricsRunner.allProviders }
                let reference = allIndex.flatMap { hidden.figure[$0] ? nil : rows[$0].rate.map { NSDecimalNumber(decimal: Cell.roundedValue($0)).doubleValue } }
                charts.append(Chart(
                    title: "\(label): rate by provider with 95% intervals" + (arm == nil ? "" : ", against the control arm"),
                    summary: "Each provider's rate of \(label) among its participants with a value, with its Wilson 95% interval"
                        + (arm == nil ? "" : ", and the randomized control arm's") + (reference == nil ? "." : "; the dashed line is all providers' rate."),
                    xLabel: "rate", kind: .intervals(intervals, reference: reference), table: "metrics"))
            } else {
                let bars = shown.compactMap { index in rows[index].mean.map { (rows[index].providerID, NSDecimalNumber(decimal: $0).doubleValue) } }
                guard !bars.isEmpty else { continue }
                charts.append(Chart(title: "\(label): mean by provider", summary: "Each provider's mean \(label) among its participants with a value.",
                                    xLabel: "mean", kind: .bars(bars), table: "metrics"))
            }
        }
    }

    /// Each metric's rate (or mean) per provider over the periods computed, suppressed as in each
    /// period's own table; charted when there are two periods or more.
    mutating func addTrend(_ periods: [(label: String, rows: [ProviderMetricResult])], contract: OutcomeContract, policy: SmallCellPolicy) {
        guard periods.count >= 2 else { return }
        var table = ReportTable(name: "metrics_by_period", title: "Outcome metrics by period and provider", columns: ["metric_id", "period", "provider", "figure"])
        var figures: [String: [String: [String: Double]]] = [:]  // metric → period → provider → figure
        for (label, rows) in periods {
            for metricID in contract.metrics.map(\.id) {
                let metricRows = rows.filter { $0.metricID == metricID }
                let hidden = MetricCellSuppression(rows: metricRows, policy: policy)
                for (index, row) in metricRows.enumerated() {
                    let figure = row.rate ?? row.mean
                    table.rows.append([.text(metricID), .text(label), .text(row.providerID),
                                       hidden.figure[index] ? .suppressed(policy.marker) : figure.map(row.rate == nil ? Cell.rounded : Cell.roundedRate) ?? .null])
                    if !hidden.figure[index], let figure { figures[metricID, default: [:]][label, default: [:]][row.providerID] = NSDecimalNumber(decimal: figure).doubleValue }
                }
            }
        }
        tables.append(table)
        let labels = Dictionary(uniqueKeysWithValues: contract.metrics.map { ($0.id, $0.label) })
        for metricID in contract.metrics.map(\.id) {
            guard let byPeriod = figures[metricID] else { continue }
            let providers = Set(byPeriod.values.flatMap(\.keys)).sorted { ($0 == MetricsRunner.allProviders ? 1 : 0, $0) < ($1 == MetricsRunner.allProviders ? 1 : 0, $1) }
            charts.append(Chart(
                title: "\(labels[metricID] ?? metricID): by period",
                summary: "Each period's rate or mean of \(labels[metricID] ?? metricID) for each provider and all providers; suppressed values are not drawn.",
                xLabel: "rate or mean",
                kind: .dots(rows: periods.map { period in (period.label, providers.map { byPeriod[period.label]?[$0] }) }, series: providers, references: []),
                table: "metrics_by_period"))
        }
    }

    /// The control arm's rates beside the providers': redraws the metric charts with it and adds its table.
    mutating func addControlArm(_ control: [ProviderMetricResult], results: [ProviderMetricResult], contract: OutcomeContract, policy: SmallCellPolicy) {
        guard !control.isEmpty else { return }
        charts.removeAll { $0.table == "metrics" }
        addCharts(metrics: results, contract: contract, policy: policy, control: control)
        var table = ReportTable(name: "control_arm", title: "The randomized control arm, all providers", columns: ["metric_id", "participants", "with value", "rate", "mean"])
        for row in control where row.providerID == MetricsRunner.allProviders {
            let hidden = MetricCellSuppression(rows: [row], policy: policy)
            let marker = Cell.suppressed(policy.marker)
            table.rows.append([.text(row.metricID), hidden.participants[0] ? marker : .int(row.participants), hidden.withValue[0] ? marker : .int(row.withValue),
                               hidden.figure[0] ? marker : row.rate.map(Cell.roundedRate) ?? .null, hidden.figure[0] ? marker : row.mean.map(Cell.rounded) ?? .null])
        }
        tables.append(table)
    }
}
