import OutcomesStatistics

extension Evaluation {
    static func covariate(_ name: String, _ table: EvaluationTable) throws(EvaluationError) -> DesignMatrix.Covariate {
        switch try table.column(name, option: "covariates") {
        case .numeric(let values):
            if let first = values.first, values.allSatisfy({ $0 == first }) {
                throw .design(.constantCovariate(name, first))
            }
            return .numeric(name, values)
        case .categorical(let values):
            if Set(values).count < 2 { throw .design(.singleCategory(covariate: name, values[0])) }
            return .categorical(name, values)
        }
    }

    static func propensityModel(_ design: DesignMatrix, _ table: EvaluationTable) throws(EvaluationError) -> (fit: LogisticRegression.Fit, names: [String]) {
        let outcome = table.treated.map { $0 ? 1.0 : 0.0 }
        do {
            return (try LogisticRegression().fit(design: design.matrix, outcome: outcome), design.names)
        } catch {
            let separating = error == .separation ? separatingColumns(design, table.treated) : []
            throw .design(.propensityModel(error, columns: design.names, units: table.count, separating: separating))
        }
    }

    /// Columns whose treated and control values do not overlap at all.
    static func separatingColumns(_ design: DesignMatrix, _ treated: [Bool]) -> [String] {
        (1..<design.names.count).filter { column in
            let t = treated.indices.filter { treated[$0] }.map { design.matrix[$0, column] }
            let c = treated.indices.filter { !treated[$0] }.map { design.matrix[$0, column] }
            guard let tMin = t.min(), let tMax = t.max(), let cMin = c.min(), let cMax = c.max() else { return false }
            return tMin > cMax || tMax < cMin
        }.map { design.names[$0] }
    }

    static func exactKeys(_ names: [String], _ table: EvaluationTable) throws(EvaluationError) -> [String] {
        let columns = try names.map { name throws(EvaluationError) in try table.column(name, option: "exact") }
        return (0..<table.count).map { row in
            columns.map { column in
                switch column {
                case .numeric(let v): String(v[row])
                case .categorical(let v): v[row]
                }
            }.joined(separator: "\u{1F}")
        }
    }

    static func discardRule(_ discard: EvaluationSpec.Discard) -> NearestNeighbourMatching.Discard {
        switch discard {
        case .none: .none
        case .treated: .treated
        case .control: .control
        case .both: .both
        }
    }

    static func search(_ search: EvaluationSpec.Search) -> NearestNeighbourMatching.Search {
        switch search {
        case .firstInDataOrder: .nearest
        case .matchIt47: .matchIt47
        case .matchIt451: .matchIt451
        }
    }

    /// The propensity score, then each covariate — categorical ones as one 0/1 row per level, as
    /// MatchIt's `summary()` lists them (`race_black`, `race_hispan`, `race_white`).
    static func balanceRows(_ covariates: [DesignMatrix.Covariate], distance: [Double]?, table: EvaluationTable, weights: [Double]?,
                            estimand: Estimand, subclass: [Int?]? = nil, matchedRows: MatchedSetRows? = nil) -> [Balance.Row] {
        func row(_ name: String, _ values: [Double]) -> Balance.Row {
            Balance.row(name: name, values: values, treated: table.treated, weights: weights, estimand: estimand, subclass: subclass,
                        matchedRows: matchedRows)
        }
        var rows: [Balance.Row] = []
        if let distance { rows.append(row("distance", distance)) }
        for covariate in covariates {
            switch covariate {
            case .numeric(let name, let values):
                rows.append(row(name, values))
            case .categorical(let name, let values):
                for level in Set(values).sorted() { rows.append(row("\(name)_\(level)", values.map { $0 == level ? 1 : 0 })) }
            }
        }
        return rows
    }

