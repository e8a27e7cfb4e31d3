import Foundation

/// One group's figure, exactly: `total` over `count`. For a mean, the sum of the values over the
/// participants with a value; for a rate, the participants achieving the outcome over all of them.
///
/// A weighted group (a matched comparison group stored with MatchIt's weights) counts each member
/// by its weight: `total` is the sum of weight × value and `count` the sum of the weights, both in
/// units of 1/`weightDenominator` so that they stay whole numbers and the ratio stays exact.
public struct GroupFigure: Sendable, Equatable {
    public let participants: Int
    public let total: Decimal
    public let count: Int
    /// nil for an unweighted group; else the common denominator of its members' weights.
    public let weightDenominator: Int?

    public init(participants: Int, total: Decimal, count: Int, weightDenominator: Int? = nil) {
        self.participants = participants
        self.total = total
        self.count = count
        self.weightDenominator = weightDenominator
    }

    /// A group with no one in it.
    public static let empty = GroupFigure(participants: 0, total: 0, count: 0)

    /// A figure stated rather than counted (a baseline, or a figure given directly).
    public init(stated value: Decimal, participants: Int) {
        self.init(participants: participants, total: value, count: 1)
    }

    /// nil when no participant has a value.
    public var value: ExactRatio? { count == 0 ? nil : ExactRatio(total, Decimal(count)) }
}

/// What an effect-based, savings-share or clawback line was measured against.
public enum ComparisonBasis: Sendable, Equatable {
    /// Each provider's own control arm (randomized, recorded with the enrollments).
    case controlArm
    /// One control group shared by every provider, pooled.
    case sharedControlGroup
    /// A matched comparison group stored by `outcomes compare`.
    case matchedGroup
    case baseline(Decimal)

    public var stored: String {
        switch self {
        case .controlArm: "control_arm"
        case .sharedControlGroup: "shared_control_group"
        case .matchedGroup: "matched_group"
        case .baseline: "baseline"
        }
    }
}

/// One step of an amount's arithmetic: a tier's amount, or the units priced in one bracket.
public struct PricingStep: Sendable, Equatable {
    /// Where the tier or bracket starts and ends, in the improvement's units.
    public let from: Decimal
    public let to: Decimal?
    /// Units priced (1 for a tier), before the per-participant scale.
    public let units: ExactRatio
    public let price: Money
    /// price × units × scale, exactly.
    public let amount: ExactRatio
}

/// How one line was determined for one cohort and provider: the figures compared, the
/// improvement exactly and as printed, the threshold, the pricing arithmetic, the amounts and the
/// caps. Recorded with every run — those that pay nothing too — so that "cohort 1 improved 8.4%:
/// below the 10% threshold" is on record.
public struct Determination: Sendable, Equatable {
    public enum Mechanism: String, Sendable { case effect, savingsShare = "savings_share", clawback }

    public enum Finding: String, Sendable {
        /// The threshold (or target) is met, and the line pays what its pricing says.
        case met
        case belowThreshold = "below_threshold"
        /// No comparison figure, or a relative change from zero: nothing can be measured.
        case notMeasurable = "not_measurable"
        /// A clawback's target missed: a repayment is due.
        case targetMissed = "target_missed"
        /// The cohort has no participants: there is nothing to measure, and nothing is paid.
        case noParticipants = "no_participants"
    }

    public let lineID: String
    public let mechanism: Mechanism
    /// The reporting period, or `all periods` for all cohorts together.
    public let cohort: String
    public let provider: String
    public let treated: GroupFigure
    public let basis: ComparisonBasis
    public let comparison: GroupFigure?
    /// The improvement (effect), units avoided per participant (savings) or the figure assessed (clawback).
    public let improvement: ExactRatio?
    public let threshold: Decimal?
    public let finding: Finding
    public let steps: [PricingStep]
    /// Participants the amounts are scaled by (1 when the line is priced for the cohort).
    public let scale: Int
    public let earned: Money
    public let payable: Money
    /// Caps that cut it, and what the cohorts earned before an all-cohorts test.
    public let reasons: [PaymentReason]
    /// The test the figure was held to: `>= threshold` for an improvement, a clawback's target as
    /// written (e.g. `<= 0.05`); nil when there is none (a savings share).
    public var condition: AmountCondition? = nil
    /// For an effect measured on every provider's participants together: the pooled amounts and
    /// how they were split (this determination's `earned` and `payable` are its provider's share).
    public var split: PooledSplit? = nil
    /// The stored comparison runs (`evaluation.runs`) the matched group came from, by period.
    public var comparisonRuns: [String: Int] = [:]
}

