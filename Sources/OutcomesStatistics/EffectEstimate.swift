/// A treatment effect with its uncertainty, as evaluators read it: estimate, standard error
/// (and which one), z, two-sided p-value, confidence interval and the minimum detectable
/// effect, (z₁₋α/₂ + z_power) × SE.
public struct EffectEstimate: Sendable, Equatable {
    public let estimate: Double
    public let standardError: Double
    public let kind: StandardErrorConvention
    public let treated: Int
    public let controls: Int
    public let confidence: Double
    public let power: Double

    public init(estimate: Double, standardError: Double, kind: StandardErrorConvention, treated: Int, controls: Int,
                confidence: Double = 0.95, power: Double = 0.8) {
        (self.estimate, self.standardError, self.kind, self.treated, self.controls) = (estimate, standardError, kind, treated, controls)
        (self.confidence, self.power) = (confidence, power)
    }

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
        /// The convention clusters by matched set (two-way: and by unit) but those labels were not
        /// given, one per row.
        case clusterLabelsMissing(StandardErrorConvention)
        /// Two-way clustering subtracts a meat and here left the treatment's variance below zero.
        case negativeVariance
        /// The convention is not a regression's (the influence function's belongs to its estimator).
        case notARegressionConvention
    }

    /// The coefficient on treatment in the weighted regression of `outcome` on an intercept, the
    /// treatment and, when given, `adjustment` columns (ANCOVA); units with weight 0 are left out.
    /// Its standard error by `convention`: CR0 and CR1 need `clusters` (each row's matched set;
    /// CR1 by household, each row's household),
    /// two-way CR1 those and `units` (each row's unit, on `MatchedSetRows`); the HC ones use neither.
    public static func regression(outcome: [Double], treated: [Bool], weights: [Double], adjustment: [[Double]] = [],
                                  convention: StandardErrorConvention, clusters: [Int]? = nil, units: [Int]? = nil,
                                  confidence: Double = 0.95, power: Double = 0.8) throws(Failure) -> EffectEstimate {
        let n = outcome.count
        if convention.clustersByMatchedSet || convention.clustersByHousehold, clusters?.count != n { throw .clusterLabelsMissing(convention) }
        if convention.clustersByUnit, units?.count != n { throw .clusterLabelsMissing(convention) }
        let kept = outcome.indices.filter { weights[$0] > 0 }
        // Counts are of units: on matched-set rows (two-way) a control may fill several rows.
        let nTreated: Int, nControls: Int
        if let units, convention.clustersByUnit {
            nTreated = Set(kept.filter { treated[$0] }.map { units[$0] }).count
            nControls = Set(kept.filter { !treated[$0] }.map { units[$0] }).count
        } else {
            nTreated = kept.filter { treated[$0] }.count
            nControls = kept.count - nTreated
        }
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
        let keptClusters = kept.map { clusters?[$0] ?? 0 }, keptUnits = kept.map { units?[$0] ?? 0 }
        let covariance: LinearRegression.Covariance = switch convention {
        case .hc0: .hc0
        case .hc1: .hc1
        case .hc2: .hc2
        case .hc3: .hc3
        case .cr0: .cr0(keptClusters)
        case .cr1, .cr1Household: .cr1(keptClusters)
        case .cr1TwoWay: .twoWay(keptClusters, keptUnits)
        case .influenceFunction: throw .notARegressionConvention
        }
        let fit: LinearRegression.Fit
        do {
            fit = try LinearRegression(covariance: covariance).fit(design: design, outcome: kept.map { outcome[$0] },
                                                                   weights: kept.map { weights[$0] })
        } catch {
            switch error {
            case .collinear(let column) where column >= 2: throw .collinearAdjustment(covariate: column - 2)
            default: throw .tooLittleData
            }
        }
        // Only two-way's meat (a difference) can leave a variance below zero.
        if convention == .cr1TwoWay, !(fit.covariance[1, 1] >= 0) { throw .negativeVariance }
        return EffectEstimate(estimate: fit.coefficients[1], standardError: fit.standardErrors[1], kind: convention,
                              treated: nTreated, controls: nControls, confidence: confidence, power: power)
    }
}