    /// Each outcome's estimates under the design's standard-error convention: clustered ones by
    /// `clusters` (matched set or subclass); two-way CR1 on one row per unit per matched set, built
    /// from `matches` as MatchIt's `get_matches()` builds them (the estimate is the same).
    static func effects(_ spec: EvaluationSpec, _ table: EvaluationTable, weights: [Double], clusters: [Int]?, matches: [Int: [Int]]?,
                        adjustment: [[Double]], group: String?) throws(EvaluationError) -> [EvaluationResult.Estimate] {
        let convention = statisticsConvention(spec.standardErrorConvention ?? .hc2)
        var rows: MatchedSetRows?
        if convention == .cr1TwoWay {
            do {
                rows = try MatchedSetRows(matches: matches ?? [:], unitCount: table.count)
            } catch {
                throw .design(.matchedSetRows(error))
            }
        }
        func onRows(_ values: [Double]) -> [Double] { rows?.onRows(values) ?? values }
        let treated = rows?.onRows(table.treated) ?? table.treated
        let rowWeights = rows?.weights ?? weights
        let rowClusters = convention == .cr1Household ? table.households : rows?.subclass ?? clusters
        let adjustmentOnRows = adjustment.map(onRows)
        var estimates: [EvaluationResult.Estimate] = []
        for outcome in spec.outcomes {
            let y = try table.numeric(outcome.name, option: "outcome")
            var analyses: [(EvaluationResult.Analysis, [Double], [[Double]])] = [(.difference, y, [])]
            if spec.adjust { analyses.append((.adjusted, y, adjustmentOnRows)) }
            if let pre = outcome.pre {
                let before = try table.numeric(pre, option: "pre")
                analyses.append((.differenceInDifferences, zip(y, before).map { $0 - $1 }, []))
            }
            for (analysis, unitValues, columns) in analyses {
                let values = onRows(unitValues)
                let effect: EffectEstimate
                do {
                    effect = try EffectEstimate.regression(outcome: values, treated: treated, weights: rowWeights, adjustment: columns,
                                                           convention: convention, clusters: rowClusters, units: rows?.units,
                                                           confidence: spec.confidence, power: spec.power)
                } catch {
                    throw .design(.effect(outcome: outcome.name, error, convention))
                }
                // A constant outcome has no effect to estimate; rounding would print one with a tiny SE.
                let weighted = values.indices.filter { rowWeights[$0] > 0 }.map { values[$0] }
                if let first = weighted.first, weighted.allSatisfy({ $0 == first }) {
                    throw .design(.constantOutcome(outcome.name, first, among: .weighted))
                }
                guard effect.standardError.isFinite, effect.standardError > 0 else {
                    throw .design(.noStandardError(outcome: outcome.name, among: .weighted))
                }
                let t = treated.indices.filter { treated[$0] }, c = treated.indices.filter { !treated[$0] }
                func mean(_ indices: [Int]) -> Double {
                    indices.reduce(0) { $0 + rowWeights[$1] * values[$1] } / indices.reduce(0) { $0 + rowWeights[$1] }
                }
                estimates.append(.init(outcome: outcome.name, group: group, analysis: analysis, effect: effect, meanTreated: mean(t), meanControl: mean(c)))
            }
        }
        return estimates
    }

    static func statisticsConvention(_ convention: EvaluationSpec.StandardErrors) -> StandardErrorConvention {
        switch convention {
        case .hc0: .hc0
        case .hc1: .hc1
        case .hc2: .hc2
        case .hc3: .hc3
        case .cr0: .cr0
        case .cr1: .cr1
        case .twoWay: .cr1TwoWay
        case .household: .cr1Household
        }
    }

    /// One provider's participants against their own comparisons: their matches (weights as
    /// MatchIt computes them for those participants alone), or, with weighting, a propensity
    /// model of that provider's participants against the whole pool. For weighting, subclass, cem
    /// and ebal that run's weights come back too — what a stored comparison group weighs the
    /// provider's comparisons by — even when its estimates cannot be made (a standard error of an
    /// outcome that does not vary); it throws only when the weights cannot be made.
    typealias GroupEffects = (estimates: Result<[EvaluationResult.Estimate], EvaluationError>, weights: EvaluationResult.GroupWeights?)

