import Foundation
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// The linker writes the run's record and the audit log (labels, purges), but cannot rewrite or forge
/// them, nor write id changes or a link run's audit entry (the owner's write_index does): who, when
/// and which id are the server's, a finished run is immutable, and the index changes only inside the
/// transaction that opened its run.
@Suite(.serialized) struct LinkTamperTests {
    @Test func theLinkerCannotRewriteOrForgeTheTrail() throws {
        let (_, login) = try LinkAccessTests.linked()
        let linker = try login("sep_linker")
        try linker.execute("SET ROLE outcomes_linker")

        // An audit entry names its real writer and time, whatever the insert says.
        try linker.execute("""
            INSERT INTO linkage.audit_log (action, details, done_by, done_at)
            VALUES ('purge', '{}', 'dba_alice', '2030-01-01 00:00+00')
            """)
        let stamped = try linker.execute("""
            SELECT done_by, done_at > now() - interval '1 hour' AND done_at <= clock_timestamp()
            FROM linkage.audit_log ORDER BY entry_id DESC LIMIT 1
            """).first { _ in true }
        #expect(try stamped?.decode(String.self, at: 0) == "sep_linker")
        #expect(try stamped?.decode(Bool.self, at: 1) == true)

        // A finished run's record: no column of it changes, and it is not removed.
        for statement: PostgresQuery in [
            "UPDATE linkage.runs SET run_by = 'dba_alice'", "UPDATE linkage.runs SET spec = '{}'",
            "UPDATE linkage.runs SET model = '{}'", "UPDATE linkage.runs SET started_at = '2030-01-01'",
            "UPDATE linkage.runs SET summary = '{}'", "UPDATE linkage.runs SET finished_at = now()",
            "DELETE FROM linkage.runs", "TRUNCATE linkage.runs CASCADE",
        ] {
            #expect(LinkAccessTests.refusal(linker, statement) == .insufficientPrivilege, "\(statement.sql)")
        }
        // A new run's record names its real writer and start, and starts unfinished.
        let run = try linker.execute("""
            INSERT INTO linkage.runs (load_id, spec_id, spec, spec_sha256, records, candidate_pairs, model, run_by, started_at, finished_at)
            SELECT load_id, 'forged', '{}', repeat('0', 64), 0, 0, '{}', 'dba_alice', '2030-01-01', '2030-01-02'
            FROM linkage.runs ORDER BY run_id LIMIT 1
            RETURNING run_id, run_by, finished_at IS NULL, started_at < '2030-01-01'
            """).first { _ in true }
        #expect(try run?.decode(String.self, at: 1) == "sep_linker")
        #expect(try run?.decode(Bool.self, at: 2) == true)
        #expect(try run?.decode(Bool.self, at: 3) == true)

        // Id changes belong to a run in progress: none is added to a finished one.
        #expect(LinkAccessTests.refusal(linker, """
            INSERT INTO linkage.id_changes (run_id, person_id, change, other_person_id, records)
            SELECT min(run_id), 99999, 'merged_into', 1, 1 FROM linkage.runs
            """) == .insufficientPrivilege)
        #expect(LinkAccessTests.refusal(linker, "TRUNCATE linkage.id_changes") == .insufficientPrivilege)
        #expect(LinkAccessTests.refusal(linker, "TRUNCATE linkage.audit_log") == .insufficientPrivilege)
    }

    /// The re-review's findings 2–5: the index changes only inside the transaction that opened its
    /// run, every change it makes is recorded by the owner's function (id changes, an audit entry),
    /// new person ids come next in line, run and audit ids are the sequences', and a run's data load
    /// left open by a transaction that committed without writing its index does not stay open.
    @Test func theIndexChangesOnlyWithItsTrail() throws {
        let (db, login) = try LinkAccessTests.linked()
        let linker = try login("sep_linker")
        try linker.execute("SET ROLE outcomes_linker")
        let invalid = SQLState(code: "22023")
        let records = try db.execute("SELECT count(*) FROM linkage.identifiers").scalar(Int.self)
        let highest = try db.execute("SELECT max(person_id) FROM ids.persons").scalar(Int.self)
        let firstPerson = try db.execute("""
            SELECT l.person_id FROM linkage.identifiers i JOIN ids.source_links l USING (source_system, source_key)
            ORDER BY i.record_id LIMIT 1
            """).scalar(Int.self)
        // Each record under its person now, but the first record under another existing person.
        func assignment(run: Int, firstUnder person: Int) -> PostgresQuery {
            """
            SELECT linkage.write_index(\(run)::integer,
                array_agg(i.record_id ORDER BY i.record_id),
                array_agg(CASE WHEN i.record_id = (SELECT min(record_id) FROM linkage.identifiers) THEN \(person)::bigint
                               ELSE l.person_id END ORDER BY i.record_id),
                array_agg(0.5::float8 ORDER BY i.record_id))
            FROM linkage.identifiers i JOIN ids.source_links l USING (source_system, source_key)
            """
        }
        let openRun: PostgresQuery = """
            INSERT INTO linkage.runs (load_id, spec_id, spec, spec_sha256, records, candidate_pairs, model)
            VALUES (current_setting('outcomes.load_id')::integer, 'forged', '{}', repeat('0', 64), \(records), 0, '{}')
            RETURNING run_id
            """

        // A load opened in a transaction that committed is no door for a later one.
        try linker.execute("SELECT linkage.open_link_load('forged')")
        let stale = try linker.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self)
        try linker.execute("BEGIN")
        try linker.execute("SELECT set_config('outcomes.load_id', \(String(stale)), true)")
        var run = try linker.execute(openRun).scalar(Int.self)
        #expect(LinkAccessTests.refusal(linker, assignment(run: run, firstUnder: highest)) == invalid)
        try linker.execute("ROLLBACK")
        // The next run's opening closes it (as abandoned): no load stays in progress.
        try linker.execute("BEGIN")
        try linker.execute("SELECT linkage.open_link_load('forged')")
        try linker.execute("ROLLBACK")
        _ = try linker.execute("SELECT linkage.open_link_load('forged')")
        #expect(try db.execute("SELECT count(*) FROM ids.data_loads WHERE finished_at IS NULL").scalar(Int.self) == 1)
        #expect(try db.execute("SELECT row_counts->>'abandoned' FROM ids.data_loads WHERE load_id = \(stale)").scalar(String?.self) == "true")

        // Id changes and link-run audit entries are the owner's function's to write.
        try linker.execute("BEGIN")
        try linker.execute("SELECT linkage.open_link_load('forged')")
        run = try linker.execute(openRun).scalar(Int.self)
        #expect(LinkAccessTests.refusal(linker, """
            INSERT INTO linkage.id_changes (run_id, person_id, change, other_person_id, records)
            VALUES (\(run), 9223372036854775807, 'new', NULL, 1)
            """) == .insufficientPrivilege)
        try linker.execute("ROLLBACK")
        #expect(LinkAccessTests.refusal(linker, "INSERT INTO linkage.audit_log (action, details) VALUES ('link_run', '{}')")
                == .insufficientPrivilege)

        // A new person id is the next one in line, never one of the linker's choosing.
        for person in [Int.max, highest + 2] {
            try linker.execute("BEGIN")
            try linker.execute("SELECT linkage.open_link_load('forged')")
            run = try linker.execute(openRun).scalar(Int.self)
            #expect(LinkAccessTests.refusal(linker, assignment(run: run, firstUnder: person)) == invalid, "\(person)")
            try linker.execute("ROLLBACK")
        }

        // Run and audit ids are drawn from their sequences whatever an insert says; a run finishes at
        // the server's time.
        let forgedRun = try linker.execute("""
            INSERT INTO linkage.runs (run_id, load_id, spec_id, spec, spec_sha256, records, candidate_pairs, model)
            OVERRIDING SYSTEM VALUE SELECT 2147483647, load_id, 'forged', '{}', repeat('0', 64), 0, 0, '{}' FROM linkage.runs LIMIT 1
            RETURNING run_id
            """).scalar(Int.self)
        #expect(forgedRun < 1_000)
        let forgedEntry = try linker.execute("""
            INSERT INTO linkage.audit_log (entry_id, action, details) OVERRIDING SYSTEM VALUE VALUES (900000, 'labels', '{}')
            RETURNING entry_id
            """).scalar(Int.self)
        #expect(forgedEntry < 1_000)

        // The triggers find nothing of the writer's: not a temporary view named pg_proc, nor a function
        // of its own first on its search path (the re-review's second look, finding 1).
        try linker.execute("""
            CREATE TEMP VIEW pg_proc AS
            SELECT 'linkage.write_index(integer, bigint[], bigint[], double precision[])'::regprocedure::oid AS oid,
                   (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user) AS proowner
            """)
        #expect(LinkAccessTests.refusal(linker, "INSERT INTO linkage.audit_log (action, details) VALUES ('link_run', '{}')")
                == .insufficientPrivilege)
        try linker.execute("DROP VIEW pg_temp.pg_proc")
        try linker.execute("CREATE FUNCTION linkage_work.pg_get_userbyid(oid) RETURNS name LANGUAGE sql AS 'SELECT current_user'")
        try linker.execute("SET search_path = linkage_work, pg_catalog")
        #expect(LinkAccessTests.refusal(linker, "INSERT INTO linkage.audit_log (action, details) VALUES ('link_run', '{}')")
                == .insufficientPrivilege)
        try linker.execute("RESET search_path")

        // One link run at a time, whoever opens it: a second waits for the first (two would hand out
        // the same new ids), here refused after a moment.
        let other = try login("sep_linker")
        try other.execute("SET ROLE outcomes_linker")
        try linker.execute("BEGIN")
        try linker.execute("SELECT linkage.open_link_load('forged')")
        try other.execute("SET lock_timeout = '200ms'")
        #expect(LinkAccessTests.refusal(other, "SELECT linkage.open_link_load('other')") == .lockNotAvailable)
        #expect(LinkAccessTests.refusal(other, "SELECT pg_advisory_xact_lock(\(LinkRunner.lockKey))") == .lockNotAvailable)
        try linker.execute("ROLLBACK")

        // What a run moves is on record whoever calls the function: the id change and the audit entry.
        try linker.execute("BEGIN")
        try linker.execute("SELECT linkage.open_link_load('forged')")
        run = try linker.execute(openRun).scalar(Int.self)
        try linker.execute(assignment(run: run, firstUnder: highest + 1))
        try linker.execute("UPDATE linkage.runs SET summary = '{}', finished_at = '1999-01-01' WHERE run_id = \(run)")
        try linker.execute("COMMIT")
        let changes = try db.execute("""
            SELECT string_agg(person_id - \(highest) || ' ' || change || ' ' || coalesce(other_person_id::text, '-') || ' ' || records, '; '
                              ORDER BY change, person_id)
            FROM linkage.id_changes WHERE run_id = \(run)
            """).scalar(String.self)
        #expect(changes == "1 split_from \(firstPerson) 1", "\(changes)")
        let audit = try db.execute("""
            SELECT (details->>'records')::int || ' ' || (details->>'id_changes')::int || ' ' || done_by
            FROM linkage.audit_log WHERE action = 'link_run' AND run_id = \(run)
            """).scalar(String.self)
        #expect(audit == "\(records) 1 sep_linker")
        #expect(try db.execute("SELECT finished_at >= started_at FROM linkage.runs WHERE run_id = \(run)").scalar(Bool.self))
    }

    /// The hostile review's finding 1: the owner's function that writes the index must not run
    /// anything the linker defined. The linker makes linkage_work.assignments a view over its own
    /// function, which promotes the linker if it ever runs as a superuser, and writes the index of a
    /// run of its own the way a link run does.
    @Test func theOwnersFunctionRunsNothingTheLinkerDefined() throws {
        let (db, login) = try LinkAccessTests.linked()
        defer { _ = try? db.execute("ALTER ROLE sep_linker NOSUPERUSER") }  // roles are the cluster's: leave it as found
        let linker = try login("sep_linker")
        try linker.execute("SET ROLE outcomes_linker")
        try linker.execute("BEGIN")
        let load = try linker.execute("SELECT linkage.open_link_load('forged')").scalar(Int.self)
        let run = try linker.execute("""
            INSERT INTO linkage.runs (load_id, spec_id, spec, spec_sha256, records, candidate_pairs, model)
            SELECT \(load), 'forged', '{}', repeat('0', 64), count(*), 0, '{}' FROM linkage.identifiers
            RETURNING run_id
            """).scalar(Int.self)
        try linker.execute("""
            CREATE FUNCTION linkage_work.promote() RETURNS TABLE (record_id bigint, source_system text, source_key text, cluster bigint,
                                                             earlier bigint, person_id bigint, kept_id boolean, link_score float8)
            LANGUAGE plpgsql AS $$
            BEGIN
                IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                    EXECUTE 'ALTER ROLE sep_linker SUPERUSER';
                END IF;
                RETURN QUERY SELECT i.record_id, i.source_system, i.source_key, i.record_id, NULL::bigint, l.person_id, true, NULL::float8
                             FROM linkage.identifiers i JOIN ids.source_links l USING (source_system, source_key);
            END
            $$
            """)
        try linker.execute("CREATE VIEW linkage_work.assignments AS SELECT * FROM linkage_work.promote()")
        try linker.execute(PersonAssignment(runID: run).writeIndexCall)
        try linker.execute("COMMIT")
        #expect(try db.execute("SELECT rolsuper FROM pg_roles WHERE rolname = 'sep_linker'").scalar(Bool.self) == false)
    }

    /// The re-review's finding: an operator the linker planted in the linkage schema (on every run's
    /// search path, for the similarity functions) was picked by the run's own SQL in whoever's session
    /// ran it. The linker creates nothing there; its work schema is on no search path.
    @Test func theLinkerCreatesNothingOnARunsSearchPath() throws {
        let (db, login) = try LinkAccessTests.linked()
        let linker = try login("sep_linker")
        try linker.execute("SET ROLE outcomes_linker")
        for statement: PostgresQuery in [
            "CREATE FUNCTION linkage.fdiv(float8, bigint) RETURNS float8 LANGUAGE sql AS 'SELECT 1::float8'",
            "CREATE TABLE linkage.work_records (record_id bigint)",
            "CREATE VIEW linkage.planted AS SELECT 1",
        ] {
            #expect(LinkAccessTests.refusal(linker, statement) == .insufficientPrivilege, "\(statement.sql)")
        }
        #expect(LinkAccessTests.refusal(linker, "CREATE TABLE linkage_work.scratch (x int)") == nil)
        let path = try db.transaction { db in
            try LinkageFunctions.setSearchPath(on: db)
            return try db.execute("SELECT current_setting('search_path')").scalar(String.self)
        }
        #expect(path.contains("linkage") && !path.contains("linkage_work"), "\(path)")
    }
}
