import Foundation
import OutcomesStatistics
import Testing
@testable import OutcomesDomain

/// The benefit-cost arithmetic against cases worked by hand, and the Monte Carlo's reproducibility.
@Suite struct BenefitCostTests {
    static let file = """
        scenario: hand-worked
        contract: housing-2021
        base_year: 2024
        price_index: {2020: 100, 2024: 110}
        discount_rate: 0.05
        horizon: 5
        timing: end_of_period
        cost_per_participant: {amount: 1000, low: 800, high: 1300, year: 2024}
        effects:
          - {outcome: shelter_entries_12m, estimate: -0.5, std_error: 0.1, decay: 0.5, years: 3}
        unit_values:
          - {outcome: shelter_entries_12m, perspective: taxpayers, value: -2000, year: 2020}
          - {outcome: shelter_entries_12m, perspective: participants, value: -500, low: -700, high: -400, year: 2020}
        draws: 10000
        seed: 11
        variants:
          - {name: effects at the lower bound, effects_at: lower}
          - {name: a fifth smaller, effect_scale: 0.8}
        """

    /// −0.5, −0.25 and −0.125 entries in years 1–3, at the end of each year, at 5%.
    static var discountedUnits: Double {
        let first: Double = -0.5 / 1.05
        let second: Double = -0.25 / (1.05 * 1.05)
        let third: Double = -0.125 / (1.05 * 1.05 * 1.05)
        return first + second + third
    }

    func run(_ text: String = file) throws -> ScenarioRun {
        let definition = try ScenarioDefinition.parse(yaml: text, file: "s.yaml")
        return ScenarioRun(definition, effects: [nil: [.init(outcome: "shelter_entries_12m", estimate: -0.5, standardError: 0.1)]])
    }

    @Test func presentValuesByPerspectiveByHand() throws {
        let all = try #require(try run().groups.first)
        // −0.5, −0.25, −0.125 entries in years 1–3, at the end of each year, at 5%.
        let units = Self.discountedUnits
        let taxpayers: Double = units * -2000 * 1.1
        let participants: Double = units * -500 * 1.1
        let cost: Double = 1000 / 1.05
        #expect(abs(all.expected.benefits[.taxpayers]! - taxpayers) < 1e-9)
        #expect(abs(all.expected.benefits[.participants]! - participants) < 1e-9)
        #expect(abs(all.expected.cost - cost) < 1e-9)
        #expect(abs(all.expected.net - (taxpayers + participants - cost)) < 1e-9)
        // Benefits are linear in the effect: they equal the cost at cost / benefits of the estimate.
        #expect(abs(all.breakEvenScale! - cost / (taxpayers + participants)) < 1e-12)
        // The cost's swing: (1300 − 800) / 1.05; the participants' value swings by (−400 + 700)·1.1·units.
        let swings: [String: Double] = Dictionary(uniqueKeysWithValues: all.tornado.map { ($0.input.id, $0.width) })
        let costWidth: Double = 500 / 1.05
        #expect(abs(swings["cost per participant"]! - costWidth) < 1e-9)
        let valueWidth: Double = abs(300 * 1.1 * units)
        #expect(abs(swings["value of shelter_entries_12m to participants"]! - valueWidth) < 1e-9)
        #expect(all.tornado.map(\.width) == all.tornado.map(\.width).sorted(by: >))
    }

    @Test func theChanceBenefitsExceedCostsMatchesTheNormalByHand() throws {
        // Only the effect uncertain: net = a·effect − cost, so P(net > 0) = Φ((−cost/a − (−0.5)) / 0.1) for a < 0.
        let fixed = Self.file.replacingOccurrences(of: "{amount: 1000, low: 800, high: 1300, year: 2024}", with: "{amount: 1000, year: 2024}")
            .replacingOccurrences(of: "value: -500, low: -700, high: -400", with: "value: -500")
        let all = try #require(try run(fixed).groups.first)
        let units = Self.discountedUnits
        let a: Double = units / -0.5 * -2500 * 1.1  // net worth of one more first-year entry (negative): net > 0 below the threshold
        let threshold: Double = (1000 / 1.05) / a  // the effect at which net = 0
        let z: Double = (threshold + 0.5) / 0.1
        let exact: Double = a < 0 ? Normal.cdf(z) : 1 - Normal.cdf(z)
        #expect(abs(all.simulated.chanceBenefitsExceedCosts - exact) < 0.015, "\(all.simulated.chanceBenefitsExceedCosts) vs \(exact)")
        #expect(abs(all.simulated.netP50 - all.expected.net) < 0.02 * abs(all.expected.net))
    }

    @Test func theSameSeedGivesTheSameReportAndDrawsDoNotDependOnTheirCount() throws {
        let first = try run(), second = try run()
        #expect(first.groups[0].simulated == second.groups[0].simulated)
        #expect(first.variants.map(\.simulated) == second.variants.map(\.simulated))
        let other = try run(Self.file.replacingOccurrences(of: "seed: 11", with: "seed: 12"))
        #expect(other.groups[0].simulated != first.groups[0].simulated)
        let model = first.groups[0].model, stream = MonteCarloStream(seed: 11)
        #expect(Array(model.simulate(draws: 100, stream: stream).prefix(40)) == model.simulate(draws: 40, stream: stream))
    }

    @Test func variantsMoveTheEffects() throws {
        let result = try run()
        let base = result.groups[0].expected.net
        let lower = try #require(result.variants.first { $0.name == "effects at the lower bound" })
        let smaller = try #require(result.variants.first { $0.name == "a fifth smaller" })
        // The lower bound is nearer zero: −0.5 + 1.96·0.1 entries, fewer avoided; a fifth smaller too.
        #expect(lower.expected.net < base && smaller.expected.net < base)
        let units = Self.discountedUnits / -0.5 * (-0.5 + Normal.quantile(0.975) * 0.1)
        #expect(abs(lower.expected.total - units * -2500 * 1.1) < 1e-9)
        let benefits = result.groups[0].expected.total
        #expect(abs(smaller.expected.total - 0.8 * benefits) < 1e-9)
    }
}
