import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// The analyst role owns the participants' results, which a payment run reads as the payments
/// role. The analyst attaches its own code to the table — a row-security policy, a column of its
/// own type with an implicit cast — that would run in the payments session (the second hostile
/// review's finding 2); the run refuses the table instead, and the code does not run. Here the
/// database has no event trigger refusing such code where it is made (migration 0032 leaves it to a
/// superuser on a server where the schema's owner is none): the guard is then the whole check.
@Suite(.serialized) struct ResultsReadGuardTests {
    static func prepared(_ name: String, keepTrigger: Bool = false) throws
        -> (db: PostgresConnection, stored: StoredContract, analyst: PostgresConnection, payments: PostgresConnection)
    {
        let (db, conninfo, stored) = try DoorCurrencyTests.prepared(name)
        if !keepTrigger { try db.execute("DROP EVENT TRIGGER outcomes_results_carry_no_code") }
        let (analyst, payments) = try DoorReadsOwnedTablesTests.logins(conninfo, db)
        try DoorCurrencyTests.compute(stored, "all", on: analyst)  // as the CLI does: the results' partition is the analyst's
        // What the analyst's code leaves when it runs in another's session: a sequence advances, which no
        // rollback undoes. (Immutable, so the planner folds it in an index predicate.)
        try analyst.runScript("""
            CREATE SEQUENCE metrics.guard_seen;
            GRANT USAGE, SELECT ON SEQUENCE metrics.guard_seen TO PUBLIC;
            CREATE FUNCTION metrics.guard_spy() RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $f$
            BEGIN
                IF current_user <> 'outcomes_analyst' THEN PERFORM nextval('metrics.guard_seen'); END IF;
                RETURN true;
            END $f$;
            """)
        return (db, stored, analyst, payments)
    }

    static func refusal(_ stored: StoredContract, on payments: PostgresConnection) -> DatabaseError.Code? {
        do {
            _ = try PaymentRunner(stored: stored).run(period: "all", on: payments)
            return nil
        } catch {
            return (error as? DatabaseError)?.code
        }
    }

    @Test func aPolicyOnTheResultsIsRefusedBeforeItRuns() throws {
        let (db, stored, analyst, payments) = try Self.prepared("guard-policy")
        try analyst.runScript("""
            ALTER TABLE metrics.person_results ENABLE ROW LEVEL SECURITY;
            CREATE POLICY guard_spy ON metrics.person_results FOR SELECT USING (metrics.guard_spy());
            """)
        #expect(Self.refusal(stored, on: payments) == .resultsReshaped)
        #expect(try db.execute("SELECT is_called FROM metrics.guard_seen").scalar(Bool.self) == false)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)

        // Restored (here by its owner), the run reads and posts.
        try analyst.runScript("""
            DROP POLICY guard_spy ON metrics.person_results;
            ALTER TABLE metrics.person_results DISABLE ROW LEVEL SECURITY;
            """)
        #expect(Self.refusal(stored, on: payments) == nil)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 1)
        #expect(try db.execute("SELECT is_called FROM metrics.guard_seen").scalar(Bool.self) == false)
    }

    @Test func aColumnOfTheAnalystsTypeIsRefusedBeforeItsCastRuns() throws {
        let (db, stored, analyst, payments) = try Self.prepared("guard-type")
        try analyst.runScript("""
            CREATE TYPE metrics.guard_metric AS (metric_id text);
            CREATE FUNCTION metrics.guard_cast(metrics.guard_metric) RETURNS text LANGUAGE plpgsql AS $f$
            BEGIN
                PERFORM metrics.guard_spy();
                RETURN $1.metric_id;
            END $f$;
            CREATE CAST (metrics.guard_metric AS text) WITH FUNCTION metrics.guard_cast(metrics.guard_metric) AS IMPLICIT;
            ALTER TABLE metrics.person_results ALTER COLUMN metric_id TYPE metrics.guard_metric USING ROW(metric_id)::metrics.guard_metric;
            """)
        #expect(Self.refusal(stored, on: payments) == .resultsReshaped)
        #expect(try db.execute("SELECT is_called FROM metrics.guard_seen").scalar(Bool.self) == false)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)
    }

