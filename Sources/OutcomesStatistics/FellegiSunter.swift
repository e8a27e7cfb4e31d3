import Foundation

/// Fellegi–Sunter record comparison over counts of agreement patterns, as fastLink and Splink fit
/// it. Each comparison sorts a pair into one of its levels (or none: a null, where either side has
/// no value). A pattern is one level (or null) per comparison; pairs with the same pattern are
/// counted once, so the model is fitted to a few thousand patterns however many pairs there are.
///
///     m[k][l] = P(level l on comparison k | match)      u[k][l] = P(level l | non-match)
///     λ       = P(match) among the pairs counted
///
/// Comparisons are taken as independent given match status; a null contributes nothing.
public struct AgreementPatternCounts: Sendable, Equatable {
    /// Per comparison: the number of non-null levels (those listed, and "else").
    public var levelCounts: [Int]
    /// Per pattern: a level index per comparison (0 = the first listed), nil = null.
    public var patterns: [[Int?]]
    /// Pairs with that pattern (a double: counts may be weighted).
    public var counts: [Double]

    public init(levelCounts: [Int], patterns: [[Int?]], counts: [Double]) {
        precondition(patterns.count == counts.count, "one count per pattern")
        precondition(patterns.allSatisfy { pattern in
            pattern.count == levelCounts.count
                && zip(pattern, levelCounts).allSatisfy { level, count in level.map { (0..<count).contains($0) } ?? true }
        }, "each pattern holds a level below its comparison's level count, or nil, for every comparison")
        self.levelCounts = levelCounts
        self.patterns = patterns
        self.counts = counts
    }

    public var totalCount: Double { counts.reduce(0, +) }
}

public struct FellegiSunterParameters: Sendable, Equatable {
    /// The probability that a pair (of the set EM ran on) is a match.
    public var lambda: Double
    /// [comparison][level]; each comparison's levels sum to 1.
    public var m: [[Double]]
    public var u: [[Double]]

    public init(lambda: Double, m: [[Double]], u: [[Double]]) {
        self.lambda = lambda
        self.m = m
        self.u = u
    }

    /// Σ log2(m/u) over the non-null comparisons of the pattern: the evidence the pattern gives.
    public func bayesFactorLog2(_ pattern: [Int?]) -> Double {
        var sum = 0.0
        for (comparison, level) in pattern.enumerated() {
            guard let level else { continue }
            sum += log2(m[comparison][level] / u[comparison][level])
        }
        return sum
    }

    /// log2(λ/(1−λ)) + the pattern's Bayes factor: the log2 odds that a pair with the pattern matches,
    /// given the prior λ of the set it is drawn from (which need not be the λ EM ran with).
    public func matchWeight(_ pattern: [Int?], lambda: Double) -> Double {
        log2(lambda / (1 - lambda)) + bayesFactorLog2(pattern)
    }
}

/// A level whose m (or u, when u was re-estimated) had no expected pairs and was held at the floor.
public struct UnobservedLevel: Sendable, Equatable, Hashable {
    public var comparison: Int
    public var level: Int

    public init(comparison: Int, level: Int) {
        self.comparison = comparison
        self.level = level
    }
}

public struct FellegiSunterEstimate: Sendable, Equatable {
    public var parameters: FellegiSunterParameters
    /// EM steps taken.
    public var iterations: Int
    /// False when `maxIterations` steps ended with a parameter still moving more than the tolerance.
    public var converged: Bool
    /// Levels that no pair fell into among the matches (by expectation) in the last step: their m
    /// is the floor, not an estimate. A warning for the person who wrote the comparison.
    public var unobservedLevels: [UnobservedLevel]

    public init(parameters: FellegiSunterParameters, iterations: Int, converged: Bool, unobservedLevels: [UnobservedLevel]) {
        self.parameters = parameters
        self.iterations = iterations
        self.converged = converged
        self.unobservedLevels = unobservedLevels
    }
}

/// 2^w / (1 + 2^w): the probability of a match at log2 odds `weight`.
public func matchProbability(weight: Double) -> Double {
    // 1 / (1 + 2^−w) never overflows to inf/inf for large w.
    1 / (1 + exp2(-weight))
}

public enum ExpectationMaximization {
    /// The least an m, u or λ may be: a level seen by no pair would otherwise give log(0) weights.
    public static let probabilityFloor = 1e-10

    /// EM for λ, m and (unless `fixU`) u, from `start`, over the pattern counts.
    ///
    /// E step, per pattern p with count n_p, over its non-null comparisons k at level l_k:
    ///     w_p = λ Π m[k][l_k] / (λ Π m[k][l_k] + (1−λ) Π u[k][l_k])   (computed as a logistic of the log odds)
    /// M step:
    ///     λ'       = Σ n_p w_p / Σ n_p
    ///     m'[k][l] = Σ_{p: l_k = l} n_p w_p / Σ_{p: k non-null} n_p w_p
    ///     u'[k][l] = the same with (1 − w_p)
    /// A probability below `probabilityFloor` is raised to it (and the comparison renormalised).
    /// It stops when no parameter moved by more than `tolerance` in a step, or after `maxIterations`.
    public static func estimate(_ counts: AgreementPatternCounts, start: FellegiSunterParameters, fixU: Bool,
                                maxIterations: Int, tolerance: Double) -> FellegiSunterEstimate
    {
        precondition(start.m.map(\.count) == counts.levelCounts && start.u.map(\.count) == counts.levelCounts,
                     "m and u hold one probability per level of each comparison")
        var parameters = start
        var unobserved: [UnobservedLevel] = []
        var iterations = 0
        var converged = false
        while iterations < maxIterations {
            let (next, floored) = step(counts, parameters, fixU: fixU)
            iterations += 1
            let change = largestChange(parameters, next)
            (parameters, unobserved) = (next, floored)
            if change <= tolerance {
                converged = true
                break
            }
        }
        return FellegiSunterEstimate(parameters: parameters, iterations: iterations, converged: converged, unobservedLevels: unobserved)
    }

