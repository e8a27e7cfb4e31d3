import PostgresClient

extension PostgresConnection {
    /// The server's clock now (`clock_timestamp()`, as text), read by a statement of its own so the
    /// UPDATE that stores it binds a value: Citus refuses volatile functions in UPDATEs of
    /// distributed and reference tables, whose rows it updates on several nodes.
    func serverClock() throws -> String {
        try execute("SELECT clock_timestamp()::text").scalar(String.self)
    }
}
