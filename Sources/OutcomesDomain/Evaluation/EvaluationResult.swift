import OutcomesStatistics

/// What a comparison found: the propensity model, sample sizes, balance before and after, the
/// effect estimates (overall and per provider) and what the reader must be told.
public struct EvaluationResult: Sendable {
    /// Counts as MatchIt's `summary()$nn` lays them out, for controls and treated units.
    public struct SampleSizes: Sendable, Equatable {
        public struct Pair: Sendable, Equatable {
            public var control: Double
            public var treated: Double

            public init(control: Double, treated: Double) { (self.control, self.treated) = (control, treated) }
        }
        public var all: Pair
        /// Kish's effective sample size of the weights.
        public var matchedESS: Pair
        /// Units with weight above 0.
        public var matched: Pair
        public var unmatched: Pair
        public var discarded: Pair

        public init(all: Pair, matchedESS: Pair, matched: Pair, unmatched: Pair, discarded: Pair) {
            (self.all, self.matchedESS, self.matched, self.unmatched, self.discarded) = (all, matchedESS, matched, unmatched, discarded)
        }
    }

    public enum Analysis: String, Sendable, Codable {
        /// Weighted difference in means.
        case difference
        /// With the covariates in the outcome regression (ANCOVA).
        case adjusted
        /// Of the change from the pre-window to the outcome window.
        case differenceInDifferences = "difference-in-differences"
    }

    public struct Estimate: Sendable {
        public let outcome: String
        /// nil: all participants; else one provider's participants against their own comparisons.
        public let group: String?
        public let analysis: Analysis
        public let effect: EffectEstimate
        public let meanTreated: Double
        public let meanControl: Double

        public init(outcome: String, group: String?, analysis: Analysis, effect: EffectEstimate, meanTreated: Double, meanControl: Double) {
            (self.outcome, self.group, self.analysis, self.effect) = (outcome, group, analysis, effect)
            (self.meanTreated, self.meanControl) = (meanTreated, meanControl)
        }
    }

    /// Stated beside the tables: facts the estimate depends on, with their counts.
    public enum Warning: Sendable, Equatable, Codable {
        case unmatchedTreated(count: Int, of: Int)
        case discarded(treated: Int, control: Int)
        case imbalanced(covariates: [String], threshold: Double)
        case groupNotEstimated(group: String, reason: String)
        case weightsTrimmed(at: Double, count: Int)
        /// Units whose propensity is 0 or 1 to within 1e-10 (a category found in one group only).
        case extremePropensity(count: Int)
        /// Subclassification moved units into subclasses that lacked a group (MatchIt's `min.n`).
        case subclassesFilled(units: Int)
        /// Ties in the propensity score left fewer distinct subclasses than asked for.
        case fewerSubclasses(formed: Int, asked: Int)
        /// CEM: participants in strata with no comparison unit, left out of the estimate.
        case strataWithoutControls(strata: Int, treated: Int, of: Int)
        /// CEM for the ATE: comparison units in strata with no participant, left out too.
        case strataWithoutTreated(strata: Int, controls: Int, of: Int)
    }

    public struct Unit: Sendable, Equatable {
        public let index: Int
        public let propensity: Double?
        public let weight: Double
        /// The matched set (nearest-neighbour matching without replacement) or the subclass or CEM
        /// stratum, numbered from 1.
        public let subclass: Int?
    }

    /// How the propensity scores of participants and comparisons spread over [0, 1]: counts per
    /// twentieth, for all units and for the comparisons kept (weight above 0).
    public struct Overlap: Sendable, Equatable {
        public static let bins = 20
        public let treated: [Int]
        public let controls: [Int]
        public let keptControls: [Int]
    }

    public let spec: EvaluationSpec
    /// Model coefficients by design-matrix name (`(Intercept)`, `age`, `race_hispan`, …).
    public let propensityModel: [(name: String, coefficient: Double, standardError: Double)]
    public let sampleSizes: SampleSizes
    public let balanceBefore: [Balance.Row]
    public let balanceAfter: [Balance.Row]
    public let estimates: [Estimate]
    public let warnings: [Warning]
    /// Every unit with weight above 0 (and its propensity score).
    public let units: [Unit]
    /// nil without a propensity model.
    public var overlap: Overlap? = nil
    /// Nearest-neighbour matching: each treated unit's controls (indices), in the order taken.
    public var matches: [Int: [Int]]? = nil

    /// One group's participants against the whole pool (the weighting designs' per-provider run):
    /// the comparison units it weighs above 0 (indices in the evaluation table) with their weights,
    /// and the total weight of the participants it kept — the weights its estimates use.
    public struct GroupWeights: Sendable, Equatable {
        public let controls: [Int]
        public let weights: [Double]
        public let treatedWeight: Double
    }

    /// The weighting designs (weighting, subclass, cem, ebal) with participants of more than one
    /// group: each group's weights from its own run — kept when only its estimates failed (a
    /// `groupNotEstimated` warning) …
    public var groupWeights: [String: GroupWeights] = [:]
    /// … and the groups whose own weights could not be made, with why.
    public var groupsNotWeighed: [String: EvaluationError] = [:]

    public var imbalanced: [String] {
        balanceAfter.filter { abs($0.standardizedMeanDifference ?? 0) > spec.balanceThreshold }.map(\.name)
    }
}
