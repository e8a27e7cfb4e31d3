import OutcomesDomain
import PostgresClient

/// The small-cell threshold a database publishes under (`ids.publication_policy`): the one the
/// first package set, or, for the first package, the one it proposes, set now (in the caller's
/// transaction, so a package that is not written sets nothing).
public struct PublicationThreshold: Sendable, Equatable {
    public let threshold: Int
    public let setBy: String
    /// `YYYY-MM-DD`, UTC.
    public let setOn: String

    public static func settle(proposing proposed: Int, on connection: PostgresConnection) throws -> PublicationThreshold {
        try connection.execute("""
            INSERT INTO ids.publication_policy (small_cell_threshold) VALUES (\(proposed)) ON CONFLICT (only_row) DO NOTHING
            """)
        guard let settled = try stored(on: connection) else {
            throw DatabaseError(.noData, "the database's publication threshold was removed while this package was being published; publish again")
        }
        return settled
    }

    /// The threshold the database publishes under, if a package has set one.
    public static func stored(on connection: PostgresConnection) throws -> PublicationThreshold? {
        try connection.execute("""
            SELECT small_cell_threshold, set_by, to_char(set_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM ids.publication_policy
            """).map { row in
            PublicationThreshold(threshold: try row.decode(at: 0), setBy: try row.decode(at: 1), setOn: try row.decode(at: 2))
        }.first
    }
}
