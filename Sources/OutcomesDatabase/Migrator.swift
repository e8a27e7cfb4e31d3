import Foundation
import OutcomesDomain
import PostgresClient

/// One versioned schema change: `sql/migrations/NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// SHA-256 of the file's bytes, recorded when applied; a changed file is refused.
    public let checksum: String

    public var fileName: String { String(format: "%04d_%@.sql", version, name) }
}

/// Applies migrations in order, each once, recording version and checksum in `public.schema_migrations`.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    public let directory: URL

    /// Reads the migrations this binary ships (`$OUTCOMES_SQL_DIR` instead, if set): see ``ResourceFolder``.
    public init() throws {
        try self.init(directory: ResourceFolder.migrations.directory())
    }

    /// Reads the migration files of a directory (`NNNN_name.sql`, other files ignored).
    public init(directory: URL) throws {
        self.directory = directory
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            throw DatabaseError(
                .migrationsUnreadable,
                "The migrations directory \(directory.path) cannot be read. Set OUTCOMES_SQL_DIR to the sql/migrations "
                    + "directory of your outcomes checkout.")
        }
        var migrations: [Migration] = []
        for file in files.sorted() where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]), version > 0 else {
                throw DatabaseError(
                    .migrationFiles,
                    "\(directory.path)/\(file): a migration file must be named NNNN_description.sql (e.g. 0002_contracts.sql).")
            }
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            guard let sql = String(data: data, encoding: .utf8) else {
                throw DatabaseError(.migrationFiles, "\(directory.path)/\(file) is not UTF-8 text.")
            }
            var hasher = SHA256()
            hasher.update([UInt8](data))
            if let previous = migrations.last, previous.version == version {
                throw DatabaseError(
                    .migrationFiles,
                    "\(directory.path): \(previous.fileName) and \(file) have the same version \(version).")
            }
            migrations.append(Migration(
                version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql,
                checksum: hasher.hexDigest()))
        }
        self.migrations = migrations
    }

    public struct Applied: Sendable, Equatable {
        public let version: Int
        public let name: String
        public let checksum: String
    }

    /// What the database has applied (empty when the migrations table does not exist yet).
    public func applied(on connection: PostgresConnection) throws -> [Applied] {
        let exists = try connection.execute("SELECT to_regclass('public.schema_migrations') IS NOT NULL").scalar(Bool.self)
        guard exists else { return [] }
        return try connection.execute("SELECT version, name, checksum FROM public.schema_migrations ORDER BY version")
            .map { Applied(version: try $0.decode(at: 0), name: try $0.decode(at: 1), checksum: try $0.decode(at: 2)) }
    }

    /// Applies what is pending, each migration in its own transaction with its record.
    /// Refuses to run when an applied migration's file changed or is unknown to this version.
    @discardableResult
    public func migrate(_ connection: PostgresConnection) throws -> [Migration] {
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS public.schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                applied_by text NOT NULL DEFAULT current_user
            )
            """)
        return try connection.transaction { connection in
            // One migrator at a time per database.
            try connection.execute("SELECT pg_advisory_xact_lock(\(Migrator.lockKey))")
            let pending = try self.pending(given: try applied(on: connection))
            for migration in pending {
                try connection.transaction { connection in
                    try connection.executeScript(migration.sql)
                    try connection.execute("""
                        INSERT INTO public.schema_migrations (version, name, checksum)
                        VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                        """)
                }
            }
            return pending
        }
    }

    /// Throws unless the database has exactly this version's migrations applied, unchanged.
    public func requireCurrent(_ connection: PostgresConnection) throws {
        let applied = try applied(on: connection)
        let pending = try pending(given: applied)
        guard !applied.isEmpty else {
            throw DatabaseError(
                .schemaMissing,
                "\(connection.target) has no outcomes schema. Run `outcomes db migrate` (with the same --database) first.")
        }
        guard pending.isEmpty else {
            throw DatabaseError(
                .schemaOutdated,
                "\(connection.target) is \(pending.count) migration(s) behind (next: \(pending[0].fileName)). "
                    + "Run `outcomes db migrate` to bring it up to date.")
        }
    }

    static let lockKey = 7_220_301_151

    private func pending(given applied: [Applied]) throws -> [Migration] {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for record in applied {
            guard let migration = known[record.version] else {
                throw DatabaseError(
                    .schemaNewer,
                    "The database has migration \(record.version) (\(record.name)), which this version of outcomes does "
                        + "not know (its migrations are in \(directory.path)). Use the outcomes version that created it.")
            }
            guard migration.checksum == record.checksum else {
                throw DatabaseError(
                    .migrationChanged,
                    "\(directory.path)/\(migration.fileName) was applied with checksum \(record.checksum.prefix(12))… "
                        + "but the file now has \(migration.checksum.prefix(12))…. Applied migrations must not change: "
                        + "restore the file and put the change in a new migration.")
            }
        }
        let done = Set(applied.map(\.version))
        return migrations.filter { !done.contains($0.version) }
    }
}
