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
        try db.runScript("""
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
                         "--database", conninfo + " user=\(user)", "--format", "csv", "-q"])
        }
        /// What a statement shows as paid (its lines' net), against what the ledger holds for the provider.
        func expectStatement(_ result: ProcessRunner.Result, of provider: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(result.status == 0, "\(result.errors)", sourceLocation: sourceLocation)
            let net = (CLI.csvTables(result.output).first ?? []).reduce(Decimal(0)) { $0 + (Decimal(string: $1["net"] ?? "") ?? 0) }
            let ledger = try db.execute("SELECT sum(amount) FROM payments.ledger WHERE provider_id = \(provider)").scalar(Decimal.self)
            #expect(net > 0 && net == ledger, "\(provider): \(net) against \(ledger)", sourceLocation: sourceLocation)
        }
        try expectStatement(try statement("acc_bridgeway", "bridgeway"), of: "bridgeway")
        // Refused: the login, and the provider it is mapped to, or the command that maps it to one.
        let mapping = "outcomes db grant --user acc_unmapped --role provider"
        for (user, provider, named) in [("acc_bridgeway", "secondchance", "bridgeway"), ("acc_bridgeway", "nobody", "bridgeway"),
                                        ("acc_unmapped", "bridgeway", mapping), ("acc_unmapped", "secondchance", mapping)] {
            CLI.expectCleanFailure(try statement(user, provider), status: 77, naming: ["user \(user) ", named])
        }
        // The analyst reads every provider's statement, as before.
        try expectStatement(try statement("acc_analyst", "secondchance"), of: "secondchance")
    }
}

/// Comparison and scenario runs are append-only for every role: the analyst's login stores them
/// with `compare` and `scenario run` as before, but may not change or delete one.
@Suite struct AppendOnlyRunsCommandTests {
    @Test func theAnalystStoresRunsAndCannotChangeThem() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 3_000, seed: 6)).load(into: db)
        try db.runScript("""
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
        let runTables: [SQLIdentifier] = ["evaluation.runs", "evaluation.run_units", "scenario.runs"]
        let stored = try runTables.map { try db.execute("SELECT count(*) FROM \(identifier: $0)").scalar(Int.self) }
        #expect(stored[0] >= 1 && stored[1] > 0 && stored[2] == 1, "\(stored)")
        #expect(try db.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'evaluation' AND tablename LIKE 'w%'").scalar(Int.self) == 0,
                "the comparison dropped its work tables")

        let analyst = try PostgresConnection(conninfo: asAnalyst)
        try analyst.execute("SET ROLE outcomes_analyst")
        for table in runTables {
            let column: SQLIdentifier = table == "evaluation.run_units" ? "weight" : "spec_text"
            let statements: [PostgresQuery] = [
                "UPDATE \(identifier: table) SET \(identifier: column) = \(identifier: column)", "DELETE FROM \(identifier: table)",
                "TRUNCATE \(identifier: table) CASCADE", "ALTER TABLE \(identifier: table) DISABLE TRIGGER USER",
                "DROP TABLE \(identifier: table) CASCADE",
            ]
            for statement in statements {
                #expect { try analyst.execute(statement) } throws: { error in
                    [SQLState.insufficientPrivilege].contains { $0 == (error as? PostgresError)?.sqlState }
                }
            }
        }
        #expect(try runTables.map { try db.execute("SELECT count(*) FROM \(identifier: $0)").scalar(Int.self) } == stored)
    }
}

/// `db grant` gives a job role to an ordinary login only, and a provider's user only for a
/// provider that a loaded contract names; a refused grant changes nothing.
@Suite struct GrantValidationTests {
    @Test func grantRefusesSuperusersPredefinedAndJobRolesAndUnknownProviders() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        try db.runScript("""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gr_group') THEN CREATE ROLE gr_group NOLOGIN; END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gr_bypass') THEN CREATE ROLE gr_bypass LOGIN BYPASSRLS; END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gr_reader') THEN CREATE ROLE gr_reader LOGIN; END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gr_ordinary') THEN CREATE ROLE gr_ordinary LOGIN; END IF;
            END $$;
            GRANT pg_read_all_data TO gr_reader;
            """)
        func grant(_ arguments: [String]) throws -> ProcessRunner.Result {
            try CLI.run(["db", "grant"] + arguments + ["--database", conninfo, "-q"])
        }
        func granted() throws -> [String] {
            try db.execute("""
                SELECT m.rolname || '>' || r.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
                WHERE r.rolname LIKE 'outcomes\\_%' AND m.rolname IN ('gr_group', 'gr_bypass', 'gr_reader', 'gr_ordinary', 'outcomes',
                                                                      'pg_read_all_data', 'gr_new_hearth')
                UNION ALL SELECT 'map ' || user_name FROM payments.provider_users ORDER BY 1
                """).map { try $0.decode(String.self, at: 0) }
        }
        let superuser = try db.execute("SELECT current_user::text").scalar(String.self)
        #expect(try db.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar(Bool.self))
        let before = try granted()

        // Refused users: exit 77, nothing granted.
        for (user, role) in [(superuser, "analyst"), ("pg_read_all_data", "analyst"), ("pg_read_all_data", "provider"),
                             ("outcomes_payments", "analyst"), ("gr_group", "payments"), ("gr_bypass", "analyst")] {
            let extra = role == "provider" ? ["--provider", "hearth"] : []
            let result = try grant(["--user", user, "--role", role] + extra)
            CLI.expectCleanFailure(result, status: 77, naming: ["--user \(user)"])
        }
        #expect(try granted() == before)

