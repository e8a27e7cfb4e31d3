import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// A login with the provider role but no provider mapping sees nothing of the payments: no run
/// header, no line, no determination — as its own login and after SET ROLE outcomes_provider, as
/// the CLI does. Other users still see what they saw.
@Suite(.serialized) struct UnmappedProviderIsolationTests {
    @Test func aProviderLoginWithoutAMappingSeesNothing() throws {
        let (db, stored) = try DeterminationRunTests().prepared(EffectPaymentRunTests.contract, persons: 1_500)
        _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        try db.runScript("""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'iso_unmapped') THEN CREATE ROLE iso_unmapped LOGIN; END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'iso_hearth') THEN CREATE ROLE iso_hearth LOGIN; END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'iso_analyst') THEN CREATE ROLE iso_analyst LOGIN; END IF;
            END $$;
            GRANT outcomes_provider TO iso_unmapped, iso_hearth;
            GRANT outcomes_analyst TO iso_analyst;
            INSERT INTO payments.provider_users VALUES ('iso_hearth', 'hearth');
            """)
        let relations: [SQLIdentifier] = ["payments.run_headers", "payments.ledger", "payments.determinations", "payments.ledger_caps"]
        func counts(_ connection: PostgresConnection) throws -> [Int] {
            try relations.map { try connection.execute("SELECT count(*) FROM \(identifier: $0)").scalar(Int.self) }
        }
        let all = try counts(db)
        #expect(all[0] == 1 && all[1] > 0 && all[2] > 0, "the owner sees the run, its lines and determinations: \(all)")
        let conninfo = try db.execute("SELECT current_database()").scalar(String.self)
        let cluster = try TestDatabase.cluster()
        func login(_ user: String) throws -> PostgresConnection {
            try PostgresConnection(conninfo: cluster.conninfo(database: conninfo) + " user=\(user)")
        }
        let unmapped = try login("iso_unmapped")
        #expect(try counts(unmapped) == [0, 0, 0, 0])
        try unmapped.execute("SET ROLE outcomes_provider")
        #expect(try counts(unmapped) == [0, 0, 0, 0])
        #expect(try unmapped.execute("SELECT payments.acts_as_provider()").scalar(Bool.self))

        // A mapped provider's user sees its own provider's run and rows only; the analyst sees all.
        let hearth = try login("iso_hearth")
        try hearth.execute("SET ROLE outcomes_provider")
        let own = try counts(hearth)
        let hearthLines = try db.execute("SELECT count(*) FROM payments.ledger WHERE provider_id = 'hearth'").scalar(Int.self)
        let hearthDeterminations = try db.execute("SELECT count(*) FROM payments.determinations WHERE provider_id = 'hearth'").scalar(Int.self)
        #expect(own == [1, hearthLines, hearthDeterminations, own[3]] && hearthDeterminations > 0)
        let analyst = try login("iso_analyst")
        try analyst.execute("SET ROLE outcomes_analyst")
        #expect(try counts(analyst) == all)
        #expect(try !analyst.execute("SELECT payments.acts_as_provider()").scalar(Bool.self))
        #expect(try !db.execute("SELECT payments.acts_as_provider()").scalar(Bool.self), "a superuser does not act as a provider")
    }
}

/// Migration 0020 applies to a database the previous release (migrations 0001–0018) left, with
/// comparison and scenario runs stored, and keeps them as they were; afterwards the runs are
/// append-only for every role, and the analyst still stores new ones.
@Suite struct AppendOnlyRunsMigrationTests {
    static let tables: [SQLIdentifier] = ["evaluation.runs", "evaluation.run_units", "scenario.runs"]

    func digests(_ db: PostgresConnection) throws -> [String] {
        try Self.tables.map {
            try db.execute("SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \(identifier: $0) t")
                .scalar(String.self)
        }
    }

