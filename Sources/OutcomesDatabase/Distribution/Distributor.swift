import PostgresClient

/// What `outcomes db distribute` did: each table and where it is now.
public struct DistributionReport: Sendable {
    public struct Table: Sendable {
        public let name: String
        public let placement: DistributedLayout.Placement
        public let rows: Int
    }

    public let tables: [Table]
    public let workers: [String]
    public let shardCount: Int
}

/// Turns a migrated database on a Citus coordinator into the distributed layout
/// (`DistributedLayout`), in one transaction: on any error nothing has changed.
public struct Distributor: Sendable {
    /// Shards per distributed table; nil: Citus's `citus.shard_count` (32 unless configured).
    public var shardCount: Int?
    /// How long to wait for running loads to finish before refusing (0: refuse at once).
    public var loadWaitSeconds: Int

    public init(shardCount: Int? = nil, loadWaitSeconds: Int = 0) {
        self.shardCount = shardCount
        self.loadWaitSeconds = loadWaitSeconds
    }

    public func distribute(_ connection: PostgresConnection) throws -> DistributionReport {
        // First, before anything else is asked: no load runs, and none starts until this is done.
        try LoadLock.excludeLoads(on: connection, waitingUpTo: loadWaitSeconds)
        defer { try? LoadLock.release(on: connection) }
        try requireCitusCoordinator(on: connection)
        try requireNothingDistributed(on: connection)
        try requireNoLoadInProgress(on: connection)
        let workers = try connection.execute("""
            SELECT nodename || ':' || nodeport FROM pg_dist_node
            WHERE noderole = 'primary' AND isactive AND groupid <> 0 ORDER BY nodename, nodeport
            """).map { try $0.decode(String.self, at: 0) }
        let shards = try shardCount ?? connection.execute("SELECT current_setting('citus.shard_count')::int").scalar(Int.self)
        try connection.transaction { connection in
            for key in DistributedLayout.droppedKeys {
                try connection.execute("ALTER TABLE \(identifier: key.table) DROP CONSTRAINT IF EXISTS \(identifier: .generated(key.constraint))")
            }
            for table in DistributedLayout.referenceTables {
                try connection.execute("SELECT create_reference_table(\(table.description)::regclass)")
            }
            // Citus distributes a table only while no other table's foreign key points at it as a
            // plain table: the keys to ids.persons are taken off and put back once all are placed.
            let anchor = DistributedLayout.distributedTables[0]
            let keys = try ForeignKeyDeferral(referencing: anchor.description, on: connection)
            try keys.drop(on: connection)
            try connection.execute("SELECT create_distributed_table(\(anchor.description)::regclass, 'person_id', shard_count => \(shards)::int)")
            for table in DistributedLayout.distributedTables.dropFirst() {
                try connection.execute("""
                    SELECT create_distributed_table(\(table.description)::regclass, 'person_id', colocate_with => \(anchor.description)::text)
                    """)
            }
            try keys.restore(on: connection)
            // Citus reaches the nodes, the coordinator too, as the role a command has taken: the job
            // roles log in there (they have no password; see README, "Citus").
            for role in DatabaseRole.allCases {
                try connection.execute("ALTER ROLE \(escapedIdentifier: role.rawValue) LOGIN")
            }
        }
        // Where each table is now, as Citus's catalog says.
        var tables: [DistributionReport.Table] = []
        for row in try connection.execute("""
            SELECT c.oid::regclass::text, coalesce(p.partmethod::text, ''), coalesce(p.repmodel::text, '')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid
            WHERE n.nspname = ANY (\(DistributedLayout.schemas)::text[]) AND c.relkind IN ('r', 'p')
              AND NOT c.relispartition
            ORDER BY 1
            """)
        {
            let name = try row.decode(String.self, at: 0)
            let placement: DistributedLayout.Placement = switch (try row.decode(String.self, at: 1), try row.decode(String.self, at: 2)) {
            case ("h", _): .distributed
            case ("n", "t"): .reference
            default: .coordinator
            }
            let rows = try connection.execute("SELECT count(*) FROM \(identifier: SQLIdentifier(validating: name)!)").scalar(Int.self)
            tables.append(.init(name: name, placement: placement, rows: rows))
        }
        return DistributionReport(tables: tables, workers: workers, shardCount: shards)
    }

    /// The active primary workers of the cluster the connection's coordinator leads.
    public static func workerCount(on connection: PostgresConnection) throws -> Int {
        try connection.execute("SELECT count(*) FROM pg_dist_node WHERE noderole = 'primary' AND isactive AND groupid <> 0")
            .scalar(Int.self)
    }

    private func requireCitusCoordinator(on connection: PostgresConnection) throws {
        let version = try connection.execute("SELECT max(extversion) FROM pg_extension WHERE extname = 'citus'").scalar(String?.self)
        guard version != nil else {
            throw DatabaseError(
                .citusMissing,
                "\(connection.target) has no Citus: `outcomes db distribute` needs a Citus coordinator (the server with "
                    + "shared_preload_libraries = 'citus', CREATE EXTENSION citus in this database, and its workers added "
                    + "with citus_add_node). Nothing was changed; see README, \"Citus\".")
        }
        guard try connection.execute("SELECT citus_is_coordinator()").scalar(Bool.self) else {
            throw DatabaseError(
                .citusMissing,
                "\(connection.target) is not the coordinator of its Citus cluster (a worker, or a server whose coordinator is "
                    + "not registered: SELECT citus_set_coordinator_host(...)). Run `outcomes db distribute` against the "
                    + "coordinator. Nothing was changed.")
        }
    }

    private func requireNothingDistributed(on connection: PostgresConnection) throws {
        let placed = try connection.execute("""
            SELECT string_agg(logicalrelid::regclass::text, ', ' ORDER BY logicalrelid::regclass::text) FROM pg_dist_partition
            WHERE (SELECT nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid WHERE c.oid = logicalrelid)
                  = ANY (\(DistributedLayout.schemas)::text[])
            """).scalar(String?.self)
        guard let placed else { return }
        let whole = try TableLayout.of(connection) == .distributed
        throw DatabaseError(
            .alreadyDistributed,
            (whole ? "\(connection.target) is distributed already" : "\(connection.target) has tables placed on Citus by hand")
                + " (\(placed)). `outcomes db distribute` distributes a database once, from the layout the migrations "
                + "create; nothing was changed." + (whole ? "" : " Undo the placement (SELECT undistribute_table(...)) first."))
    }

    /// A link run's load visible here unfinished was abandoned (its transaction committed without
    /// writing the index; `linkage.write_index` only finishes a load its own transaction opened):
    /// it holds nothing up, and the next link run closes it.
    private func requireNoLoadInProgress(on connection: PostgresConnection) throws {
        let open = try connection.execute("""
            SELECT string_agg(load_id::text, ', ' ORDER BY load_id) FROM ids.data_loads
            WHERE finished_at IS NULL AND kind <> 'linkage'
            """).scalar(String?.self)
        guard let open else { return }
        throw DatabaseError(
            .notDistributable,
            "\(connection.target) has data load(s) \(open) without a finish time: a load is running, or was stopped "
                + "midway by hand. Distribute when no load runs (a finished or rolled-back load leaves none). Nothing was changed.")
    }
}