        // A provider no loaded contract names: exit 65 (before any contract is loaded, and after).
        CLI.expectCleanFailure(try grant(["--user", "gr_new_hearth", "--role", "provider", "--provider", "hearth", "--create"]),
                               status: 65, naming: ["--provider hearth"])
        #expect(try CLI.run(["contract", "load", ScenarioCommandTests.path("housing-2021.yaml"), "--database", conninfo, "-q"]).status == 0)
        CLI.expectCleanFailure(try grant(["--user", "gr_new_hearth", "--role", "provider", "--provider", "nowhere", "--create"]),
                               status: 65, naming: ["--provider nowhere", "hearth"])
        #expect(try db.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'gr_new_hearth'").scalar(Int.self) == 0, "--create created nothing")
        // A login that reads every table may not become a provider's user.
        CLI.expectCleanFailure(try grant(["--user", "gr_reader", "--role", "provider", "--provider", "hearth"]), status: 77,
                               naming: ["--user gr_reader"])
        #expect(try granted() == before)

        // Usage errors stay exit 64.
        #expect(try grant(["--user", "gr_ordinary", "--role", "superuser"]).status == 64)
        #expect(try grant(["--user", "gr_ordinary", "--role", "provider"]).status == 64)

        // Ordinary logins are granted, and a named provider's user is mapped.
        #expect(try grant(["--user", "gr_ordinary", "--role", "analyst"]).status == 0)
        let hearth = try grant(["--user", "gr_new_hearth", "--role", "provider", "--provider", "hearth", "--create"])
        #expect(hearth.status == 0, "\(hearth.errors)")
        #expect(try granted() == (before + ["gr_new_hearth>outcomes_provider", "gr_ordinary>outcomes_analyst", "map gr_new_hearth"]).sorted())
    }

    /// The typed refusals, straight from the database layer.
    @Test func theRefusalsAreTyped() throws {
        let (db, _) = try TestDatabase.fresh()
        let superuser = try db.execute("SELECT current_user::text").scalar(String.self)
        #expect { try DatabaseRole.analyst.grant(to: superuser, provider: nil, create: false, on: db) } throws: {
            ($0 as? GrantError) == .refused(user: superuser, .superuser, detail: "is a superuser, which passes every grant, policy and the ledger's door")
        }
        #expect { try DatabaseRole.provider.grant(to: "pg_monitor", provider: "hearth", create: false, on: db) } throws: {
            if case .refused(_, .predefinedRole, _)? = $0 as? GrantError { return true } else { return false }
        }
        #expect { try DatabaseRole.provider.grant(to: "gr_typed_new", provider: "hearth", create: true, on: db) } throws: {
            ($0 as? GrantError) == .unknownProvider("hearth", known: [])
        }
        #expect { try DatabaseRole.analyst.grant(to: "gr_typed_missing", provider: nil, create: false, on: db) } throws: {
            ($0 as? GrantError) == .noSuchUser("gr_typed_missing") && ($0 as? GrantError)?.exitStatus == .dataError
        }
    }
}

/// `db stop`, `db reset` and `db status` on an embedded cluster whose pid file names another live
/// PostgreSQL server: one paragraph, exit 69, the pid file and the data left alone.
@Suite struct UntrustedPidFileCommandTests {
    @Test func stopAndResetRefuseAndStatusSaysSo() throws {
        let other = try TestDatabase.cluster()
        guard case .running(let otherPID) = other.status() else { Issue.record("the test cluster is not running"); return }
        let cluster = try EmbeddedCluster(directory: TestDatabase.scratchDirectory("cli-pid"), durable: false)
        defer {
            _ = try? cluster.stop()
            try? FileManager.default.removeItem(at: cluster.directory)
            try? FileManager.default.removeItem(atPath: cluster.directory.path + ".start-lock")
        }
        try cluster.start()
        let pidFile = cluster.directory.appendingPathComponent("postmaster.pid")
        let original = try String(contentsOf: pidFile, encoding: .utf8)
        let hijacked = "\(otherPID)\n" + original.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n")
        try Data(hijacked.utf8).write(to: pidFile)
        let environment = ["OUTCOMES_DATA_DIR": cluster.directory.path]
        for command in [["db", "stop"], ["db", "reset"], ["db", "start"]] {
            CLI.expectCleanFailure(try CLI.run(command, environment: environment), status: 69, naming: ["postmaster.pid", String(otherPID)])
        }
        let status = try CLI.report(try CLI.run(["db", "status", "--format", "json"], environment: environment))
        let state = status.tables["status"]?.first { $0["item"] as? String == "embedded cluster" }?["value"] as? String ?? ""
        #expect(state.contains("postmaster.pid") && state.contains(String(otherPID)), "\(state)")
        #expect(try String(contentsOf: pidFile, encoding: .utf8) == hijacked)
        #expect(try PostgresConnection(conninfo: cluster.conninfo()).execute("SELECT 1").scalar(Int.self) == 1, "the cluster still serves")
        #expect(other.status() == .running(pid: otherPID))
        try Data(original.utf8).write(to: pidFile)
    }
}
