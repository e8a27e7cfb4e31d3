import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// The analyst role owns the participants' results, which a payment run reads as the payments
/// role. The analyst attaches its own code to the table — a row-security policy, a column of its
/// own type with an implicit cast — that would run in the payments session (the second hostile
/// review's finding 2); the run refuses the table instead, and the code does not run.
@Suite(.serialized) struct ResultsReadGuardTests {
    static func prepared(_ name: String) throws -> (db: PostgresConnection, stored: StoredContract, analyst: PostgresConnection,
                                                    payments: PostgresConnection) {
        let (db, conninfo, stored) = try DoorCurrencyTests.prepared(name)
        let (analyst, payments) = try DoorReadsOwnedTablesTests.logins(conninfo, db)
        try DoorCurrencyTests.compute(stored, "all", on: analyst)  // as the CLI does: the results' partition is the analyst's
        // What the analyst's code leaves when it runs, and in whose session.
        try analyst.runScript("""
            CREATE TABLE metrics.guard_seen (who text);
            GRANT INSERT ON metrics.guard_seen TO PUBLIC;
            CREATE FUNCTION metrics.guard_spy() RETURNS boolean LANGUAGE plpgsql AS $f$
            BEGIN
                INSERT INTO metrics.guard_seen VALUES (session_user);
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
        #expect(try db.execute("SELECT count(*) FROM metrics.guard_seen").scalar(Int.self) == 0)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)

        // Restored (here by its owner), the run reads and posts.
        try analyst.runScript("""
            DROP POLICY guard_spy ON metrics.person_results;
            ALTER TABLE metrics.person_results DISABLE ROW LEVEL SECURITY;
            """)
        #expect(Self.refusal(stored, on: payments) == nil)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 1)
        #expect(try db.execute("SELECT count(*) FROM metrics.guard_seen").scalar(Int.self) == 0)
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
        #expect(try db.execute("SELECT count(*) FROM metrics.guard_seen").scalar(Int.self) == 0)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)
    }
}
