import Foundation

/// A payment for the improvement of participants over a comparison figure — a randomized control
/// arm, a matched comparison group, or a baseline stated in the contract. Nothing is paid below
/// the threshold (the cliff is exact); above it the improvement is priced by a tier table or per
/// whole unit (percentage point, or unit of the metric) within brackets, up to a cap. Cohorts
/// (reporting periods) are tested one by one and, optionally, all together with their own threshold.
public struct EffectLine: Sendable, Equatable {
    public let id: String
    /// The metric compared, and (for rates) when a participant's value counts as the outcome.
    public let outcome: OutcomeTest
    public let statistic: Statistic
    public let better: Direction
    public let improvement: Improvement
    public let comparison: Comparison
    /// The smallest improvement that pays, in the improvement's units (percent, points, metric units).
    public let threshold: Decimal
    public let pricing: Pricing
    /// Tier amounts and point prices are per treated participant rather than for the cohort.
    public let perParticipant: Bool
    public let cap: Money?
    /// A threshold for all cohorts together; what it pays beyond the cohorts' own payments is paid at the end.
    public let overallThreshold: Decimal?

    /// The participants' figure compared: the mean of their values, or the share achieving the outcome.
    public enum Statistic: String, Sendable, CaseIterable { case mean, rate }
    public enum Direction: String, Sendable, CaseIterable { case lower, higher }
    /// `relative`: percent of the comparison figure; `absolute`: the difference, in percentage
    /// points for rates and in the metric's units for means.
    public enum Improvement: String, Sendable, CaseIterable { case relative, absolute }

    public enum Comparison: Sendable, Equatable {
        /// The control arm recorded with the enrollments (randomized designs), or a matched group.
        case comparisonGroup
        case baseline(Decimal)
    }

    public enum Pricing: Sendable, Equatable {
        /// The amount of the highest tier whose `from` the improvement reaches.
        case tiers([Tier])
        /// A price per whole unit of improvement in each bracket, counted from the bracket's `from`.
        case perUnit([Bracket])
    }

    public struct Tier: Sendable, Equatable {
        public let from: Decimal
        public let amount: Money
    }

    public struct Bracket: Sendable, Equatable {
        public let from: Decimal
        public let to: Decimal?
        public let price: Money
    }
}

/// The figures of one cohort: the treated participants' statistic and the comparison figure.
public struct EffectFigures: Sendable, Equatable {
    public let cohort: String
    /// Who is paid for it (a provider); the overall test of a group subtracts that group's cohorts.
    public let group: String
    public let treatedParticipants: Int
    public let treated: Decimal
    /// The comparison group's statistic; ignored when the line compares with a baseline.
    public let comparison: Decimal?

    public init(cohort: String, group: String = "", treatedParticipants: Int, treated: Decimal, comparison: Decimal?) {
        self.cohort = cohort
        self.group = group
        self.treatedParticipants = treatedParticipants
        self.treated = treated
        self.comparison = comparison
    }
}

/// What an effect line pays for one cohort (or, for `overall`, for all cohorts together).
public struct EffectPayment: Sendable, Equatable {
    public let lineID: String
    public let cohort: String
    public var group: String = ""
    /// nil when it cannot be computed (no comparison figure, or a relative change from zero).
    public let improvement: Decimal?
    public let earned: Money
    public let payable: Money
    public let notes: [String]
}

extension EffectLine {
    /// The improvement in the line's units; nil when there is nothing to compare with.
    public func improvement(of figures: EffectFigures) -> Decimal? {
        let reference: Decimal
        switch comparison {
        case .baseline(let value): reference = value
        case .comparisonGroup:
            guard let value = figures.comparison else { return nil }
            reference = value
        }
        let gain = better == .lower ? reference - figures.treated : figures.treated - reference
        switch improvement {
        case .relative:
            guard reference != 0 else { return nil }
            return gain / reference * 100
        case .absolute:
            return statistic == .rate ? gain * 100 : gain
        }
    }

    /// The amount an improvement earns before the cap (zero below `threshold`).
    func earned(for improvement: Decimal, threshold: Decimal, participants: Int, currency: Currency) -> Money {
        guard improvement >= threshold else { return .zero(currency) }
        let scale = perParticipant ? Decimal(participants) : 1
        switch pricing {
        case .tiers(let tiers):
            guard let tier = tiers.last(where: { improvement >= $0.from }) else { return .zero(currency) }
            return tier.amount * scale
        case .perUnit(let brackets):
            // Whole units only: 12.9 points pay for 12.
            var units = improvement, whole = Decimal()
            NSDecimalRound(&whole, &units, 0, .down)
            return brackets.reduce(Money.zero(currency)) { total, bracket in
                let top = bracket.to.map { Swift.min($0, whole) } ?? whole
                return top > bracket.from ? total + bracket.price * (top - bracket.from) * scale : total
            }
        }
    }

    /// Each cohort tested on its own, then (with an overall threshold) all together: the overall
    /// test pays what it earns beyond the cohorts' payments. Payable amounts respect the cap over all.
    public func payments(cohorts: [EffectFigures], overall: EffectFigures?, currency: Currency, rounding: RoundingRule)
        -> [EffectPayment]
    {
        payments(cohorts: cohorts, overall: overall.map { [$0] } ?? [], currency: currency, rounding: rounding)
    }

    /// Cohorts of several groups (providers), in the order the cap is shared out — period by
    /// period — then each group's overall test, which subtracts what that group's cohorts earned.
    public func payments(cohorts: [EffectFigures], overall: [EffectFigures], currency: Currency, rounding: RoundingRule)
        -> [EffectPayment]
    {
        var paid = Money.zero(currency)
        var result: [EffectPayment] = []
        func settle(_ figures: EffectFigures, threshold: Decimal, alreadyEarned: Money, label: String) {
            var notes: [String] = []
            guard let improvement = improvement(of: figures) else {
                result.append(EffectPayment(lineID: id, cohort: label, group: figures.group, improvement: nil, earned: .zero(currency),
                                            payable: .zero(currency), notes: ["no comparison figure to measure an improvement against"]))
                return
            }
            var earned = self.earned(for: improvement, threshold: threshold, participants: figures.treatedParticipants,
                                     currency: currency).rounded(rounding)
            if improvement < threshold {
                notes.append("improvement \(improvement.rounded(scale: 2)) is below the threshold \(threshold): nothing is paid")
            }
            if !alreadyEarned.isZero {
                notes.append("less \(alreadyEarned.plain) earned by the cohorts")
                earned = (earned - alreadyEarned).clampedAtZero
            }
            var payable = earned
            if let cap, cap - paid < payable {
                payable = (cap - paid).clampedAtZero
                notes.append("cap \(cap.plain) reached: pays \(payable.plain) of \(earned.plain)")
            }
            paid += payable
            result.append(EffectPayment(lineID: id, cohort: label, group: figures.group, improvement: improvement, earned: earned,
                                        payable: payable, notes: notes))
        }
        for figures in cohorts { settle(figures, threshold: threshold, alreadyEarned: .zero(currency), label: figures.cohort) }
        if let overallThreshold {
            let cohortsEarned = result.reduce(into: [String: Money]()) { $0[$1.group, default: .zero(currency)] += $1.earned }
            for figures in overall {
                settle(figures, threshold: overallThreshold, alreadyEarned: cohortsEarned[figures.group] ?? .zero(currency),
                       label: figures.cohort)
            }
        }
        return result
    }
}
