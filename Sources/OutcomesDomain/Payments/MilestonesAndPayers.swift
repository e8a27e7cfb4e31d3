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
    /// The metric, and the statistic of the participants compared with the target.
    public let outcome: OutcomeTest
    public let statistic: EffectLine.Statistic
    public let target: Target
    /// The period whose figures decide it, and whose run posts the repayment.
    public let assessedIn: String
    /// Whose participants' figure is assessed, and who repays.
    public let provider: String

    public enum Target: Sendable, Equatable {
        /// The figure itself meets a condition, e.g. `<= 0.05`.
        case figure(AmountCondition)
        /// The figure improves on a baseline by at least `atLeast` (percent or points, as for effect lines).
        case change(baseline: Decimal, better: EffectLine.Direction, improvement: EffectLine.Improvement, atLeast: Decimal)
    }

    /// The repayment (a negative amount) when the figure misses the target, zero when it meets it,
    /// with its determination.
    public func repayment(figure: GroupFigure?, rounding: RoundingRule) -> (amount: Money, determination: Determination) {
        let currency = contractValue.currency
        let value = figure?.value
        var measured: ExactRatio? = value
        var met = false
        var threshold: Decimal?
        if let value {
            switch target {
            case .figure(let condition):
                met = condition.matches(value)
                threshold = condition.value
            case .change(let baseline, let better, let improvement, let atLeast):
                let base = ExactRatio(baseline)
                let gain = better == .lower ? base - value : value - base
                measured = improvement == .relative ? (gain / base).map { $0 * ExactRatio(100) }
                    : statistic == .rate ? gain * ExactRatio(100) : gain
                met = measured.map { $0 >= ExactRatio(atLeast) } ?? false
                threshold = atLeast
            }
        }
        let due = measured != nil && !met
        let share = ExactRatio(contractValue.amount) * ExactRatio(sharePercent) * ExactRatio(Decimal(1), 100)
        let amount = due ? Money.rounding(-share, currency, rounding) : .zero(currency)
        let basis: ComparisonBasis = switch target {
        case .figure: .baseline(0)
        case .change(let baseline, _, _, _): .baseline(baseline)
        }
        let noParticipants = (figure?.participants ?? 0) == 0
        var determination = Determination(
            lineID: id, mechanism: .clawback, cohort: assessedIn, provider: provider,
            treated: figure ?? .empty, basis: basis, comparison: nil, improvement: measured, threshold: threshold,
            finding: noParticipants ? .noParticipants : measured == nil ? .notMeasurable : met ? .met : .targetMissed,
            steps: due ? [PricingStep(from: 0, to: nil, units: ExactRatio(sharePercent) * ExactRatio(Decimal(1), 100),
                                      price: contractValue, amount: -share)] : [],
            scale: 1, earned: amount, payable: amount, reasons: [])
        determination.condition = switch target {
        case .figure(let condition): condition
        case .change(_, _, _, let atLeast): AmountCondition(.greaterOrEqual, atLeast)
        }
        return (amount, determination)
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
