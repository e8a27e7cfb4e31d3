import OutcomesDomain
import PostgresClient

extension MetricsRunner {
    /// EXPLAIN (FORMAT JSON) of the statement that computes the period's person-level results,
    /// as a run would send it (on Citus: one slice, the shards being the slices).
    package func explainPersonResults(period: ReportingPeriod, on connection: PostgresConnection) throws -> String {
        let loadID = try connection.latestFinishedLoad() ?? 0
        var query = PostgresQuery(unsafeSQL: "EXPLAIN (FORMAT JSON) ")
        query.append(MetricCompiler(contract: contract, period: period, loadID: loadID).results(boundaries: []))
        return try connection.execute(query).map { try $0.decode(String.self, at: 0) }.joined(separator: "\n")
    }
}
