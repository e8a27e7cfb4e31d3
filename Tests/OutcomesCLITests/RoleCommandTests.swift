import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing

/// The CLI run by each role's users: each does its job, and nothing more.
@Suite struct RoleCommandTests {
    @Test func eachRoleDoesItsJobAndNothingMore() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1_500, seed: 9)).load(into: db)
        try db.runScript("""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cli_analyst') THEN CREATE ROLE cli_analyst LOGIN; END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cli_payer') THEN CREATE ROLE cli_payer LOGIN; END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cli_bridgeway') THEN CREATE ROLE cli_bridgeway LOGIN; END IF;
            END $$;
            GRANT outcomes_analyst TO cli_analyst;
            GRANT outcomes_payments TO cli_payer;
            GRANT outcomes_provider TO cli_bridgeway;
            INSERT INTO payments.provider_users VALUES ('cli_bridgeway', 'bridgeway') ON CONFLICT DO NOTHING;
            """)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("roles-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(PaymentsCommandTests.contract.utf8).write(to: file)
        func run(_ user: String, _ arguments: [String]) throws -> ProcessRunner.Result {
            try CLI.run(arguments + ["--database", conninfo + " user=\(user)", "-q"])
        }
        // A refused role names the login and the role it lacks.
        // Contract terms are the payments role's to load; an analyst may not.
        CLI.expectCleanFailure(try run("cli_analyst", ["contract", "load", file.path]), status: 77, naming: ["cli_analyst", "outcomes_payments"])
        #expect(try run("cli_payer", ["contract", "load", file.path]).status == 0)
        #expect(try db.execute("SELECT loaded_by FROM payments.contracts").scalar(String.self) == "cli_payer", "the login, not the role")
        // A name given by the caller is not recorded either.
        try db.execute("""
            INSERT INTO payments.contracts (contract_id, version, currency, file_sha256, body, loaded_by) VALUES ('x', 1, 'USD', 'h', 'b', 'somebody else')
            """)
        #expect(try db.execute("SELECT loaded_by FROM payments.contracts WHERE contract_id = 'x'").scalar(String.self) != "somebody else")
        // Metrics are the analyst's job.
        CLI.expectCleanFailure(try run("cli_payer", ["metrics", "--contract", "reentry-2021", "--period", "2021"]), status: 77,
                               naming: ["cli_payer", "outcomes_analyst"])
        let metrics = try run("cli_analyst", ["metrics", "--contract", "reentry-2021", "--period", "2021"])
        #expect(metrics.status == 0, "\(metrics.errors)")
        // Payments are posted by the payments role only; who ran it is the login, not a claim.
        CLI.expectCleanFailure(try run("cli_analyst", ["payments", "run", "--contract", "reentry-2021", "--period", "2021"]),
                               status: 77, naming: ["cli_analyst", "outcomes_payments"])
        let posted = try run("cli_payer", ["payments", "run", "--contract", "reentry-2021", "--period", "2021"])
        #expect(posted.status == 0, "\(posted.errors)")
        #expect(try db.execute("SELECT run_id || ' ' || run_by FROM payments.runs").map { try $0.decode(String.self, at: 0) } == ["1 cli_payer"])
        // The analyst verifies and summarizes; a provider's user reads its own statement and nothing else.
        #expect(try run("cli_analyst", ["payments", "verify"]).status == 0)
        #expect(try run("cli_analyst", ["quality"]).status == 0)
        let own = try run("cli_bridgeway", ["payments", "statement", "--contract", "reentry-2021", "--provider", "bridgeway", "--format", "csv"])
        #expect(own.status == 0, "\(own.errors)")
        let net = (CLI.csvTables(own.output).first ?? []).reduce(Decimal(0)) { $0 + (Decimal(string: $1["net"] ?? "") ?? 0) }
        #expect(try net == db.execute("SELECT sum(amount) FROM payments.ledger WHERE provider_id = 'bridgeway'").scalar(Decimal.self), "\(own.output)")
        CLI.expectCleanFailure(try run("cli_bridgeway", ["payments", "statement", "--contract", "reentry-2021", "--provider", "secondchance"]),
                               status: 77, naming: ["cli_bridgeway"])
        for arguments in [["payments", "run", "--contract", "reentry-2021", "--period", "2021"], ["payments", "summary", "--contract", "reentry-2021"],
                          ["metrics", "--contract", "reentry-2021", "--period", "2021"], ["quality"]] {
            CLI.expectCleanFailure(try run("cli_bridgeway", arguments), status: 77, naming: ["cli_bridgeway"])
        }
    }

    @Test func dbGrantSetsUpAUserForItsRole() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        // A provider's user is for a provider that a loaded contract names (housing-2021 lists hearth).
        #expect(try CLI.run(["contract", "load", ScenarioCommandTests.path("housing-2021.yaml"), "--database", conninfo, "-q"]).status == 0)
        let granted = try CLI.run(["db", "grant", "--user", "cli_granted", "--role", "provider", "--provider", "hearth", "--create",
                                   "--database", conninfo, "-q"])
        #expect(granted.status == 0, "\(granted.errors)")
        #expect(try db.execute("SELECT pg_has_role('cli_granted', 'outcomes_provider', 'MEMBER')").scalar(Bool.self))
        #expect(try db.execute("SELECT provider_id FROM payments.provider_users WHERE user_name = 'cli_granted'").scalar(String.self)
                == "hearth")
        for arguments in [["--user", "x", "--role", "owner"], ["--user", "Robert'); DROP", "--role", "analyst"],
                          ["--user", "x", "--role", "provider"], ["--user", "x", "--role", "analyst", "--provider", "hearth"]] {
            #expect(try CLI.run(["db", "grant"] + arguments + ["--database", conninfo]).status == 64, "\(arguments)")
        }
        CLI.expectCleanFailure(try CLI.run(["db", "grant", "--user", "nobody_here", "--role", "analyst", "--database", conninfo, "-q"]),
                               status: 65, naming: ["nobody_here"])
    }
}

