import OutcomesStatistics

/// How a comparison is made: the method, its options and what is estimated. The same value comes
/// from an evaluation file under `scenarios/` or from `outcomes compare` options.
public struct EvaluationSpec: Sendable, Equatable, Codable {
    public enum Method: String, Sendable, Codable, CaseIterable {
        /// Greedy nearest-neighbour matching on the propensity score.
        case nearest
        /// Inverse-probability weights from the propensity score.
        case weighting
        /// Subclasses of the propensity score, weighted within them (MatchIt `method = "subclass"`).
        case subclass
        /// Coarsened exact matching: strata of coarsened covariates (MatchIt `method = "cem"`).
        case cem
        /// Entropy balancing weights: the covariate means matched exactly (WeightIt `method = "ebal"`).
        case ebal
        /// Doubly robust: inverse-probability weights augmented by outcome regressions.
        case aipw
        /// No model: the groups as they are (a randomized trial).
        case none

        /// What the report calls the step that made the comparison group.
        public var step: String {
            switch self {
            case .nearest, .cem: "matching"
            case .weighting, .ebal, .aipw: "weighting"
            case .subclass: "subclassification"
            case .none: "no adjustment"
            }
        }

        /// Whether a logistic propensity model is fitted (CEM and entropy balancing use none).
        public var usesPropensity: Bool { ![.cem, .ebal, .none].contains(self) }
        /// Weighting, subclass, cem and ebal: one set of weights per group of participants, from
        /// that group against the whole pool — what `--store-comparison` keeps.
        public var weighsEachGroup: Bool { [.weighting, .subclass, .cem, .ebal].contains(self) }
    }

    /// How the standard error of an estimate is computed (`StandardErrorConvention`): heteroskedasticity-
    /// consistent HC0–HC3, cluster-robust by matched set or subclass (CR0, CR1), or, after matching
    /// with replacement, two-way by matched set and unit on one row per unit per matched set.
    public enum StandardErrors: String, Sendable, Codable, CaseIterable {
        case hc0 = "HC0", hc1 = "HC1", hc2 = "HC2", hc3 = "HC3", cr0 = "CR0", cr1 = "CR1"
        case twoWay = "CR1-two-way"
        /// Clustered by each unit's household on its index date (the IDS's household memberships).
        case household = "CR1-household"
    }

    /// Which nearest-neighbour search (see `NearestNeighbourMatching.Search`): MatchIt 4.7.x's,
    /// ties included (the default: the version evaluators run), the documented rule that breaks
    /// ties to the first in data order, or MatchIt 4.5.1's.
    public enum Search: String, Sendable, Codable, CaseIterable {
        case matchIt47 = "matchit-4.7"
        case firstInDataOrder = "first-in-data-order"
        case matchIt451 = "matchit-4.5.1"

        /// The documented rule's earlier name, which files and stored runs may carry.
        public static let earlierNames = ["nearest": Search.firstInDataOrder]

        public init?(rawValue: String) {
            switch rawValue {
            case "matchit-4.7": self = .matchIt47
            case "first-in-data-order", "nearest": self = .firstInDataOrder
            case "matchit-4.5.1": self = .matchIt451
            default: return nil
            }
        }
    }

    public enum Discard: String, Sendable, Codable, CaseIterable { case none, treated, control, both }

    public struct Outcome: Sendable, Equatable, Codable {
        public var name: String
        /// The same measure over a window before the index date: adds a difference-in-differences estimate.
        public var pre: String?
        public init(name: String, pre: String? = nil) { (self.name, self.pre) = (name, pre) }
    }

    public var method: Method = .nearest
    /// Subclassification: the number of subclasses (MatchIt's `subclass`).
    public var subclasses = 6
    /// Coarsened exact matching: equal-width bins per numeric covariate (the others by Sturges' rule).
    public var cutpoints: [String: Int] = [:]
    /// nil: the design's default (`defaultStandardErrors`).
    public var standardErrors: StandardErrors?
    public var estimand: Estimand = .att
    public var covariates: [String]
    /// Columns a control must share with its treated unit (index quarter, county, …); nearest only.
    public var exact: [String] = []
    public var ratio = 1
    public var replace = false
    /// In standard deviations of the propensity score.
    public var caliper: Double?
    public var discard: Discard = .none
    public var search: Search = .matchIt47
    /// Weighting: cap the weights at this quantile of theirs (0.99 caps the top 1 %).
    public var trim: Double?
    public var outcomes: [Outcome]
    /// Also estimate with the covariates in the outcome regression (ANCOVA).
    public var adjust = false
    public var confidence = 0.95
    public var power = 0.8
    /// |SMD| above which a covariate counts as imbalanced.
    public var balanceThreshold = 0.1