    /// The posterior probability of a match for each pattern (the E step).
    public static func matchProbabilities(_ counts: AgreementPatternCounts, _ parameters: FellegiSunterParameters) -> [Double] {
        counts.patterns.map { matchProbability(weight: parameters.matchWeight($0, lambda: parameters.lambda)) }
    }

    /// One E step and M step; the levels whose m was floored.
    static func step(_ counts: AgreementPatternCounts, _ parameters: FellegiSunterParameters, fixU: Bool)
        -> (FellegiSunterParameters, [UnobservedLevel])
    {
        let posterior = matchProbabilities(counts, parameters)
        var matchSums = counts.levelCounts.map { [Double](repeating: 0, count: $0) }
        var nonMatchSums = matchSums
        var matches = 0.0
        for (index, pattern) in counts.patterns.enumerated() {
            let n = counts.counts[index], w = posterior[index]
            matches += n * w
            for (comparison, level) in pattern.enumerated() {
                guard let level else { continue }
                matchSums[comparison][level] += n * w
                nonMatchSums[comparison][level] += n * (1 - w)
            }
        }
        var floored: [UnobservedLevel] = []
        let m = matchSums.enumerated().map { comparison, sums in
            normalised(sums, previous: parameters.m[comparison]) { floored.append(UnobservedLevel(comparison: comparison, level: $0)) }
        }
        let u = fixU ? parameters.u : nonMatchSums.enumerated().map { comparison, sums in
            normalised(sums, previous: parameters.u[comparison]) { _ in }
        }
        let total = counts.totalCount
        let lambda = total > 0 ? min(max(matches / total, probabilityFloor), 1 - probabilityFloor) : parameters.lambda
        return (FellegiSunterParameters(lambda: lambda, m: m, u: u), floored)
    }

    /// Sums as probabilities, each at least the floor: a level below it is set to it, and the others
    /// scaled to make up the rest. A comparison null in every pair keeps its previous probabilities
    /// (there is nothing to re-estimate them from).
    private static func normalised(_ sums: [Double], previous: [Double], floored: (Int) -> Void) -> [Double] {
        let total = sums.reduce(0, +)
        guard total > 0 else { return previous }
        var probabilities = sums.map { $0 / total }
        let low = probabilities.indices.filter { probabilities[$0] < probabilityFloor }
        guard !low.isEmpty else { return probabilities }
        let rest = probabilities.enumerated().filter { !low.contains($0.offset) }.map(\.element).reduce(0, +)
        let scale = (1 - Double(low.count) * probabilityFloor) / rest
        for level in probabilities.indices {
            if low.contains(level) {
                probabilities[level] = probabilityFloor
                floored(level)
            } else {
                probabilities[level] *= scale
            }
        }
        return probabilities
    }

    private static func largestChange(_ a: FellegiSunterParameters, _ b: FellegiSunterParameters) -> Double {
        var change = abs(a.lambda - b.lambda)
        for (x, y) in zip(a.m + a.u, b.m + b.u) {
            for (p, q) in zip(x, y) { change = max(change, abs(p - q)) }
        }
        return change
    }
}

/// fastLink's error estimates without labels: with each pattern's posterior p of a match (from the
/// fitted model at the prior λ of the pairs counted), pairs at or above `threshold` hold Σ n·(1−p)
/// false discoveries by expectation, and pairs below it Σ n·p missed matches.
public struct EstimatedClassificationErrors: Sendable, Equatable {
    /// Pairs at or above the threshold (the links).
    public var pairsAccepted: Double
    /// Σ n·(1−p) over them.
    public var expectedFalseDiscoveries: Double
    /// Σ n·p over all pairs.
    public var expectedMatches: Double
    /// Σ n·p over the pairs below the threshold.
    public var expectedFalseNegatives: Double

    /// Expected false discoveries over pairs accepted (0 when none is).
    public var falseDiscoveryRate: Double { pairsAccepted > 0 ? expectedFalseDiscoveries / pairsAccepted : 0 }
    /// Expected matches missed over expected matches (0 when none is expected).
    public var falseNegativeRate: Double { expectedMatches > 0 ? expectedFalseNegatives / expectedMatches : 0 }
}

/// The unlabelled error estimates of the pairs counted, at a threshold on the match probability.
public func estimatedErrors(counts: AgreementPatternCounts, parameters: FellegiSunterParameters, lambda: Double,
                            threshold: Double) -> EstimatedClassificationErrors
{
    var errors = EstimatedClassificationErrors(pairsAccepted: 0, expectedFalseDiscoveries: 0, expectedMatches: 0, expectedFalseNegatives: 0)
    for (pattern, n) in zip(counts.patterns, counts.counts) {
        let p = matchProbability(weight: parameters.matchWeight(pattern, lambda: lambda))
        errors.expectedMatches += n * p
        if p >= threshold {
            errors.pairsAccepted += n
            errors.expectedFalseDiscoveries += n * (1 - p)
        } else {
            errors.expectedFalseNegatives += n * p
        }
    }
    return errors
}