    static func groupEffects(_ group: String, _ spec: EvaluationSpec, _ table: EvaluationTable, weights: [Double], matches: [Int: [Int]]?,
                             clusters: [Int]?, adjustment: [[Double]]) throws(EvaluationError) -> GroupEffects
    {
        let members = table.treated.indices.filter { table.treated[$0] && table.groups[$0] == group }
        // Controls that name a group (a randomized site's control arm) are that group's alone.
        let allControls = table.treated.indices.filter { !table.treated[$0] }
        let ownControls = allControls.filter { table.groups[$0] == group }
        let controls = allControls.contains { table.groups[$0] != nil } ? ownControls : allControls
        switch spec.method {
        case .weighting, .subclass, .cem, .ebal, .aipw:
            let indices = members + controls
            var single = table.subset(indices)
            single.groups = Array(repeating: nil, count: single.count)
            let weighed = try weigh(spec, single)
            let estimates = Result { () throws(EvaluationError) in
                try run(spec, single, weighed: weighed).estimates.map {
                    EvaluationResult.Estimate(outcome: $0.outcome, group: group, analysis: $0.analysis, effect: $0.effect,
                                              meanTreated: $0.meanTreated, meanControl: $0.meanControl)
                }
            }
            // AIPW's estimate rests on outcome models as well as these weights: they are not its comparison group.
            guard spec.method != .aipw else { return (estimates, nil) }
            let kept = single.treated.indices.filter { !single.treated[$0] && weighed.weights[$0] > 0 }
            let treatedWeight = single.treated.indices.filter { single.treated[$0] }.reduce(0) { $0 + weighed.weights[$1] }
            return (estimates, .init(controls: kept.map { indices[$0] }, weights: kept.map { weighed.weights[$0] }, treatedWeight: treatedWeight))
        case .none:
            let indices = members + controls
            let sub = table.subset(indices)
            return (Result { () throws(EvaluationError) in
                try effects(spec, sub, weights: Array(repeating: 1, count: indices.count), clusters: nil, matches: nil,
                            adjustment: adjustment.map { column in indices.map { column[$0] } }, group: group)
            }, nil)
        case .nearest:
            var local = Array(repeating: 0.0, count: table.count)
            for unit in members {
                guard let taken = matches?[unit], !taken.isEmpty else { continue }
                local[unit] = 1
                for control in taken { local[control] += 1 / Double(taken.count) }
            }
            let matchedControls = controls.filter { local[$0] > 0 }
            let total = matchedControls.reduce(0) { $0 + local[$1] }
            for control in matchedControls { local[control] *= Double(matchedControls.count) / total }
            let indices = members.filter { local[$0] > 0 } + matchedControls
            guard !indices.isEmpty else { throw .design(.groupUnmatched(group)) }
            if spec.standardErrorConvention == .twoWay {
                let memberSet = Set(members)
                let own = matches?.filter { memberSet.contains($0.key) }
                return (Result { () throws(EvaluationError) in
                    try effects(spec, table, weights: local, clusters: nil, matches: own, adjustment: adjustment, group: group)
                }, nil)
            }
            return (Result { () throws(EvaluationError) in
                try effects(spec, table.subset(indices), weights: indices.map { local[$0] }, clusters: clusters.map { c in indices.map { c[$0] } },
                            matches: nil, adjustment: adjustment.map { column in indices.map { column[$0] } }, group: group)
            }, nil)
        }
    }

    static func sampleSizes(_ table: EvaluationTable, weights: [Double], discarded: [Bool]) -> EvaluationResult.SampleSizes {
        typealias Pair = EvaluationResult.SampleSizes.Pair
        func pair(_ value: (Bool) -> Double) -> Pair { Pair(control: value(false), treated: value(true)) }
        func indices(_ treated: Bool) -> [Int] { table.treated.indices.filter { table.treated[$0] == treated } }
        return .init(
            all: pair { Double(indices($0).count) },
            matchedESS: pair { PropensityWeights.effectiveSampleSize(indices($0).map { weights[$0] }) },
            matched: pair { Double(indices($0).filter { weights[$0] > 0 }.count) },
            unmatched: pair { Double(indices($0).filter { weights[$0] == 0 && !discarded[$0] }.count) },
            discarded: pair { Double(indices($0).filter { discarded[$0] }.count) })
    }
}
