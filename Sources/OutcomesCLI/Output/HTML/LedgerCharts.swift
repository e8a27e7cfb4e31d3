import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesStatistics

extension Report {
    /// A provider's statement: what each line earned and what was paid, period by period.
    mutating func addCharts(statement: ProviderStatement) {
        guard !statement.lines.isEmpty else { return }
        func double(_ value: Decimal) -> Double { NSDecimalNumber(decimal: value).doubleValue }
        charts.append(Chart(
            title: "Earned and paid by period and line (\(statement.providerID))",
            summary: "For each period and payment line, what the outcomes earned before caps and what was paid net of adjustments; a gap is what caps or interim shares held back.",
            xLabel: "\(statement.currency.code)",
            kind: .dots(rows: statement.lines.map { ("\($0.period) \($0.lineID)", [double($0.earned), double($0.payments + $0.adjustments)]) },
                        series: ["earned", "paid"], references: [0]),
            table: "lines"))
    }

    /// A contract's payments: paid to date by provider and period, and how much of each cap is used.
    mutating func addCharts(summary: PaymentSummary) {
        func double(_ value: Decimal) -> Double { NSDecimalNumber(decimal: value).doubleValue }
        var paid: [String: Decimal] = [:]
        for row in summary.paid { paid["\(row.provider) \(row.period)", default: 0] += row.amount }
        if !paid.isEmpty {
            charts.append(Chart(
                title: "Paid to date by provider and period", summary: "What the ledger holds as paid to each provider for each period, every payer together.",
                xLabel: summary.currency.code, kind: .bars(paid.keys.sorted().map { ($0, double(paid[$0]!)) }), table: "paid"))
        }
        let caps = summary.headroom.filter { $0.cap > 0 }
        if !caps.isEmpty {
            charts.append(Chart(
                title: "Share of each cap used", summary: "Paid to date as a share of each cap (100% is the cap reached).",
                xLabel: "% of the cap paid", kind: .bars(caps.map { ($0.name, double($0.paid / $0.cap) * 100) }), table: "headroom"))
        }
    }
}
