import PostgresClient

/// Foreign keys held by tables about to be bulk-loaded, dropped for the load and re-added after.
///
/// A foreign key checked row by row costs about as much as the COPY itself; re-adding the
/// constraint checks every row at once with one anti-join. Used inside the load's transaction,
/// so the constraints are never missing for anyone else, and a violation rolls the load back.
/// The keys are read from the catalog as names and actions, so the schema stays in sql/ and no
/// statement text is passed around.
public struct ForeignKeyDeferral: Sendable {
    public let keys: [ForeignKey]

    /// The foreign keys that `tables` hold.
    public init(tables: [String], on connection: PostgresConnection) throws {
        try self.init(matching: "c.conrelid = ANY (\(tables)::regclass[])", on: connection)
    }

    /// The foreign keys that point at `table`.
    public init(referencing table: String, on connection: PostgresConnection) throws {
        try self.init(matching: "c.confrelid = \(table)::regclass", on: connection)
    }

    private init(matching condition: PostgresQuery, on connection: PostgresConnection) throws {
        func columns(_ table: String, _ numbers: String) -> PostgresQuery {
            "ARRAY(SELECT a.attname::text FROM unnest(c.\(identifier: .generated(numbers))) WITH ORDINALITY AS k(n, i) "
                + "JOIN pg_attribute a ON a.attrelid = c.\(identifier: .generated(table)) AND a.attnum = k.n ORDER BY k.i)"
        }
        keys = try connection.execute("""
            SELECT ns.nspname::text, t.relname::text, c.conname::text, \(columns("conrelid", "conkey")),
                   fns.nspname::text, ft.relname::text, \(columns("confrelid", "confkey")),
                   c.confupdtype::text, c.confdeltype::text, c.confmatchtype::text, c.condeferrable, c.condeferred
            FROM pg_constraint c
            JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace
            JOIN pg_class ft ON ft.oid = c.confrelid JOIN pg_namespace fns ON fns.oid = ft.relnamespace
            WHERE c.contype = 'f' AND \(condition)
            ORDER BY c.conrelid::regclass::text, c.conname
            """).map { row in
            ForeignKey(
                table: .init(schema: try row.decode(at: 0), name: try row.decode(at: 1)), name: try row.decode(at: 2),
                columns: try row.decode([String].self, at: 3),
                referenced: .init(schema: try row.decode(at: 4), name: try row.decode(at: 5)),
                referencedColumns: try row.decode([String].self, at: 6),
                onUpdate: try ForeignKey.Action(code: row.decode(at: 7)), onDelete: try ForeignKey.Action(code: row.decode(at: 8)),
                matchFull: try row.decode(String.self, at: 9) == "f", deferrable: try row.decode(at: 10),
                initiallyDeferred: try row.decode(at: 11))
        }
    }

    public func drop(on connection: PostgresConnection) throws {
        for key in keys { try connection.execute(key.dropStatement) }
    }

    public func restore(on connection: PostgresConnection) throws {
        for key in keys { try connection.execute(key.addStatement) }
    }
}

/// A foreign key as the catalog describes it: names from the catalog are escaped by libpq.
public struct ForeignKey: Sendable, Equatable {
    public struct Table: Sendable, Equatable {
        public let schema: String
        public let name: String
    }

    public enum Action: Sendable, Equatable {
        case noAction, restrict, cascade, setNull, setDefault

        init(code: String) throws {
            switch code {
            case "a": self = .noAction
            case "r": self = .restrict
            case "c": self = .cascade
            case "n": self = .setNull
            case "d": self = .setDefault
            default: throw PostgresDecodingError(reason: "unknown foreign key action '\(code)'")
            }
        }

        var sql: PostgresQuery {
            switch self {
            case .noAction: "NO ACTION"
            case .restrict: "RESTRICT"
            case .cascade: "CASCADE"
            case .setNull: "SET NULL"
            case .setDefault: "SET DEFAULT"
            }
        }
    }

    public let table: Table
    public let name: String
    public let columns: [String]
    public let referenced: Table
    public let referencedColumns: [String]
    public let onUpdate: Action
    public let onDelete: Action
    public let matchFull: Bool
    public let deferrable: Bool
    public let initiallyDeferred: Bool

    public var dropStatement: PostgresQuery {
        "ALTER TABLE \(Self.name(table)) DROP CONSTRAINT \(escapedIdentifier: name)"
    }

    public var addStatement: PostgresQuery {
        let list = { (names: [String]) -> PostgresQuery in names.map { "\(escapedIdentifier: $0)" as PostgresQuery }.joined(separator: ", ") }
        let match: PostgresQuery = matchFull ? " MATCH FULL" : ""
        let timing: PostgresQuery = deferrable ? (initiallyDeferred ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE") : ""
        return """
            ALTER TABLE \(Self.name(table)) ADD CONSTRAINT \(escapedIdentifier: name) FOREIGN KEY (\(list(columns)))
            REFERENCES \(Self.name(referenced)) (\(list(referencedColumns)))\(match) ON UPDATE \(onUpdate.sql) ON DELETE \(onDelete.sql)\(timing)
            """
    }

    private static func name(_ table: Table) -> PostgresQuery {
        "\(escapedIdentifier: table.schema).\(escapedIdentifier: table.name)"
    }
}
