import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Runs are posted only through the database's door, and sealed into a hash chain that
/// `payments verify` recomputes — so that even a superuser's edit is detected.
@Suite(.serialized) struct PostingDoorTests {
    /// A login of the payments role on the test's database.
    func paymentsLogin(_ conninfo: String, _ db: PostgresConnection) throws -> PostgresConnection {
        try db.loginUser("a_payer", memberOf: "outcomes_payments")
        return try PostgresConnection(conninfo: conninfo + " user=a_payer")
    }

    func sqlState(_ body: () throws -> Void) -> SQLState? {
        do {
            try body()
            return nil
        } catch {
            return (error as? PostgresError)?.sqlState
        }
    }

    @Test func theDoorChecksWhatItIsGivenAndRecordsWhoRanIt() throws {
        let (db, conninfo, stored) = try PaymentRunnerTests().prepared()
        let payer = try paymentsLogin(conninfo, db)
        let load = try db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self)
        let inputs = try PaymentTrustTests.genuineInputs(stored, period: "2021", on: db)
        func open(_ version: Int, _ period: String, total: Int, inputs text: String = String(decoding: inputs.text, as: UTF8.self)) throws -> Int {
            try payer.execute("""
                SELECT payments.open_run('reentry-2021', \(version)::int, \(period)::text, 'final', \(load)::int, \(total)::numeric,
                                         \(text)::text, \(String(decoding: RunContext(prior: [:]).text, as: UTF8.self))::text)
                """).scalar(Int.self)
        }
        // A version not loaded, a period not computed from it: refused.
        #expect(sqlState { _ = try payer.transaction { _ in try open(7, "2021", total: 10) } } == .foreignKeyViolation)
        #expect(sqlState { _ = try payer.transaction { _ in try open(1, "2031", total: 10) } } == .foreignKeyViolation)
        // Inputs that are another period's: refused.
        #expect(sqlState { _ = try payer.transaction { _ in try open(1, "2022", total: 10) } } == .checkViolation)
        // Lines that do not add up to the run's total: refused, nothing posted.
        let lines = [("bridgeway", "state", Int?(1), "employed", "1000")]
        let unbalanced = sqlState {
            try payer.transaction { connection in
                let run = try open(1, "2021", total: 10)
                try PaymentTrustTests.stage(lines, on: connection)
                _ = try connection.execute("SELECT payments.close_run(\(run)::bigint)").scalar(String.self)
            }
        }
        #expect(unbalanced == .checkViolation)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)
        // A balanced run posts, recorded as the session's user — whatever the caller claims — under
        // the hash of the inputs it stored, which the door computes.
        let run = try payer.transaction { connection -> Int in
            let run = try open(1, "2021", total: 1000)
            try PaymentTrustTests.stage(lines, on: connection)
            _ = try connection.execute("SELECT payments.close_run(\(run)::bigint)").scalar(String.self)
            return run
        }
        #expect(try db.execute("SELECT run_by FROM payments.runs WHERE run_id = \(run)").scalar(String.self) == "a_payer")
        #expect(try db.execute("SELECT inputs_sha256 FROM payments.runs WHERE run_id = \(run)").scalar(String.self) == inputs.sha256)
        // A sealed run takes no more lines.
        let again = sqlState {
            try payer.transaction { connection in
                try PaymentTrustTests.stage(lines, on: connection)
                _ = try connection.execute("SELECT payments.close_run(\(run)::bigint)").scalar(String.self)
            }
        }
        #expect(again == .insufficientPrivilege)
    }

    @Test func verifyFindsASuperusersEdit() throws {
        let (db, _, stored) = try PaymentRunnerTests().prepared()
        _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        _ = try PaymentRunner(stored: stored).run(period: "2022", on: db)
        let intact = try ChainVerification.verify(on: db)
        #expect(intact.isIntact && intact.runs == 2 && intact.head?.position == 2)
        // A superuser switches the append-only triggers off and moves money between lines.
        try db.runScript("""
            SET session_replication_role = replica;
            UPDATE payments.ledger SET amount = amount + 100 WHERE run_id = 1 AND line_no = 1;
            UPDATE payments.ledger SET amount = amount - 100 WHERE run_id = 1 AND line_no = 2;
            SET session_replication_role = origin;
            """)
        let edited = try ChainVerification.verify(on: db)
        #expect(edited.breaks.map(\.problem) == [.sealMismatch], "the totals still add up; the seal does not")
        #expect(edited.breaks.first?.runID == 1)
        // Removing a run and its seal breaks the chain's links.
        try db.runScript("""
            SET session_replication_role = replica;
            DELETE FROM payments.run_seals WHERE position = 1;
            SET session_replication_role = origin;
            """)
        let removed = try ChainVerification.verify(on: db)
        #expect(removed.breaks.contains { $0.problem == .brokenLink && $0.position == 2 })
        #expect(removed.breaks.contains { $0.problem == .unsealed && $0.runID == 1 })
    }

    /// Runs posted before the chain are sealed by its migration, in the order they were posted.
    @Test func runsPostedBeforeTheChainAreSealedByTheMigration() throws {
        let db = try MigratorTests().migrated(before: 13)
        try db.runScript("""
            INSERT INTO payments.contracts (contract_id, version, currency, file_sha256, body) VALUES ('c', 1, 'USD', 'x', 'x');
            INSERT INTO payments.runs (contract_id, version, period, kind, inputs_sha256, load_id, total)
            VALUES ('c', 1, '2021', 'final', 'h', 1, 1500), ('c', 1, '2022', 'final', 'i', 1, -200);
            INSERT INTO payments.ledger (run_id, line_no, contract_id, period, provider_id, payer_id, person_id, line_id, entry, amount)
            VALUES (1, 1, 'c', '2021', 'p', 'o', 7, 'employed', 'payment', 1500), (2, 1, 'c', '2022', 'p', 'o', 7, 'employed', 'payment', -200);
            """)
        try Migrator().migrate(db)
        let verified = try ChainVerification.verify(on: db)
        #expect(verified.isIntact && verified.runs == 2)
        // Sealed in format 1 by migration 0013, and again in format 2 by 0019.
        #expect(try db.execute("SELECT run_id FROM payments.run_seals ORDER BY position").map { try $0.decode(Int.self, at: 0) } == [1, 2, 1, 2])
    }
}