    @Test func storedRunsAreKeptAndBecomeAppendOnly() throws {
        let db = try MigratorTests().migrated(before: 19)
        #expect(try db.execute("SELECT max(version) FROM public.schema_migrations").scalar(Int.self) == 18)
        // Runs as the release stored them (its columns, written directly: today's code may store more).
        try db.runScript("""
            INSERT INTO ids.data_loads (kind, description) VALUES ('extract', 'a released load');
            INSERT INTO evaluation.runs (evaluation_id, contract_id, version, contract_sha256, period, comparison, load_id, spec_text,
                                         spec_sha256, design, inputs_sha256, sample_sizes, estimates, balance, propensity_model, warnings,
                                         stored_comparison, run_by)
            VALUES ('e1', 'housing-2021', 1, 'c1', '2021', 'pool', 1, 'evaluation: e1', 's1', '{"method": "nearest"}', 'i1',
                    '{"all": {"treated": 2, "control": 3}}', '[{"outcome": "any_shelter_12m", "estimate": -0.1}]', '{}', '[]', '[]', true, 'ana'),
                   ('e2', 'housing-2021', 1, 'c1', NULL, 'control_arm', 1, 'evaluation: e2', 's2', '{}', 'i2', '{}', '[]', '{}', '[]', '[]',
                    false, 'ana');
            INSERT INTO evaluation.run_units (person_id, run_id, treated, provider_id, index_date, propensity, weight, subclass)
            VALUES (11, 1, true, 'hearth', '2021-02-01', 0.4, 1, 1), (12, 1, false, NULL, '2021-03-01', 0.38, 1, 1),
                   (13, 2, true, 'keystone', '2021-04-01', NULL, 2.5, NULL);
            INSERT INTO scenario.runs (scenario_id, contract_id, version, contract_sha256, spec_text, spec_sha256, comparison_runs, seed,
                                       draws, results, results_sha256, run_by)
            VALUES ('s1', 'housing-2021', 1, 'c1', 'scenario: s1', 'ss1', '{1}', 42, 1000, '{"benefit_cost": []}', 'r1', 'ana');
            """)
        let before = try digests(db)
        #expect(before.map { $0.prefix(2) } == ["2:", "3:", "1:"])
        // The release let the analyst rewrite its runs.
        try db.rolledBack { db in
            try db.execute("SET LOCAL ROLE outcomes_analyst")
            try db.execute("UPDATE scenario.runs SET draws = draws")
        }

        let applied = try Migrator().migrate(db).map(\.fileName)
        #expect(applied.contains("0020_ops_and_access.sql"))
        #expect(try digests(db) == before, "every stored run and unit is kept as it was")
        #expect(try db.execute("""
            SELECT count(*) FROM pg_tables WHERE schemaname IN ('evaluation', 'scenario') AND tableowner = 'outcomes_analyst'
            """).scalar(Int.self) == 0)

        try AppendOnlyRunsMigrationTests.expectAppendOnly(db)
        // The analyst still stores runs: a new one and its units.
        try db.runScript("""
            BEGIN; SET LOCAL ROLE outcomes_analyst;
            INSERT INTO evaluation.runs (evaluation_id, contract_id, version, contract_sha256, period, comparison, load_id, spec_text,
                                         spec_sha256, design, inputs_sha256, sample_sizes, estimates, balance, propensity_model, warnings)
            VALUES ('e3', 'housing-2021', 1, 'c1', '2022', 'pool', 1, 'evaluation: e3', 's3', '{}', 'i3', '{}', '[]', '{}', '[]', '[]');
            INSERT INTO evaluation.run_units (person_id, run_id, treated, index_date, weight) VALUES (14, 3, true, '2022-01-01', 1);
            INSERT INTO scenario.runs (scenario_id, contract_id, version, contract_sha256, spec_text, spec_sha256, seed, draws, results,
                                       results_sha256)
            VALUES ('s2', 'housing-2021', 1, 'c1', 'scenario: s2', 'ss2', 7, 10, '{}', 'r2');
            CREATE TABLE evaluation.w_work_units (person_id bigint); DROP TABLE evaluation.w_work_units;
            COMMIT
            """)
        #expect(try digests(db).map { $0.prefix(2) } == ["3:", "4:", "2:"])
    }

    /// UPDATE, DELETE and TRUNCATE are refused on every run table: as the analyst (no privilege,
    /// and a trigger), as the payments role, and as the superuser who owns them (the trigger).
    static func expectAppendOnly(_ db: PostgresConnection, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let refusals: [SQLState] = [.insufficientPrivilege]
        for role in ["outcomes_analyst", "outcomes_payments", nil] as [String?] {
            for table in tables {
                let column: SQLIdentifier = table == "evaluation.run_units" ? "weight" : "spec_text"
                let statements: [PostgresQuery] = [
                    "UPDATE \(identifier: table) SET \(identifier: column) = \(identifier: column)", "DELETE FROM \(identifier: table)",
                    "TRUNCATE \(identifier: table) CASCADE",
                ]
                for statement in statements {
                    try db.rolledBack { db in
                        if let role { try db.execute("SET LOCAL ROLE \(escapedIdentifier: role)") }
                        #expect(sourceLocation: sourceLocation) { try db.execute(statement) } throws: { error in
                            refusals.contains { $0 == (error as? PostgresError)?.sqlState }
                        }
                    }
                }
            }
        }
    }
}
