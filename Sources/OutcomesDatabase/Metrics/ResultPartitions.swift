import OutcomesDomain
import PostgresClient

/// Where one contract-period's person-level results live: `metrics.person_results` is
/// partitioned by contract, then by period. A run builds the new results in a table of its own
/// (in parallel, without WAL on a `wal_level = minimal` server, without per-row index
/// maintenance) and swaps it in for the old partition in the same transaction, so readers see
/// the old results or the new ones, never a mix.
///
/// Table names are derived from a hash of the contract id and period label, so no text from a
/// contract file is ever spliced into SQL as an identifier; the values in partition bounds and
/// constraints are quoted by PostgreSQL's own `format('%L')`.
struct ResultPartitions {
    let contractID: String
    let period: String

    private var contractKey: String { String(SHA256.hex(contractID).prefix(12)) }
    private var periodKey: String { String(SHA256.hex(contractID + "/" + period).prefix(12)) }

    var contractTable: SQLIdentifier { SQLIdentifier(validating: "metrics.person_results_\(contractKey)")! }
    var periodTable: SQLIdentifier { SQLIdentifier(validating: "metrics.person_results_\(contractKey)_\(periodKey)")! }
    /// Scratch tables of a run; created and dropped inside its transaction.
    var stagedTable: SQLIdentifier { SQLIdentifier(validating: "metrics.run_\(periodKey)_staged")! }
    var providerTable: SQLIdentifier { SQLIdentifier(validating: "metrics.run_\(periodKey)_providers")! }
    private var stagedName: String { stagedTable.parts[1] }
    private var periodName: String { periodTable.parts[1] }

    /// Gives the staged results the constraints of a partition, then replaces the old
    /// partition with them. Runs inside the caller's transaction.
    func swapIn(on connection: PostgresConnection) throws {
        let staged = stagedTable.quoted
        // One statement, so the NOT NULL and CHECK constraints are verified in one scan; the CHECK
        // implies the partition bounds, so attaching scans nothing. Partition bounds and CHECK
        // constraints take no parameters: PostgreSQL quotes the values (`%L`).
        try executeFormatted("""
            ALTER TABLE %s
                ALTER person_id SET NOT NULL, ALTER contract_id SET NOT NULL, ALTER metric_id SET NOT NULL,
                ALTER period SET NOT NULL, ALTER enrollment_id SET NOT NULL, ALTER provider_id SET NOT NULL,
                ALTER window_start SET NOT NULL, ALTER window_end SET NOT NULL, ALTER load_id SET NOT NULL,
                ALTER computed_at SET NOT NULL, ALTER computed_at SET DEFAULT now(),
                ADD CONSTRAINT %I CHECK (contract_id = %L AND period = %L)
            """, [staged, stagedName + "_bounds", contractID, period], on: connection)
        // Creating the contract's partition is serialized per contract across concurrent runs.
        try connection.execute("SELECT pg_advisory_xact_lock(hashtext(\("metrics/" + contractID)))")
        try executeFormatted("""
            CREATE TABLE IF NOT EXISTS %s PARTITION OF metrics.person_results FOR VALUES IN (%L) PARTITION BY LIST (period)
            """, [contractTable.quoted, contractID], on: connection)
        try executeFormatted("COMMENT ON TABLE %s IS %L", [contractTable.quoted, "results of contract " + contractID],
                             on: connection)
        try connection.executeScript("""
            DROP TABLE IF EXISTS \(periodTable.quoted);
            ALTER TABLE \(staged) RENAME TO \(periodTable.parts[1]);
            ALTER TABLE \(periodTable.quoted) RENAME CONSTRAINT \(stagedName)_bounds TO \(periodName)_bounds;
            """)
        // The CHECK constraint implies the partition bounds, so attaching scans nothing.
        try executeFormatted("ALTER TABLE %s ATTACH PARTITION %s FOR VALUES IN (%L)",
                             [contractTable.quoted, periodTable.quoted, period], on: connection)
        try executeFormatted("COMMENT ON TABLE %s IS %L",
                             [periodTable.quoted, "results of contract \(contractID), period \(period)"], on: connection)
    }

    /// Runs `format(template, arguments…)` in PostgreSQL and executes the statement it returns.
    /// `%s` arguments must be already-quoted identifiers from this type; `%I` and `%L` are quoted by PostgreSQL.
    private func executeFormatted(_ template: String, _ arguments: [String], on connection: PostgresConnection) throws {
        var query = PostgresQuery(unsafeSQL: "SELECT format(")
        let templateParameter = query.bind(template)
        query.append(sql: templateParameter + "::text")
        for argument in arguments {
            let parameter = query.bind(argument)
            query.append(sql: ", \(parameter)::text")
        }
        query.append(sql: ")")
        try connection.executeScript(try connection.execute(query).scalar(String.self))
    }
}
