import PostgresClient

/// Upkeep of the IDS tables after data arrive.
public enum IDSMaintenance {
    /// Refreshes planner statistics after a load, so the first queries know the new sizes, and
    /// marks the loaded pages all-visible, so outcome windows are read from the events index alone
    /// (an index-only scan). Runs outside a transaction, as VACUUM must.
    public static func refreshAfterLoad(_ connection: PostgresConnection) throws {
        try connection.executeScript("VACUUM (ANALYZE) ids.persons, ids.source_links, ids.enrollments, ids.events")
    }
}
