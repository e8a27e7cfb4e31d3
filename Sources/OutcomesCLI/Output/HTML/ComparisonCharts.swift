import Foundation
import OutcomesDomain
import OutcomesStatistics

extension Report {
    /// A comparison's charts: balance before and after (a love plot), and each estimate with its
    /// 95% interval, overall and per provider. Estimates whose groups are small cells are left out.
    /// Metrics are named by their `labels` (by id) where given.
    mutating func addCharts(comparison result: EvaluationResult, policy: SmallCellPolicy?, labels: [String: String] = [:]) {
        let before = Dictionary(result.balanceBefore.map { ($0.name, $0.standardizedMeanDifference) }, uniquingKeysWith: { first, _ in first })
        // A covariate whose means give away a small count is left out, as its rows are hidden.
        let hiddenCovariates = ComparisonTables.hiddenBalance(result.balanceBefore, units: result.sampleSizes.all, policy: policy)
            .union(ComparisonTables.hiddenBalance(result.balanceAfter, units: result.sampleSizes.matched, policy: policy))
        let rows = result.balanceAfter.filter { !hiddenCovariates.contains($0.name) }.map { row in (label: labels[row.name] ?? row.name, values: [before[row.name].flatMap { $0 }.map(abs), row.standardizedMeanDifference.map(abs)]) }
        if result.spec.method != .none, !rows.isEmpty {
            charts.append(Chart(
                title: "Balance before and after \(result.spec.method.step) (absolute standardized mean differences)",
                summary: "For each covariate, the absolute standardized mean difference between participants and comparisons before and after; the dashed line is the balance threshold \(result.spec.balanceThreshold).",
                xLabel: "|standardized mean difference|",
                kind: .dots(rows: rows, series: ["before", "after"], references: [result.spec.balanceThreshold]), table: "balance_matched"))
        }
        if let overlap = result.overlap {
            // Counts of people: small bins hidden, with one more when a lone small one could be worked out from the total.
            func shown(_ counts: [Int]) -> [Int?] {
                guard let policy else { return counts }
                let hidden = policy.suppressedParts(of: counts)
                return counts.indices.map { hidden[$0] ? nil : counts[$0] }
            }
            let edges = (0...EvaluationResult.Overlap.bins).map { Double($0) / Double(EvaluationResult.Overlap.bins) }
            let series = [shown(overlap.treated), shown(overlap.controls), shown(overlap.keptControls)]
            var table = ReportTable(name: "propensity_overlap", title: "Propensity scores of participants and comparisons",
                                    columns: ["score_from", "score_to", "participants", "comparison_pool", "comparisons_kept"])
            let marker = Cell.suppressed(policy?.marker ?? "")
            table.rows = edges.dropLast().indices.map { bin in
                [.real(edges[bin]), .real(edges[bin + 1])] + series.map { $0[bin].map(Cell.int) ?? marker }
            }
            tables.append(table)
            charts.append(Chart(
                title: "Propensity score overlap",
                summary: "How many participants, comparison units and comparison units kept after \(result.spec.method.step) have each propensity score, in twentieths; bins of fewer than \(policy?.threshold ?? 1) people are not drawn.",
                xLabel: "propensity score", yLabel: "units",
                kind: .histogram(edges: edges, series: [("participants", series[0]), ("comparison pool", series[1]), ("comparisons kept", series[2])],
                                 markers: []),
                table: "propensity_overlap"))
        }
        let hidden = ComparisonTables.hidden(result.estimates, policy: policy)
        let level = String(format: "%g%%", result.spec.confidence * 100)
        for outcome in Set(result.estimates.map(\.outcome)).sorted() {
            let intervals = result.estimates.indices.filter { result.estimates[$0].outcome == outcome && !hidden[$0] }.map { index -> Chart.Interval in
                let row = result.estimates[index], e = row.effect
                return .init(label: "\(row.group ?? "all") — \(row.analysis.rawValue)", estimate: e.estimate, low: e.confidenceInterval.lower,
                             high: e.confidenceInterval.upper)
            }
            guard !intervals.isEmpty else { continue }
            let label = labels[outcome] ?? outcome
            charts.append(Chart(
                title: "Effect on \(label) with \(level) confidence intervals",
                summary: "The estimated effect on \(label) (participants minus comparisons), overall and per provider, each with its \(level) confidence interval; the dashed line is no effect.",
                xLabel: "effect (participants minus comparisons)", kind: .intervals(intervals, reference: 0), table: "estimates"))
        }
    }
}

extension EvaluationDefinition {
    /// The labels of the metrics an evaluation names, by id: the contract's, and its covariates'.
    func metricLabels(_ contract: OutcomeContract) -> [String: String] {
        var labels = Dictionary(contract.metrics.map { ($0.id, $0.label) }, uniquingKeysWith: { first, _ in first })
        for case .metric(let metric) in covariates { labels[metric.id] = metric.label }
        return labels
    }
}
