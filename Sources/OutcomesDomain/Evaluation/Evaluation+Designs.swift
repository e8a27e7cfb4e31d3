import OutcomesStatistics

/// The designs beyond nearest-neighbour matching and weighting: each kernel's failure said as
/// the comparison's, its counts kept for the report.
extension Evaluation {
    static func subclassify(_ spec: EvaluationSpec, distance: [Double], _ table: EvaluationTable) throws(EvaluationError) -> Subclassification.Result {
        let subclassification = Subclassification(subclasses: spec.subclasses, estimand: spec.estimand, discard: discardRule(spec.discard))
        do {
            return try subclassification.subclassify(distance: distance, treated: table.treated)
        } catch {
            throw .design(.subclassification(error))
        }
    }

    static func coarsenedExactMatch(_ spec: EvaluationSpec, _ covariates: [DesignMatrix.Covariate],
                                    _ table: EvaluationTable) throws(EvaluationError) -> CoarsenedExactMatching.Result {
        let matching = CoarsenedExactMatching(estimand: spec.estimand, coarsening: spec.cutpoints.mapValues { .bins($0) })
        do {
            return try matching.match(covariates, treated: table.treated)
        } catch {
            if case .categoricalCoarsened(let name) = error { throw .option("cutpoints", .categoricalCoarsened(name)) }
            throw .design(.coarsenedExactMatching(error))
        }
    }

    static func entropyBalance(_ spec: EvaluationSpec, _ covariates: [DesignMatrix.Covariate],
                               _ table: EvaluationTable) throws(EvaluationError) -> [Double] {
        do {
            return try EntropyBalancing(estimand: spec.estimand).weights(covariates: covariates, treated: table.treated).weights
        } catch {
            throw .design(.entropyBalancing(error, spec.estimand))
        }
    }

    /// AIPW's estimate of each outcome (and of its change since the pre-window), with the
    /// influence-function standard error; the means are the two potential-outcome means.
    static func augmentedEffects(_ spec: EvaluationSpec, _ table: EvaluationTable,
                                 design: DesignMatrix) throws(EvaluationError) -> [EvaluationResult.Estimate] {
        let nTreated = table.treated.filter { $0 }.count
        guard nTreated >= 2, table.count - nTreated >= 2 else {
            throw .design(.tooFewForAIPW(participants: nTreated, comparisonUnits: table.count - nTreated))
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
                    throw .design(.constantOutcome(outcome.name, first, among: .all))
                }
                let result: AugmentedIPW.Result
                do {
                    result = try AugmentedIPW(effect: spec.estimand).estimate(outcome: values, treated: table.treated, design: design.matrix)
                } catch {
                    throw .design(.augmentedIPW(outcome: outcome.name, error, columns: design.names))
                }
                let effect = EffectEstimate(estimate: result.estimate, standardError: result.standardError, kind: .influenceFunction,
                                            treated: result.treated, controls: result.controls, confidence: spec.confidence, power: spec.power)
                guard effect.standardError.isFinite, effect.standardError > 0 else {
                    throw .design(.noStandardError(outcome: outcome.name, among: .all))
                }
                estimates.append(.init(outcome: outcome.name, group: nil, analysis: analysis, effect: effect,
                                       meanTreated: result.treatedMean, meanControl: result.controlMean))
            }
        }
        return estimates
    }

    /// The units outside common support, by group, when there are any.
    static func discardWarnings(_ discarded: [Bool], _ table: EvaluationTable) -> [EvaluationResult.Warning] {
        let treated = table.treated.indices.filter { table.treated[$0] && discarded[$0] }.count
        let control = discarded.filter { $0 }.count - treated
        return treated + control > 0 ? [.discarded(treated: treated, control: control)] : []
    }
}
