import Foundation
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// The ledger is append-only for everyone, and each role sees and writes only what it should.
@Suite struct PaymentLedgerTests {
    /// A database with one posted run: two lines for provider hearth, one for keystone.
    func ledger() throws -> PostgresConnection {
        let (db, _) = try TestDatabase.fresh()
        // Written by hand as the owner, around the door (which seals every run by its commit).
        try db.runScript("""
            SET session_replication_role = replica;
            INSERT INTO payments.contracts (contract_id, version, currency, file_sha256, body)
                VALUES ('pay-test', 1, 'USD', 'abc', 'contract: pay-test');
            INSERT INTO payments.runs (contract_id, version, period, kind, inputs_sha256, load_id, total)
                VALUES ('pay-test', 1, '2021', 'final', 'def', 1, 3500);
            INSERT INTO payments.ledger (run_id, line_no, contract_id, period, provider_id, payer_id, person_id, line_id, entry, amount)
            SELECT run_id, n, 'pay-test', '2021', p, 'state', 100 + n, 'housed', 'payment', 1000 + 500 * (n - 1)
            FROM payments.runs, (VALUES (1, 'hearth'), (2, 'hearth'), (3, 'keystone')) AS l(n, p);
            SET session_replication_role = origin;
            """)
        // Login users of the roles; roles are cluster-wide, so tests share them.
        for (user, role) in [("hearth_staff", "outcomes_provider"), ("an_analyst", "outcomes_analyst"), ("a_payer", "outcomes_payments")] {
            try db.loginUser(user, memberOf: role)
        }
        try db.execute("INSERT INTO payments.provider_users (user_name, provider_id) VALUES ('hearth_staff', 'hearth')")
        return db
    }

    /// The error running `sql` as `user` (the owner when nil), or nil when it ran.
    func refusal(_ db: PostgresConnection, as user: String?, _ statement: PostgresQuery) -> PostgresError? {
        do {
            try db.transaction { connection in
                if let user { try connection.execute("SET LOCAL ROLE \(escapedIdentifier: user)") }
                try connection.execute(statement)
            }
            return nil
        } catch {
            return error as? PostgresError ?? PostgresError(kind: .server, message: "not a PostgresError: \(error)")
        }
    }

    @Test func aProviderSeesItsOwnLinesAndCannotWrite() throws {
        let db = try ledger()
        try db.transaction(as: "hearth_staff") { db in
            let visible = try db.execute("SELECT provider_id, count(*) FROM payments.ledger GROUP BY 1 ORDER BY 1")
            #expect(visible.count == 1)
            #expect(try visible[0].decode(String.self, at: 0) == "hearth" && visible[0].decode(Int.self, at: 1) == 2)
            #expect(try db.execute("SELECT count(*) FROM payments.ledger WHERE provider_id = 'keystone'").scalar(Int.self) == 0)
        }
        #expect(refusal(db, as: "hearth_staff", "SELECT count(*) FROM payments.runs")?.sqlState == .insufficientPrivilege)
        #expect(refusal(db, as: "hearth_staff", """
            INSERT INTO payments.ledger (run_id, line_no, contract_id, period, provider_id, payer_id, line_id, entry, amount)
            VALUES (1, 9, 'pay-test', '2021', 'hearth', 'state', 'housed', 'payment', 1)
            """)?.sqlState == .insufficientPrivilege)
    }

    @Test func anAnalystReadsButCannotWriteTheLedger() throws {
        let db = try ledger()
        try db.transaction(as: "an_analyst") { db throws in
            #expect(try db.execute("SELECT count(*) FROM payments.ledger").scalar(Int.self) == 3)
            #expect(try db.execute("SELECT count(*) FROM ids.persons").scalar(Int.self) == 0)
        }
        #expect(refusal(db, as: "an_analyst", """
            INSERT INTO payments.ledger (run_id, line_no, contract_id, period, provider_id, payer_id, line_id, entry, amount)
            VALUES (1, 9, 'pay-test', '2021', 'hearth', 'state', 'housed', 'payment', 1)
            """)?.sqlState == .insufficientPrivilege)
    }

    @Test func noRoleUpdatesOrDeletesLedgerRows() throws {
        let db = try ledger()
        // The payments role posts only through the door (payments.open_run / close_run), never by INSERT …
        #expect(refusal(db, as: "a_payer", """
            INSERT INTO payments.ledger (run_id, line_no, contract_id, period, provider_id, payer_id, line_id, entry, amount)
            VALUES (1, 4, 'pay-test', '2021', 'hearth', 'state', 'housed', 'adjustment', 5000000)
            """)?.sqlState == .insufficientPrivilege)
        // … and neither it nor the owner changes or removes a line.
        for sql: PostgresQuery in ["UPDATE payments.ledger SET amount = 0", "DELETE FROM payments.ledger", "UPDATE payments.runs SET total = 0",
                    "DELETE FROM payments.contracts"] {
            let error = refusal(db, as: "a_payer", sql)
            #expect(error?.sqlState == .insufficientPrivilege, "\(sql) as the payments role")
        }
        for sql: PostgresQuery in ["UPDATE payments.ledger SET amount = 0", "DELETE FROM payments.ledger WHERE line_no = 1",
                    "TRUNCATE payments.ledger CASCADE", "UPDATE payments.contracts SET body = ''"] {
            // The owner holds every privilege on its tables, so 42501 here comes from the append-only triggers.
            let error = refusal(db, as: nil, sql)
            #expect(error?.sqlState == .insufficientPrivilege, "the owner ran: \(sql)")
        }
        let totals = try db.execute("SELECT count(*), sum(amount)::int FROM payments.ledger")[0]
        #expect(try totals.decode(Int.self, at: 0) == 3 && totals.decode(Int.self, at: 1) == 4500, "1000 + 1500 + 2000, as written")
    }
}

extension PaymentLedgerTests {
    /// Lines enter through `payments.close_run` only; a line the owner slips in beside it is found by `payments verify`.
    @Test func linesOfNoRunOfTheirContractAndPeriodAreFound() throws {
        let db = try ledger()
        for (run, period) in [(99, "2021"), (1, "2022")] {
            #expect(refusal(db, as: nil, """
                INSERT INTO payments.ledger (run_id, line_no, contract_id, period, provider_id, payer_id, line_id, entry, amount)
                VALUES (\(run), 50, 'pay-test', \(period), 'hearth', 'state', 'housed', 'payment', 1)
                """) == nil)
        }
        let verified = try ChainVerification.verify(on: db)
        #expect(verified.breaks.filter { $0.problem == .strayLines }.map(\.runID) == [1, 99])
    }
}
