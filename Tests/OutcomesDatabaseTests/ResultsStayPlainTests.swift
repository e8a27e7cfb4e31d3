import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// The analyst owns the participants' results, which payment runs read. Migration 0032's event
/// trigger refuses, at its own statement, any DDL that leaves code of the analyst's on them — so
/// nothing is there for a reader to run, not even between a payment run's two checks (the third
/// hostile review's finding 3: a statistics object created and dropped between them ran unseen).
@Suite(.serialized) struct ResultsStayPlainTests {
    static let refused = SQLState(code: "42501")

    static func partition(_ db: PostgresConnection) throws -> String {
        try db.execute("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'metrics.person_results'::regclass LIMIT 1")
            .scalar(String.self)
    }

    /// Each way the reviews found of attaching code is refused where it is made, by the analyst and
    /// by a superuser alike, and leaves nothing; the analyst's own runs go on.
    @Test func codeOnTheResultsIsRefusedAtItsStatement() throws {
        let (db, stored, analyst, payments) = try ResultsReadGuardTests.prepared("plain-refused", keepTrigger: true)
        let partition = try Self.partition(db)
        try analyst.runScript("""
            CREATE FUNCTION metrics.plain_op(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 + CASE WHEN metrics.guard_spy() THEN 0 ELSE 1 END';
            CREATE OPERATOR metrics.### (RIGHTARG = int, FUNCTION = metrics.plain_op);
            CREATE DOMAIN metrics.plain_text AS text;
            CREATE TABLE metrics.plain_sub (LIKE metrics.person_results) PARTITION BY LIST ((person_id + (metrics.guard_spy())::int));
            CREATE TABLE metrics.plain_staged (LIKE metrics.person_results);
            CREATE STATISTICS metrics.plain_staged_stats ON (person_id + (metrics.guard_spy())::int), contract_id FROM metrics.plain_staged;
            CREATE FUNCTION metrics.plain_trigger() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RETURN NEW; END $f$;
            CREATE COLLATION metrics.plain_collation FROM "C";
            """)
        let traps: [String] = [
            "ALTER TABLE metrics.person_results ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE \(partition) FORCE ROW LEVEL SECURITY",
            "CREATE POLICY plain_trap ON metrics.person_results FOR SELECT USING (metrics.guard_spy())",
            "CREATE RULE plain_trap AS ON UPDATE TO \(partition) DO INSTEAD NOTHING",
            "ALTER TABLE metrics.person_results ALTER COLUMN metric_id TYPE metrics.plain_text",
            "CREATE INDEX plain_trap ON \(partition) (person_id) WHERE metrics.guard_spy()",
            "CREATE INDEX plain_trap ON metrics.person_results ((person_id + (metrics.guard_spy())::int))",
            "CREATE STATISTICS metrics.plain_trap ON (person_id + (metrics.guard_spy())::int), contract_id FROM \(partition)",
            "ALTER TABLE \(partition) ADD CONSTRAINT plain_trap CHECK (result_set > OPERATOR(metrics.###) 0)",
            "ALTER TABLE \(partition) ALTER COLUMN value SET DEFAULT (metrics.guard_spy())::int",
            "ALTER TABLE metrics.person_results ATTACH PARTITION metrics.plain_sub FOR VALUES IN (999998)",
            "ALTER TABLE metrics.person_results ATTACH PARTITION metrics.plain_staged FOR VALUES IN (999999)",
            "CREATE TABLE metrics.plain_view_of PARTITION OF metrics.person_results FOR VALUES IN (999997) PARTITION BY LIST (person_id)",
            "CREATE TRIGGER plain_trap BEFORE INSERT ON \(partition) FOR EACH ROW EXECUTE FUNCTION metrics.plain_trigger()",
            "ALTER TABLE metrics.person_results ALTER COLUMN metric_id TYPE text COLLATE metrics.plain_collation",
            // A trigger of PostgreSQL's own whose WHEN clause is the analyst's (the second review).
            "CREATE TRIGGER plain_when BEFORE UPDATE ON \(partition) FOR EACH ROW WHEN (metrics.guard_spy()) "
                + "EXECUTE FUNCTION pg_catalog.suppress_redundant_updates_trigger()",
        ]
        for trap in traps {
            #expect(LinkAccessTests.refusal(analyst, PostgresQuery(stringLiteral: trap)) == Self.refused, "\(trap)")
            #expect(try db.execute("SELECT payments.results_reshaped(true)").scalar(Bool.self) == false, "\(trap)")
        }
        // The rule is the database's, not the analyst role's.
        #expect(LinkAccessTests.refusal(db, PostgresQuery(stringLiteral: traps[7])) == Self.refused)
        #expect(try db.execute("SELECT count(*) FROM pg_statistic_ext WHERE stxname = 'plain_trap'").scalar(Int.self) == 0)

        // What the tool does itself passes: the analyst computes the period again (a new partition swapped in) and
        // the payments role posts on it, no code of the analyst's having run in its session.
        _ = try DoorCurrencyTests.emptyLoad(on: db)
        try DoorCurrencyTests.compute(stored, "all", on: analyst)
        #expect(ResultsReadGuardTests.refusal(stored, on: payments) == nil)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 1)
        #expect(try db.execute("SELECT is_called FROM metrics.guard_seen").scalar(Bool.self) == false)
    }

