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
            let figures = cohorts.flatMap { cohort in
                groups.map { group in
                    let key = Key(period: cohort, provider: group)
                    let own = treated[key] ?? .empty
                    // A cohort without participants needs nothing to compare with: it pays nothing. One with
                    // participants whose comparison has no one keeps no comparison figure: the run is refused for it.
                    let found = own.participants > 0 ? comparison?[comparisonPooled ? Key(period: cohort, provider: "") : key] : nil
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

    /// Per period (or all periods pooled) and provider (or all providers pooled, under the key ""):
    /// participants, and the exact total and count the figure is the ratio of.
    static func statistics(_ line: Subject, _ storedID: String, _ periods: [String], pooledPeriods: Bool, pooledProviders: Bool,
                           on connection: PostgresConnection) throws -> [Key: GroupFigure]
    {
        let (total, count): (PostgresQuery, PostgresQuery) = line.statistic == .rate
            ? ("sum(CASE WHEN \(line.outcome.condition.predicate(on: "value")) THEN 1 ELSE 0 END)", "count(*)")
            : ("sum(value)", "count(value)")
        let (period, provider): (PostgresQuery, PostgresQuery) = (pooledPeriods ? "''" : "period", pooledProviders ? "''" : "provider_id")
        let query: PostgresQuery = """
            SELECT \(period), \(provider), count(*)::int,
                   coalesce(\(total), 0), \(count)::int
            FROM metrics.person_results
            WHERE contract_id = \(storedID) AND period = ANY (\(periods)::text[]) AND metric_id = \(line.outcome.metricID)
            GROUP BY 1, 2
            """
        var result: [Key: GroupFigure] = [:]
        for row in try connection.execute(query) {
            let key = Key(period: pooledPeriods ? Determination.allPeriods : try row.decode(at: 0), provider: try row.decode(at: 1))
            result[key] = GroupFigure(participants: try row.decode(at: 2), total: try row.decode(at: 3), count: try row.decode(at: 4))
        }
        return result
    }
}
