import OutcomesDomain
import PostgresClient

/// An incremental run of one arm: the changed persons' results computed again, and the provider
/// aggregates moved by what their old rows counted and their new ones count.
extension ArmRunner {
    /// Computes again the results of `persons`' units, in place of their old ones; everyone
    /// else's stay. Built like a full run's (a staged table, on Citus distributed like the IDS),
    /// then moved into the period's partition.
    func updatePersonResults(of persons: [Int], period: ReportingPeriod, loadID: Int, on connection: PostgresConnection) throws {
        let tables = ResultPartitions(contractID: contract.storedID, period: period.label)
        // Per provider and metric, what the old rows counted (negative) and the new ones count.
        let changes = tables.changesTable
        try connection.execute("""
            CREATE TABLE \(identifier: changes) (metric_id text, provider_id text, participants bigint, with_value bigint, total numeric)
            """)
        try connection.execute("""
            WITH gone AS (
                DELETE FROM \(identifier: tables.periodTable) WHERE person_id = ANY (\(persons)::bigint[])
                RETURNING metric_id, provider_id, value)
            INSERT INTO \(identifier: changes)
            SELECT metric_id, provider_id, -count(*), -count(value), -sum(value) FROM gone GROUP BY metric_id, provider_id
            """)
        if !persons.isEmpty {
            var compiler = MetricCompiler(contract: contract, period: period, loadID: loadID)
            compiler.resultSet = try tables.resultSet(on: connection)
            compiler.persons = persons
            try compiler.build(tables.stagedTable, on: connection)
            let columns = try tables.columns(on: connection).map { "\(identifier: $0)" as PostgresQuery }.joined(separator: ", ")
            try connection.execute("""
                INSERT INTO \(identifier: tables.periodTable) (\(columns)) SELECT \(columns) FROM \(identifier: tables.stagedTable)
                """)
            try connection.execute("""
                INSERT INTO \(identifier: changes)
                SELECT metric_id, provider_id, count(*), count(value), sum(value) FROM \(identifier: tables.stagedTable)
                GROUP BY metric_id, provider_id
                """)
            try connection.execute("DROP TABLE \(identifier: tables.stagedTable)")
        }
        // The stored per-provider aggregates, moved: a provider left with no participant drops out.
        let scratch = tables.providerTable
        try connection.execute("""
            CREATE TABLE \(identifier: scratch) AS
            SELECT metric_id, provider_id, participants, with_value, CASE WHEN with_value > 0 THEN total END AS total
            FROM (
                SELECT metric_id, provider_id, coalesce(o.participants, 0) + coalesce(c.participants, 0) AS participants,
                       coalesce(o.with_value, 0) + coalesce(c.with_value, 0) AS with_value,
                       coalesce(o.total, 0) + coalesce(c.total, 0) AS total
                FROM (SELECT metric_id, provider_id, participants, with_value, total FROM metrics.provider_results
                      WHERE contract_id = \(contract.storedID) AND period = \(period.label)
                        AND provider_id <> \(MetricsRunner.allProviders)) o
                FULL JOIN (SELECT metric_id, provider_id, sum(participants) AS participants, sum(with_value) AS with_value,
                                  sum(total) AS total
                           FROM \(identifier: changes) GROUP BY metric_id, provider_id) c USING (metric_id, provider_id)
            ) moved
            WHERE participants > 0
            """)
        try connection.execute("DROP TABLE \(identifier: changes)")
        try rollUp(scratch, period: period, loadID: loadID, on: connection)
    }
}

extension MetricCompiler {
    /// The compiler's version, recorded with every period it computes. A change to the compiled
    /// statements that can change any result must bump it: a period computed by another version
    /// is then computed again in full, never kept in part beside rows of this one.
    static let engine = "outcomes-metrics/1"
}