    /// The review's race: while a payment run holds what it reads, the analyst creates a statistics
    /// object over its function on a partition. It is refused then and there, and the run reads on.
    @Test func aStatisticsObjectMadeDuringARunIsRefused() throws {
        let (db, _, analyst, payments) = try ResultsReadGuardTests.prepared("plain-race", keepTrigger: true)
        let partition = try Self.partition(db)
        try payments.execute("BEGIN")
        try ResultsReadGuard.hold(on: payments)
        #expect(LinkAccessTests.refusal(analyst, PostgresQuery(stringLiteral:
            "CREATE STATISTICS metrics.plain_trap ON (person_id + (metrics.guard_spy())::int), contract_id FROM \(partition)"))
            == Self.refused)
        _ = try payments.execute("SELECT count(*) FROM metrics.person_results WHERE person_id > 0")
        try ResultsReadGuard.confirm(on: payments)
        try payments.execute("COMMIT")
        #expect(try db.execute("SELECT is_called FROM metrics.guard_seen").scalar(Bool.self) == false)
    }

    /// CREATE INDEX CONCURRENTLY commits its index before the trigger sees it, which leaves it
    /// invalid. Payment runs refuse the results while it is there (a REINDEX, which no event trigger
    /// sees, would make it valid); other DDL goes on, so that a careless one blocks no one else, until
    /// it is valid; a DROP is let through.
    @Test func anIndexLeftByACreateConcurrentlyIsRefusedByPaymentsUntilDropped() throws {
        let (db, stored, analyst, payments) = try ResultsReadGuardTests.prepared("plain-concurrently", keepTrigger: true)
        let partition = try Self.partition(db)
        #expect(LinkAccessTests.refusal(analyst, PostgresQuery(stringLiteral:
            "CREATE INDEX CONCURRENTLY plain_trap ON \(partition) (person_id) WHERE metrics.guard_spy()")) == Self.refused)
        #expect(try db.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = 'metrics.plain_trap'::regclass").scalar(Bool.self) == false)
        #expect(ResultsReadGuardTests.refusal(stored, on: payments) == .resultsReshaped)
        #expect(LinkAccessTests.refusal(db, "CREATE TABLE ids.plain_other (n int)") == nil)
        try analyst.execute("REINDEX INDEX metrics.plain_trap")
        #expect(ResultsReadGuardTests.refusal(stored, on: payments) == .resultsReshaped)
        #expect(LinkAccessTests.refusal(db, "CREATE TABLE ids.plain_another (n int)") == Self.refused)
        #expect(try db.execute("SELECT is_called FROM metrics.guard_seen").scalar(Bool.self) == false)

        try analyst.execute("DROP INDEX metrics.plain_trap")
        #expect(ResultsReadGuardTests.refusal(stored, on: payments) == nil)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 1)
    }

    /// A review's finding on this migration: a REPEATABLE READ transaction's snapshot predates a
    /// partition attached since, so its statistics object on that partition passed a check that did
    /// not see the partition in the tree. DDL outside READ COMMITTED is refused.
    @Test func anOlderSnapshotDoesNotPassCodeOnAPartitionAttachedSince() throws {
        let (db, _, analyst, _) = try ResultsReadGuardTests.prepared("plain-snapshot", keepTrigger: true)
        let conninfo = try TestDatabase.cluster().conninfo(database: try db.execute("SELECT current_database()").scalar(String.self))
        let late = try PostgresConnection(conninfo: conninfo + " user=door_analyst")
        try late.execute("SET ROLE outcomes_analyst")
        try late.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        _ = try late.execute("SELECT 1")
        try analyst.execute("CREATE TABLE metrics.plain_late (LIKE metrics.person_results)")
        try analyst.execute("ALTER TABLE metrics.person_results ATTACH PARTITION metrics.plain_late FOR VALUES IN (999999)")
        #expect(LinkAccessTests.refusal(late,
            "CREATE STATISTICS metrics.plain_trap ON (person_id + (metrics.guard_spy())::int), contract_id FROM metrics.plain_late")
            == Self.refused)
        try late.execute("ROLLBACK")
        #expect(try db.execute("SELECT payments.results_reshaped(true)").scalar(Bool.self) == false)
        // The same in READ COMMITTED sees the partition and is refused for what it makes.
        #expect(LinkAccessTests.refusal(late,
            "CREATE STATISTICS metrics.plain_trap ON (person_id + (metrics.guard_spy())::int), contract_id FROM metrics.plain_late")
            == Self.refused)
        #expect(try db.execute("SELECT count(*) FROM pg_statistic_ext WHERE stxname = 'plain_trap'").scalar(Int.self) == 0)
    }

    /// The refusal names what the results carry, for the administrator to drop; and the results'
    /// table dropped altogether (DROP passes) blocks no one else's DDL, while a view in its place is refused.
    @Test func aRefusalNamesTheObjectAndAMissingTableBlocksNoOne() throws {
        let (db, stored, analyst, payments) = try ResultsReadGuardTests.prepared("plain-named", keepTrigger: true)
        let partition = try Self.partition(db)
        do {
            try analyst.execute(PostgresQuery(stringLiteral: "CREATE INDEX plain_named ON \(partition) (person_id) WHERE metrics.guard_spy()"))
            Issue.record("the index was made")
        } catch let error as PostgresError {
            #expect(error.sqlState == Self.refused && error.message.contains("index metrics.plain_named"), "\(error.message)")
        }
        try analyst.execute("DROP TABLE metrics.person_results CASCADE")
        #expect(LinkAccessTests.refusal(db, "CREATE TABLE ids.plain_other (n int)") == nil)
        do {
            _ = try PaymentRunner(stored: stored).run(period: "all", on: payments)
            Issue.record("a run read results that are not there")
        } catch {
            #expect((error as? DatabaseError)?.code == .resultsReshaped, "\(error)")
        }
        #expect(LinkAccessTests.refusal(analyst, "CREATE VIEW metrics.person_results AS SELECT 1 AS person_id") == Self.refused)
    }

    /// A server, database or role whose default isolation is SERIALIZABLE: the tool's connections
    /// run READ COMMITTED all the same, so their DDL and the ledger's door go on.
    @Test func theToolsConnectionsReadCommittedWhateverTheDefault() throws {
        let (db, stored, _, _) = try ResultsReadGuardTests.prepared("plain-serializable", keepTrigger: true)
        let conninfo = try TestDatabase.cluster().conninfo(database: try db.execute("SELECT current_database()").scalar(String.self))
        try db.execute(PostgresQuery(stringLiteral: "ALTER DATABASE \(try db.execute("SELECT quote_ident(current_database())").scalar(String.self)) "
                                                    + "SET default_transaction_isolation = 'serializable'"))
        let plain = try PostgresConnection(conninfo: conninfo)
        #expect(LinkAccessTests.refusal(plain, "CREATE TABLE ids.plain_refused (n int)") == Self.refused)
        let tool = try DatabaseTarget.named(conninfo).connect()
        #expect(try tool.execute("SHOW default_transaction_isolation").scalar(String.self) == "read committed")
        _ = try DoorCurrencyTests.emptyLoad(on: tool)
        try DoorCurrencyTests.compute(stored, "all", on: tool)
        #expect(ResultsReadGuardTests.refusal(stored, on: tool) == nil)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 1)
    }
}

