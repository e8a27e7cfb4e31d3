import Foundation
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

@Suite struct MigratorTests {
    /// A directory with copies of the real migrations, to change without touching sql/.
    func copyOfMigrations() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for migration in try Migrator().migrations {
            try Data(migration.sql.utf8).write(to: directory.appendingPathComponent(migration.fileName))
        }
        return directory
    }

    /// A new database migrated as a release before migration `version` left it: to try a new migration on its data.
    func migrated(before version: Int) throws -> PostgresConnection {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        let directory = try copyOfMigrations()
        defer { try? FileManager.default.removeItem(at: directory) }
        for migration in try Migrator().migrations where migration.version >= version {
            try FileManager.default.removeItem(at: directory.appendingPathComponent(migration.fileName))
        }
        try Migrator(directory: directory).migrate(db)
        return db
    }

    func code(_ body: () throws -> Void) -> DatabaseError.Code? {
        do {
            try body()
            return nil
        } catch {
            return (error as? DatabaseError)?.code
        }
    }

    @Test func migratingTwiceAppliesEachMigrationOnce() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        let migrator = try Migrator()
        #expect(!migrator.migrations.isEmpty)
        #expect(code { try migrator.requireCurrent(db) } == .schemaMissing)
        let first = try migrator.migrate(db)
        #expect(first.map(\.version) == migrator.migrations.map(\.version))
        #expect(try migrator.migrate(db).isEmpty)
        let recorded = try migrator.applied(on: db)
        #expect(recorded.map(\.checksum) == migrator.migrations.map(\.checksum))
        try migrator.requireCurrent(db)
        // The six domains of the first migration and the school years of the families' (0024).
        #expect(try db.execute("SELECT string_agg(domain, ',' ORDER BY domain) FROM ids.event_domains").scalar(String.self)
                == "benefit,child_welfare,er_visit,jail,school,shelter,wages")
    }

    @Test func aChangedAppliedMigrationIsRefused() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        let directory = try copyOfMigrations()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Migrator(directory: directory).migrate(db)
        let first = try Migrator(directory: directory).migrations[0]
        try Data((first.sql + "\n-- edited after it was applied\n").utf8)
            .write(to: directory.appendingPathComponent(first.fileName))
        let edited = try Migrator(directory: directory)
        #expect(code { try edited.migrate(db) } == .migrationChanged)
        #expect(code { try edited.requireCurrent(db) } == .migrationChanged)
    }

    @Test func aNewMigrationIsAppliedAndAFailingOneLeavesNothing() throws {
        let (db, _) = try TestDatabase.fresh(migrated: true)
        let directory = try copyOfMigrations()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("CREATE TABLE ids.extra (person_id bigint PRIMARY KEY);".utf8)
            .write(to: directory.appendingPathComponent("0900_extra.sql"))
        try Data("CREATE TABLE ids.broken (x int); SELECT 1/0;".utf8)
            .write(to: directory.appendingPathComponent("0901_broken.sql"))
        #expect(throws: PostgresError.self) { try Migrator(directory: directory).migrate(db) }
        // Each migration is all-or-nothing, and the run stopped at the failure.
        #expect(try db.execute("SELECT to_regclass('ids.broken') IS NULL").scalar(Bool.self))
        #expect(try Migrator(directory: directory).applied(on: db).map(\.version).contains(900) == false)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("0901_broken.sql"))
        #expect(try Migrator(directory: directory).migrate(db).map(\.version) == [900])
        // The database is now ahead of the real migrations: this version refuses it.
        #expect(code { try Migrator().migrate(db) } == .schemaNewer)
    }

    @Test func badlyNamedOrDuplicateFilesAreRejected() throws {
        let directory = try copyOfMigrations()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("SELECT 1;".utf8).write(to: directory.appendingPathComponent("0001_again.sql"))
        #expect(code { _ = try Migrator(directory: directory) } == .migrationFiles)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("0001_again.sql"))
        try Data("SELECT 1;".utf8).write(to: directory.appendingPathComponent("add_things.sql"))
        #expect(code { _ = try Migrator(directory: directory) } == .migrationFiles)
    }

    /// Each code has one exit status: a folder that is not there is missing input (66), a bad file in it bad data (65).
    @Test func theExitStatusFollowsTheCode() throws {
        let missing = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)")
        #expect(code { _ = try Migrator(directory: missing) } == .migrationsUnreadable)
        #expect(DatabaseError.Code.migrationsUnreadable.exitStatus.rawValue == 66)
        #expect(DatabaseError.Code.migrationFiles.exitStatus.rawValue == 65)
        #expect(DatabaseError.Code.loadRunning.exitStatus.rawValue == 75)
    }

    /// The top-level statements of a migration: semicolons outside comments, quotes and dollar quotes.
    static func topLevelStatements(_ sql: String) -> Int {
        var statements = 0, sawText = false
        var rest = Substring(sql)
        while let character = rest.first {
            if rest.hasPrefix("--") {
                rest = rest.drop { $0 != "\n" }
            } else if character == "'" {
                rest = rest.dropFirst().drop { $0 != "'" }.dropFirst()
                sawText = true
            } else if character == "$", let close = rest.dropFirst().firstIndex(of: "$") {
                let tag = rest[rest.startIndex...close]
                let body = rest[rest.index(after: close)...]
                rest = body.range(of: tag).map { body[$0.upperBound...] } ?? ""
                sawText = true
            } else if character == ";" {
                statements += 1
                sawText = false
                rest = rest.dropFirst()
            } else {
                if !character.isWhitespace { sawText = true }
                rest = rest.dropFirst()
            }
        }
        return statements + (sawText ? 1 : 0)
    }

    /// From 0027 on a migration may meet a database `db distribute` spread over Citus workers,
    /// which forwards a DDL statement's text to every shard and refuses a script of several: each
    /// such migration is one statement (several go in one DO block).
    @Test func migrationsForDistributedDatabasesAreOneStatement() throws {
        #expect(Self.topLevelStatements("SELECT 1; -- a; comment\nSELECT ';'") == 2)
        #expect(Self.topLevelStatements("DO $$ BEGIN PERFORM 1; PERFORM 2; END $$;\n-- done;") == 1)
        #expect(Self.topLevelStatements("DO $body$ BEGIN PERFORM '$$;'; END $body$; SELECT 2;") == 2)
        let later = try Migrator().migrations.filter { $0.version >= 27 }
        #expect(!later.isEmpty)
        for migration in later {
            #expect(Self.topLevelStatements(migration.sql) == 1, "\(migration.fileName)")
        }
    }
}
