import OutcomesDomain
import PostgresClient

extension MetricsRunner {
    /// EXPLAIN (FORMAT JSON) of the statement that computes the period's person-level results,
    /// as a run would send it (on Citus: one slice, the shards being the slices). Metrics over
    /// relatives are shown as one node computes them, finding the relatives inside the statement.
    package func explainPersonResults(period: ReportingPeriod, on connection: PostgresConnection) throws -> String {
        let loadID = try DataLoads.current(on: connection)?.id ?? 0
        let results = MetricCompiler(contract: contract, period: period, loadID: loadID).results(boundaries: [])
        return try connection.execute("EXPLAIN (FORMAT JSON) \(results)").map { try $0.decode(String.self, at: 0) }.joined(separator: "\n")
    }
}
