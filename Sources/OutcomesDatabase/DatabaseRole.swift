import OutcomesDomain
import PostgresClient

/// The role a command's job needs. `outcomes` connects as the user it is given (the embedded
/// cluster's owner, or whoever the DBA set up) and SETs ROLE to this one, so the database's grants,
/// row-level security and the ledger's door bind what the command does.
public enum DatabaseRole: String, Sendable, CaseIterable {
    /// Reads the IDS and the ledger; computes metrics.
    case analyst = "outcomes_analyst"
    /// Loads contract terms, posts payment runs through the door, attests milestones.
    case payments = "outcomes_payments"
    /// Reads its own provider's lines.
    case provider = "outcomes_provider"
    /// Reads and writes identifiers (the linkage schema) and links records into persons; sees no content.
    case linker = "outcomes_linker"

    /// `analyst`, `payments`, `provider` or `linker`.
    public init?(name: String) {
        guard let role = Self.allCases.first(where: { $0.rawValue == "outcomes_" + name }) else { return nil }
        self = role
    }

    /// Grants the role to a database user (creating it as a login first when asked); a provider's
    /// user is mapped to its provider. Checked first (`checkGrant`): nothing changes when refused.
    /// Names are checked by the caller and escaped by libpq.
    @discardableResult
    public func grant(to user: String, provider: String?, create: Bool, on connection: PostgresConnection) throws -> DatabaseRole {
        try connection.transaction { connection in
            let exists = try checkGrant(to: user, provider: provider, create: create, on: connection)
            if !exists {
                try connection.execute("CREATE ROLE \(escapedIdentifier: user) LOGIN")
            }
            try connection.execute("GRANT \(escapedIdentifier: rawValue) TO \(escapedIdentifier: user)")
            if let provider {
                try connection.execute("""
                    INSERT INTO payments.provider_users (user_name, provider_id) VALUES (\(user), \(provider))
                    ON CONFLICT (user_name) DO UPDATE SET provider_id = excluded.provider_id
                    """)
            }
            return self
        }
    }

    /// Switches the session to the role; a user who may not take it gets a one-paragraph error
    /// saying what the DBA grants.
    public func assume(on connection: PostgresConnection) throws {
        try Self.assume(firstOf: [self], on: connection)
    }

    /// Takes the first of `roles` the connected user may take (a statement: an analyst's, or a
    /// provider's own users'), and returns it.
    @discardableResult
    public static func assume(firstOf roles: [DatabaseRole], on connection: PostgresConnection) throws -> DatabaseRole {
        for role in roles {
            let allowed = try connection.execute("""
                SELECT rolsuper OR pg_has_role(session_user, \(role.rawValue)::text, 'MEMBER') FROM pg_roles WHERE rolname = session_user
                """).scalar(Bool.self)
            if allowed {
                try connection.execute("SET ROLE \(escapedIdentifier: role.rawValue)")
                return role
            }
        }
        let user = try connection.execute("SELECT session_user::text").scalar(String.self)
        let names = roles.map(\.rawValue)
        throw DatabaseError(
            .permissionDenied,
            "user \(user) may not act as \(names.joined(separator: " or ")), the role this command needs; a DBA grants it with "
                + "GRANT \(names[0]) TO \(user); (see README, \"Roles\").")
    }
}
