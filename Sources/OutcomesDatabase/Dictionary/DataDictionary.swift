import OutcomesDomain
import PostgresClient

/// What the database holds, described for the people who request and publish its data: every
/// table and column of the application's schemas with its definition (the `COMMENT ON` each
/// migration writes), every event domain with the systems and years that supply it, and every
/// loaded contract's metrics. Read, never hand-kept: a definition lives next to what it defines.
public struct DataDictionary: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public let name: String
        /// The PostgreSQL type as `format_type` writes it (`bigint`, `text[]`, `numeric`).
        public let type: String
        public let required: Bool
        public let definition: String?
    }

    public struct ForeignKey: Sendable, Equatable {
        public let columns: [String]
        /// `schema.table`.
        public let table: String
        public let referenced: [String]
    }

    public struct Table: Sendable, Equatable {
        public let schema: String
        public let name: String
        /// `table`, `view` or `partitioned table`.
        public let kind: String
        public let definition: String?
        public let columns: [Column]
        public let primaryKey: [String]
        public let foreignKeys: [ForeignKey]
        public var qualifiedName: String { "\(schema).\(name)" }
    }

    /// One event domain as one source system supplies it.
    public struct DomainSource: Sendable, Equatable {
        public let domain: String
        public let shape: String
        public let definition: String?
        /// nil: no events of the domain are loaded.
        public let sourceSystem: String?
        public let sourceName: String?
        public let agency: String?
        public let events: Int
        public let firstYear: Int?
        public let lastYear: Int?
    }

    /// One metric of a loaded contract version.
    public struct Metric: Sendable, Equatable {
        public let contractID: String
        public let contractName: String
        public let programID: String
        public let version: Int
        public let firstYear: Int?
        public let lastYear: Int?
        public let metric: MetricDefinition
    }

    public struct Schema: Sendable, Equatable {
        public let name: String
        public let definition: String?
    }

    public let schemas: [Schema]
    public let tables: [Table]
    public let domains: [DomainSource]
    public let metrics: [Metric]

    /// The application's schemas: all but PostgreSQL's own, `public` and extensions' (`public`
    /// contributes its migrations table only).
    static let applicationSchemas: PostgresQuery = """
        SELECT n.oid, n.nspname FROM pg_catalog.pg_namespace n
        WHERE n.nspname !~ '^pg_' AND n.nspname NOT IN ('information_schema', 'public')
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                          WHERE d.classid = 'pg_catalog.pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
        """

    /// The tables and views that are documented: not partitions (each contract-period's results
    /// are a partition of `metrics.person_results`, described there) and not extensions' objects.
    static let documentedRelations: PostgresQuery = """
        SELECT c.oid, n.nspname, c.relname, c.relkind
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
          AND (n.oid IN (SELECT oid FROM (\(applicationSchemas)) s) OR (n.nspname = 'public' AND c.relname = 'schema_migrations'))
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                          WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        """

    /// Every schema, table, view and column that has no definition, as `kind name` pairs; the
    /// dictionary's own check that a migration commented on what it created.
    public static func undocumented(on connection: PostgresConnection) throws -> [String] {
        try connection.execute("""
            WITH s AS (\(applicationSchemas)), r AS (\(documentedRelations))
            SELECT 'schema ' || quote_ident(s.nspname) FROM s WHERE obj_description(s.oid, 'pg_namespace') IS NULL
            UNION ALL
            SELECT 'table ' || format('%I.%I', r.nspname, r.relname) FROM r WHERE obj_description(r.oid, 'pg_class') IS NULL
            UNION ALL
            SELECT 'column ' || format('%I.%I.%I', r.nspname, r.relname, a.attname)
            FROM r JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE col_description(r.oid, a.attnum) IS NULL
            ORDER BY 1
            """).map { try $0.decode(String.self, at: 0) }
    }
}
