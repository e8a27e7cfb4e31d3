import PostgresClient

/// Where the IDS tables live: on one PostgreSQL server, or hash-distributed by `person_id` over
/// a Citus cluster (`outcomes db distribute`). The few statements whose best shape differs ask.
public enum TableLayout: Sendable, Equatable {
    case singleNode
    case distributed

    /// The layout of the connected database: distributed when `ids.persons` is a Citus
    /// distributed table.
    public static func of(_ connection: PostgresConnection) throws -> TableLayout {
        let citus = try connection.execute("SELECT to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL").scalar(Bool.self)
        guard citus else { return .singleNode }
        let distributed = try connection.execute("""
            SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition
                           WHERE logicalrelid = to_regclass('ids.persons') AND partmethod = 'h')
            """).scalar(Bool.self)
        return distributed ? .distributed : .singleNode
    }
}

/// A table of one row per person (or per person and metric) that a command builds from a query:
/// a run's staged results, an evaluation's units. On one server a CREATE TABLE AS, which
/// PostgreSQL runs in parallel; on Citus the table is distributed by `person_id` beside the IDS
/// before it is filled, so the INSERT … SELECT runs on every worker at once, each over its own
/// people, and nothing is pulled through the coordinator.
struct PersonLevelTable {
    let table: SQLIdentifier

    /// Creates the table from `query`, a SELECT with a `person_id bigint` column.
    func create(as query: PostgresQuery, layout: TableLayout, on connection: PostgresConnection) throws {
        switch layout {
        case .singleNode:
            try connection.execute("CREATE TABLE \(identifier: table) AS\n\(query)")
        case .distributed:
            try connection.execute("CREATE TABLE \(identifier: table) AS\nSELECT * FROM (\n\(query)\n) AS rows WITH NO DATA")
            try connection.execute("""
                SELECT create_distributed_table(\(table.quoted)::text::regclass, 'person_id', colocate_with => 'ids.persons')
                """)
            try connection.execute("INSERT INTO \(identifier: table)\n\(query)")
        }
    }
}

extension TableLayout {
    /// A load writes the small reference tables (ids.data_loads, the catalog) and the distributed
    /// ones that hold foreign keys to them in one transaction. Citus runs such a transaction only
    /// over one connection per worker, which it is told here; on one server this does nothing.
    static func prepareLoadTransaction(on connection: PostgresConnection) throws {
        guard try of(connection) == .distributed else { return }
        try connection.execute("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")
    }
}
