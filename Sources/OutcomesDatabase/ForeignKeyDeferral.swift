import PostgresClient

/// Foreign keys held by tables about to be bulk-loaded, dropped for the load and re-added after.
///
/// A foreign key checked row by row costs about as much as the COPY itself; re-adding the
/// constraint checks every row at once with one anti-join. Used inside the load's transaction,
/// so the constraints are never missing for anyone else, and a violation rolls the load back.
/// The statements come from the catalog (`pg_get_constraintdef`), so the schema stays in sql/.
public struct ForeignKeyDeferral: Sendable {
    public let dropStatements: [String]
    public let addStatements: [String]

    /// The foreign keys that `tables` hold.
    public init(tables: [String], on connection: PostgresConnection) throws {
        try self.init(matching: "conrelid = ANY (\("{" + tables.joined(separator: ",") + "}")::regclass[])", on: connection)
    }

    /// The foreign keys that point at `table`.
    public init(referencing table: String, on connection: PostgresConnection) throws {
        try self.init(matching: "confrelid = \(table)::regclass", on: connection)
    }

    private init(matching condition: PostgresQuery, on connection: PostgresConnection) throws {
        var query = PostgresQuery(unsafeSQL: """
            SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
                   format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
            FROM pg_constraint
            WHERE contype = 'f' AND
            """)
        query.append(sql: " ")
        query.append(condition)
        query.append(sql: "\nORDER BY conrelid::regclass::text, conname")
        let rows = try connection.execute(query)
        dropStatements = try rows.map { try $0.decode(String.self, at: 0) }
        addStatements = try rows.map { try $0.decode(String.self, at: 1) }
    }

    public func drop(on connection: PostgresConnection) throws {
        for statement in dropStatements { try connection.executeScript(statement) }
    }

    public func restore(on connection: PostgresConnection) throws {
        for statement in addStatements { try connection.executeScript(statement) }
    }
}
