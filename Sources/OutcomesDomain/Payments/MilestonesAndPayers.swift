import Foundation

/// A fixed amount paid in a period once the deliverable is attested (a service opened, a report filed).
public struct Milestone: Sendable, Equatable {
    public let id: String
    public let amount: Money
    /// The period whose run pays it.
    public let period: String
    /// Who is paid.
    public let provider: String
}

/// A share of a fixed contract value repaid when a target is missed at its assessment.
public struct Clawback: Sendable, Equatable {
    public let id: String
    public let contractValue: Money
    public let sharePercent: Decimal
    /// The metric, the statistic of the participants compared with the target, and the target itself.
    public let outcome: OutcomeTest
    public let statistic: EffectLine.Statistic
    public let target: AmountCondition
    /// The period whose figures decide it, and whose run posts the repayment.
    public let assessedIn: String
    /// Whose participants' figure is assessed, and who repays.
    public let provider: String

    /// The repayment (a negative amount) when the figure misses the target; zero when it meets it.
    public func repayment(figure: Decimal?, rounding: RoundingRule) -> (amount: Money, note: String) {
        let currency = contractValue.currency
        guard let figure else { return (.zero(currency), "no figure to assess: nothing is repaid") }
        if target.matches(figure) {
            return (.zero(currency), "\(statistic.rawValue) \(figure) meets the target \(target.comparison.rawValue) \(target.value)")
        }
        let amount = (Money.zero(currency) - contractValue * (sharePercent / 100)).rounded(rounding)
        return (amount, "\(statistic.rawValue) \(figure) misses the target \(target.comparison.rawValue) \(target.value): "
                + "\(sharePercent)% of \(contractValue.plain) is repaid")
    }
}

/// Who pays: a payer is liable for the lines it names, and for its share of every other line.
public struct Payer: Sendable, Equatable {
    public let id: String
    public let lines: [String]
    public let sharePercent: Decimal?
}

extension [Payer] {
    /// Splits one line's amount among the payers liable for it. Named lines go wholly to their payer;
    /// other lines by share, each part rounded by `rounding` and the last payer taking what rounding
    /// left, so the parts always add up to the amount.
    public func split(_ amount: Money, line: String, rounding: RoundingRule) -> [(payer: String, amount: Money)] {
        if let owner = first(where: { $0.lines.contains(line) }) { return [(owner.id, amount)] }
        let sharing = filter { ($0.sharePercent ?? 0) > 0 }
        guard !sharing.isEmpty else { return [] }
        var parts: [(payer: String, amount: Money)] = []
        var left = amount
        for (index, payer) in sharing.enumerated() {
            let part = index == sharing.count - 1 ? left : (amount * (payer.sharePercent! / 100)).rounded(rounding)
            parts.append((payer.id, part))
            left -= part
        }
        return parts
    }
}
