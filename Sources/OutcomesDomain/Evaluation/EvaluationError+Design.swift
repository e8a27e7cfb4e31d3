import Foundation
import OutcomesStatistics

extension EvaluationError {
    /// Why the comparison cannot be made with data that are themselves fine: what is missing or
    /// degenerate, or which method failed and how (its OutcomesStatistics failure).
    public enum DesignProblem: Sendable, Equatable {
        // The units (`source`: the file or "the IDS").
        case noParticipants(source: String)
        case noComparisonUnits(source: String)
        /// A numeric covariate with the same value for every unit.
        case constantCovariate(String, Double)
        /// A categorical covariate with a single category (shown) for every unit.
        case singleCategory(covariate: String, String)

        // The design's model and method.
        /// The propensity model cannot be fitted: the failure, the design's columns (a collinear one is
        /// named by its index among them), the units, and, after separation, the columns that alone
        /// separate participants from the pool.
        case propensityModel(LogisticRegression.Failure, columns: [String], units: Int, separating: [String])
        /// Nearest-neighbour matching matched no participant: of the participants, those outside
        /// common support (the rest found no control within the caliper or exact strata).
        case noMatches(participants: Int, outsideSupport: Int)
        case subclassification(Subclassification.Failure)
        case coarsenedExactMatching(CoarsenedExactMatching.Failure)
        /// Entropy balancing failed; under the estimand, whose means it balances to.
        case entropyBalancing(EntropyBalancing.Failure, Estimand)
        /// AIPW needs two units of each group.
        case tooFewForAIPW(participants: Int, comparisonUnits: Int)
        /// AIPW cannot estimate the effect on an outcome; the design's columns name a collinear one.
        case augmentedIPW(outcome: String, AugmentedIPW.Failure, columns: [String])
        /// Two-way clustering's rows (one per unit per matched set) cannot be laid out.
        case matchedSetRows(MatchedSetRows.Failure)

        // The effects.
        /// The regression that estimates the effect on an outcome failed under the convention.
        case effect(outcome: String, EffectEstimate.Failure, StandardErrorConvention)
        /// An outcome with the same value for every unit (or every weighted unit): no effect to estimate.
        case constantOutcome(String, Double, among: Units)
        /// An outcome whose effect has no standard error (it does not vary).
        case noStandardError(outcome: String, among: Units)
        /// A provider (group) none of whose participants was matched.
        case groupUnmatched(String)

        // A stored comparison group (`WeightedGroup`).
        /// A provider whose own run made no weights, and that run's error when there was one.
        indirect case providerWithoutOwnWeights(String, cause: EvaluationError?)
        case providerWithoutWeightedComparisons(String)
        /// A comparison unit's weight under a provider beyond what a stored group holds.
        case weightTooLarge(provider: String)
        /// The weights together beyond what a stored group holds.
        case weightsOverflow

        // An evaluation file against its contract.
        /// An outcome the contract has no metric of: the contract and its metrics.
        case outcomeNotAMetric(String, contract: String, metrics: [String])
        /// A metric that cannot be an outcome (days_to_event, or a period-anchored window).
        case metricNotAnOutcome(String)
    }

    /// Which units an outcome is the same for.
    public enum Units: Sendable, Equatable {
        case all, weighted
    }
}

extension EvaluationError.DesignProblem {
    /// Why, in English: a clause after "cannot compare: ".
    public var explanation: String {
        switch self {
        case .noParticipants(let source): "\(source) has no treated units (participants)"
        case .noComparisonUnits(let source): "\(source) has no comparison units; the pool is empty"
        case .constantCovariate(let name, let value):
            "covariate \(name.printable) is \(value) for every unit, so it cannot explain who was treated; drop it"
        case .singleCategory(let name, let value): "covariate \(name.printable) has the single value \(value.printable) for every unit; drop it"
        case .propensityModel(let failure, let columns, let units, let separating):
            Self.propensity(failure, columns: columns, units: units, separating: separating)
        case .noMatches(let participants, let outsideSupport):
            "no participant found a comparison unit (\(participants) participants, \(outsideSupport) outside common support, the rest without "
                + "a control within the caliper or exact strata); widen the caliper or drop an exact key"
        case .subclassification(let failure):
            switch failure {
            case .noSubclassWithBothGroups, .noUnits: "subclassification: \(failure.description); use fewer subclasses (--subclasses) or another method"
            default: "subclassification: \(failure.description)"
            }
        case .coarsenedExactMatching(let failure):
            switch failure {
            case .noStratumWithBothGroups(let strata):
                "coarsened exact matching: none of the \(strata) strata holds both participants and comparison units; coarsen more (fewer "
                    + "--cutpoints bins) or drop a covariate"
            default: "coarsened exact matching: \(failure.description)"
            }
        case .entropyBalancing(let failure, let estimand): Self.entropyBalancing(failure, estimand)
        case .tooFewForAIPW(let participants, let comparisonUnits):
            "AIPW needs at least two participants and two comparison units (\(participants) and \(comparisonUnits) here)"
        case .augmentedIPW(let outcome, let failure, let columns):
            "AIPW cannot estimate the effect on \(outcome.printable): \(Self.augmentedIPW(failure, columns))"
        case .matchedSetRows: "the matched sets cannot be laid out one row per unit per set"
        case .effect(let outcome, let failure, let convention): Self.effect(outcome, failure, convention)
        case .constantOutcome(let outcome, let value, let among):
            "\(outcome.printable) is \(value) for every \(among == .weighted ? "weighted " : "")unit, so there is no effect on it to estimate"
        case .noStandardError(let outcome, let among):
            "\(outcome.printable) does not vary\(among == .weighted ? " among the weighted units" : ""), so its effect has no standard error"
        case .groupUnmatched(let group): "no participant of \(group.printable) was matched"
        case .providerWithoutOwnWeights(let provider, let cause):
            "provider \(provider.printable)'s participants have no comparison weights of their own"
                + (cause.map { " (against the pool alone, \(Self.why($0)))" } ?? "")
                + ", so a stored group would leave their payments without a comparison; change the design for them"
        case .providerWithoutWeightedComparisons(let provider): "provider \(provider.printable)'s participants have no weighted comparison units"
        case .weightTooLarge(let provider): "a comparison unit's weight under provider \(provider.printable) is too large to store"
        case .weightsOverflow: "the comparison weights add up to more than a stored group can hold"
        case .outcomeNotAMetric(let outcome, let contract, let metrics):
            "the evaluation names the outcome \(outcome.printable), but contract \(contract) has no metric \(outcome.printable); its metrics: "
                + metrics.joined(separator: ", ")
        case .metricNotAnOutcome(let metric):
            "metric \(metric) cannot be an evaluation outcome (days_to_event is missing for units without the event; a period-anchored window "
                + "has no index date)"
        }
    }

