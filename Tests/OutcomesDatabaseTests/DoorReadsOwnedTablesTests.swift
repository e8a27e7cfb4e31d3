import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// The ledger's door reads `metrics.computed_periods` and `metrics.provider_results` with its
/// owner's rights (a superuser on the embedded cluster). Owned by the analyst role until migration
/// 0031, an analyst could reshape them so that reading them ran the analyst's code as the door's
/// owner; now they belong to the door's owner and the analyst keeps the rights to their rows.
@Suite(.serialized) struct DoorReadsOwnedTablesTests {
    static func logins(_ conninfo: String, _ db: PostgresConnection) throws -> (analyst: PostgresConnection, payments: PostgresConnection) {
        try db.loginUser("door_analyst", memberOf: "outcomes_analyst")
        try db.loginUser("door_payments", memberOf: "outcomes_payments")
        let analyst = try PostgresConnection(conninfo: conninfo + " user=door_analyst")
        try analyst.execute("SET ROLE outcomes_analyst")
        let payments = try PostgresConnection(conninfo: conninfo + " user=door_payments")
        try payments.execute("SET ROLE outcomes_payments")
        return (analyst, payments)
    }

    /// The analyst empties `computed_periods`, drops its key and makes it a view over its own
    /// function (PostgreSQL 15 turns an empty table into a view by its `_RETURN` rule), which gives
    /// the genuine rows back and, when it runs as a superuser, creates a table in the payments
    /// schema. A payments login's run then passes the door, which reads it.
    @Test func theAnalystsCodeDoesNotRunAsTheDoorsOwner() throws {
        let (db, conninfo, stored) = try DoorCurrencyTests.prepared("door-owned-tables")
        try DoorCurrencyTests.compute(stored, "all", on: db)
        let (analyst, payments) = try Self.logins(conninfo, db)
        // One statement at a time: VACUUM (which clears the table's has-indexes flag) runs outside a transaction.
        var refused: [SQLState?] = []
        for statement: PostgresQuery in [
            "CREATE TABLE metrics.door_saved AS SELECT * FROM metrics.computed_periods",
            "GRANT SELECT ON metrics.door_saved TO PUBLIC",
            """
            CREATE FUNCTION metrics.door_evil() RETURNS SETOF metrics.computed_periods LANGUAGE plpgsql AS $f$
            BEGIN
                IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                    EXECUTE 'CREATE TABLE IF NOT EXISTS payments.door_pwned (who text)';
                END IF;
                RETURN QUERY SELECT * FROM metrics.door_saved;
            END $f$
            """,
            "DELETE FROM metrics.computed_periods",
            "ALTER TABLE metrics.computed_periods DROP CONSTRAINT computed_periods_pkey",
            "VACUUM metrics.computed_periods",
            "CREATE RULE \"_RETURN\" AS ON SELECT TO metrics.computed_periods DO INSTEAD SELECT * FROM metrics.door_evil()",
        ] {
            refused.append(LinkAccessTests.refusal(analyst, statement))
        }
        // The rows are the analyst's to write; the table's shape is not.
        #expect(refused == [nil, nil, nil, nil, .insufficientPrivilege, nil, .insufficientPrivilege])
        let kind = "SELECT relkind::text FROM pg_class WHERE oid = 'metrics.computed_periods'::regclass" as PostgresQuery
        if try db.execute(kind).scalar(String.self) == "r" {
            try db.execute("INSERT INTO metrics.computed_periods SELECT * FROM metrics.door_saved")  // as the metrics run would again
        }
        let run = try PaymentRunner(stored: stored).run(period: "all", on: payments)
        #expect({ if case .posted = run.outcome { true } else { false } }())
        #expect(try db.execute("SELECT to_regclass('payments.door_pwned') IS NULL").scalar(Bool.self),
                "the analyst's function ran with the door owner's rights")
        #expect(try db.execute(kind).scalar(String.self) == "r")
    }

    /// A login's temporary schema is searched first for type names unless the path lists it: a
    /// payments login's `pg_temp.jsonb`, a domain whose CHECK is its own function, would stand for
    /// the door's `jsonb` and run that function as the door's owner (the review's finding 1).
    @Test func aTypeInTheCallersTemporarySchemaDoesNotStandForTheDoors() throws {
        let (db, conninfo, stored) = try DoorCurrencyTests.prepared("door-temp-type")
        let (_, payments) = try Self.logins(conninfo, db)
        let terms = try PaymentDoorTerms(contract: stored.contract).jsonText()
        try payments.runScript("""
            CREATE FUNCTION pg_temp.door_evil(x anyelement) RETURNS boolean LANGUAGE plpgsql AS $f$
            BEGIN
                IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                    EXECUTE 'CREATE TABLE IF NOT EXISTS payments.door_pwned (who text)';
                END IF;
                RETURN true;
            END $f$;
            CREATE DOMAIN pg_temp.jsonb AS pg_catalog.jsonb CHECK (pg_temp.door_evil(VALUE));
            CREATE DOMAIN pg_temp.text AS pg_catalog.text CHECK (pg_temp.door_evil(VALUE));
            """)
        try payments.execute("SELECT payments.index_terms(\(stored.contract.id)::text, \(stored.version)::int, \(terms)::pg_catalog.jsonb)")
        #expect(try db.execute("SELECT to_regclass('payments.door_pwned') IS NULL").scalar(Bool.self),
                "the caller's function ran with the door owner's rights")
    }

    /// Every function of the tool that runs with its owner's rights or sets its own search path
    /// lists the temporary schema last, so a later migration that restates one cannot drop it.
    @Test func everyPathTheToolSetsListsTheTemporarySchemaLast() throws {
        let (db, _) = try TestDatabase.fresh()
        let paths = try db.execute("""
            SELECT p.oid::regprocedure::text, coalesce((SELECT c FROM unnest(p.proconfig) AS c WHERE c LIKE 'search\\_path=%'), '')
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname IN ('ids', 'metrics', 'payments', 'linkage', 'evaluation', 'scenario')
              AND (p.prosecdef OR EXISTS (SELECT 1 FROM unnest(p.proconfig) AS c WHERE c LIKE 'search\\_path=%'))
            ORDER BY 1
            """).map { (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1)) }
        #expect(paths.count >= 20)
        for (function, path) in paths {
            #expect(path == "search_path=pg_catalog, pg_temp", "\(function): \(path)")
        }
    }

    /// Each way an owner reshapes a table the door reads, refused to the analyst for both tables.
    @Test func theAnalystCannotReshapeWhatTheDoorReads() throws {
        let (db, conninfo, _) = try DoorCurrencyTests.prepared("door-owned-reshape")
        let (analyst, _) = try Self.logins(conninfo, db)
        try analyst.execute("CREATE FUNCTION metrics.door_true() RETURNS boolean LANGUAGE sql AS 'SELECT true'")
        for table: PostgresQuery in ["metrics.computed_periods", "metrics.provider_results"] {
            for statement: PostgresQuery in [
                "ALTER TABLE \(table) ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY door_policy ON \(table) USING (metrics.door_true())",
                "ALTER TABLE \(table) ALTER COLUMN contract_id TYPE varchar",
                "ALTER TABLE \(table) RENAME TO door_renamed",
                "CREATE RULE door_rule AS ON SELECT TO \(table) DO INSTEAD SELECT * FROM metrics.computed_periods",
                "CREATE TRIGGER door_trigger BEFORE INSERT ON \(table) FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()",
                "DROP TABLE \(table) CASCADE",
            ] {
                // Each alone, undone: a rename that went through would hide the table from the next.
                try analyst.execute("BEGIN")
                #expect(LinkAccessTests.refusal(analyst, statement) == .insufficientPrivilege, "\(statement.sql)")
                try analyst.execute("ROLLBACK")
            }
        }
    }

    /// What a metrics run and a stored comparison do to the two tables, the analyst still does.
    @Test func theAnalystStillRecordsItsComputations() throws {
        let (db, conninfo, stored) = try DoorCurrencyTests.prepared("door-owned-analyst")
        let (analyst, _) = try Self.logins(conninfo, db)
        try DoorCurrencyTests.compute(stored, "all", on: analyst)
        try DoorCurrencyTests.compute(stored, "all", on: analyst)  // the second replaces the first's rows
        #expect(try db.execute("SELECT count(*) FROM metrics.computed_periods WHERE contract_id = \(stored.contract.id)").scalar(Int.self) > 0)
        #expect(try db.execute("SELECT count(*) FROM metrics.provider_results WHERE contract_id = \(stored.contract.id)").scalar(Int.self) > 0)
        #expect(try db.execute("""
            SELECT bool_and(pg_get_userbyid(relowner) = (SELECT pg_get_userbyid(proowner) FROM pg_proc
                                                         WHERE oid = 'payments.check_run(text, integer, text, text, integer, text)'::regprocedure))
            FROM pg_class WHERE oid IN ('metrics.computed_periods'::regclass, 'metrics.provider_results'::regclass)
            """).scalar(Bool.self))
    }
}

/// Migration 0031 on a database the last release (0001–0030) left, with families, metrics and a
/// posted run: nothing stored changes, the analyst no longer reshapes the two tables but computes
/// metrics again, and the payments role posts on them.
@Suite(.serialized) struct DoorOwnedTablesMigrationTests {
    @Test func theLastReleasesDatabaseKeepsItsRecordsUnderTheDoorsOwner() throws {
        let folder = TestDatabase.scratchDirectory("door-owned-migration")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, stored, _) = try MigratorTests().lastReleaseWithFamilies(before: 31, RandomFamilies(seed: 31, participants: 40), folder: folder)
        func records() throws -> String {
            try db.execute("""
                SELECT (SELECT md5(string_agg(c::text, ',' ORDER BY contract_id, period)) FROM metrics.computed_periods c) || ' '
                    || (SELECT md5(string_agg(r::text, ',' ORDER BY contract_id, period, metric_id, provider_id)) FROM metrics.provider_results r)
                    || ' ' || (SELECT md5(string_agg(l::text, ',' ORDER BY run_id, line_no)) FROM payments.ledger l)
                """).scalar(String.self)
        }
        let before = try records()
        #expect(try db.execute("SELECT count(*) FROM payments.ledger").scalar(Int.self) > 10)

        #expect(try Migrator().migrate(db).map(\.fileName) == ["0031_door_reads_tables_it_owns.sql", "0032_results_carry_no_code.sql"])
        #expect(try records() == before)
        #expect(try ChainVerification.verify(on: db, recompute: true).isIntact)
        #expect(try DataDictionary.undocumented(on: db) == [])

        let conninfo = try TestDatabase.cluster().conninfo(database: try db.execute("SELECT current_database()").scalar(String.self))
        let (analyst, payments) = try DoorReadsOwnedTablesTests.logins(conninfo, db)
        #expect(LinkAccessTests.refusal(analyst, "ALTER TABLE metrics.computed_periods ENABLE ROW LEVEL SECURITY") == .insufficientPrivilege)
        #expect(LinkAccessTests.refusal(analyst, "ALTER TABLE metrics.provider_results ENABLE ROW LEVEL SECURITY") == .insufficientPrivilege)
        // A new load, then the metrics computed again by the analyst: the payments role's run reads and posts on them.
        // (The helper computed the first as the superuser, whose results partition the analyst would not swap; the
        // CLI computes as the analyst, who owns them.)
        try db.runScript("""
            DO $$ DECLARE part regclass; BEGIN
                FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'metrics.person_results'::regclass LOOP
                    EXECUTE format('ALTER TABLE %s OWNER TO outcomes_analyst', part);
                END LOOP;
            END $$
            """)
        _ = try DoorCurrencyTests.emptyLoad(on: db)
        try DoorCurrencyTests.compute(stored, "all", on: analyst)
        #expect(try db.execute("SELECT load_id FROM metrics.computed_periods WHERE contract_id = \(stored.contract.id) AND period = 'all'")
            .scalar(Int.self) == db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self))
        let run = try PaymentRunner(stored: stored).run(period: "all", on: payments)
        #expect({ if case .posted = run.outcome { true } else { false } }())
        #expect(try ChainVerification.verify(on: db, recompute: true).isIntact)
    }
}

extension DoorOwnedTablesMigrationTests {
    /// A table the analyst reshaped while it owned it (the review's finding 3) is not adopted: the
    /// migration stops with nothing applied, until an administrator has restored the table.
    @Test func aTableReshapedBeforeTheMigrationIsRefusedNotAdopted() throws {
        let folder = TestDatabase.scratchDirectory("door-owned-reshaped")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, _, _) = try MigratorTests().lastReleaseWithFamilies(before: 31, RandomFamilies(seed: 32, participants: 10), folder: folder)
        let conninfo = try TestDatabase.cluster().conninfo(database: try db.execute("SELECT current_database()").scalar(String.self))
        let (analyst, _) = try DoorReadsOwnedTablesTests.logins(conninfo, db)
        func refused() -> SQLState? {
            do { _ = try Migrator().migrate(db); return nil } catch { return (error as? PostgresError)?.sqlState ?? SQLState(code: "XXXXX") }
        }
        let traps: [(set: PostgresQuery, undo: PostgresQuery)] = [
            ("CREATE POLICY door_trap ON metrics.computed_periods USING (true)", "DROP POLICY door_trap ON metrics.computed_periods"),
            ("ALTER TABLE metrics.provider_results FORCE ROW LEVEL SECURITY", "ALTER TABLE metrics.provider_results NO FORCE ROW LEVEL SECURITY"),
            ("ALTER TABLE metrics.computed_periods ALTER COLUMN engine TYPE metrics.door_text",
             "ALTER TABLE metrics.computed_periods ALTER COLUMN engine TYPE text"),
            ("ALTER TABLE metrics.provider_results ADD CONSTRAINT door_trap CHECK (metrics.door_true())",
             "ALTER TABLE metrics.provider_results DROP CONSTRAINT door_trap"),
            ("CREATE INDEX door_trap ON metrics.computed_periods ((metrics.door_true()))", "DROP INDEX metrics.door_trap"),
        ]
        try analyst.execute("CREATE DOMAIN metrics.door_text AS text")
        try analyst.execute("CREATE FUNCTION metrics.door_true() RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true'")
        for trap in traps {
            try analyst.execute(trap.set)
            #expect(refused() == SQLState(code: "55000"), "\(trap.set.sql)")
            #expect(try db.execute("SELECT count(*) FROM public.schema_migrations WHERE version = 31").scalar(Int.self) == 0)
            #expect(try db.execute("SELECT pg_get_userbyid(relowner)::text FROM pg_class WHERE oid = 'metrics.computed_periods'::regclass")
                .scalar(String.self) == "outcomes_analyst")
            try analyst.execute(trap.undo)
        }
        #expect(refused() == nil)
        #expect(LinkAccessTests.refusal(analyst, "ALTER TABLE metrics.computed_periods ENABLE ROW LEVEL SECURITY") == .insufficientPrivilege)
    }
}
