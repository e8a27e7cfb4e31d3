import OutcomesDomain
import PostgresClient

/// Destroys the identifiers once records are linked, keeping only the pseudonymous index.
///
/// Deleted: linkage.identifiers (names, dates of birth, SSNs, addresses) and linkage.pairs (scored
/// pairs of those records: a clerical reviewer reads identifiers through them). Clerical labels
/// stay, keyed by source keys as ids.source_links is, so a decision still holds when an agency sends
/// the record again; only their free-text notes are cleared, since a reviewer may have quoted a name
/// or date there. Kept as they are: ids.persons, ids.source_links, the runs (spec, model, summary),
/// pattern counts, id changes and the audit log — none holds an identifier.
public enum LinkPurge {
    /// What a purge deletes (or would delete).
    public struct Outcome: Sendable, Equatable, Codable {
        public var identifierRecords: Int
        public var scoredPairs: Int
        public var labelNotesCleared: Int
        /// The latest link run when the purge ran (nil when no run ever linked).
        public var lastRunID: Int?

        public var isEmpty: Bool { identifierRecords == 0 && scoredPairs == 0 && labelNotesCleared == 0 }
    }

    /// What a purge would delete now (for the confirmation).
    public static func pending(on connection: PostgresConnection) throws -> Outcome {
        let row = try connection.execute("""
            SELECT (SELECT count(*) FROM linkage.identifiers), (SELECT count(*) FROM linkage.pairs),
                   (SELECT count(*) FROM linkage.labels WHERE note IS NOT NULL), (SELECT max(run_id) FROM linkage.runs)
            """).first { _ in true }
        return Outcome(identifierRecords: try row?.decode(Int.self, at: 0) ?? 0, scoredPairs: try row?.decode(Int.self, at: 1) ?? 0,
                       labelNotesCleared: try row?.decode(Int.self, at: 2) ?? 0, lastRunID: (try row?.decode(Int?.self, at: 3)) ?? nil)
    }

    /// Deletes the identifiers and the scored pairs and clears label notes, in one transaction with
    /// its audit-log entry (action 'purge', the counts, the login). Waits for a link run or a load
    /// in progress to end first.
    public static func run(on connection: PostgresConnection) throws -> Outcome {
        try connection.transaction { connection in
            try connection.execute("SELECT pg_advisory_xact_lock(\(LinkRunner.lockKey))")
            try LoadLock.holdForLoad("link purge", on: connection)
            let lastRun = try connection.execute("SELECT max(run_id) FROM linkage.runs").scalar(Int?.self)
            let pairs = try connection.execute("DELETE FROM linkage.pairs").affectedRows ?? 0
            let records = try connection.execute("DELETE FROM linkage.identifiers").affectedRows ?? 0
            let notes = try connection.execute("UPDATE linkage.labels SET note = NULL WHERE note IS NOT NULL").affectedRows ?? 0
            let outcome = Outcome(identifierRecords: records, scoredPairs: pairs, labelNotesCleared: notes, lastRunID: lastRun)
            try connection.execute("""
                INSERT INTO linkage.audit_log (action, run_id, details) VALUES ('purge', \(lastRun), \(try PostgresJSON(outcome))::jsonb)
                """)
            return outcome
        }
    }

    /// The latest purge, when no identifier has been loaded since: what `link run` says instead of
    /// "nothing to link".
    static func latestWithNothingLoadedSince(on connection: PostgresConnection) throws -> (by: String, at: String)? {
        let row = try connection.execute("""
            SELECT done_by, to_char(done_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') FROM linkage.audit_log
            WHERE action = 'purge' AND NOT EXISTS (SELECT 1 FROM linkage.identifiers)
            ORDER BY entry_id DESC LIMIT 1
            """).first { _ in true }
        guard let row else { return nil }
        return (try row.decode(String.self, at: 0), try row.decode(String.self, at: 1))
    }
}