    /// An index, statistics object or constraint over the analyst's function or operator on a partition, or a
    /// partition with a key of its own over one: the planner would fold the function in the payments session.
    @Test func anIndexOrStatisticsOverTheAnalystsFunctionIsRefused() throws {
        let (db, stored, analyst, payments) = try Self.prepared("guard-index")
        let partition = try db.execute("""
            SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'metrics.person_results'::regclass LIMIT 1
            """).scalar(String.self)
        let traps: [(set: [PostgresQuery], undo: [PostgresQuery])] = [
            ([PostgresQuery(stringLiteral: "CREATE INDEX guard_trap ON \(partition) (person_id) WHERE metrics.guard_spy()")],
             ["DROP INDEX metrics.guard_trap"]),
            ([PostgresQuery(stringLiteral: "CREATE STATISTICS metrics.guard_trap ON (person_id + (metrics.guard_spy())::int), contract_id "
                                           + "FROM \(partition)")],
             ["DROP STATISTICS metrics.guard_trap"]),
            // A constraint over the analyst's operator, and a partition with a key of its own (the third review).
            ([PostgresQuery(stringLiteral: "ALTER TABLE \(partition) ADD CONSTRAINT guard_trap CHECK (result_set > OPERATOR(metrics.###) 0)")],
             [PostgresQuery(stringLiteral: "ALTER TABLE \(partition) DROP CONSTRAINT guard_trap")]),
            (["CREATE TABLE metrics.guard_sub (LIKE metrics.person_results) PARTITION BY LIST ((person_id + (metrics.guard_spy())::int))",
              "CREATE TABLE metrics.guard_sub_rest PARTITION OF metrics.guard_sub DEFAULT",
              "ALTER TABLE metrics.person_results ATTACH PARTITION metrics.guard_sub FOR VALUES IN (999999)"],
             ["ALTER TABLE metrics.person_results DETACH PARTITION metrics.guard_sub", "DROP TABLE metrics.guard_sub"]),
        ]
        try analyst.runScript("""
            CREATE FUNCTION metrics.guard_op(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 + CASE WHEN metrics.guard_spy() THEN 0 ELSE 1 END';
            CREATE OPERATOR metrics.### (RIGHTARG = int, FUNCTION = metrics.guard_op);
            """)
        for trap in traps {
            for statement in trap.set { try analyst.execute(statement) }
            #expect(Self.refusal(stored, on: payments) == .resultsReshaped, "\(trap.set[0].sql)")
            #expect(try db.execute("SELECT is_called FROM metrics.guard_seen").scalar(Bool.self) == false)
            for statement in trap.undo { try analyst.execute(statement) }
        }
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)
        #expect(Self.refusal(stored, on: payments) == nil)
    }

    /// A trap the analyst sets while a payment run reads (the payments role's share lock on the
    /// parent does not exclude an index on a partition) is found when the run has read, and the
    /// run's transaction is undone.
    @Test func aTrapSetWhileTheRunReadsUndoesTheRun() throws {
        let (_, _, analyst, payments) = try Self.prepared("guard-race")
        let partition = try payments.execute("""
            SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'metrics.person_results'::regclass LIMIT 1
            """).scalar(String.self)
        try payments.execute("BEGIN")
        try ResultsReadGuard.hold(on: payments)
        try analyst.execute(PostgresQuery(stringLiteral: "CREATE INDEX guard_trap ON \(partition) (person_id) WHERE person_id > 0"))
        #expect(throws: DatabaseError.self) { try ResultsReadGuard.confirm(on: payments) }
        try payments.execute("ROLLBACK")
    }
}
