import OutcomesStatistics

/// The pure steps of a comparison: propensity model → matching or weights → balance → effects.
public enum Evaluation {
    public static func run(_ spec: EvaluationSpec, on table: EvaluationTable) throws(EvaluationError) -> EvaluationResult {
        let spec = try spec.validated()
        return try run(spec, table, weighed: try weigh(spec, table))
    }

    /// A design's weights and matched sets or subclasses, before balance and effects.
    struct Weighed {
        let covariates: [DesignMatrix.Covariate]
        let design: DesignMatrix
        let propensity: (fit: LogisticRegression.Fit, names: [String])?
        let weights: [Double]
        let subclass: [Int?]
        let matches: [Int: [Int]]?
        let discarded: [Bool]
        let warnings: [EvaluationResult.Warning]
    }

    /// The propensity model and the method's weights (and matched sets) under a validated spec.
    static func weigh(_ spec: EvaluationSpec, _ table: EvaluationTable) throws(EvaluationError) -> Weighed {
        let nTreated = table.treated.filter { $0 }.count, nControl = table.count - nTreated
        guard nTreated > 0 else { throw .design(.noParticipants(source: table.source)) }
        guard nControl > 0 else { throw .design(.noComparisonUnits(source: table.source)) }
        let covariates = try spec.covariates.map { name throws(EvaluationError) in try covariate(name, table) }
        let design = DesignMatrix(covariates, rows: table.count)
        let propensity = spec.method.usesPropensity ? try propensityModel(design, table) : nil

        // Weights (and matched sets) for the chosen method.
        var weights = Array(repeating: 1.0, count: table.count)
        var subclass: [Int?] = Array(repeating: nil, count: table.count)
        var matches: [Int: [Int]]? = nil
        var discarded = Array(repeating: false, count: table.count)
        var warnings: [EvaluationResult.Warning] = []
        if let extreme = propensity?.fit.extremeFits, extreme > 0 { warnings.append(.extremePropensity(count: extreme)) }
        switch spec.method {
        case .none: break
        case .subclass:
            let result = try subclassify(spec, distance: propensity!.fit.fitted, table)
            (weights, subclass, discarded) = (result.weights, result.subclass, result.discarded)
            warnings += discardWarnings(discarded, table)
            if result.unitsReassigned > 0 { warnings.append(.subclassesFilled(units: result.unitsReassigned)) }
            if result.subclassesFormed < spec.subclasses { warnings.append(.fewerSubclasses(formed: result.subclassesFormed, asked: spec.subclasses)) }
        case .cem:
            let result = try coarsenedExactMatch(spec, covariates, table)
            (weights, subclass) = (result.weights, result.subclass)
            if result.treatedDropped > 0 {
                warnings.append(.strataWithoutControls(strata: result.strataWithoutControls, treated: result.treatedDropped, of: nTreated))
            }
            if spec.estimand == .ate, result.controlsDropped > 0 {
                warnings.append(.strataWithoutTreated(strata: result.strataWithoutTreated, controls: result.controlsDropped, of: nControl))
            }
        case .ebal:
            weights = try entropyBalance(spec, covariates, table)
        case .aipw:
            // The weighting half of the estimator: what balance is shown after.
            weights = PropensityWeights.weights(propensity: propensity!.fit.fitted, treated: table.treated, estimand: spec.estimand)
        case .weighting:
            weights = PropensityWeights.weights(propensity: propensity!.fit.fitted, treated: table.treated, estimand: spec.estimand)
            if let trim = spec.trim {
                let trimmed = PropensityWeights.trimmed(weights, treated: table.treated, estimand: spec.estimand, at: trim)
                warnings.append(.weightsTrimmed(at: trim, count: zip(trimmed, weights).filter { $0 != $1 }.count))
                weights = trimmed
            }
        case .nearest:
            let exact = try spec.exact.isEmpty ? nil : exactKeys(spec.exact, table)
            let matching = NearestNeighbourMatching(ratio: spec.ratio, replace: spec.replace, caliper: spec.caliper,
                                                    discard: discardRule(spec.discard), search: Self.search(spec.search))
            let result = matching.match(distance: propensity!.fit.fitted, treated: table.treated, exact: exact)
            (weights, matches, discarded) = (result.weights, result.matches, result.discarded)
            let matchedTreated = result.matches.values.filter { !$0.isEmpty }.count
            let discardedTreated = table.treated.indices.filter { table.treated[$0] && discarded[$0] }.count
            warnings += discardWarnings(discarded, table)
            guard matchedTreated > 0 else {
                throw .design(.noMatches(participants: nTreated, outsideSupport: discardedTreated))
            }
            if matchedTreated < nTreated - discardedTreated { warnings.append(.unmatchedTreated(count: nTreated - discardedTreated - matchedTreated, of: nTreated)) }
            if !spec.replace {
                var number = 0
                for unit in table.treated.indices where table.treated[unit] {
                    guard let taken = result.matches[unit], !taken.isEmpty else { continue }
                    number += 1
                    subclass[unit] = number
                    for control in taken { subclass[control] = number }
                }
            }
        }
        return Weighed(covariates: covariates, design: design, propensity: propensity, weights: weights, subclass: subclass,
                       matches: matches, discarded: discarded, warnings: warnings)
    }

