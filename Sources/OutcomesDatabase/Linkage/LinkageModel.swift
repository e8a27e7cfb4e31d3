import Foundation
import OutcomesDomain
import OutcomesStatistics

/// What a link run trained: λ (from deterministic rules), u (from random pairs) and m (by EM over
/// the candidate pairs' pattern counts), and how the training went. Stored with the run as JSON.
public struct LinkageModel: Sendable, Equatable, Codable {
    public struct ComparisonModel: Sendable, Equatable, Codable {
        public var name: String
        /// One per non-null level, the listed ones then else.
        public var levels: [String]
        public var m: [Double]
        public var u: [Double]
    }

    public var lambda: Double
    public var comparisons: [ComparisonModel]
    /// Pairs meeting the deterministic rules, and all possible pairs, that λ came from.
    public var deterministicPairs: Int
    public var possiblePairs: Double
    public var randomPairs: Int
    /// The EM sessions m was trained in.
    public var sessions: [Session]

    /// One EM session: the pairs a rule proposes, and the comparisons it trained (not the rule's own fields).
    public struct Session: Sendable, Equatable, Codable {
        public var rule: [String]
        public var pairs: Int
        public var trained: [String]
        /// λ among the session's pairs, as EM estimated it.
        public var lambda: Double
        public var iterations: Int
        public var converged: Bool
    }

    public var emIterations: Int { sessions.map(\.iterations).max() ?? 0 }
    public var emConverged: Bool { sessions.allSatisfy(\.converged) }

    var parameters: FellegiSunterParameters {
        FellegiSunterParameters(lambda: lambda, m: comparisons.map(\.m), u: comparisons.map(\.u))
    }

    /// The pattern's match weight, with the pattern's share of term-frequency adjustments (+log2 u of
    /// an adjusted exact level; the pair adds −log2 tf of its value).
    func weight(_ pattern: [Int?], termFrequencyLevels: [(index: Int, exactLevel: Int)]) -> Double {
        var weight = parameters.matchWeight(pattern, lambda: lambda)
        for item in termFrequencyLevels where pattern[item.index] == item.exactLevel {
            weight += log2(comparisons[item.index].u[item.exactLevel])
        }
        return weight
    }

    static func levelNames(_ comparison: LinkageSpec.Comparison) -> [String] {
        comparison.levels.map(\.name) + ["else"]
    }
}

extension LinkageSpec.Level {
    /// The level as the spec writes it, for reports and stored models.
    public var name: String {
        switch self {
        case .exact(let termFrequency): termFrequency ? "exact (term frequency)" : "exact"
        case .jaroWinkler(let t): "jaro_winkler ≥ \(t)"
        case .damerauLevenshtein(let k): "damerau_levenshtein ≤ \(k)"
        case .dayMonthSwapped: "day_month_swapped"
        case .sameYearMonth: "same_year_month"
        case .sameYear: "same_year"
        case .ssnTransposition: "ssn_transposition"
        case .ssnOneDigit: "ssn_one_digit"
        case .ssnLastFour: "ssn_last4"
        }
    }
}

/// Match weights and probabilities: one conversion.
enum MatchWeight {
    /// The weight at which a pair's match probability is `probability`: log2(p / (1 − p)).
    static func of(probability: Double) -> Double { log2(probability / (1 - probability)) }
}
