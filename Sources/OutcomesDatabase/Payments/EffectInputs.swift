import Foundation
import OutcomesDomain
import PostgresClient

/// The figures effect-based, savings-share and clawback lines compare, per period and provider,
/// summed in PostgreSQL from the stored metrics as exact totals and counts (never averages): the
/// participants', and the comparison's — each provider's own control arm (`<id>@control`), the
/// control arm pooled when providers share it, or a matched comparison group (`<id>@matched`).
enum EffectInputs {
    /// What is compared: a metric, its statistic, against what, whether all cohorts are also
    /// tested together, and whether every provider's participants are measured together.
    struct Subject {
        let id: String
        let outcome: OutcomeTest
        let statistic: EffectLine.Statistic
        let comparison: EffectLine.Comparison
        let overall: Bool
        var pooled = false

        init(_ line: EffectLine) {
            (id, outcome, statistic, comparison, overall) = (line.id, line.outcome, line.statistic, line.comparison,
                                                            line.overallThreshold != nil)
            if case .pooled = line.measured { pooled = true }
        }

        init(_ line: SavingsShareLine) {
            (id, outcome, statistic, comparison, overall) = (line.id, OutcomeTest(metricID: line.outcome), .mean, line.comparison, false)
        }

        init(_ clawback: Clawback) {
            (id, outcome, statistic, comparison, overall) = (clawback.id, clawback.outcome, clawback.statistic, .baseline(0), false)
        }
    }

    struct Key: Hashable {
        let period: String
        let provider: String
    }

    /// Every period up to the one paid, in order, then — when the line tests all cohorts together
    /// and the period paid is the contract's last — all cohorts together. Per provider: every
    /// provider of the cohort (those the contract lists, else those with participants in any of
    /// the periods) in every period, those without participants too (a `no_participants`
    /// determination); pooled: all providers' participants together, with each one's number.
    static func figures(_ line: Subject, contract: OutcomeContract, periods: [String], matched: MatchedGroups = .none,
                        on connection: PostgresConnection) throws -> (cohorts: [EffectFigures], overall: [EffectFigures])
    {
        let lastPeriod = periods.last == contract.periods.last?.label
        var result: (cohorts: [EffectFigures], overall: [EffectFigures]) = ([], [])
        var providers: [String] = contract.cohort.providers.sorted()
        for pooled in line.overall && lastPeriod ? [false, true] : [false] {
            let byProvider = try statistics(line, contract.id, periods, pooledPeriods: pooled, pooledProviders: false, on: connection)
            if providers.isEmpty { providers = Set(byProvider.keys.map(\.provider)).sorted() }
            let treated = line.pooled
                ? try statistics(line, contract.id, periods, pooledPeriods: pooled, pooledProviders: true, on: connection) : byProvider
            // A matched group or control arm is measured under each provider, or once for all of them.
            let comparisonPooled = line.pooled || line.comparison == .sharedControlGroup
            let comparison: [Key: GroupFigure]? = switch line.comparison {
            case .baseline: nil
            case .comparisonGroup, .sharedControlGroup:
                try statistics(line, contract.id + OutcomeContract.comparisonSuffix, periods, pooledPeriods: pooled,
                               pooledProviders: comparisonPooled, on: connection)
            case .matchedGroup:
                try weightedStatistics(line, contract.id + OutcomeContract.matchedSuffix, periods, pooledPeriods: pooled,
                                       pooledProviders: comparisonPooled, groups: matched, on: connection)
            }
            let cohorts = pooled ? [Determination.allPeriods] : periods
            let groups = line.pooled ? [""] : providers.isEmpty ? [""] : providers
            let figures = try cohorts.flatMap { cohort in
                try groups.map { group in
                    let key = Key(period: cohort, provider: group)
                    let own = treated[key] ?? .empty
                    var found: GroupFigure?
                    // A cohort without participants needs nothing to compare with: it pays nothing.
                    if let comparison, own.participants > 0 {
                        found = comparison[comparisonPooled ? Key(period: cohort, provider: "") : key]
                        guard found != nil else { throw missingComparison(line, key, pooled: pooled, contract: contract.id) }
                    }
                    let shares = line.pooled
                        ? Dictionary(uniqueKeysWithValues: byProvider.filter { $0.key.period == cohort }.map { ($0.key.provider, $0.value.participants) })
                        : [:]
                    return EffectFigures(cohort: cohort, group: group, treated: own, comparison: found, participantsByProvider: shares)
                }
            }
            if pooled { result.overall = figures } else { result.cohorts = figures }
        }
        return result
    }

