import Foundation
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// The linker writes the run's record, the audit log and id changes, but cannot rewrite or forge them
/// (the hostile review's finding 3): who and when are the server's, a finished run is immutable, and
/// id changes are recorded only by a run in progress.
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
