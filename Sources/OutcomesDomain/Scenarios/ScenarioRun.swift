import Foundation
import OutcomesStatistics

/// A scenario evaluated for every provider and all of them together, and for each variant.
public struct ScenarioRun: Sendable {
    /// A resolved effect for one group: the stated or stored estimate and standard error.
    public struct ResolvedEffect: Sendable, Equatable {
        public var outcome: String
        public var estimate: Double
        public var standardError: Double
        public init(outcome: String, estimate: Double, standardError: Double) {
            (self.outcome, self.estimate, self.standardError) = (outcome, estimate, standardError)
        }
    }

    public struct Summary: Sendable, Equatable {
        /// Mean of the draws, per participant.
        public var meanBenefits: [ScenarioDefinition.Perspective: Double]
        public var meanCost: Double
        /// Share of draws in which benefits exceed costs.
        public var chanceBenefitsExceedCosts: Double
        public var netP5: Double
        public var netP50: Double
        public var netP95: Double
        public var draws: Int
        /// Every draw's benefits minus costs, in order (for the distribution's chart).
        public var nets: [Double]
    }

    public struct GroupResult: Sendable {
        /// nil: all providers.
        public var group: String?
        public var model: BenefitCost
        public var expected: BenefitCost.Figures
        public var simulated: Summary
        public var tornado: [BenefitCost.Swing]
        public var breakEvenScale: Double?
    }

    public struct VariantResult: Sendable {
        public var name: String
        public var expected: BenefitCost.Figures
        public var simulated: Summary
    }

    public let definition: ScenarioDefinition
    public let groups: [GroupResult]
    /// Each variant, for all providers together.
    public let variants: [VariantResult]

    /// `effects`: per group (nil: all providers), the resolved effects.
    public init(_ definition: ScenarioDefinition, effects: [String?: [ResolvedEffect]]) {
        self.definition = definition
        let stream = MonteCarloStream(seed: definition.seed)
        func model(_ resolved: [ResolvedEffect]) -> BenefitCost {
            BenefitCost(
                effects: resolved.map { effect in
                    let declared = definition.effects.first { $0.outcome == effect.outcome }!
                    return BenefitCost.Effect(outcome: effect.outcome, estimate: effect.estimate, standardError: effect.standardError,
                                              decay: declared.decay, years: declared.years)
                },
                values: definition.unitValues.map { value in
                    BenefitCost.Value(outcome: value.outcome, perspective: value.perspective,
                                      value: Self.scaled(value.value, definition.inBaseYear(1, of: value.year)))
                },
                cost: Self.scaled(definition.costPerParticipant, definition.inBaseYear(1, of: definition.costYear)),
                discountRate: definition.discountRate, horizon: definition.horizon, timing: definition.timing,
                deadweight: definition.deadweight)
        }
        let order = effects.keys.sorted { ($0 ?? "") < ($1 ?? "") }
        groups = order.map { group in
            let bc = model(effects[group]!)
            return GroupResult(group: group, model: bc, expected: bc.expected, simulated: Self.summarize(bc.simulate(draws: definition.draws, stream: stream)),
                               tornado: bc.tornado(), breakEvenScale: bc.breakEvenScale)
        }
        let overall = effects[nil] ?? effects.values.first ?? []
        variants = definition.variants.map { variant in
            var bc = model(overall.map { effect in
                var changed = effect
                (changed.estimate, changed.standardError) = variant.effect(estimate: effect.estimate, standardError: effect.standardError)
                return changed
            })
            if let cost = variant.costPerParticipant {
                bc.cost = .fixed(definition.inBaseYear(cost, of: definition.costYear))
            }
            if let rate = variant.discountRate { bc.discountRate = .fixed(rate) }
            if let horizon = variant.horizon { bc.horizon = horizon }
            return VariantResult(name: variant.name, expected: bc.expected, simulated: Self.summarize(bc.simulate(draws: definition.draws, stream: stream)))
        }
    }

    static func scaled(_ distribution: Distribution, _ factor: Double) -> Distribution {
        switch distribution {
        case .fixed(let v): .fixed(v * factor)
        case .normal(let mean, let sd): .normal(mean: mean * factor, sd: sd * factor)
        case .uniform(let low, let high): .uniform(low: low * factor, high: high * factor)
        case .triangular(let low, let mode, let high): .triangular(low: low * factor, mode: mode * factor, high: high * factor)
        }
    }

    static func summarize(_ draws: [BenefitCost.Figures]) -> Summary {
        let n = Double(draws.count)
        var benefits: [ScenarioDefinition.Perspective: Double] = [:]
        for perspective in ScenarioDefinition.Perspective.allCases {
            benefits[perspective] = draws.reduce(0) { $0 + ($1.benefits[perspective] ?? 0) } / n
        }
        let nets = draws.map(\.net).sorted()
        return Summary(meanBenefits: benefits, meanCost: draws.reduce(0) { $0 + $1.cost } / n,
                       chanceBenefitsExceedCosts: Double(draws.filter { $0.net > 0 }.count) / n,
                       netP5: Percentiles.of(sorted: nets, 0.05), netP50: Percentiles.of(sorted: nets, 0.5),
                       netP95: Percentiles.of(sorted: nets, 0.95), draws: draws.count, nets: nets)
    }
}

/// A row of the WSIPP-shaped table, per participant, in cents: each perspective and the cost
/// rounded once (half-even), the rest derived from them so the identities hold exactly as printed —
/// total = sum of perspectives, benefits minus costs = total − cost, ratio = total / cost.
public struct BenefitCostRow: Sendable, Equatable {
    public let benefits: [ScenarioDefinition.Perspective: Decimal]
    public let cost: Decimal
    public var total: Decimal { ScenarioDefinition.Perspective.allCases.reduce(Decimal(0)) { $0 + (benefits[$1] ?? 0) } }
    public var net: Decimal { total - cost }
    /// Benefits per dollar of cost, to the cent; nil for a program that costs nothing.
    public var ratio: Decimal? { cost > 0 ? (total / cost).rounded(scale: 2) : nil }

    public init(_ figures: BenefitCost.Figures) {
        benefits = Dictionary(uniqueKeysWithValues: ScenarioDefinition.Perspective.allCases.map { ($0, Decimal(figures.benefits[$0] ?? 0).rounded(scale: 2)) })
        cost = Decimal(figures.cost).rounded(scale: 2)
    }
}
