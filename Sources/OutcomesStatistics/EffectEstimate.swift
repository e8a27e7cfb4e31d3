/// A treatment effect with its uncertainty, as evaluators read it: estimate, standard error
/// (and which one), z, two-sided p-value, confidence interval and the minimum detectable
/// effect, (z₁₋α/₂ + z_power) × SE.
public struct EffectEstimate: Sendable, Equatable {
    public enum StandardError: String, Sendable, Codable {
        /// Cluster-robust CR1 by matched set (matching without replacement).
        case clusterByMatchedSet = "CR1 by matched set"
        /// HC2 (equal to Welch's for a difference in means).
        case hc2 = "HC2"
    }

    public let estimate: Double
    public let standardError: Double
    public let kind: StandardError
    public let treated: Int
    public let controls: Int
    public let confidence: Double
    public let power: Double

    public var z: Double { estimate / standardError }
    public var pValue: Double { Normal.twoSidedP(z) }
    public var confidenceInterval: (lower: Double, upper: Double) {
        let half = Normal.quantile(1 - (1 - confidence) / 2) * standardError
        return (estimate - half, estimate + half)
    }
    public var minimumDetectableEffect: Double {
        (Normal.quantile(1 - (1 - confidence) / 2) + Normal.quantile(power)) * standardError
    }

    public enum Failure: Error, Equatable, Sendable {
        /// Fewer than two units with weight in a group, or fewer than two matched sets.
        case tooLittleData
        /// An adjustment covariate is collinear with the treatment or the others (its index among them).
        case collinearAdjustment(covariate: Int)
    }

    /// The coefficient on treatment in the weighted regression of `outcome` on an intercept, the
    /// treatment and, when given, `adjustment` columns (ANCOVA); units with weight 0 are left out.
    /// `clusters` (one label per unit) gives CR1 by matched set, otherwise HC2.
    public static func regression(outcome: [Double], treated: [Bool], weights: [Double], adjustment: [[Double]] = [],
                                  clusters: [Int]? = nil, confidence: Double = 0.95, power: Double = 0.8) throws(Failure) -> EffectEstimate {
        let kept = outcome.indices.filter { weights[$0] > 0 }
        let nTreated = kept.filter { treated[$0] }.count, nControls = kept.count - nTreated
        guard nTreated >= 2 || nControls >= 2, nTreated >= 1, nControls >= 1 else { throw .tooLittleData }
        let columns = 2 + adjustment.count
        var values: [Double] = []
        values.reserveCapacity(kept.count * columns)
        for i in kept {
            values.append(1)
            values.append(treated[i] ? 1 : 0)
            for column in adjustment { values.append(column[i]) }
        }
        let design = Matrix(rows: kept.count, columns: columns, values: values)
        let covariance: LinearRegression.Covariance = clusters.map { labels in .cluster(kept.map { labels[$0] }) } ?? .hc2
        do {
            let fit = try LinearRegression(covariance: covariance).fit(design: design, outcome: kept.map { outcome[$0] },
                                                                       weights: kept.map { weights[$0] })
            return EffectEstimate(estimate: fit.coefficients[1], standardError: fit.standardErrors[1],
                                  kind: clusters == nil ? .hc2 : .clusterByMatchedSet, treated: nTreated, controls: nControls,
                                  confidence: confidence, power: power)
        } catch {
            switch error {
            case .collinear(let column) where column >= 2: throw .collinearAdjustment(covariate: column - 2)
            default: throw .tooLittleData
            }
        }
    }
}
