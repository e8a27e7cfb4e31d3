import OutcomesDomain
import PostgresClient

/// Loads and `db distribute` exclude each other. Every load holds one advisory lock in shared mode
/// for its whole transaction (loads may run side by side as before); `db distribute` takes it
/// exclusively before it changes anything, waiting a stated time at most, and refuses while a
/// load runs. A load that starts while a distribution runs waits for it, then loads into the
/// distributed tables.
///
/// A running load's own row in `ids.data_loads` is not visible to others until it commits, so the
/// lock's holders are named from `pg_stat_activity`, where a load announces itself through its
/// transaction's `application_name`.
public enum LoadLock {
    /// The advisory lock's key: "outcomes" in ASCII, read as a 64-bit integer. PostgreSQL shows a
    /// bigint key in `pg_locks` as classid (high half) and objid (low half), objsubid 1.
    static let key: Int64 = 0x6F75_7463_6F6D_6573
    static var classID: Int64 { key >> 32 }
    static var objectID: Int64 { key & 0xFFFF_FFFF }

    /// The name a load gives its transaction in `pg_stat_activity`, before its description.
    static let applicationPrefix = "outcomes load: "

    /// Called first in a load's transaction: waits while a distribution runs, then holds the lock
    /// (shared) until the transaction ends.
    static func holdForLoad(_ description: String, on connection: PostgresConnection) throws {
        try connection.execute("SELECT set_config('application_name', \(applicationPrefix + description), true)")
        try connection.execute("SELECT pg_advisory_xact_lock_shared(\(key))")
    }

    /// A load holding the lock, as `pg_stat_activity` shows it.
    public struct RunningLoad: Sendable, Equatable {
        /// The server process running the load.
        public let pid: Int
        public let user: String
        /// What the load said it loads (its application name without the prefix), or "" when unknown.
        public let description: String
        /// When its transaction began, as the server prints it (UTC), if visible.
        public let since: String?
    }

    /// The loads holding the lock now (other sessions than this one).
    public static func runningLoads(on connection: PostgresConnection) throws -> [RunningLoad] {
        try connection.execute("""
            SELECT a.pid, coalesce(a.usename::text, ''), coalesce(a.application_name, ''),
                   to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC'
            FROM pg_locks l JOIN pg_stat_activity a USING (pid)
            WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid = \(classID)::bigint::oid AND l.objid = \(objectID)::bigint::oid
              AND l.objsubid = 1 AND l.granted AND l.mode = 'ShareLock' AND l.pid <> pg_backend_pid()
            ORDER BY a.pid
            """).map { row in
            let name = try row.decode(String.self, at: 2)
            return RunningLoad(pid: try row.decode(Int.self, at: 0), user: try row.decode(String.self, at: 1),
                               description: name.hasPrefix(applicationPrefix) ? String(name.dropFirst(applicationPrefix.count)) : "",
                               since: try row.decode(String?.self, at: 3))
        }
    }

    /// Takes the lock exclusively for this session, waiting up to `seconds` for running loads to
    /// finish; throws `DatabaseError(.loadRunning)` (exit 75) naming them when they do not.
    /// Release it with `release(on:)` (or by closing the connection).
    public static func excludeLoads(on connection: PostgresConnection, waitingUpTo seconds: Int) throws {
        if try !acquire(on: connection, waitingUpTo: seconds) {
            throw refusal(try runningLoads(on: connection), waited: seconds, target: connection.target)
        }
    }

    private static func acquire(on connection: PostgresConnection, waitingUpTo seconds: Int) throws -> Bool {
        if seconds <= 0 { return try connection.execute("SELECT pg_try_advisory_lock(\(key))").scalar(Bool.self) }
        let previous = try connection.execute("SELECT current_setting('lock_timeout')").scalar(String.self)
        try connection.execute("SELECT set_config('lock_timeout', \("\(seconds)s"), false)")
        var acquired = true
        do {
            try connection.execute("SELECT pg_advisory_lock(\(key))")
        } catch {
            guard error.sqlState == .lockNotAvailable else { throw error }
            acquired = false
        }
        try connection.execute("SELECT set_config('lock_timeout', \(previous), false)")
        return acquired
    }

    public static func release(on connection: PostgresConnection) throws {
        try connection.execute("SELECT pg_advisory_unlock(\(key))")
    }

    static func refusal(_ loads: [RunningLoad], waited seconds: Int, target: String) -> DatabaseError {
        let named = loads.isEmpty
            ? "a data load is running"
            : loads.map { load in
                "a data load is running" + (load.description.isEmpty ? "" : " (\(load.description))")
                    + " in server process \(load.pid) as user \(load.user)" + (load.since.map { ", since \($0)" } ?? "")
            }.joined(separator: "; ")
        return DatabaseError(
            .loadRunning,
            "\(target): \(named). `outcomes db distribute` does not move tables under a running load"
                + (seconds > 0 ? " and waited \(seconds) s for it" : "") + "; nothing was changed. Run it again when the "
                + "load has finished, or let it wait: --wait-for-loads SECONDS.")
    }
}
