import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Separation of duties, as the database enforces it: no job role but outcomes_linker reads an
/// identifier, and the linker reads no content beyond the keys it moves.
@Suite(.serialized) struct LinkAccessTests {
    /// A linked index (LinkRunnerTests' records, a label) and a login per job role, plus one with none.
    static func linked() throws -> (db: PostgresConnection, login: (String) throws -> PostgresConnection) {
        let (db, _) = try TestDatabase.fresh()
        try LinkRunnerTests.load((0..<20).flatMap { p in (1...3).map { LinkRunnerTests.record(person: p, source: $0) } }, on: db)
        _ = try LinkRunnerTests.run(on: db)
        try db.execute("""
            INSERT INTO linkage.labels (source_system_l, source_key_l, source_system_r, source_key_r, decision, note)
            VALUES ('S1', 'K0-1', 'S1', 'K1-1', 'non_match', 'different people')
            """)
        try db.runScript("""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sep_nobody') THEN CREATE ROLE sep_nobody LOGIN; END IF;
            END $$;
            """)
        for (user, role) in [("sep_analyst", "outcomes_analyst"), ("sep_payments", "outcomes_payments"),
                             ("sep_provider", "outcomes_provider"), ("sep_linker", "outcomes_linker")] {
            try db.loginUser(user, memberOf: role)
        }
        let database = try db.execute("SELECT current_database()").scalar(String.self)
        let cluster = try TestDatabase.cluster()
        return (db, { try PostgresConnection(conninfo: cluster.conninfo(database: database) + " user=\($0)") })
    }

    /// The SQLSTATE a statement fails with, or nil when it runs.
    static func refusal(_ connection: PostgresConnection, _ statement: PostgresQuery) -> SQLState? {
        do {
            try connection.execute(statement)
            return nil
        } catch {
            return (error as? PostgresError)?.sqlState ?? SQLState(code: "XXXXX")
        }
    }

    static let identifierReads: [PostgresQuery] = [
        "SELECT * FROM linkage.identifiers", "SELECT source_key FROM linkage.identifiers", "SELECT * FROM linkage.pairs",
        "SELECT * FROM linkage.labels", "SELECT * FROM linkage.pattern_counts", "SELECT * FROM linkage.audit_log",
        "SELECT spec FROM linkage.runs", "SELECT model FROM linkage.runs", "SELECT * FROM linkage.runs",
    ]

