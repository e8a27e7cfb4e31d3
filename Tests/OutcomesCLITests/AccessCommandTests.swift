import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing

/// Access through the CLI, with real logins: a provider's users read their own statement only
/// (another provider's, or any for a login mapped to none, is refused with exit 77 and nothing
/// shown).
@Suite struct ProviderStatementAccessTests {
    /// The contract names both providers of the cohort, so before the fix another provider's
    /// statement came back as exit 0 showing 0.00.
    static let contract = PaymentsCommandTests.contract.replacingOccurrences(
        of: "cohort: {min_enrolled_days: 30, assign_by: enrollment_start}",
        with: "cohort: {providers: [bridgeway, secondchance], min_enrolled_days: 30, assign_by: enrollment_start}")

    @Test func anotherProvidersStatementAndAnUnmappedLoginAreRefused() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        #expect(Self.contract.contains("providers: [bridgeway, secondchance]"))
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1_500, seed: 9)).load(into: db)
        let stored = try ContractStore.loadStored(text: Self.contract, file: "reentry.yaml", on: db)
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        try db.executeScript("""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acc_bridgeway') THEN CREATE ROLE acc_bridgeway LOGIN; END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acc_unmapped') THEN CREATE ROLE acc_unmapped LOGIN; END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acc_analyst') THEN CREATE ROLE acc_analyst LOGIN; END IF;
            END $$;
            GRANT outcomes_provider TO acc_bridgeway, acc_unmapped;
            GRANT outcomes_analyst TO acc_analyst;
            INSERT INTO payments.provider_users VALUES ('acc_bridgeway', 'bridgeway');
            """)
        #expect(try db.execute("SELECT count(*) FROM payments.ledger WHERE provider_id = 'secondchance'").scalar(Int.self) > 0)
        func statement(_ user: String, _ provider: String) throws -> ProcessRunner.Result {
            try CLI.run(["payments", "statement", "--contract", "reentry-2021", "--provider", provider,
                         "--database", conninfo + " user=\(user)", "-q"])
        }
        let own = try statement("acc_bridgeway", "bridgeway")
        #expect(own.status == 0 && own.output.contains("Statement of bridgeway"), "\(own.errors)")
        for (user, provider) in [("acc_bridgeway", "secondchance"), ("acc_bridgeway", "nobody"), ("acc_unmapped", "bridgeway"),
                                 ("acc_unmapped", "secondchance")] {
            CLI.expectCleanFailure(try statement(user, provider), status: 77, mentioning: "user \(user) ")
        }
        // The analyst reads every provider's statement, as before.
        let analyst = try statement("acc_analyst", "secondchance")
        #expect(analyst.status == 0 && analyst.output.contains("Statement of secondchance"), "\(analyst.errors)")
    }
}

/// Comparison and scenario runs are append-only for every role: the analyst's login stores them
/// with `compare` and `scenario run` as before, but may not change or delete one.
@Suite struct AppendOnlyRunsCommandTests {
    @Test func theAnalystStoresRunsAndCannotChangeThem() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 3_000, seed: 6)).load(into: db)
        try db.executeScript("""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acc_runs_analyst') THEN CREATE ROLE acc_runs_analyst LOGIN; END IF;
            END $$;
            GRANT outcomes_analyst TO acc_runs_analyst;
            """)
        let asAnalyst = conninfo + " user=acc_runs_analyst"
        #expect(try CLI.run(["contract", "load", ScenarioCommandTests.path("housing-2021.yaml"), "--database", conninfo, "-q"]).status == 0)
        for period in ["2021", "2022"] {
            let metrics = try CLI.run(["metrics", "--contract", "housing-2021", "--period", period, "--database", asAnalyst, "-q"])
            #expect(metrics.status == 0, "\(metrics.errors)")
        }
        let compare = try CLI.run(["compare", "--evaluation", ScenarioCommandTests.path("housing-2021-evaluation.yaml"), "--database", asAnalyst, "-q"])
        #expect(compare.status == 0, "\(compare.errors)")
        let scenario = try CLI.run(["scenario", "run", ScenarioCommandTests.path("housing-2021-scenario.yaml"), "--payment-draws", "50",
                                    "--database", asAnalyst, "-q"])
        #expect(scenario.status == 0, "\(scenario.errors)")
        let stored = try ["evaluation.runs", "evaluation.run_units", "scenario.runs"].map {
            try db.execute(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \($0)")).scalar(Int.self)
        }
        #expect(stored[0] >= 1 && stored[1] > 0 && stored[2] == 1, "\(stored)")
        #expect(try db.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'evaluation' AND tablename LIKE 'w%'").scalar(Int.self) == 0,
                "the comparison dropped its work tables")

        let analyst = try PostgresConnection(conninfo: asAnalyst)
        try analyst.execute("SET ROLE outcomes_analyst")
        for table in ["evaluation.runs", "evaluation.run_units", "scenario.runs"] {
            for statement in ["UPDATE \(table) SET \(table == "evaluation.run_units" ? "weight = weight" : "spec_text = spec_text")", "DELETE FROM \(table)", "TRUNCATE \(table) CASCADE",
                              "ALTER TABLE \(table) DISABLE TRIGGER USER", "DROP TABLE \(table) CASCADE"] {
                #expect { try analyst.executeScript(statement) } throws: { error in
                    [SQLState.insufficientPrivilege].contains { $0 == (error as? PostgresError)?.sqlState }
                }
            }
        }
        #expect(try ["evaluation.runs", "evaluation.run_units", "scenario.runs"].map {
            try db.execute(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \($0)")).scalar(Int.self)
        } == stored)
    }
}