    /// A provider's own run's error, inside the sentence that it left the provider without weights.
    private static func why(_ error: EvaluationError) -> String {
        if case .design(let problem) = error { problem.explanation } else { error.message }
    }

    private static func propensity(_ failure: LogisticRegression.Failure, columns: [String], units: Int, separating: [String]) -> String {
        switch failure {
        case .collinear(let column):
            "in the propensity model, column \(columns[column].printable) is a linear combination of the others (a constant, a copy, or a sum "
                + "of other columns); drop it"
        case .separation:
            "the covariates predict treatment perfectly (no overlap between participants and the pool"
                + (separating.isEmpty ? "" : " — \(separating.map(\.printable).joined(separator: ", ")) alone separates them")
                + "); drop or coarsen the covariate, or restrict the pool to comparable people"
        case .notConverged(let iterations): "the propensity model did not converge in \(iterations) iterations; rescale or drop covariates"
        case .tooLittleData: "\(units) units are too few for a propensity model with \(columns.count) columns"
        }
    }

    private static func entropyBalancing(_ failure: EntropyBalancing.Failure, _ estimand: Estimand) -> String {
        let whose = estimand == .att ? "the participants' mean" : "the mean of all units"
        return switch failure {
        case .unreachableTarget(_, let column, let target, let low, let high):
            "entropy balancing cannot balance \(column.printable): \(whose), \(String(format: "%.6g", target)), lies outside or on the edge of "
                + "the values of a group it reweights (\(String(format: "%.6g", low)) to \(String(format: "%.6g", high))), which no positive "
                + "weights reach; drop, merge or coarsen \(column.printable), restrict the pool, or use another method"
        case .notConverged(let iterations, let imbalance, _, let column):
            "entropy balancing did not converge in \(iterations) iterations: \(column.printable) is still \(String(format: "%.3g", imbalance)) "
                + "SD from \(whose); drop covariates that nearly repeat others, or use another method"
        case .emptyGroup(let treated): "entropy balancing needs both groups; there are no \(treated ? "participants" : "comparison units")"
        case .wrongLength, .notFinite: "entropy balancing: a covariate has a value that is not a finite number"
        }
    }

    private static func augmentedIPW(_ failure: AugmentedIPW.Failure, _ columns: [String]) -> String {
        switch failure {
        case .propensityAtBoundary(let unit, _):
            "unit \(unit + 1)'s propensity score is 0 or 1 (a covariate level found in one group only), so its inverse weight is unbounded; "
                + "drop or merge that level"
        case .tooFewUnits(let treated, let units, let columns):
            "the \(treated ? "participants" : "comparison units") (\(units)) are too few for an outcome model with \(columns) columns"
        case .collinearOutcomeModel(let treated, let column):
            "among the \(treated ? "participants" : "comparison units"), column \(columns[column].printable) is a linear combination of the others"
        case .collinearPropensityModel(let column):
            "in the propensity model, column \(columns[column].printable) is a linear combination of the others"
        case .propensityModel:
            "the propensity model cannot be fitted (see the same design with --method weighting)"
        case .lengthMismatch, .notFinite:
            "a value is not a finite number"
        }
    }

    private static func effect(_ outcome: String, _ failure: EffectEstimate.Failure, _ convention: StandardErrorConvention) -> String {
        switch failure {
        case .tooLittleData: "too few weighted units (or matched sets) to estimate the effect on \(outcome.printable)"
        case .collinearAdjustment: "the covariates are collinear with treatment in the adjusted model for \(outcome.printable); drop --adjust"
        case .clusterLabelsMissing, .notARegressionConvention:
            "\(outcome.printable)'s effect has no \(convention.rawValue) standard error: the units have no matched sets or subclasses"
        case .negativeVariance:
            "the two-way clustered variance of the effect on \(outcome.printable) is negative (the unit and matched-set terms outweigh their "
                + "overlap); use --se HC3 or CR1"
        }
    }
}