/// Migration 0032 on a database the last release (0001–0031) left: nothing stored changes, and a
/// table reshaped before it is refused, not adopted.
@Suite(.serialized) struct ResultsStayPlainMigrationTests {
    @Test func theLastReleasesDatabaseGainsTheTriggerWithItsRecordsUnchanged() throws {
        let folder = TestDatabase.scratchDirectory("plain-migration")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, stored, _) = try MigratorTests().lastReleaseWithFamilies(before: 32, RandomFamilies(seed: 33, participants: 30), folder: folder)
        let partition = try ResultsStayPlainTests.partition(db)
        func records() throws -> String {
            try db.execute("""
                SELECT (SELECT md5(string_agg(r::text, ',' ORDER BY person_id, metric_id, enrollment_id)) FROM metrics.person_results r)
                    || ' ' || (SELECT md5(string_agg(l::text, ',' ORDER BY run_id, line_no)) FROM payments.ledger l)
                """).scalar(String.self)
        }
        let before = try records()
        func refused() -> SQLState? {
            do { _ = try Migrator().migrate(db); return nil } catch { return (error as? PostgresError)?.sqlState ?? SQLState(code: "XXXXX") }
        }
        try db.execute("CREATE FUNCTION metrics.plain_true() RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true'")
        let traps: [(set: String, undo: String)] = [
            ("CREATE STATISTICS metrics.plain_trap ON (person_id + (metrics.plain_true())::int), contract_id FROM \(partition)",
             "DROP STATISTICS metrics.plain_trap"),
            ("CREATE INDEX plain_trap ON \(partition) (person_id) WHERE metrics.plain_true()", "DROP INDEX metrics.plain_trap"),
            ("CREATE POLICY plain_trap ON metrics.person_results USING (metrics.plain_true())",
             "DROP POLICY plain_trap ON metrics.person_results"),
        ]
        for trap in traps {
            try db.execute(PostgresQuery(stringLiteral: trap.set))
            #expect(refused() == SQLState(code: "55000"), "\(trap.set)")
            #expect(try db.execute("SELECT count(*) FROM public.schema_migrations WHERE version = 32").scalar(Int.self) == 0)
            #expect(try db.execute("SELECT count(*) FROM pg_event_trigger").scalar(Int.self) == 0)
            try db.execute(PostgresQuery(stringLiteral: trap.undo))
        }
        #expect(refused() == nil)
        #expect(try records() == before)
        #expect(try ChainVerification.verify(on: db, recompute: true).isIntact)
        #expect(try db.execute("SELECT evtenabled::text FROM pg_event_trigger WHERE evtname = 'outcomes_results_carry_no_code'")
            .scalar(String.self) == "O")
        #expect(LinkAccessTests.refusal(db, PostgresQuery(stringLiteral: traps[0].set)) == ResultsStayPlainTests.refused)
        // The results computed again after a new load, and a payment run on them.
        _ = try DoorCurrencyTests.emptyLoad(on: db)
        try DoorCurrencyTests.compute(stored, "all", on: db)
        let run = try PaymentRunner(stored: stored).run(period: "all", on: db)
        #expect({ if case .posted = run.outcome { true } else { false } }())
    }

    /// Where the migrating role is no superuser (a shared server's schema owner), the migration
    /// applies without the trigger, which is a superuser's to create; the payment run's guard stands.
    @Test func aMigratingRoleThatIsNoSuperuserLeavesTheTriggerToOne() throws {
        let db = try MigratorTests().migrated(before: 32)
        try db.runScript("""
            CREATE ROLE plain_owner NOLOGIN NOSUPERUSER;
            GRANT CREATE, USAGE ON SCHEMA payments TO plain_owner;
            GRANT USAGE ON SCHEMA metrics TO plain_owner;
            GRANT USAGE, CREATE ON SCHEMA public TO plain_owner;
            GRANT SELECT, INSERT ON public.schema_migrations TO plain_owner;
            """)
        try db.execute("SET ROLE plain_owner")
        #expect(try Migrator().migrate(db).map(\.fileName) == ["0032_results_carry_no_code.sql"])
        try db.execute("RESET ROLE")
        #expect(try db.execute("SELECT count(*) FROM pg_event_trigger").scalar(Int.self) == 0)
        #expect(try db.execute("SELECT payments.results_reshaped(true)").scalar(Bool.self) == false)
        try db.execute("CREATE INDEX plain_trap ON metrics.person_results ((person_id + 1))")
        #expect(try db.execute("SELECT payments.results_reshaped(true)").scalar(Bool.self) == true)
    }
}