    public init(covariates: [String], outcomes: [Outcome]) {
        self.covariates = covariates
        self.outcomes = outcomes
    }

    /// MatchIt's vignette ("Estimating effects after matching"): cluster-robust by matched set after
    /// matching without replacement; robust HC3 after matching with replacement, subclassification
    /// and CEM (few or no pairs to cluster on). Weighting and randomized comparisons keep HC2 (Welch's
    /// for a difference in means). AIPW's comes from its influence function (nil).
    public var defaultStandardErrors: StandardErrors? {
        switch method {
        case .nearest: replace ? .hc3 : .cr1
        case .subclass, .cem: .hc3
        case .weighting, .ebal, .none: .hc2
        case .aipw: nil
        }
    }

    /// The convention the estimates use: the one asked for, else the design's default.
    public var standardErrorConvention: StandardErrors? { method == .aipw ? nil : standardErrors ?? defaultStandardErrors }

    /// The options checked together: a one-paragraph error naming the option.
    public func validated() throws(EvaluationError) -> EvaluationSpec {
        if method != .none && covariates.isEmpty { throw .option("covariates", .methodNeedsCovariates(method)) }
        if outcomes.isEmpty { throw .option("outcome", .noOutcome) }
        if ratio < 1 || ratio > 100 { throw .option("ratio", .wholeNumberOutside(1...100, ratio)) }
        if let caliper, !(caliper > 0 && caliper <= 10) { throw .option("caliper", .numberOutside(.standardDeviations, caliper)) }
        if let trim, !(trim > 0.5 && trim < 1) { throw .option("trim", .numberOutside(.quantile, trim)) }
        if !(confidence > 0.5 && confidence < 1) { throw .option("confidence", .numberOutside(.probability, confidence)) }
        if !(power > 0.5 && power < 1) { throw .option("power", .numberOutside(.probability, power)) }
        if method != .nearest && (!exact.isEmpty || caliper != nil || replace || ratio != 1) {
            throw .option("method", .matchingOptionsWithoutNearest)
        }
        if method == .nearest && estimand == .ate { throw .option("estimand", .nearestEstimatesATT) }
        if method != .weighting && trim != nil { throw .option("trim", .appliesOnlyTo(.weighting)) }
        if method == .aipw && adjust { throw .option("adjust", .aipwAdjustsAlready) }
        if discard != .none && ![.nearest, .subclass].contains(method) { throw .option("discard", .appliesOnlyTo(.nearestOrSubclass)) }
        if method == .subclass && !(2...100).contains(subclasses) { throw .option("subclasses", .wholeNumberOutside(2...100, subclasses)) }
        if method != .subclass && subclasses != 6 { throw .option("subclasses", .appliesOnlyTo(.subclass)) }
        if !cutpoints.isEmpty {
            guard method == .cem else { throw .option("cutpoints", .appliesOnlyTo(.cem)) }
            for name in cutpoints.keys.sorted() {
                guard covariates.contains(name) else { throw .option("cutpoints", .notACovariate(name)) }
                let bins = cutpoints[name]!
                guard (1...1000).contains(bins) else { throw .option("cutpoints", .binsOutside(covariate: name, 1...1000, bins)) }
            }
        }
        if let standardErrors { try check(standardErrors) }
        if let repeated = Dictionary(grouping: covariates, by: { $0 }).first(where: { $0.value.count > 1 }) {
            throw .option("covariates", .namedTwice(repeated.key))
        }
        if let outcome = outcomes.first(where: { covariates.contains($0.name) }) {
            throw .option("outcome", .outcomeIsCovariate(outcome.name))
        }
        return self
    }

    /// A convention the design can compute: clusters need matched sets or subclasses; two-way
    /// clustering is for matching with replacement, where a control serves several matched sets.
    private func check(_ convention: StandardErrors) throws(EvaluationError) {
        switch convention {
        case .hc0, .hc1, .hc2, .hc3:
            if method == .aipw { throw .option("se", .aipwStandardErrorIsItsOwn) }
        case .cr0, .cr1:
            let clustered = (method == .nearest && !replace) || method == .subclass || method == .cem
            if !clustered {
                throw .option("se", .clustersNeedSets(convention, withReplacement: method == .nearest))
            }
        case .twoWay:
            if !(method == .nearest && replace) { throw .option("se", .twoWayNeedsReplacement) }
        case .household:
            if method == .aipw { throw .option("se", .aipwStandardErrorIsItsOwn) }
        }
    }
}
