import Foundation
import OutcomesDomain
import PostgresClient

/// Which database a command uses: one the user named, or the embedded cluster.
public enum DatabaseTarget: Sendable, CustomStringConvertible {
    /// A conninfo string or URI; empty means libpq's defaults and the `PG*` variables.
    case named(String)
    case embedded(EmbeddedCluster)

    /// `--database`, else `DATABASE_URL`, else the `PG*` variables when one names a server or
    /// database (PGHOST, PGHOSTADDR, PGPORT, PGDATABASE, PGSERVICE), else the embedded cluster.
    public static func resolve(
        option: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> DatabaseTarget {
        if let option, !option.isEmpty { return .named(option) }
        if let url = environment["DATABASE_URL"], !url.isEmpty { return .named(url) }
        let naming = ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE"]
        if naming.contains(where: { !(environment[$0] ?? "").isEmpty }) { return .named("") }
        return .embedded(try EmbeddedCluster(directory: EmbeddedCluster.defaultDirectory(environment: environment)))
    }

    public var description: String {
        switch self {
        case .named(let conninfo): PostgresConnection.safeDescription(of: conninfo)
        case .embedded(let cluster): "the embedded cluster in \(cluster.directory.path)"
        }
    }

    /// Connects, starting the embedded cluster first when needed; `notes` hears what was done.
    public func connect(notes: (String) -> Void = { _ in }) throws -> PostgresConnection {
        switch self {
        case .embedded(let cluster):
            if case .running = cluster.status() {} else { try cluster.start().forEach(notes) }
            return try Self.open(cluster.conninfo(), shownAs: description)
        case .named(let conninfo):
            return try Self.open(conninfo, shownAs: description)
        }
    }

    /// Opens a connection, turning libpq's failures into errors that say what to do.
    static func open(_ conninfo: String, shownAs target: String) throws -> PostgresConnection {
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection(conninfo: conninfo)
        } catch {
            throw explain(error, target: target)
        }
        // Whatever the server's, role's or database's default: the ledger's door and DDL (migration 0032)
        // run only in READ COMMITTED; a command that wants a snapshot asks for one (QualityQueries).
        try connection.execute("SET default_transaction_isolation = 'read committed'")
        return connection
    }

    static func explain(_ error: PostgresError, target: String) -> DatabaseError {
        let reason = error.message.replacingOccurrences(of: "\n", with: " ")
        if reason.contains("password authentication failed") || reason.contains("no password supplied") {
            return DatabaseError(
                .authenticationFailed,
                "Could not log in to \(target): \(reason). Check the user and password (in the URI, PGPASSWORD or "
                    + "~/.pgpass).")
        }
        if reason.contains("database") && reason.contains("does not exist") {
            return DatabaseError(
                .databaseMissing,
                "Connected to the server for \(target), but \(reason). Create it (`createdb NAME`) or name another "
                    + "database.")
        }
        return DatabaseError(
            .unreachable,
            "Could not connect to \(target): \(reason). Is the server running and reachable? Name a database with "
                + "--database or DATABASE_URL (or PGHOST and friends); with none of them, outcomes uses its own "
                + "embedded cluster.")
    }
}
