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
            case .noSubclassWithBothGroups, .noUnits, .tooFewUnitsToFillSubclasses:
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

    /// The units outside common support, by group, when there are any.
    static func discardWarnings(_ discarded: [Bool], _ table: EvaluationTable) -> [EvaluationResult.Warning] {
        let treated = table.treated.indices.filter { table.treated[$0] && discarded[$0] }.count
        let control = discarded.filter { $0 }.count - treated
        return treated + control > 0 ? [.discarded(treated: treated, control: control)] : []
    }
}
