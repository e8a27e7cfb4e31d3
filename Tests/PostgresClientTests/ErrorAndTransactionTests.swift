import Foundation
import OutcomesTestSupport
import Testing
@testable import PostgresClient

@Suite struct ServerErrorTests {
    /// The PostgresError `body` throws, or nil.
    func failure(_ body: () throws -> Void) -> PostgresError? {
        do {
            try body()
            return nil
        } catch {
            return error as? PostgresError
        }
    }

    @Test func divisionByZeroCarriesSQLState22012() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        let error = try #require(failure { try db.execute("SELECT 1 / \(0)") })
        #expect(error.sqlState == .divisionByZero)
        #expect(error.sqlState?.code == "22012")
        #expect(error.kind == .server)
        #expect(error.statement == "SELECT 1 / $1")
        // The connection stays usable after an error.
        #expect(try db.execute("SELECT 1").scalar(Int.self) == 1)
    }

    @Test func aLostConnectionIsAConnectionLossNotAServerError() throws {
        let (db, conninfo) = try TestDatabase.fresh(migrated: false)
        let pid = try db.execute("SELECT pg_backend_pid()").scalar(Int.self)
        let other = try PostgresConnection(conninfo: conninfo)
        _ = try other.execute("SELECT pg_terminate_backend(\(pid)::int)").scalar(Bool.self)
        let error = try #require(failure { try db.execute("SELECT 1") })
        #expect(error.isConnectionLoss, "\(error.kind) \(error.sqlState?.code ?? "-"): \(error.message)")
        #expect(try other.execute("SELECT 1").scalar(Int.self) == 1)
    }

    @Test func uniqueViolationCarries23505AndTheConstraint() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        try db.execute("CREATE TABLE people (person_id bigint PRIMARY KEY, secret text)")
        try db.execute("INSERT INTO people VALUES (\(1), \("first"))")
        let error = try #require(failure { try db.execute("INSERT INTO people VALUES (\(1), \("top-secret-value"))") })
        #expect(error.sqlState == .uniqueViolation)
        #expect(error.constraint == "people_pkey")
        #expect(error.detail?.contains("(person_id)=(1)") == true, "the server's DETAIL is kept as it sent it")
        // Bound values are not part of the statement kept with the error.
        #expect(!(error.statement ?? "").contains("top-secret-value"))
    }

    @Test func syntaxErrorsAndMissingTablesHaveTheirCodes() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        #expect { try db.execute("SELEC 1") } throws: { ($0 as? PostgresError)?.sqlState == .syntaxError }
        #expect { try db.execute("SELECT * FROM nowhere") } throws: { ($0 as? PostgresError)?.sqlState == .undefinedTable }
    }

    @Test func connectionFailuresAreConnectionErrors() {
        #expect {
            _ = try PostgresConnection(conninfo: "host=/nonexistent-socket-dir port=1 connect_timeout=2")
        } throws: { ($0 as? PostgresError)?.kind == .connection }
    }
}

@Suite struct TransactionTests {
    struct Planned: Error {}

    @Test func aThrowRollsBackEverything() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        try db.execute("CREATE TABLE ledger (id int PRIMARY KEY, amount numeric)")
        #expect(throws: Planned.self) {
            try db.transaction { db in
                try db.execute("INSERT INTO ledger VALUES (1, 10.00)")
                try db.execute("INSERT INTO ledger VALUES (2, 20.00)")
                throw Planned()
            }
        }
        #expect(!db.inTransaction)
        #expect(try db.execute("SELECT count(*) FROM ledger").scalar(Int.self) == 0)
    }

    @Test func aServerErrorRollsBackEverything() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        try db.execute("CREATE TABLE ledger (id int PRIMARY KEY)")
        #expect(throws: PostgresError.self) {
            try db.transaction { db in
                try db.execute("INSERT INTO ledger VALUES (1)")
                try db.execute("INSERT INTO ledger VALUES (1)")
            }
        }
        #expect(try db.execute("SELECT count(*) FROM ledger").scalar(Int.self) == 0)
    }

    @Test func nestedTransactionsUseSavepoints() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        try db.execute("CREATE TABLE ledger (id int PRIMARY KEY)")
        try db.transaction { db in
            try db.execute("INSERT INTO ledger VALUES (1)")
            _ = try? db.transaction { db in
                try db.execute("INSERT INTO ledger VALUES (2)")
                throw Planned()
            }
            try db.execute("INSERT INTO ledger VALUES (3)")
        }
        let ids = try db.execute("SELECT id FROM ledger ORDER BY id").map { try $0.decode(Int.self, at: 0) }
        #expect(ids == [1, 3])
    }
}
