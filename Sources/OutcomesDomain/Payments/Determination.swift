import Foundation

/// One group's figure, exactly: `total` over `count`. For a mean, the sum of the values over the
/// participants with a value; for a rate, the participants achieving the outcome over all of them.
public struct GroupFigure: Sendable, Equatable {
    public let participants: Int
    public let total: Decimal
    public let count: Int

    public init(participants: Int, total: Decimal, count: Int) {
        self.participants = participants
        self.total = total
        self.count = count
    }

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
}

extension Determination {
    /// The arithmetic in words, e.g. "treated 40/120 = ≈0.3333 against 52/130 = 0.4: improvement ≈16.6667 ≥ 10 …".
    public var arithmetic: String {
        func figure(_ group: GroupFigure?) -> String {
            guard let group else { return "none" }
            guard let value = group.value else { return "no values" }
            return group.count == 1 ? "\(value)" : "\(group.total)/\(group.count) = \(value)"
        }
        var parts: [String] = []
        let against: String = switch basis {
        case .baseline(let value): "baseline \(value)"
        default: "\(basis.stored.replacingOccurrences(of: "_", with: " ")) \(figure(comparison))"
        }
        parts.append("\(treated.participants) treated: \(figure(treated)) against \(against)")
        switch (improvement, finding) {
        case (nil, _): parts.append("nothing to measure")
        case (let value?, .belowThreshold): parts.append("improvement \(value) < threshold \(threshold ?? 0): nothing is paid")
        case (let value?, .targetMissed): parts.append("figure \(value) misses the target")
        case (let value?, _): parts.append((mechanism == .clawback ? "figure " : "improvement ") + "\(value)"
                                           + (threshold.map { " ≥ threshold \($0)" } ?? ""))
        }
        let currency = earned.currency
        for step in steps {
            let range = step.to.map { "\(step.from)–\($0)" } ?? "from \(step.from)"
            parts.append("\(range): \(step.units) × \(step.price.grouped)" + (scale == 1 ? "" : " × \(scale)")
                         + " = \(Money(step.amount.rounded(scale: currency.minorUnits + 2), currency).grouped)")
        }
        parts.append("earned \(earned.grouped)" + (payable == earned ? "" : ", payable \(payable.grouped)"))
        parts += reasons.map(\.text)
        return parts.joined(separator: "; ")
    }
}

extension Determination {
    /// The whole arithmetic as JSON (the `detail` column): decimals as strings, so nothing is rounded
    /// by a reader; keys sorted, so the same determination is always the same text.
    public var detailJSON: String {
        func figure(_ group: GroupFigure?) -> Any {
            guard let group else { return NSNull() }
            return ["participants": group.participants, "total": "\(group.total)", "count": group.count,
                    "value": group.value.map { "\($0.rounded(scale: 10))" } ?? NSNull()] as [String: Any]
        }
        var basisObject: [String: Any] = ["kind": basis.stored]
        if case .baseline(let value) = basis { basisObject["value"] = "\(value)" }
        let object: [String: Any] = [
            "mechanism": mechanism.rawValue, "cohort": cohort, "provider": provider, "finding": finding.rawValue,
            "treated": figure(treated), "comparison": figure(comparison), "basis": basisObject,
            "improvement": improvement.map { ["exact": $0.fraction, "printed": "\($0.rounded(scale: 4))", "is_exact": $0.isExact(scale: 4)] as [String: Any] } ?? NSNull(),
            "threshold": threshold.map { "\($0)" } ?? NSNull(),
            "steps": steps.map { step -> [String: Any] in
                ["from": "\(step.from)", "to": step.to.map { "\($0)" } ?? NSNull(), "units": step.units.fraction,
                 "price": step.price.plain, "amount": "\(step.amount.rounded(scale: 6))"]
            },
            "scale": scale, "earned": earned.plain, "payable": payable.plain, "currency": earned.currency.code,
            "reasons": reasons.map(\.text),
            "arithmetic": arithmetic,
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