extension AmountCondition.Comparison {
    /// The relation that holds when this one does not.
    public var negated: Self {
        switch self {
        case .greater: .lessOrEqual
        case .greaterOrEqual: .less
        case .less: .greaterOrEqual
        case .lessOrEqual: .greater
        case .equal: .notEqual
        case .notEqual: .equal
        }
    }

    /// As printed between a figure and its threshold.
    public var symbol: String {
        switch self {
        case .greater: ">"
        case .greaterOrEqual: "≥"
        case .less: "<"
        case .lessOrEqual: "≤"
        case .equal: "="
        case .notEqual: "≠"
        }
    }
}

extension Determination {
    /// How the figure stands against the threshold or target, following the condition's own
    /// operator: the operator when the condition holds, its negation when it does not — what the
    /// arithmetic prints between them (a `<=` target met reads "≤", never "≥").
    public var relation: AmountCondition.Comparison? {
        guard let condition, let improvement else { return nil }
        return condition.matches(improvement) ? condition.comparison : condition.comparison.negated
    }
}

extension Determination {
    /// The arithmetic in words, e.g. "treated 40/120 = ≈0.3333 against 52/130 = 0.4: improvement ≈16.6667 ≥ threshold 10 …".
    public var arithmetic: String {
        func figure(_ group: GroupFigure?) -> String {
            guard let group else { return "none" }
            guard let value = group.value else { return "no values" }
            if let denominator = group.weightDenominator {
                return "weighted \(group.total)/\(group.count) = \(value)" + (denominator == 1 ? "" : " (weights in 1/\(denominator))")
            }
            return group.count == 1 ? "\(value)" : "\(group.total)/\(group.count) = \(value)"
        }
        var parts: [String] = []
        let against: String = switch basis {
        case .baseline(let value): "baseline \(value)"
        default: "\(basis.stored.replacingOccurrences(of: "_", with: " ")) \(figure(comparison))"
        }
        if split != nil { parts.append("all providers' participants together") }
        parts.append("\(treated.participants) treated: \(figure(treated)) against \(against)")
        if !comparisonRuns.isEmpty {
            parts.append("matched group of comparison run " + comparisonRuns.sorted { $0.key < $1.key }.map { "\($0.value) (\($0.key))" }
                .joined(separator: ", "))
        }
        let measured = mechanism == .clawback ? "figure" : "improvement"
        let bound = mechanism == .clawback ? "target" : "threshold"
        switch (improvement, finding) {
        case (_, .noParticipants): parts.append("no participants: nothing to measure, nothing is paid")
        case (nil, _): parts.append("nothing to measure")
        case (let value?, _):
            var text = "\(measured) \(value)"
            if let relation, let condition { text += " \(relation.symbol) \(bound) \(condition.value)" }
            switch finding {
            case .belowThreshold: text += ": nothing is paid"
            case .targetMissed: text += ": misses the target"
            default: break
            }
            parts.append(text)
        }
        let currency = earned.currency
        for step in steps {
            let range = step.to.map { "\(step.from)–\($0)" } ?? "from \(step.from)"
            parts.append("\(range): \(step.units) × \(step.price.grouped)" + (scale == 1 ? "" : " × \(scale)")
                         + " = \(Money(step.amount.rounded(scale: currency.minorUnits + 2), currency).grouped)")
        }
        if let split {
            parts.append("earned \(split.earned.grouped)" + (split.payable == split.earned ? "" : ", payable \(split.payable.grouped)")
                         + " for all providers together")
            parts += reasons.map(\.text)
            parts.append(split.text)
            parts.append("\(provider.isEmpty ? "no provider" : provider)'s share: earned \(earned.grouped)"
                         + (payable == earned ? "" : ", payable \(payable.grouped)"))
            return parts.joined(separator: "; ")
        }
        parts.append("earned \(earned.grouped)" + (payable == earned ? "" : ", payable \(payable.grouped)"))
        parts += reasons.map(\.text)
        return parts.joined(separator: "; ")
    }
}

extension Determination {
    /// The cohort label of all periods together.
    public static let allPeriods = "all periods"

    /// The determination with the stored comparison runs its matched group came from (those of its
    /// period, or of every period for all cohorts together), when the line compares with one.
    func citing(_ runs: [String: Int], _ comparison: EffectLine.Comparison) -> Determination {
        guard comparison == .matchedGroup, !runs.isEmpty else { return self }
        var cited = self
        cited.comparisonRuns = cohort == Self.allPeriods ? runs : runs.filter { $0.key == cohort }
        return cited
    }
}
