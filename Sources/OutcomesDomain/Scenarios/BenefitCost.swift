import Foundation
import OutcomesStatistics

/// The benefit-cost arithmetic of one group of participants (a provider, or all): present values
/// per participant by perspective, the program's cost, and what uncertainty does to them.
public struct BenefitCost: Sendable {
    /// One effect, resolved: units of its outcome per participant in the first year.
    public struct Effect: Sendable, Equatable {
        public var outcome: String
        public var estimate: Double
        public var standardError: Double
        public var decay: Double
        public var years: Int?
        public init(outcome: String, estimate: Double, standardError: Double, decay: Double, years: Int?) {
            (self.outcome, self.estimate, self.standardError, self.decay, self.years) = (outcome, estimate, standardError, decay, years)
        }
    }

    /// One unit value in base-year dollars.
    public struct Value: Sendable, Equatable {
        public var outcome: String
        public var perspective: ScenarioDefinition.Perspective
        public var value: Distribution
        public init(outcome: String, perspective: ScenarioDefinition.Perspective, value: Distribution) {
            (self.outcome, self.perspective, self.value) = (outcome, perspective, value)
        }
    }

    public var effects: [Effect]
    public var values: [Value]
    public var cost: Distribution
    public var discountRate: Distribution
    public var horizon: Int
    public var timing: FlowTiming
    public var deadweight: Double

    public init(effects: [Effect], values: [Value], cost: Distribution, discountRate: Distribution, horizon: Int, timing: FlowTiming,
                deadweight: Double) {
        (self.effects, self.values, self.cost, self.discountRate, self.horizon, self.timing, self.deadweight) =
            (effects, values, cost, discountRate, horizon, timing, deadweight)
    }

    /// Present values per participant under one set of inputs.
    public struct Figures: Sendable, Equatable {
        public var benefits: [ScenarioDefinition.Perspective: Double]
        public var cost: Double
        public var total: Double { ScenarioDefinition.Perspective.allCases.reduce(0) { $0 + (benefits[$1] ?? 0) } }
        public var net: Double { total - cost }
    }

    /// The inputs of one evaluation: effects, unit values, cost and rate.
    struct Draw {
        var effects: [Double]
        var values: [Double]
        var cost: Double
        var rate: Double
    }

    var center: Draw {
        Draw(effects: effects.map(\.estimate), values: values.map(\.value.center), cost: cost.center, rate: discountRate.center)
    }

    func figures(_ draw: Draw) -> Figures {
        // The discounted worth of one unit of effect in the first year, followed for its years.
        var factors = Array(repeating: 0.0, count: horizon)
        for t in 0..<horizon { factors[t] = 1 / pow(1 + draw.rate, Double(t) + timing.shift) }
        var benefits: [ScenarioDefinition.Perspective: Double] = [:]
        for (index, effect) in effects.enumerated() {
            var present = 0.0, persisting = draw.effects[index]
            for t in 0..<min(horizon, effect.years ?? horizon) {
                present += persisting * factors[t]
                persisting *= 1 - effect.decay
            }
            for (v, value) in values.enumerated() where value.outcome == effect.outcome {
                benefits[value.perspective, default: 0] += present * draw.values[v]
            }
        }
        // The program is paid in the first period, discounted as its flows are.
        let cost = draw.cost / pow(1 + draw.rate, timing.shift)
        // WSIPP's indirect benefits: the deadweight cost of the taxes the net taxpayer cost needs.
        if deadweight != 0 { benefits[.indirect, default: 0] += deadweight * ((benefits[.taxpayers] ?? 0) - cost) }
        return Figures(benefits: benefits, cost: cost)
    }

    /// The figures with every input at its central value.
    public var expected: Figures { figures(center) }

    /// The draws of a Monte Carlo simulation: effects normal around their estimates with their
    /// standard errors, unit values, cost and discount rate as declared. Each draw's inputs depend
    /// only on the stream's seed and the draw's index.
    public func simulate(draws: Int, stream: MonteCarloStream) -> [Figures] {
        let (e, v) = (effects.count, values.count)
        return (0..<draws).map { i in
            var draw = center
            for k in 0..<e {
                draw.effects[k] = Distribution.normal(mean: effects[k].estimate, sd: effects[k].standardError).value(at: stream.uniform(draw: i, variable: k))
            }
            for k in 0..<v { draw.values[k] = values[k].value.value(at: stream.uniform(draw: i, variable: e + k)) }
            draw.cost = cost.value(at: stream.uniform(draw: i, variable: e + v))
            draw.rate = discountRate.value(at: stream.uniform(draw: i, variable: e + v + 1))
            return figures(draw)
        }
    }

    /// One input moved to its low and high value, the others at their centre.
    public struct Swing: Sendable, Equatable {
        public var input: Input
        public var low: Double
        public var high: Double
        public var netAtLow: Double
        public var netAtHigh: Double
        public var width: Double { abs(netAtHigh - netAtLow) }
    }

    /// An uncertain input of the model.
    public enum Input: Sendable, Equatable {
        case effect(outcome: String)
        case value(outcome: String, perspective: ScenarioDefinition.Perspective)
        case cost
        case discountRate

        /// Its machine name: `effect on housed_12m`, `value of housed_12m to taxpayers`, `cost per participant`.
        public var id: String {
            switch self {
            case .effect(let outcome): "effect on \(outcome)"
            case .value(let outcome, let perspective): "value of \(outcome) to \(perspective.rawValue)"
            case .cost: "cost per participant"
            case .discountRate: "discount rate"
            }
        }
    }

    /// A tornado: the net present value's swing for each uncertain input, widest first.
    public func tornado() -> [Swing] {
        var swings: [Swing] = []
        func swing(_ name: Input, _ range: (low: Double, high: Double), _ set: (inout Draw, Double) -> Void) {
            guard range.low != range.high else { return }
            var low = center, high = center
            set(&low, range.low)
            set(&high, range.high)
            swings.append(Swing(input: name, low: range.low, high: range.high, netAtLow: figures(low).net, netAtHigh: figures(high).net))
        }
        for (k, effect) in effects.enumerated() {
            swing(.effect(outcome: effect.outcome), Distribution.normal(mean: effect.estimate, sd: effect.standardError).range) { $0.effects[k] = $1 }
        }
        for (k, value) in values.enumerated() {
            swing(.value(outcome: value.outcome, perspective: value.perspective), value.value.range) { $0.values[k] = $1 }
        }
        swing(.cost, cost.range) { $0.cost = $1 }
        swing(.discountRate, discountRate.range) { $0.rate = $1 }
        return swings.sorted { ($0.width, $1.input.id) > ($1.width, $0.input.id) }
    }

    /// The share of the estimated effects (all scaled together) at which benefits equal costs:
    /// 1 is the estimate itself; nil when the effects are worth nothing (or the wrong way).
    public var breakEvenScale: Double? {
        var zero = center
        zero.effects = zero.effects.map { _ in 0 }
        let atZero = figures(zero).net, atOne = figures(center).net
        // Net worth is linear in the effects' scale.
        let slope = atOne - atZero
        guard slope > 0 else { return nil }
        return -atZero / slope
    }
}