    /// Balance, the effects (overall and per group) and the units of a weighed design.
    static func run(_ spec: EvaluationSpec, _ table: EvaluationTable, weighed: Weighed) throws(EvaluationError) -> EvaluationResult {
        let (covariates, design, propensity, weights) = (weighed.covariates, weighed.design, weighed.propensity, weighed.weights)
        let (subclass, matches, discarded) = (weighed.subclass, weighed.matches, weighed.discarded)
        var warnings = weighed.warnings
        let distance = propensity?.fit.fitted
        let before = balanceRows(covariates, distance: distance, table: table, weights: nil, estimand: spec.estimand)
        let sets = subclass.contains { $0 != nil } ? subclass : nil
        // With replacement a control is in several matched sets: pairs come from the match matrix.
        let matchedRows = spec.method == .nearest && spec.replace ? matches.flatMap { try? MatchedSetRows(matches: $0, unitCount: table.count) } : nil
        let after = spec.method == .none ? before : balanceRows(covariates, distance: distance, table: table, weights: weights, estimand: spec.estimand,
                                                                subclass: sets, matchedRows: matchedRows)
        let imbalanced = after.filter { abs($0.standardizedMeanDifference ?? 0) > spec.balanceThreshold && $0.name != "distance" }.map(\.name)
        if !imbalanced.isEmpty { warnings.append(.imbalanced(covariates: imbalanced, threshold: spec.balanceThreshold)) }

        let clusters = sets?.map { $0 ?? 0 }
        if spec.standardErrorConvention == .household, table.households == nil { throw .option("se", .householdsNeedTheIDS) }
        let adjustment = spec.adjust ? (1..<design.matrix.columns).map { column in (0..<table.count).map { design.matrix[$0, column] } } : []
        var estimates = spec.method == .aipw
            ? try augmentedEffects(spec, table, design: design)
            : try effects(spec, table, weights: weights, clusters: clusters, matches: matches, adjustment: adjustment, group: nil)
        let groups = Set(table.groups.indices.filter { table.treated[$0] }.compactMap { table.groups[$0] }).sorted()
        var groupWeights: [String: EvaluationResult.GroupWeights] = [:], groupsNotWeighed: [String: EvaluationError] = [:]
        if groups.count > 1 {
            for group in groups {
                do {
                    let found = try groupEffects(group, spec, table, weights: weights, matches: matches, clusters: clusters,
                                                 adjustment: adjustment)
                    groupWeights[group] = found.weights
                    estimates += try found.estimates.get()
                } catch {
                    warnings.append(.groupNotEstimated(group: group, reason: error.message))
                    if spec.method.weighsEachGroup && groupWeights[group] == nil { groupsNotWeighed[group] = error }
                }
            }
        }

        let sizes = sampleSizes(table, weights: weights, discarded: discarded)
        let units = table.ids.indices.filter { weights[$0] > 0 }.map {
            EvaluationResult.Unit(index: $0, propensity: distance?[$0], weight: weights[$0], subclass: subclass[$0])
        }
        let model = propensity.map { p in p.names.indices.map { (p.names[$0], p.fit.coefficients[$0], p.fit.standardErrors[$0]) } } ?? []
        var result = EvaluationResult(spec: spec, propensityModel: model, sampleSizes: sizes, balanceBefore: before, balanceAfter: after,
                                      estimates: estimates, warnings: warnings, units: units)
        result.matches = matches
        (result.groupWeights, result.groupsNotWeighed) = (groupWeights, groupsNotWeighed)
        if let distance {
            func counts(_ include: (Int) -> Bool) -> [Int] {
                var bins = Array(repeating: 0, count: EvaluationResult.Overlap.bins)
                for i in distance.indices where include(i) { bins[min(bins.count - 1, max(0, Int(distance[i] * Double(bins.count))))] += 1 }
                return bins
            }
            result.overlap = .init(treated: counts { table.treated[$0] }, controls: counts { !table.treated[$0] },
                                   keptControls: counts { !table.treated[$0] && weights[$0] > 0 })
        }
        return result
    }
}
