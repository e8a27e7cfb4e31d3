import PostgresClient

extension PostgresConnection {
    /// Runs a fixed SQL script of several statements, as someone with psql would type it.
    ///
    /// Tests need this for two things a single bound statement cannot be: fixtures written as the
    /// owner around the door (several statements, often between `SET session_replication_role`),
    /// and a tampering insider's attack, which must reach the server exactly as written, through the
    /// simple-query protocol, `DO` blocks and all. The script is a `StaticString`, so no Swift value
    /// can be spliced into it: statements that need values use `execute` with bound fragments.
    /// This is the one place in tests that calls `executeScript`.
    public func runScript(_ script: StaticString) throws(PostgresError) {
        try executeScript(script.description)
    }

    /// Runs `body` in a transaction as `role` (`SET LOCAL ROLE`), committed when it returns and
    /// rolled back when it throws, so the role never outlives the transaction.
    public func transaction<T>(as role: String, _ body: (PostgresConnection) throws -> T) throws -> T {
        try transaction { connection in
            try connection.execute("SET LOCAL ROLE \(escapedIdentifier: role)")
            return try body(connection)
        }
    }

    /// Runs `body` in a transaction that is always rolled back: an edit made only to see what
    /// notices it, or a statement expected to be refused.
    public func rolledBack<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        var value: T?
        do {
            try transaction { connection in
                value = try body(connection)
                throw RollBack()
            }
        } catch is RollBack {}
        return value!
    }

    private struct RollBack: Error {}

    /// Creates the login user `user` unless it exists, and grants it `role`. Roles are cluster-wide,
    /// so tests share their users.
    public func loginUser(_ user: String, memberOf role: String) throws {
        if try execute("SELECT count(*) FROM pg_roles WHERE rolname = \(user)").scalar(Int.self) == 0 {
            do { try execute("CREATE ROLE \(escapedIdentifier: user) LOGIN") } catch {
                // Another test may have created it between the check and the CREATE.
                guard Self.raced(error) else { throw error }
            }
        }
        do { try execute("GRANT \(escapedIdentifier: role) TO \(escapedIdentifier: user)") } catch {
            // Another test may be granting the same membership at the same moment.
            guard Self.raced(error) else { throw error }
        }
    }

    /// A concurrent CREATE ROLE of the same name: "already exists", or the catalog's unique index.
    private static func raced(_ error: any Error) -> Bool {
        let code = (error as? PostgresError)?.sqlState
        return code == SQLState(code: "42710") || code == .uniqueViolation
    }
}
