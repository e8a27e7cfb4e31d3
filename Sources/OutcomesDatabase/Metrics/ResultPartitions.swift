import OutcomesDomain
import PostgresClient

/// Where one contract-period's person-level results live: `metrics.person_results` has one
/// partition per contract and period, its result set (`metrics.result_sets`). A run builds
/// the new results in a table of its own (in parallel, without WAL on a `wal_level = minimal`
/// server, without per-row index maintenance; on Citus, distributed like the IDS) and swaps it in
/// for the old partition in the same transaction, so readers see the old results or the new ones,
/// never a mix.
///
/// Table names are derived from a hash of the contract id and period label, so no text from a
/// contract file is ever spliced into SQL as an identifier; the values in partition bounds and
/// constraints (which take no parameters) are quoted by libpq.
struct ResultPartitions {
    let contractID: String
    let period: String

    private var contractKey: String { String(SHA256.hex(contractID).prefix(12)) }
    private var periodKey: String { String(SHA256.hex(contractID + "/" + period).prefix(12)) }

    var periodTable: SQLIdentifier { SQLIdentifier(validating: "metrics.person_results_\(contractKey)_\(periodKey)")! }
    /// Scratch tables of a run; created and dropped inside its transaction.
    var stagedTable: SQLIdentifier { SQLIdentifier(validating: "metrics.run_\(periodKey)_staged")! }
    var providerTable: SQLIdentifier { SQLIdentifier(validating: "metrics.run_\(periodKey)_providers")! }
    /// An incremental run's changes to the provider aggregates.
    var changesTable: SQLIdentifier { SQLIdentifier(validating: "metrics.run_\(periodKey)_changes")! }
    private var periodName: String { periodTable.parts[1] }

    /// The contract-period's result set, the partition key of its rows: registered on its first run.
    func resultSet(on connection: PostgresConnection) throws -> Int {
        try connection.execute("""
            INSERT INTO metrics.result_sets (contract_id, period) VALUES (\(contractID), \(period))
            ON CONFLICT (contract_id, period) DO UPDATE SET contract_id = excluded.contract_id
            RETURNING result_set
            """).scalar(Int.self)
    }

    /// The period partition's columns, in order. A column the schema does not give (one a
    /// database administrator added, under a name outcomes never makes) is refused, not spliced in.
    func columns(on connection: PostgresConnection) throws -> [SQLIdentifier] {
        try connection.execute("""
            SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = \(periodTable.quoted)::regclass AND attnum > 0 AND NOT attisdropped
            ORDER BY attnum
            """).map {
            let name = try $0.decode(String.self, at: 0)
            guard let column = SQLIdentifier(validating: name) else {
                throw DatabaseError(.schemaOutdated, "metrics.person_results has a column \(name.debugDescription) that outcomes did not make and "
                                    + "cannot compute; drop it from metrics.person_results.")
            }
            return column
        }
    }

    /// Gives the staged results (built under `resultSet`) the constraints of a partition, then
    /// replaces the old partition with them. Runs inside the caller's transaction.
    func swapIn(resultSet: Int, on connection: PostgresConnection) throws {
        let staged = stagedTable
        // A partition has its parent's columns and no more. The statement that computes results
        // always gives the columns of metrics over relatives (migration 0024); a parent without
        // them — a database an earlier release migrated, as the upgrade tests build one — gets
        // the staged table without them (dropping a column rewrites nothing).
        let extra = try connection.execute("""
            SELECT s.attname FROM pg_catalog.pg_attribute s
            WHERE s.attrelid = \(staged.quoted)::regclass AND s.attnum > 0 AND NOT s.attisdropped
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute p
                              WHERE p.attrelid = 'metrics.person_results'::regclass AND p.attname = s.attname AND NOT p.attisdropped)
            """).map { try $0.decode(String.self, at: 0) }
        for column in extra {
            try connection.execute("ALTER TABLE \(identifier: staged) DROP COLUMN \(identifier: .generated(column))")
        }
        // One CHECK, verified in one scan, implies the partition bound (so attaching scans
        // nothing), lets readers naming a contract and period skip the other partitions, and
        // proves the NOT NULLs (so setting them scans nothing either; a CHECK passes on NULL, so
        // each IS NOT NULL is spelled out). Named as the partition's own from the start: Citus
        // cannot rename a distributed table's constraints.
        try connection.execute("""
            ALTER TABLE \(identifier: staged) ADD CONSTRAINT \(identifier: .generated(periodName + "_bounds"))
                CHECK (result_set IS NOT NULL AND result_set = \(escapedLiteral: String(resultSet))
                AND contract_id IS NOT NULL AND contract_id = \(escapedLiteral: contractID) AND period IS NOT NULL AND period = \(escapedLiteral: period)
                AND person_id IS NOT NULL AND metric_id IS NOT NULL
                AND enrollment_id IS NOT NULL AND provider_id IS NOT NULL AND window_start IS NOT NULL
                AND window_end IS NOT NULL AND load_id IS NOT NULL AND computed_at IS NOT NULL)
            """)
        // One statement at a time: Citus passes a DDL statement's text on to the workers.
        try connection.execute("""
            ALTER TABLE \(identifier: staged)
                ALTER person_id SET NOT NULL, ALTER contract_id SET NOT NULL, ALTER metric_id SET NOT NULL,
                ALTER period SET NOT NULL, ALTER enrollment_id SET NOT NULL, ALTER provider_id SET NOT NULL,
                ALTER window_start SET NOT NULL, ALTER window_end SET NOT NULL, ALTER load_id SET NOT NULL,
                ALTER computed_at SET NOT NULL, ALTER computed_at SET DEFAULT now(), ALTER result_set SET NOT NULL
            """)
        try connection.execute("DROP TABLE IF EXISTS \(identifier: periodTable)")
        try connection.execute("ALTER TABLE \(identifier: staged) RENAME TO \(identifier: .generated(periodName))")
        try connection.execute(
            "ALTER TABLE metrics.person_results ATTACH PARTITION \(identifier: periodTable) FOR VALUES IN (\(escapedLiteral: String(resultSet)))")
        try connection.execute(
            "COMMENT ON TABLE \(identifier: periodTable) IS \(escapedLiteral: "results of contract \(contractID), period \(period)")")
    }
}
