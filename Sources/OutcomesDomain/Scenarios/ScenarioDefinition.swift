import Foundation
import OutcomesStatistics

/// A benefit-cost scenario of a contract, as a scenario file (YAML under `scenarios/`) declares
/// it: effects per outcome (stated, or from a stored comparison run), what a unit of each outcome
/// is worth to each perspective, the program's cost, the discounting and the uncertainty.
public struct ScenarioDefinition: Sendable, Equatable {
    /// Who gains or loses, as WSIPP / Results First tables break benefits down, with the
    /// participants' households (their relatives: a child's avoided foster care, a partner's
    /// wages) apart from the participants themselves and from others.
    public enum Perspective: String, Sendable, CaseIterable, Codable {
        case taxpayers, participants, households, others, indirect
    }

    /// Where an effect comes from.
    public enum EffectSource: Sendable, Equatable {
        /// An estimate and its standard error, stated in the file.
        case stated(estimate: Double, standardError: Double)
        /// A stored `outcomes compare` run: its estimate of the outcome (overall, and each provider's).
        case comparisonRun(Int)
        /// The latest stored run of this evaluation for the contract version.
        case evaluation(String)
    }

    public struct Effect: Sendable, Equatable {
        /// A metric of the contract, in its units per participant.
        public var outcome: String
        /// nil: every provider; else that provider's own effect.
        public var provider: String?
        public var source: EffectSource
        /// Share of the effect lost each year after the first (0: it persists).
        public var decay: Double
        /// Years the effect lasts (nil: the whole horizon).
        public var years: Int?
        public var line: Int
    }

    public struct UnitValue: Sendable, Equatable {
        public var outcome: String
        public var perspective: Perspective
        /// Worth of one more unit of the outcome, in dollars of `year` (negative for a harm, e.g. a jail day).
        public var value: Distribution
        public var year: Int
        public var line: Int
    }

    public struct Variant: Sendable, Equatable {
        public var name: String
        /// Multiplies every effect (0.8: 20% smaller).
        public var effectScale: Double?
        /// Effects at their lower 95% bound — the one nearer zero, a smaller effect whatever its
        /// sign — (or the upper, farther from zero) instead of the estimate.
        public var effectsAt: Bound?
        public var costPerParticipant: Double?
        public var discountRate: Double?
        public var horizon: Int?
        /// Every outcome price of the payment terms multiplied (1.1: 10% dearer), rounded as the contract rounds.
        public var priceScale: Decimal?
        /// The cap across every mechanism (`payments: caps: contract`) set to this amount.
        public var contractCap: Decimal?
        /// The share of participants enrolled (0.8: 20% fewer), the same outcomes per participant.
        public var enrollmentScale: Double?
        /// Where the variant stands in the file.
        public var line = 0
        public enum Bound: String, Sendable, CaseIterable { case lower, upper }

        /// An effect as the variant has it: at a bound of its 95% interval (the lower nearer zero,
        /// a smaller effect whatever its sign), then scaled.
        public func effect(estimate: Double, standardError: Double) -> (estimate: Double, standardError: Double) {
            var estimate = estimate
            let toward = estimate < 0 ? -1.0 : 1.0
            switch effectsAt {
            case .lower: estimate -= toward * Normal.quantile(0.975) * standardError
            case .upper: estimate += toward * Normal.quantile(0.975) * standardError
            case nil: break
            }
            return (estimate * (effectScale ?? 1), standardError * abs(effectScale ?? 1))
        }

        /// Whether the variant changes what the payment terms pay (not only the benefit-cost figures).
        public var changesPayments: Bool {
            effectScale != nil || effectsAt != nil || priceScale != nil || contractCap != nil || enrollmentScale != nil
        }
    }

    public var id: String
    public var contract: String
    /// Where `contract:` stands, for errors about the contract.
    public var contractLine = 0
    public var baseYear: Int
    /// Price index by year (any base): amounts of year y are multiplied by index[base] / index[y].
    public var priceIndex: [Int: Double]
    public var discountRate: Distribution
    public var horizon: Int
    public var timing: FlowTiming
    public var costPerParticipant: Distribution
    public var costYear: Int
    /// Deadweight cost of taxation per dollar of net taxpayer cost (WSIPP's indirect perspective); 0: none.
    public var deadweight: Double
    public var effects: [Effect]
    public var unitValues: [UnitValue]
    public var draws: Int
    /// Draws of the payment projection (each runs the payment engine over every period).
    public var paymentDraws: Int
    public var seed: UInt64
    public var variants: [Variant]
    /// Pay-for-success finance: investors repaid from the outcome payments.
    public var financing: Financing?

    /// Dollars of `year` in dollars of the base year.
    public func inBaseYear(_ amount: Double, of year: Int) -> Double {
        amount * priceIndex[baseYear]! / priceIndex[year]!
    }
}
