import Foundation
import OutcomesDomain
import PostgresClient

/// The figures effect-based lines compare, per period and provider, computed in PostgreSQL from
/// the stored metrics: the participants' mean value or rate, and the control arm's
/// (stored as `<id>@control`) when the line compares with the comparison group.
enum EffectInputs {
    /// Every period up to the one paid, in order, then — when the line tests all cohorts together
    /// and the period paid is the contract's last — each provider's cohorts pooled.
    static func figures(line: EffectLine, contract: OutcomeContract, periods: [String], on connection: PostgresConnection)
        throws -> (cohorts: [EffectFigures], overall: [EffectFigures])
    {
        try figures(Subject(id: line.id, outcome: line.outcome, statistic: line.statistic, comparison: line.comparison,
                            overall: line.overallThreshold != nil),
                    contract: contract, periods: periods, on: connection)
    }

    /// The figures of a savings share: the participants' mean against the comparison, per period and provider.
    static func figures(savings line: SavingsShareLine, contract: OutcomeContract, periods: [String], on connection: PostgresConnection)
        throws -> [EffectFigures]
    {
        try figures(Subject(id: line.id, outcome: OutcomeTest(metricID: line.outcome), statistic: .mean, comparison: line.comparison,
                            overall: false),
                    contract: contract, periods: periods, on: connection).cohorts
    }

    /// What is compared: a metric, its statistic, against what, and whether all cohorts are also tested together.
    struct Subject {
        let id: String
        let outcome: OutcomeTest
        let statistic: EffectLine.Statistic
        let comparison: EffectLine.Comparison
        let overall: Bool
    }

    static func figures(_ line: Subject, contract: OutcomeContract, periods: [String], on connection: PostgresConnection)
        throws -> (cohorts: [EffectFigures], overall: [EffectFigures])
    {
        let treated = try statistics(line, contract.id, periods, pooled: false, on: connection)
        let control = line.comparison == .comparisonGroup
            ? try statistics(line, contract.id + OutcomeContract.comparisonSuffix, periods, pooled: false, on: connection) : [:]
        let cohorts = periods.flatMap { period in
            treated.keys.filter { $0.period == period }.sorted { $0.provider < $1.provider }.map { key in
                EffectFigures(cohort: period, group: key.provider, treatedParticipants: treated[key]!.count,
                              treated: treated[key]!.figure, comparison: control[key]?.figure)
            }
        }
        guard line.overall, periods.last == contract.periods.last?.label else { return (cohorts, []) }
        let pooled = try statistics(line, contract.id, periods, pooled: true, on: connection)
        let pooledControl = line.comparison == .comparisonGroup
            ? try statistics(line, contract.id + OutcomeContract.comparisonSuffix, periods, pooled: true, on: connection) : [:]
        let overall = pooled.keys.sorted { $0.provider < $1.provider }.map { key in
            EffectFigures(cohort: "all periods", group: key.provider, treatedParticipants: pooled[key]!.count,
                          treated: pooled[key]!.figure, comparison: pooledControl[key]?.figure)
        }
        return (cohorts, overall)
    }

    struct Key: Hashable {
        let period: String
        let provider: String
    }

    /// Per period (or pooled) and provider: participants, and the mean value or the share achieving the outcome.
    static func statistics(_ line: Subject, _ storedID: String, _ periods: [String], pooled: Bool,
                           on connection: PostgresConnection) throws -> [Key: (count: Int, figure: Decimal)]
    {
        var query = PostgresQuery(unsafeSQL: "")
        let figure = line.statistic == .rate
            ? "avg(CASE WHEN value \(line.outcome.condition.comparison.rawValue) \(query.bind(line.outcome.condition.value)) THEN 1 ELSE 0 END)"
            : "avg(value)"
        let (contract, periodList, metric) = (query.bind(storedID), query.bind(PostgresArrayLiteral.text(periods)),
                                              query.bind(line.outcome.metricID))
        query.append(sql: """
            SELECT \(pooled ? "''" : "period"), provider_id, count(*)::int, \(figure)
            FROM metrics.person_results
            WHERE contract_id = \(contract) AND period = ANY (\(periodList)::text[]) AND metric_id = \(metric)
            GROUP BY 1, 2
            """)
        var result: [Key: (count: Int, figure: Decimal)] = [:]
        for row in try connection.execute(query) {
            guard let value = try row.decode(Decimal?.self, at: 3) else { continue }
            result[Key(period: try row.decode(at: 0), provider: try row.decode(at: 1))] = (try row.decode(at: 2), value)
        }
        return result
    }
}
