import Foundation
import OutcomesDomain
import PostgresClient

/// The figures effect-based, savings-share and clawback lines compare, per period and provider,
/// summed in PostgreSQL from the stored metrics as exact totals and counts (never averages): the
/// participants', and the comparison's — each provider's own control arm (`<id>@control`), the
/// control arm pooled when providers share it, or a matched comparison group (`<id>@matched`).
enum EffectInputs {
    /// What is compared: a metric, its statistic, against what, and whether all cohorts are also tested together.
    struct Subject {
        let id: String
        let outcome: OutcomeTest
        let statistic: EffectLine.Statistic
        let comparison: EffectLine.Comparison
        let overall: Bool

        init(_ line: EffectLine) {
            (id, outcome, statistic, comparison, overall) = (line.id, line.outcome, line.statistic, line.comparison,
                                                            line.overallThreshold != nil)
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
    /// and the period paid is the contract's last — each provider's cohorts pooled.
    static func figures(_ line: Subject, contract: OutcomeContract, periods: [String], on connection: PostgresConnection)
        throws -> (cohorts: [EffectFigures], overall: [EffectFigures])
    {
        let lastPeriod = periods.last == contract.periods.last?.label
        var result: (cohorts: [EffectFigures], overall: [EffectFigures]) = ([], [])
        for pooled in line.overall && lastPeriod ? [false, true] : [false] {
            let treated = try statistics(line, contract.id, periods, pooledPeriods: pooled, pooledProviders: false, on: connection)
            let comparison: [Key: GroupFigure]? = switch line.comparison {
            case .baseline: nil
            case .comparisonGroup:
                try statistics(line, contract.id + OutcomeContract.comparisonSuffix, periods, pooledPeriods: pooled,
                               pooledProviders: false, on: connection)
            case .sharedControlGroup:
                try statistics(line, contract.id + OutcomeContract.comparisonSuffix, periods, pooledPeriods: pooled,
                               pooledProviders: true, on: connection)
            case .matchedGroup:
                try statistics(line, contract.id + OutcomeContract.matchedSuffix, periods, pooledPeriods: pooled,
                               pooledProviders: false, on: connection)
            }
            let keys = treated.keys.sorted { (periods.firstIndex(of: $0.period) ?? -1, $0.provider) < (periods.firstIndex(of: $1.period) ?? -1, $1.provider) }
            // A cohort whose comparison has no one keeps no comparison figure: the run is refused for it.
            let figures = keys.map { key in
                let lookup = line.comparison == .sharedControlGroup ? Key(period: key.period, provider: "") : key
                return EffectFigures(cohort: pooled ? "all periods" : key.period, group: key.provider, treated: treated[key]!,
                                     comparison: comparison?[lookup])
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
            let key = Key(period: pooledPeriods ? "all periods" : try row.decode(at: 0), provider: try row.decode(at: 1))
            result[key] = GroupFigure(participants: try row.decode(at: 2), total: try row.decode(at: 3), count: try row.decode(at: 4))
        }
        return result
    }
}
