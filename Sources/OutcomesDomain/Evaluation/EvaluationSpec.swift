import OutcomesStatistics

/// How a comparison is made: the method, its options and what is estimated. The same value comes
/// from an evaluation file under `scenarios/` or from `outcomes compare` options.
public struct EvaluationSpec: Sendable, Equatable, Codable {
    public enum Method: String, Sendable, Codable, CaseIterable {
        /// Greedy nearest-neighbour matching on the propensity score.
        case nearest
        /// Inverse-probability weights from the propensity score.
        case weighting
        /// No model: the groups as they are (a randomized trial).
        case none
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

    /// The options checked together: a one-paragraph error naming the option.
    public func validated() throws(EvaluationError) -> EvaluationSpec {
        if method != .none && covariates.isEmpty { throw .option("covariates", "a propensity model needs at least one covariate") }
        if outcomes.isEmpty { throw .option("outcome", "name at least one outcome to estimate an effect on") }
        if ratio < 1 || ratio > 100 { throw .option("ratio", "must be a whole number from 1 to 100, not \(ratio)") }
        if let caliper, !(caliper > 0 && caliper <= 10) { throw .option("caliper", "must be between 0 and 10 standard deviations, not \(caliper)") }
        if let trim, !(trim > 0.5 && trim < 1) { throw .option("trim", "must be a quantile between 0.5 and 1 (e.g. 0.99), not \(trim)") }
        if !(confidence > 0.5 && confidence < 1) { throw .option("confidence", "must be between 0.5 and 1, not \(confidence)") }
        if !(power > 0.5 && power < 1) { throw .option("power", "must be between 0.5 and 1, not \(power)") }
        if method != .nearest && (!exact.isEmpty || caliper != nil || replace || ratio != 1) {
            throw .option("method", "exact, caliper, ratio and replace apply to nearest-neighbour matching only")
        }
        if method == .nearest && estimand == .ate { throw .option("estimand", "nearest-neighbour matching estimates the ATT; use method weighting for the ATE") }
        if method != .weighting && trim != nil { throw .option("trim", "applies to weighting only") }
        if let repeated = Dictionary(grouping: covariates, by: { $0 }).first(where: { $0.value.count > 1 }) {
            throw .option("covariates", "\(repeated.key.printable) is named twice")
        }
        if let outcome = outcomes.first(where: { covariates.contains($0.name) }) {
            throw .option("outcome", "\(outcome.name.printable) is also a covariate; an outcome is measured after the index date, covariates before")
        }
        return self
    }
}
