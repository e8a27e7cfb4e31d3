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
    /// Each provider's effect paid to it, or all providers' participants together paid once and split.
    public var measured: Measured = .perProvider

    /// The participants' figure compared: the mean of their values, or the share achieving the outcome.
    public enum Statistic: String, Sendable, CaseIterable { case mean, rate }
    public enum Direction: String, Sendable, CaseIterable { case lower, higher }
    /// `relative`: percent of the comparison figure; `absolute`: the difference, in percentage
    /// points for rates and in the metric's units for means.
    public enum Improvement: String, Sendable, CaseIterable { case relative, absolute }

    public enum Comparison: Sendable, Equatable {
        /// Each provider's own control arm, recorded with the enrollments (randomized designs).
        case comparisonGroup
        /// One control group shared by every provider: each provider's participants are compared
        /// with all of it (a per-provider effect; `measured: pooled` measures them together instead).
        case sharedControlGroup
        /// A matched comparison group stored by `outcomes compare --store-comparison`.
        case matchedGroup
        case baseline(Decimal)

        public var basis: ComparisonBasis {
            switch self {
            case .comparisonGroup: .controlArm
            case .sharedControlGroup: .sharedControlGroup
            case .matchedGroup: .matchedGroup
            case .baseline(let value): .baseline(value)
            }
        }

        /// Compared with the contract's randomized control arm (its metrics computed as `<id>@control`).
        public var usesControlArm: Bool { self == .comparisonGroup || self == .sharedControlGroup }
    }

    public enum Pricing: Sendable, Equatable {
        /// The amount of the highest tier whose `from` the improvement reaches.
        case tiers([Tier])
        /// A price per unit of improvement in each bracket.
        case perUnit(PerUnit)
    }

    /// Brackets of a price per unit, with how units are counted — stated in the file.
    public struct PerUnit: Sendable, Equatable {
        /// `whole`: 12.9 points pay for 12; `fractional`: for 12.9 (a price per reconviction avoided).
        public enum Units: String, Sendable, CaseIterable { case whole, fractional }
        /// `bracket_start`: each bracket pays the units above its own `from`; `zero`: the lowest
        /// bracket pays from zero, so once the threshold is met every unit of improvement pays.
        public enum CountedFrom: String, Sendable, CaseIterable { case bracketStart = "bracket_start", zero }

        public let brackets: [Bracket]
        public let units: Units
        public let countedFrom: CountedFrom

        public init(brackets: [Bracket], units: Units = .whole, countedFrom: CountedFrom = .bracketStart) {
            self.brackets = brackets
            self.units = units
            self.countedFrom = countedFrom
        }
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

/// The figures of one cohort: the treated participants' figure and the comparison's, exactly.
public struct EffectFigures: Sendable, Equatable {
    public let cohort: String
    /// Who is paid for it (a provider); the overall test of a group subtracts that group's cohorts.
    public let group: String
    public let treated: GroupFigure
    /// The comparison group's figure; ignored when the line compares with a baseline.
    public let comparison: GroupFigure?
    /// For a pooled cohort (every provider's participants together, `group` ""): each provider's participants in it.
    public var participantsByProvider: [String: Int] = [:]

    public init(cohort: String, group: String = "", treated: GroupFigure, comparison: GroupFigure?, participantsByProvider: [String: Int] = [:]) {
        self.cohort = cohort
        self.group = group
        self.treated = treated
        self.comparison = comparison
        self.participantsByProvider = participantsByProvider
    }

    /// The same cohort with another treated figure (a scenario's moved or scaled figures).
    public func with(treated: GroupFigure, participantsByProvider: [String: Int]? = nil) -> EffectFigures {
        EffectFigures(cohort: cohort, group: group, treated: treated, comparison: comparison,
                      participantsByProvider: participantsByProvider ?? self.participantsByProvider)
    }

    /// Figures given directly (in tests and hand-worked examples): each is one stated value.
    public init(cohort: String, group: String = "", treatedParticipants: Int, treated: Decimal, comparison: Decimal?) {
        self.init(cohort: cohort, group: group, treated: GroupFigure(stated: treated, participants: treatedParticipants),
                  comparison: comparison.map { GroupFigure(stated: $0, participants: 0) })
    }

    public var treatedParticipants: Int { treated.participants }
}

/// What an effect line pays for one cohort (or, for `overall`, for all cohorts together).
public struct EffectPayment: Sendable, Equatable {
    public let lineID: String
    public let cohort: String
    public var group: String = ""
    /// nil when it cannot be computed (no comparison figure, or a relative change from zero).
    public let improvement: ExactRatio?
    public let earned: Money
    public let payable: Money
    public let determination: Determination

    /// What a ledger line records: the determination it rests on, and the caps that cut it.
    public var reasons: [PaymentReason] { [.determination(cohort: cohort)] + determination.reasons }
}

extension EffectLine {
    /// The comparison figure, exactly: the baseline, or the comparison group's.
    func reference(_ figures: EffectFigures) -> ExactRatio? {
        switch comparison {
        case .baseline(let value): ExactRatio(value)
        default: figures.comparison?.value
        }
    }

    /// The improvement in the line's units, exactly; nil when there is nothing to compare with.
    public func improvement(of figures: EffectFigures) -> ExactRatio? {
        guard let reference = reference(figures), let treated = figures.treated.value else { return nil }
        let gain = better == .lower ? reference - treated : treated - reference
        switch improvement {
        case .relative: return (gain / reference).map { $0 * ExactRatio(100) }
        case .absolute: return statistic == .rate ? gain * ExactRatio(100) : gain
        }
    }

    /// The pricing arithmetic of an improvement at or above the threshold: the tier reached, or
    /// the units priced in each bracket; each step's amount is exact (rounded once, by the caller).
    func steps(for improvement: ExactRatio, scale: Int) -> [PricingStep] {
        let scaled = ExactRatio(scale)
        switch pricing {
        case .tiers(let tiers):
            guard let index = tiers.lastIndex(where: { improvement >= ExactRatio($0.from) }) else { return [] }
            let tier = tiers[index]
            return [PricingStep(from: tier.from, to: index + 1 < tiers.count ? tiers[index + 1].from : nil, units: ExactRatio(1),
                                price: tier.amount, amount: ExactRatio(tier.amount.amount) * scaled)]
        case .perUnit(let rule):
            let units = rule.units == .whole ? ExactRatio(improvement.floor) : improvement
            return rule.brackets.enumerated().compactMap { index, bracket in
                let start = ExactRatio(rule.countedFrom == .zero && index == 0 ? 0 : bracket.from)
                let top = bracket.to.map { ExactRatio.min(ExactRatio($0), units) } ?? units
                guard top > start else { return nil }
                let priced = top - start
                return PricingStep(from: rule.countedFrom == .zero && index == 0 ? 0 : bracket.from, to: bracket.to, units: priced,
                                   price: bracket.price, amount: priced * ExactRatio(bracket.price.amount) * scaled)
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
    /// A cohort without participants is a determination too (`no_participants`, paying nothing).
    /// A pooled line's cohorts (every provider's participants together) are settled once, the cap
    /// on the pooled amounts, and then split among the providers.
    public func payments(cohorts: [EffectFigures], overall: [EffectFigures], currency: Currency, rounding: RoundingRule)
        -> [EffectPayment]
    {
        var paid = Money.zero(currency)
        var result: [EffectPayment] = []
        func settle(_ figures: EffectFigures, threshold: Decimal, alreadyEarned: Money) {
            let noParticipants = figures.treatedParticipants == 0
            let improvement = noParticipants ? nil : improvement(of: figures)
            let scale = perParticipant ? figures.treatedParticipants : 1
            let met = improvement.map { $0 >= ExactRatio(threshold) } ?? false
            let steps = met ? self.steps(for: improvement!, scale: scale) : []
            let exact = steps.reduce(ExactRatio.zero) { $0 + $1.amount }
            var earned = Money.rounding(exact, currency, rounding)
            var reasons: [PaymentReason] = []
            if !alreadyEarned.isZero {
                reasons.append(.lessEarnedByCohorts(alreadyEarned))
                earned = (earned - alreadyEarned).clampedAtZero
            }
            var payable = earned
            if let cap, cap - paid < payable {
                payable = (cap - paid).clampedAtZero
                reasons.append(.cap(.line(id), cap: cap, payable: payable, before: earned))
            }
            paid += payable
            let finding: Determination.Finding = noParticipants ? .noParticipants : improvement == nil ? .notMeasurable : met ? .met : .belowThreshold
            var determination = Determination(
                lineID: id, mechanism: .effect, cohort: figures.cohort, provider: figures.group, treated: figures.treated,
                basis: comparison.basis, comparison: figures.comparison, improvement: improvement, threshold: threshold,
                finding: finding, steps: steps, scale: scale, earned: earned, payable: payable, reasons: reasons)
            determination.condition = AmountCondition(.greaterOrEqual, threshold)
            result.append(EffectPayment(lineID: id, cohort: figures.cohort, group: figures.group, improvement: improvement,
                                        earned: earned, payable: payable, determination: determination))
        }
        for figures in cohorts { settle(figures, threshold: threshold, alreadyEarned: .zero(currency)) }
        if let overallThreshold {
            let cohortsEarned = result.reduce(into: [String: Money]()) { $0[$1.group, default: .zero(currency)] += $1.earned }
            for figures in overall {
                settle(figures, threshold: overallThreshold, alreadyEarned: cohortsEarned[figures.group] ?? .zero(currency))
            }
        }
        guard case .pooled(let rule) = measured else { return result }
        let participants = Dictionary((cohorts + overall).map { ($0.cohort, $0.participantsByProvider) }, uniquingKeysWith: { a, _ in a })
        return result.flatMap { split($0, rule: rule, participants: participants[$0.cohort] ?? [:]) }
    }

    /// A pooled payment as its providers' shares, each with the pooled determination, its share
    /// and the whole split; one determination for no provider when nobody shares (no participants).
    func split(_ pooled: EffectPayment, rule: Split, participants: [String: Int]) -> [EffectPayment] {
        let split = PooledSplit.of(earned: pooled.earned, payable: pooled.payable, rule: rule, participants: participants)
        let shares = split.shares.isEmpty
            ? [PooledSplit.Share(provider: "", participants: 0, earned: pooled.earned, payable: pooled.payable)] : split.shares
        return shares.map { share in
            let d = pooled.determination
            var determination = Determination(
                lineID: d.lineID, mechanism: d.mechanism, cohort: d.cohort, provider: share.provider, treated: d.treated, basis: d.basis,
                comparison: d.comparison, improvement: d.improvement, threshold: d.threshold, finding: d.finding, steps: d.steps,
                scale: d.scale, earned: share.earned, payable: share.payable, reasons: d.reasons)
            determination.condition = d.condition
            determination.split = split
            return EffectPayment(lineID: pooled.lineID, cohort: pooled.cohort, group: share.provider, improvement: pooled.improvement,
                                 earned: share.earned, payable: share.payable, determination: determination)
        }
    }
}
