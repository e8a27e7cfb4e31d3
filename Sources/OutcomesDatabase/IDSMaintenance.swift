import PostgresClient

/// Upkeep of the IDS tables after data arrive.
public enum IDSMaintenance {
    /// Refreshes planner statistics after a load, so the first queries know the new sizes, and
    /// marks the loaded pages all-visible, so outcome windows are read from the events index alone
    /// (an index-only scan). Runs outside a transaction, as VACUUM must.
    ///
    /// The person-keyed tables are stored in person order, so ANALYZE's sample sees each person's
    /// rows together and estimates about a tenth of the distinct `person_id`s there are; joins from
    /// a set of persons to their events then plan as full scans. The true count — the persons in
    /// the IDS, an upper bound that is close — is set as `n_distinct` first (enrollments, a few
    /// persons each, are sampled well enough). On Citus the statistics are each shard's, kept by
    /// the worker that holds it: there the same count is set on every shard, as the fraction of its
    /// rows that are distinct persons (a negative n_distinct, which scales with the shard).
    public static func refreshAfterLoad(_ connection: PostgresConnection) throws {
        let persons = try connection.execute("SELECT count(*) FROM ids.persons").scalar(Int.self)
        if persons > 0, try TableLayout.of(connection) == .distributed {
            for table in ["ids.events", "ids.source_links"] {
                let rows = try connection.execute("SELECT count(*) FROM \(identifier: SQLIdentifier(validating: table)!)").scalar(Int.self)
                guard rows > 0 else { continue }
                let fraction = -min(1, Double(persons) / Double(rows))
                try connection.execute("""
                    SELECT run_command_on_shards(\(table)::regclass,
                        format('ALTER TABLE %s ALTER COLUMN person_id SET (n_distinct = %s)', '%s', \(fraction)::float8))
                    """)
            }
        } else if persons > 0 {
            for table in ["ids.events", "ids.source_links"] {
                // n_distinct is a storage parameter: it takes a literal, not a parameter.
                try connection.execute(
                    "ALTER TABLE \(identifier: .generated(table)) ALTER COLUMN person_id SET (n_distinct = \(escapedLiteral: String(persons)))")
            }
        }
        // The family tables too, where the schema has them (metrics over relatives plan joins on them).
        let families = try connection.execute("SELECT to_regclass('ids.relationships') IS NOT NULL").scalar(Bool.self)
        try connection.execute(families
            ? "VACUUM (ANALYZE) ids.persons, ids.source_links, ids.enrollments, ids.events, ids.relationships, ids.household_members"
            : "VACUUM (ANALYZE) ids.persons, ids.source_links, ids.enrollments, ids.events")
    }
}