    /// A comparison with nothing to compare with is refused, never paid as zero.
    static func missingComparison(_ line: Subject, _ key: Key, pooled: Bool, contract: String) -> DatabaseError {
        let cohort = pooled ? "all cohorts together" : key.period
        let whose = key.provider.isEmpty ? "the providers'" : "\(key.provider)'s"
        let message: String = switch line.comparison {
        case .sharedControlGroup:
            "line \(line.id) compares every provider with the shared control group, which has no participants in \(cohort): "
                + "there is nothing to compare \(whose) participants with. Check the control arm's enrollments."
        case .matchedGroup:
            "line \(line.id) compares \(key.provider.isEmpty ? "all providers' participants" : key.provider) with "
                + "\(line.pooled ? "the" : "its") matched comparison group, which has no members in \(cohort)."
        case .comparisonGroup where line.pooled:
            "line \(line.id) compares all providers' participants with the control arm, which has no participants in \(cohort)."
        default:
            "line \(line.id) compares each provider with its own control arm, and \(key.provider) has no control-arm "
                + "participants in \(cohort). If the providers share one control group, write comparison: shared_control_group."
        }
        return DatabaseError(.noData, "contract \(contract): " + message + " Nothing was posted.", exitStatus: .dataError)
    }

    /// The figures as they enter a run's inputs hash: one line per cohort (and, for a pooled
    /// cohort, each provider's participants; for a weighted group, its weights' denominator).
    static func inputsText(_ line: String, _ list: [EffectFigures]) -> String {
        func text(_ group: GroupFigure?) -> String {
            group.map { "\($0.participants)/\($0.total)/\($0.count)" + ($0.weightDenominator.map { "/w\($0)" } ?? "") } ?? "-"
        }
        return list.map { figure in
            let shares = figure.participantsByProvider.isEmpty ? ""
                : "\t" + figure.participantsByProvider.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            return "\(line)\t\(figure.cohort)\t\(figure.group)\t\(text(figure.treated))\t\(text(figure.comparison))\(shares)\n"
        }.joined()
    }

    /// Per period (or all periods pooled) and provider (or all providers pooled, under the key ""):
    /// participants, and the exact total and count the figure is the ratio of.
    static func statistics(_ line: Subject, _ storedID: String, _ periods: [String], pooledPeriods: Bool, pooledProviders: Bool,
                           on connection: PostgresConnection) throws -> [Key: GroupFigure]
    {
        var query = PostgresQuery(unsafeSQL: "")
        let (total, count) = line.statistic == .rate
            ? ("sum(CASE WHEN value \(line.outcome.condition.comparison.rawValue) \(query.bind(line.outcome.condition.value)) THEN 1 ELSE 0 END)",
               "count(*)")
            : ("sum(value)", "count(value)")
        let (contract, periodList, metric) = (query.bind(storedID), query.bind(PostgresArrayLiteral.text(periods)),
                                              query.bind(line.outcome.metricID))
        query.append(sql: """
            SELECT \(pooledPeriods ? "''" : "period"), \(pooledProviders ? "''" : "provider_id"), count(*)::int,
                   coalesce(\(total), 0), \(count)::int
            FROM metrics.person_results
            WHERE contract_id = \(contract) AND period = ANY (\(periodList)::text[]) AND metric_id = \(metric)
            GROUP BY 1, 2
            """)
        var result: [Key: GroupFigure] = [:]
        for row in try connection.execute(query) {
            let key = Key(period: pooledPeriods ? Determination.allPeriods : try row.decode(at: 0), provider: try row.decode(at: 1))
            result[key] = GroupFigure(participants: try row.decode(at: 2), total: try row.decode(at: 3), count: try row.decode(at: 4))
        }
        return result
    }
}
