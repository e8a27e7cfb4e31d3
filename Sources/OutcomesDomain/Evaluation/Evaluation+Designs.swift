import Foundation
import OutcomesStatistics

/// The designs beyond nearest-neighbour matching and weighting: each kernel's failure said as
/// the comparison's, its counts kept for the report.
extension Evaluation {
    static func subclassify(_ spec: EvaluationSpec, distance: [Double], _ table: EvaluationTable) throws(EvaluationError) -> Subclassification.Result {
        let subclassification = Subclassification(subclasses: spec.subclasses, estimand: spec.estimand, discard: discardRule(spec.discard))
        do {
            return try subclassification.subclassify(distance: distance, treated: table.treated)
        } catch {
            switch error {
            case .noSubclassWithBothGroups, .noUnits:
                throw .design("subclassification: \(error.description); use fewer subclasses (--subclasses) or another method")
            default:
                throw .design("subclassification: \(error.description)")
            }
        }
    }

    static func coarsenedExactMatch(_ spec: EvaluationSpec, _ covariates: [DesignMatrix.Covariate],
                                    _ table: EvaluationTable) throws(EvaluationError) -> CoarsenedExactMatching.Result {
        let matching = CoarsenedExactMatching(estimand: spec.estimand, coarsening: spec.cutpoints.mapValues { .bins($0) })
        do {
            return try matching.match(covariates, treated: table.treated)
        } catch {
            switch error {
            case .categoricalCoarsened(let name):
                throw .option("cutpoints", "\(name.printable) is categorical; coarsened exact matching matches its categories exactly")
            case .noStratumWithBothGroups(let strata):
                throw .design("coarsened exact matching: none of the \(strata) strata holds both participants and comparison units; coarsen more (fewer --cutpoints bins) or drop a covariate")
            default:
                throw .design("coarsened exact matching: \(error.description)")
            }
        }
    }

    static func entropyBalance(_ spec: EvaluationSpec, _ covariates: [DesignMatrix.Covariate],
                               _ table: EvaluationTable) throws(EvaluationError) -> [Double] {
        do {
            return try EntropyBalancing(estimand: spec.estimand).weights(covariates: covariates, treated: table.treated).weights
        } catch {
            switch error {
            case .unreachableTarget(_, let column, let target, let low, let high):
                let whose = spec.estimand == .att ? "the participants' mean" : "the mean of all units"
                throw .design("entropy balancing cannot balance \(column.printable): \(whose), \(String(format: "%.6g", target)), lies outside or on the edge of the values of a group it reweights (\(String(format: "%.6g", low)) to \(String(format: "%.6g", high))), which no positive weights reach; drop, merge or coarsen \(column.printable), restrict the pool, or use another method")
            case .notConverged(let iterations, let imbalance, _, let column):
                let whose = spec.estimand == .att ? "the participants' mean" : "the mean of all units"
                throw .design("entropy balancing did not converge in \(iterations) iterations: \(column.printable) is still \(String(format: "%.3g", imbalance)) SD from \(whose); drop covariates that nearly repeat others, or use another method")
            case .emptyGroup(let treated):
                throw .design("entropy balancing needs both groups; there are no \(treated ? "participants" : "comparison units")")
            case .wrongLength, .notFinite:
                throw .design("entropy balancing: a covariate has a value that is not a finite number")
            }
        }
    }

    /// AIPW's estimate of each outcome (and of its change since the pre-window), with the
    /// influence-function standard error; the means are the two potential-outcome means.
    static func augmentedEffects(_ spec: EvaluationSpec, _ table: EvaluationTable,
                                 design: DesignMatrix) throws(EvaluationError) -> [EvaluationResult.Estimate] {
        let nTreated = table.treated.filter { $0 }.count
        guard nTreated >= 2, table.count - nTreated >= 2 else {
            throw .design("AIPW needs at least two participants and two comparison units (\(nTreated) and \(table.count - nTreated) here)")
        }
        var estimates: [EvaluationResult.Estimate] = []
        for outcome in spec.outcomes {
            let y = try table.numeric(outcome.name, option: "outcome")
            var analyses: [(EvaluationResult.Analysis, [Double])] = [(.difference, y)]
            if let pre = outcome.pre {
                let before = try table.numeric(pre, option: "pre")
                analyses.append((.differenceInDifferences, zip(y, before).map { $0 - $1 }))
            }
            for (analysis, values) in analyses {
                if let first = values.first, values.allSatisfy({ $0 == first }) {
                    throw .design("\(outcome.name.printable) is \(first) for every unit, so there is no effect on it to estimate")
                }
                let result: AugmentedIPW.Result
                do {
                    result = try AugmentedIPW(effect: spec.estimand).estimate(outcome: values, treated: table.treated, design: design.matrix)
                } catch {
                    throw .design("AIPW cannot estimate the effect on \(outcome.name.printable): \(describe(error, design))")
                }
                let effect = EffectEstimate(estimate: result.estimate, standardError: result.standardError, kind: .influenceFunction,
                                            treated: result.treated, controls: result.controls, confidence: spec.confidence, power: spec.power)
                guard effect.standardError.isFinite, effect.standardError > 0 else {
                    throw .design("\(outcome.name.printable) does not vary, so its effect has no standard error")
                }
                estimates.append(.init(outcome: outcome.name, group: nil, analysis: analysis, effect: effect,
                                       meanTreated: result.treatedMean, meanControl: result.controlMean))
            }
        }
        return estimates
    }

    static func describe(_ failure: AugmentedIPW.Failure, _ design: DesignMatrix) -> String {
        switch failure {
        case .propensityAtBoundary(let unit, _):
            "unit \(unit + 1)'s propensity score is 0 or 1 (a covariate level found in one group only), so its inverse weight is unbounded; drop or merge that level"
        case .tooFewUnits(let treated, let units, let columns):
            "the \(treated ? "participants" : "comparison units") (\(units)) are too few for an outcome model with \(columns) columns"
        case .collinearOutcomeModel(let treated, let column):
            "among the \(treated ? "participants" : "comparison units"), column \(design.names[column].printable) is a linear combination of the others"
        case .collinearPropensityModel(let column):
            "in the propensity model, column \(design.names[column].printable) is a linear combination of the others"
        case .propensityModel:
            "the propensity model cannot be fitted (see the same design with --method weighting)"
        case .lengthMismatch, .notFinite:
            "a value is not a finite number"
        }
    }

    /// The units outside common support, by group, when there are any.
    static func discardWarnings(_ discarded: [Bool], _ table: EvaluationTable) -> [EvaluationResult.Warning] {
        let treated = table.treated.indices.filter { table.treated[$0] && discarded[$0] }.count
        let control = discarded.filter { $0 }.count - treated
        return treated + control > 0 ? [.discarded(treated: treated, control: control)] : []
    }
}
