import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesStatistics

extension Report {
    /// A scenario's charts: the benefit-cost figures, the distribution of benefits minus costs,
    /// the tornado, the outcome payments by year and by variant, and investor returns by effect level.
    mutating func addCharts(scenario outcome: ScenarioRunner.Outcome) {
        let run = outcome.run
        guard let all = run.groups.first(where: { $0.group == nil }) ?? run.groups.first else { return }
        let row = BenefitCostRow(all.expected)
        func double(_ value: Decimal) -> Double { NSDecimalNumber(decimal: value).doubleValue }
        let group = all.group ?? "all providers"
        charts.append(Chart(
            title: "Benefits and costs per participant (\(group))",
            summary: "Present values per participant in \(run.definition.baseYear) dollars: benefits to each perspective, their total, the program's cost, and benefits minus costs.",
            xLabel: "dollars per participant (\(run.definition.baseYear))",
            kind: .bars(ScenarioDefinition.Perspective.allCases.map { ($0.rawValue, double(row.benefits[$0]!)) }
                + [("total benefits", double(row.total)), ("cost", -double(row.cost)), ("benefits minus costs", double(row.net))]),
            table: "benefit_cost"))
        let (edges, counts) = Chart.bins(all.simulated.nets)
        charts.append(Chart(
            title: "Benefits minus costs per participant over \(all.simulated.draws) draws (\(group))",
            summary: "How often each amount of benefits minus costs came up in the Monte Carlo; \(String(format: "%.1f%%", all.simulated.chanceBenefitsExceedCosts * 100)) of draws are above zero.",
            xLabel: "benefits minus costs per participant (dollars)", yLabel: "draws",
            kind: .histogram(edges: edges, series: [("draws", counts.map { $0 })], markers: [("break-even", 0), ("expected", all.expected.net)]),
            table: "benefit_cost"))
        if !all.tornado.isEmpty {
            charts.append(Chart(
                title: "One-way sensitivity of benefits minus costs (\(group))",
                summary: "Benefits minus costs per participant with each input at its low and its high value, the others at their central values; widest swing first.",
                xLabel: "benefits minus costs per participant (dollars)",
                kind: .tornado(rows: all.tornado.map { ($0.input.label(outcome.metricLabels), $0.netAtLow, $0.netAtHigh) }, base: all.expected.net),
                table: "tornado"))
        }
        if let payments = outcome.payments { addPaymentCharts(payments, outcome: outcome) }
        if let investors = outcome.investors, let financing = run.definition.financing {
            let rates = investors.levels.map { level in
                (level.name, level.tranches.map { tranche -> Double? in if case .unique(let r) = tranche.rateOfReturn { r * 100 } else { nil } })
            }
            charts.append(Chart(
                title: "Investor returns by effect level",
                summary: "Each tranche's XIRR (percent a year) with no effect, at the lower 95% bound, at the estimate and at the upper bound; a missing dot is a rate that is not unique or does not exist.",
                xLabel: "XIRR (% a year)",
                kind: .dots(rows: rates, series: financing.tranches.map(\.id), references: [0]), table: "returns_by_effect"))
        }
    }

    private mutating func addPaymentCharts(_ payments: PaymentProjection.Summary, outcome: ScenarioRunner.Outcome) {
        func double(_ value: Decimal) -> Double { NSDecimalNumber(decimal: value).doubleValue }
        charts.append(Chart(
            title: "Outcome payments by year, all providers (P5–P95 of \(payments.draws) draws, median marked)",
            summary: "For each year the contract pays, and for the worst year, the 5th to 95th percentile of the outcome payments over the draws, with the median.",
            xLabel: "outcome payments (dollars)",
            kind: .intervals(payments.byYear.map { .init(label: $0.year, estimate: double($0.draws.p50), low: double($0.draws.p5), high: double($0.draws.p95)) }
                + [.init(label: "worst year", estimate: double(payments.worstYear.p50), low: double(payments.worstYear.p5), high: double(payments.worstYear.p95))],
                reference: nil),
            table: "payments_by_year"))
        let (edges, counts) = Chart.bins(payments.totals)
        charts.append(Chart(
            title: "Outcome payments over every projected period, \(payments.draws) draws",
            summary: "How often each total of outcome payments came up over the draws, with the total at the estimated effects.",
            xLabel: "outcome payments, all years (dollars)", yLabel: "draws",
            kind: .histogram(edges: edges, series: [("draws", counts.map { $0 })], markers: [("at the estimates", double(payments.expectedTotal))]),
            table: "payments_by_year"))
        if !outcome.paymentVariants.isEmpty {
            let rows = [("as stated", payments)] + outcome.paymentVariants.map { ($0.name, $0.summary) }
            charts.append(Chart(
                title: "Outcome payments by variant (P5–P95, median marked)",
                summary: "The 5th to 95th percentile of all years' outcome payments under the scenario as stated and under each variant that changes them.",
                xLabel: "outcome payments, all years (dollars)",
                kind: .intervals(rows.map { .init(label: $0.0, estimate: double($0.1.total.p50), low: double($0.1.total.p5), high: double($0.1.total.p95)) },
                                 reference: nil),
                table: "payment_variants"))
        }
    }
}

extension ScenarioRunner.Outcome {
    /// The contract's metric labels by id.
    var metricLabels: [String: String] { Dictionary(stored.contract.metrics.map { ($0.id, $0.label) }, uniquingKeysWith: { first, _ in first }) }
}

extension BenefitCost.Input {
    /// As a person reads it: metrics by their labels, as written.
    func label(_ metrics: [String: String]) -> String {
        switch self {
        case .effect(let outcome): "Effect on \(metrics[outcome] ?? outcome)"
        case .value(let outcome, let perspective): "Value of \(metrics[outcome] ?? outcome) to \(perspective.rawValue)"
        case .cost: "Cost per participant"
        case .discountRate: "Discount rate"
        }
    }

    /// Inside a sentence: "the effect on …", "the cost per participant" (the label, its own first
    /// word in lower case; a metric's label never comes first).
    func phrase(_ metrics: [String: String]) -> String {
        let label = label(metrics)
        return "the " + label.prefix(1).lowercased() + label.dropFirst()
    }

    /// Whether its low and high values are amounts of money (per participant).
    var isMoney: Bool { switch self { case .cost, .value: true; case .effect, .discountRate: false } }
}