/// Everything a provider's user can reach returns only that provider's rows.
@Suite(.serialized) struct ProviderIsolationTests {
    @Test func everyRelationAProviderCanReadHoldsOnlyItsOwnRows() throws {
        let (db, _, stored) = try PaymentRunnerTests().prepared()
        _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        try db.runScript("""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bridgeway_staff') THEN CREATE ROLE bridgeway_staff LOGIN; END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'secondchance_staff') THEN CREATE ROLE secondchance_staff LOGIN; END IF;
            END $$;
            GRANT outcomes_provider TO bridgeway_staff, secondchance_staff;
            INSERT INTO payments.provider_users VALUES ('bridgeway_staff', 'bridgeway'), ('secondchance_staff', 'secondchance');
            """)
        // A run with no bridgeway line (the owner posts one by hand, around the door): its header must stay hidden from bridgeway's users.
        try db.runScript("""
            SET session_replication_role = replica;
            INSERT INTO payments.runs (contract_id, version, period, kind, inputs_sha256, load_id, total)
            VALUES ('reentry-2021', 1, '2022', 'final', 'only-secondchance', 1, 10);
            INSERT INTO payments.ledger (run_id, line_no, contract_id, period, provider_id, payer_id, line_id, entry, amount)
            SELECT max(run_id), 1, 'reentry-2021', '2022', 'secondchance', 'state', 'employed', 'payment', 10 FROM payments.runs;
            SET session_replication_role = origin;
            """)
        let allRuns = try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self)
        let readable = try db.execute("""
            SELECT n.nspname::text, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'v', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
              AND has_table_privilege('bridgeway_staff', c.oid, 'SELECT')
            ORDER BY 1, 2
            """).map { (schema: try $0.decode(String.self, at: 0), name: try $0.decode(String.self, at: 1)) }
        let relations = readable.map { "\($0.schema).\($0.name)" }
        #expect(Set(relations) == ["payments.determinations", "payments.ledger", "payments.ledger_caps", "payments.provider_users",
                                   "payments.run_headers", "payments.contracts", "payments.contract_terms", "public.schema_migrations"],
                "\(relations)")
        try db.transaction(as: "bridgeway_staff") { db in
            for relation in readable {
                let table: PostgresQuery = "\(escapedIdentifier: relation.schema).\(escapedIdentifier: relation.name)"
                let columns = try db.execute("SELECT * FROM \(table) LIMIT 0").columns.map(\.name)
                if columns.contains("provider_id") {
                    let others = try db.execute("SELECT count(*) FROM \(table) WHERE provider_id <> 'bridgeway'").scalar(Int.self)
                    #expect(others == 0, "\(relation) shows other providers' rows")
                }
            }
            #expect(try db.execute("SELECT count(*) FROM payments.provider_users").scalar(Int.self) == 1)
            let visibleRuns = try db.execute("SELECT count(*) FROM payments.run_headers").scalar(Int.self)
            let ownRuns = try db.execute("SELECT count(DISTINCT run_id) FROM payments.ledger").scalar(Int.self)
            #expect(visibleRuns == ownRuns && visibleRuns == allRuns - 1, "bridgeway sees \(visibleRuns) of \(allRuns) runs")
        }
        // The functions it may call: the door is closed to it, and the digests see only what it may read.
        let functions = try db.execute("""
            SELECT DISTINCT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'payments' AND p.prorettype <> 'trigger'::regtype AND has_function_privilege('bridgeway_staff', p.oid, 'EXECUTE')
            ORDER BY 1
            """).map { try $0.decode(String.self, at: 0) }
        #expect(functions == ["acts_as_provider", "chain_head", "determinations_digest", "lines_digest", "seal_of"], "\(functions)")
        let hidden = try db.execute("SELECT max(run_id) FROM payments.runs").scalar(Int.self)
        try db.transaction(as: "bridgeway_staff") { db in
            let digest = try db.execute("SELECT payments.lines_digest(\(hidden)::bigint)").scalar(String.self)
            #expect(digest == SHA256.hex(""), "another provider's run digests as empty")
        }
        #expect(throws: PostgresError.self) {
            try db.transaction(as: "bridgeway_staff") { try $0.execute("SELECT payments.seal_of(1, NULL)") }
        }
        // As another provider, a run of bridgeway's only would be hidden the same way.
        try db.transaction(as: "secondchance_staff") { db throws in
            #expect(try db.execute("SELECT count(*) FROM payments.ledger WHERE provider_id = 'bridgeway'").scalar(Int.self) == 0)
        }
    }
}
