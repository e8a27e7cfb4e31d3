import Foundation
import OutcomesDomain
import OutcomesStatistics

/// A comparison run's findings as stored in the jsonb columns of `evaluation.runs`: one value per
/// column. A figure that is not finite (no standard error from one unit) is stored as `null`.
struct EvaluationRunDocument {
    /// `sample_sizes`: each sample's controls and participants, by `all`, `matched_ess`,
    /// `matched`, `unmatched` and `discarded`.
    struct SampleSize: Codable, Equatable {
        var control: Double
        var treated: Double
    }

    /// One row of `estimates`: an outcome's estimate, overall (`provider` nil) or one provider's.
    struct Estimate: Codable, Equatable {
        var outcome: String
        var provider: String?
        var analysis: EvaluationResult.Analysis
        var estimate: Double?
        var standardError: Double?
        var standardErrorType: String
        var ciLower: Double?
        var ciUpper: Double?
        var pValue: Double?
        var minimumDetectableEffect: Double?
        var treated: Int
        var controls: Int
        var meanTreated: Double?
        var meanControl: Double?
    }

    /// One covariate's balance, before or after (`balance`).
    struct BalanceRow: Codable, Equatable {
        var covariate: String
        var binary: Bool
        var meansTreated: Double?
        var meansControl: Double?
        var standardizedMeanDifference: Double?
        var varianceRatio: Double?
        var eCDFMean: Double?
        var eCDFMax: Double?
        var standardizedPairDistance: Double?
    }

    struct Balance: Codable, Equatable {
        var before: [BalanceRow]
        var after: [BalanceRow]
    }

    /// One term of `propensity_model`.
    struct PropensityTerm: Codable, Equatable {
        var term: String
        var coefficient: Double?
        var standardError: Double?
    }

    let design: EvaluationSpec
    let sampleSizes: [String: SampleSize]
    let estimates: [Estimate]
    let balance: Balance
    let propensityModel: [PropensityTerm]
    let warnings: [EvaluationResult.Warning]

    init(_ result: EvaluationResult) {
        func finite(_ value: Double?) -> Double? { value.flatMap { $0.isFinite ? $0 : nil } }
        design = result.spec
        let s = result.sampleSizes
        sampleSizes = Dictionary(uniqueKeysWithValues: [("all", s.all), ("matched_ess", s.matchedESS), ("matched", s.matched),
                                                        ("unmatched", s.unmatched), ("discarded", s.discarded)]
            .map { ($0.0, SampleSize(control: $0.1.control, treated: $0.1.treated)) })
        estimates = result.estimates.map { e in
            let ci = e.effect.confidenceInterval
            return Estimate(outcome: e.outcome, provider: e.group, analysis: e.analysis, estimate: finite(e.effect.estimate),
                            standardError: finite(e.effect.standardError), standardErrorType: e.effect.kind.label, ciLower: finite(ci.lower),
                            ciUpper: finite(ci.upper), pValue: finite(e.effect.pValue), minimumDetectableEffect: finite(e.effect.minimumDetectableEffect),
                            treated: e.effect.treated, controls: e.effect.controls, meanTreated: finite(e.meanTreated),
                            meanControl: finite(e.meanControl))
        }
        func rows(_ rows: [OutcomesStatistics.Balance.Row]) -> [BalanceRow] {
            rows.map {
                BalanceRow(covariate: $0.name, binary: $0.binary, meansTreated: finite($0.meanTreated), meansControl: finite($0.meanControl),
                           standardizedMeanDifference: finite($0.standardizedMeanDifference), varianceRatio: finite($0.varianceRatio),
                           eCDFMean: finite($0.eCDFMean), eCDFMax: finite($0.eCDFMax), standardizedPairDistance: finite($0.standardizedPairDistance))
            }
        }
        balance = Balance(before: rows(result.balanceBefore), after: rows(result.balanceAfter))
        propensityModel = result.propensityModel.map {
            PropensityTerm(term: $0.name, coefficient: finite($0.coefficient), standardError: finite($0.standardError))
        }
        warnings = result.warnings
    }
}

// The stored keys; a missing figure is written as null, as before.
extension EvaluationRunDocument.Estimate {
    enum CodingKeys: String, CodingKey {
        case outcome, provider, analysis, estimate, treated, controls
        case standardError = "std_error", standardErrorType = "se_type", ciLower = "ci_lower", ciUpper = "ci_upper", pValue = "p_value"
        case minimumDetectableEffect = "mde", meanTreated = "mean_treated", meanControl = "mean_control"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(provider, forKey: .provider)
        try container.encode(analysis, forKey: .analysis)
        try container.encode(estimate, forKey: .estimate)
        try container.encode(standardError, forKey: .standardError)
        try container.encode(standardErrorType, forKey: .standardErrorType)
        try container.encode(ciLower, forKey: .ciLower)
        try container.encode(ciUpper, forKey: .ciUpper)
        try container.encode(pValue, forKey: .pValue)
        try container.encode(minimumDetectableEffect, forKey: .minimumDetectableEffect)
        try container.encode(treated, forKey: .treated)
        try container.encode(controls, forKey: .controls)
        try container.encode(meanTreated, forKey: .meanTreated)
        try container.encode(meanControl, forKey: .meanControl)
    }
}

extension EvaluationRunDocument.BalanceRow {
    enum CodingKeys: String, CodingKey {
        case covariate, binary
        case meansTreated = "means_treated", meansControl = "means_control", standardizedMeanDifference = "std_mean_diff"
        case varianceRatio = "var_ratio", eCDFMean = "ecdf_mean", eCDFMax = "ecdf_max", standardizedPairDistance = "std_pair_dist"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(covariate, forKey: .covariate)
        try container.encode(binary, forKey: .binary)
        try container.encode(meansTreated, forKey: .meansTreated)
        try container.encode(meansControl, forKey: .meansControl)
        try container.encode(standardizedMeanDifference, forKey: .standardizedMeanDifference)
        try container.encode(varianceRatio, forKey: .varianceRatio)
        try container.encode(eCDFMean, forKey: .eCDFMean)
        try container.encode(eCDFMax, forKey: .eCDFMax)
        try container.encode(standardizedPairDistance, forKey: .standardizedPairDistance)
    }
}

extension EvaluationRunDocument.PropensityTerm {
    enum CodingKeys: String, CodingKey {
        case term, coefficient
        case standardError = "std_error"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(term, forKey: .term)
        try container.encode(coefficient, forKey: .coefficient)
        try container.encode(standardError, forKey: .standardError)
    }
}
