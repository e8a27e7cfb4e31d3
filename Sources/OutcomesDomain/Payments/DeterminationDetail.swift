import Foundation

/// A determination's whole arithmetic as stored in the `detail` column of `payments.determinations`
/// (jsonb, inside the run's seal): decimals as exact strings, so nothing is rounded by a reader;
/// a `null` where a figure is missing, and `condition`, `split` and `comparison_runs` only where
/// the determination has them. Sealed runs hold this jsonb: its keys and values do not change
/// (`StoredJSONTests` holds it to the text written before it was a type).
public struct DeterminationDetail: Codable, Sendable, Equatable {
    /// One group's figure: `total` over `count` (in 1/`weightDenominator` when weighted).
    public struct Figure: Codable, Sendable, Equatable {
        public var participants: Int
        public var total: DecimalString
        public var count: Int
        /// The ratio to 10 decimals; nil when no participant has a value.
        public var value: DecimalString?
        public var weightDenominator: Int?
    }

    public struct Basis: Codable, Sendable, Equatable {
        /// `control_arm`, `shared_control_group`, `matched_group` or `baseline`.
        public var kind: String
        /// The baseline's value.
        public var value: DecimalString?
    }

    public struct Improvement: Codable, Sendable, Equatable {
        /// Exactly, as a fraction (`100/3`).
        public var exact: String
        /// To 4 decimals, as printed.
        public var printed: DecimalString
        public var isExact: Bool
    }

    public struct Step: Codable, Sendable, Equatable {
        public var from: DecimalString
        public var to: DecimalString?
        /// Exactly, as a fraction.
        public var units: String
        /// As `Money.plain` writes it.
        public var price: String
        /// To 6 decimals.
        public var amount: DecimalString
    }

    public struct Condition: Codable, Sendable, Equatable {
        public var comparison: AmountCondition.Comparison
        public var value: DecimalString
        public var relation: AmountCondition.Comparison?
    }

    /// A pooled cohort's amounts and their split among its providers (amounts as `Money.plain`).
    public struct Split: Codable, Sendable, Equatable {
        public struct Share: Codable, Sendable, Equatable {
            public var provider: String
            public var participants: Int
            public var earned: String
            public var payable: String
        }

        public var rule: String
        public var earned: String
        public var payable: String
        public var shares: [Share]
    }

    public var mechanism: Determination.Mechanism
    public var cohort: String
    public var provider: String
    public var finding: Determination.Finding
    public var treated: Figure
    public var comparison: Figure?
    public var basis: Basis
    public var improvement: Improvement?
    public var threshold: DecimalString?
    public var steps: [Step]
    public var scale: Int
    /// Amounts as `Money.plain` writes them, in `currency`.
    public var earned: String
    public var payable: String
    public var currency: String
    public var reasons: [String]
    public var arithmetic: String
    public var condition: Condition?
    public var split: Split?
    /// Stored comparison runs by period; nil when the line compares with none.
    public var comparisonRuns: [String: Int]?
}

extension Determination.Mechanism: Codable {}
extension Determination.Finding: Codable {}
extension AmountCondition.Comparison: Codable {}

// Keys in snake case; a value that may be missing is written as null (`encode`) or left out
// (`encodeIfPresent`) exactly as before.
extension DeterminationDetail {
    enum CodingKeys: String, CodingKey {
        case mechanism, cohort, provider, finding, treated, comparison, basis, improvement, threshold, steps, scale, earned, payable,
             currency, reasons, arithmetic, condition, split
        case comparisonRuns = "comparison_runs"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mechanism, forKey: .mechanism)
        try container.encode(cohort, forKey: .cohort)
        try container.encode(provider, forKey: .provider)
        try container.encode(finding, forKey: .finding)
        try container.encode(treated, forKey: .treated)
        try container.encode(comparison, forKey: .comparison)
        try container.encode(basis, forKey: .basis)
        try container.encode(improvement, forKey: .improvement)
        try container.encode(threshold, forKey: .threshold)
        try container.encode(steps, forKey: .steps)
        try container.encode(scale, forKey: .scale)
        try container.encode(earned, forKey: .earned)
        try container.encode(payable, forKey: .payable)
        try container.encode(currency, forKey: .currency)
        try container.encode(reasons, forKey: .reasons)
        try container.encode(arithmetic, forKey: .arithmetic)
        try container.encodeIfPresent(condition, forKey: .condition)
        try container.encodeIfPresent(split, forKey: .split)
        try container.encodeIfPresent(comparisonRuns, forKey: .comparisonRuns)
    }
}

extension DeterminationDetail.Figure {
    enum CodingKeys: String, CodingKey {
        case participants, total, count, value
        case weightDenominator = "weight_denominator"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(participants, forKey: .participants)
        try container.encode(total, forKey: .total)
        try container.encode(count, forKey: .count)
        try container.encode(value, forKey: .value)
        try container.encodeIfPresent(weightDenominator, forKey: .weightDenominator)
    }
}

extension DeterminationDetail.Improvement {
    enum CodingKeys: String, CodingKey {
        case exact, printed
        case isExact = "is_exact"
    }
}

extension DeterminationDetail.Step {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(units, forKey: .units)
        try container.encode(price, forKey: .price)
        try container.encode(amount, forKey: .amount)
    }
}

extension DeterminationDetail.Condition {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(comparison, forKey: .comparison)
        try container.encode(value, forKey: .value)
        try container.encode(relation, forKey: .relation)
    }
}

extension Determination {
    /// The whole arithmetic as the `detail` column stores it.
    public var detail: DeterminationDetail {
        func figure(_ group: GroupFigure) -> DeterminationDetail.Figure {
            .init(participants: group.participants, total: DecimalString(group.total), count: group.count,
                  value: group.value.map { DecimalString($0.rounded(scale: 10)) }, weightDenominator: group.weightDenominator)
        }
        let baseline: Decimal? = if case .baseline(let value) = basis { value } else { nil }
        return DeterminationDetail(
            mechanism: mechanism, cohort: cohort, provider: provider, finding: finding, treated: figure(treated),
            comparison: comparison.map(figure), basis: .init(kind: basis.stored, value: baseline.map(DecimalString.init)),
            improvement: improvement.map { .init(exact: $0.fraction, printed: DecimalString($0.rounded(scale: 4)), isExact: $0.isExact(scale: 4)) },
            threshold: threshold.map(DecimalString.init),
            steps: steps.map { step in
                .init(from: DecimalString(step.from), to: step.to.map(DecimalString.init), units: step.units.fraction, price: step.price.plain,
                      amount: DecimalString(step.amount.rounded(scale: 6)))
            },
            scale: scale, earned: earned.plain, payable: payable.plain, currency: earned.currency.code, reasons: reasons.map(\.text),
            arithmetic: arithmetic,
            condition: condition.map { .init(comparison: $0.comparison, value: DecimalString($0.value), relation: relation) },
            split: split.map(\.detail), comparisonRuns: comparisonRuns.isEmpty ? nil : comparisonRuns)
    }
}

extension PooledSplit {
    var detail: DeterminationDetail.Split {
        .init(rule: rule.stored, earned: earned.plain, payable: payable.plain,
              shares: shares.map { .init(provider: $0.provider, participants: $0.participants, earned: $0.earned.plain, payable: $0.payable.plain) })
    }
}