    @Test func noJobRoleButTheLinkerReadsIdentifiers() throws {
        let (_, login) = try Self.linked()
        // Each login as itself (its roles inherited) and, for the job roles, after SET ROLE as the CLI does.
        for (user, role) in [("sep_analyst", "outcomes_analyst"), ("sep_payments", "outcomes_payments"),
                             ("sep_provider", "outcomes_provider"), ("sep_nobody", nil)] as [(String, String?)] {
            let connection = try login(user)
            for setRole in role == nil ? [false] : [false, true] {
                if setRole { try connection.execute("SET ROLE \(escapedIdentifier: role!)") }
                for statement in Self.identifierReads {
                    #expect(Self.refusal(connection, statement) == .insufficientPrivilege, "\(user) (SET ROLE: \(setRole)): \(statement.sql)")
                }
            }
        }
        // Analysts and the payments role read which ids changed and the runs' headers.
        for (user, role) in [("sep_analyst", "outcomes_analyst"), ("sep_payments", "outcomes_payments")] {
            let connection = try login(user)
            try connection.execute("SET ROLE \(escapedIdentifier: role)")
            #expect(try connection.execute("SELECT count(*) FROM linkage.id_changes").scalar(Int.self) == 20, "\(user)")
            #expect(try connection.execute("""
                SELECT count(*) FROM (SELECT run_id, load_id, spec_id, spec_sha256, records, candidate_pairs, summary, run_by, started_at, finished_at
                                      FROM linkage.runs) r
                """).scalar(Int.self) == 1, "\(user)")
        }
        // A provider's user and a login with no role see not even that.
        for user in ["sep_provider", "sep_nobody"] {
            #expect(Self.refusal(try login(user), "SELECT * FROM linkage.id_changes") == .insufficientPrivilege, "\(user)")
            #expect(Self.refusal(try login(user), "SELECT run_id FROM linkage.runs") == .insufficientPrivilege, "\(user)")
        }
    }

    @Test func theLinkerReadsIdentifiersAndNoContent() throws {
        let (_, login) = try Self.linked()
        let linker = try login("sep_linker")
        try linker.execute("SET ROLE outcomes_linker")
        #expect(try linker.execute("SELECT count(*) FROM linkage.identifiers").scalar(Int.self) == 60)
        #expect(try linker.execute("SELECT count(*) FROM linkage.pairs").scalar(Int.self) > 0)
        // The pseudonymous index: readable (a run reads it before it writes).
        for table in ["ids.persons", "ids.source_links"] as [SQLIdentifier] {
            #expect(Self.refusal(linker, "SELECT * FROM \(identifier: table)") == nil, "\(table)")
        }
        // Content, not even its keys: the owner's linkage.write_index moves it after a re-link.
        let content: [PostgresQuery] = [
            "SELECT person_id, source_system, source_key FROM ids.events", "SELECT source_key FROM ids.enrollments",
            "SELECT * FROM ids.events", "SELECT start_date FROM ids.events", "SELECT end_date FROM ids.events", "SELECT amount FROM ids.events",
            "SELECT domain FROM ids.events", "SELECT * FROM ids.enrollments", "SELECT program_id FROM ids.enrollments",
            "SELECT provider_id FROM ids.enrollments", "SELECT start_date FROM ids.enrollments", "SELECT contract_id FROM ids.enrollments",
            "SELECT * FROM metrics.person_results", "SELECT * FROM metrics.computed_periods", "SELECT * FROM payments.ledger",
            "SELECT * FROM payments.runs",
        ]
        for statement in content {
            #expect(Self.refusal(linker, statement) == .insufficientPrivilege, "the linker ran \(statement.sql)")
        }
        // Nor does it write the IDS itself: a run's data load, links, persons and content moves are
        // the owner's functions' (on Citus a transaction's writes to those tables must be one user's).
        let writes: [PostgresQuery] = [
            "INSERT INTO ids.data_loads (kind, description) VALUES ('linkage', 'by hand')", "UPDATE ids.data_loads SET description = 'x'",
            "DELETE FROM ids.source_links", "UPDATE ids.source_links SET match_score = 1",
            "INSERT INTO ids.source_links (person_id, source_system, source_key, match_method, match_score, load_id) VALUES (1, 'S1', 'new', 'deterministic', 1, 1)",
            "DELETE FROM ids.persons", "UPDATE ids.persons SET county = 'x'", "INSERT INTO ids.persons (person_id, load_id) VALUES (999, 1)",
            "DELETE FROM ids.events", "DELETE FROM ids.enrollments",
        ]
        for statement in writes {
            #expect(Self.refusal(linker, statement) == .insufficientPrivilege, "the linker ran \(statement.sql)")
        }
    }

    /// The owner's functions a run writes through: the linker's alone, and they take only the run in
    /// progress in the calling transaction, whose work table assigns each of its records once.
    @Test func theIndexIsWrittenOnlyThroughTheOwnersFunctionsForTheRunInProgress() throws {
        let (db, login) = try Self.linked()
        let calls: [PostgresQuery] = ["SELECT linkage.open_link_load('test')", "SELECT linkage.write_index(1, '{}', '{}', '{}')"]
        for (user, role) in [("sep_analyst", "outcomes_analyst"), ("sep_payments", "outcomes_payments"), ("sep_provider", "outcomes_provider")] {
            let connection = try login(user)
            try connection.execute("SET ROLE \(escapedIdentifier: role)")
            for call in calls { #expect(Self.refusal(connection, call) == .insufficientPrivilege, "\(user): \(call.sql)") }
        }
        let linker = try login("sep_linker")
        try linker.execute("SET ROLE outcomes_linker")
        let invalid = SQLState(code: "22023")
        #expect(Self.refusal(linker, "SELECT linkage.open_link_load('Not an id')") == invalid)
        #expect(Self.refusal(linker, "SELECT linkage.open_link_load(NULL)") == invalid)
        // Run 1 is finished; run 2 does not exist.
        #expect(Self.refusal(linker, "SELECT linkage.write_index(1, '{}', '{}', '{}')") == invalid)
        #expect(Self.refusal(linker, "SELECT linkage.write_index(2, '{}', '{}', '{}')") == invalid)
        let loads = try db.execute("SELECT count(*) FROM ids.data_loads").scalar(Int.self)

        // A run of this transaction given no assignment, one that assigns a record twice (and another
        // not at all), one with a record the index does not hold, or arrays of different lengths: each refused.
        let first: PostgresQuery = "(SELECT min(record_id) FROM linkage.identifiers)", last: PostgresQuery = "(SELECT max(record_id) FROM linkage.identifiers)"
        let assignments: [(Int) -> PostgresQuery] = [
            { "SELECT linkage.write_index(\($0)::integer, '{}', '{}', '{}')" },
            { "SELECT linkage.write_index(\($0)::integer, array_agg(CASE WHEN record_id = \(first) THEN \(last) ELSE record_id END), array_agg(1::bigint), array_agg(NULL::float8)) FROM linkage.identifiers" },
            { "SELECT linkage.write_index(\($0)::integer, array_agg(CASE WHEN record_id = \(first) THEN -1 ELSE record_id END), array_agg(1::bigint), array_agg(NULL::float8)) FROM linkage.identifiers" },
            { "SELECT linkage.write_index(\($0)::integer, array_agg(record_id), array_agg(1::bigint), '{}') FROM linkage.identifiers" },
        ]
        for assignment in assignments {
            #expect(throws: PostgresError.self) {
                try linker.transaction { linker in
                    let load = try linker.execute("SELECT linkage.open_link_load('test')").scalar(Int.self)
                    let run = try linker.execute("""
                        INSERT INTO linkage.runs (load_id, spec_id, spec, spec_sha256, records, candidate_pairs, model)
                        VALUES (\(load), 'test', '{}', repeat('0', 64), 60, 0, '{}') RETURNING run_id
                        """).scalar(Int.self)
                    do {
                        try linker.execute(assignment(run))
                    } catch {
                        #expect((error as? PostgresError)?.sqlState == invalid, "\(error)")
                        throw error
                    }
                }
            }
        }
        #expect(try db.execute("SELECT count(*) FROM ids.data_loads").scalar(Int.self) == loads)
        #expect(try db.execute("SELECT count(*) FROM ids.data_loads WHERE finished_at IS NULL").scalar(Int.self) == 0)
    }

    /// A link run's work tables (linkage_work.*) are gone when it ends: after a run, and after one refused midway.
    @Test func aLinkRunLeavesNoWorkTables() throws {
        let (db, _) = try TestDatabase.fresh()
        let workTables: PostgresQuery = """
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'linkage_work' OR (n.nspname = 'linkage' AND c.relname LIKE 'work%') OR c.relpersistence = 't'
            """
        try LinkRunnerTests.load((0..<20).flatMap { p in (1...3).map { LinkRunnerTests.record(person: p, source: $0) } }, on: db)
        _ = try LinkRunnerTests.run(on: db)
        #expect(try db.execute(workTables).scalar(Int.self) == 0)
        // A rule on a field no record has is refused after the records' work table exists.
        var spec = LinkRunnerTests.spec()
        spec.blocking.append(.init(keys: [.postcode], line: 12))
        try db.execute("SET ROLE outcomes_linker")
        #expect(throws: LinkageError(.nothingToBlockOn(ruleLine: 12, keys: ["postcode"]), file: "test.yaml")) {
            try LinkRunner(spec: spec, specFile: "test.yaml").run(on: db)
        }
        try db.execute("RESET ROLE")
        #expect(try db.execute(workTables).scalar(Int.self) == 0)
    }
}
