import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import Testing

@Suite struct PaymentsCommandTests {
    @Test func runPostsOnceThenSaysNoChange() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 2_000, seed: 9)).load(into: db)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pay-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(Self.contract.utf8).write(to: file)
        #expect(try CLI.run(["contract", "load", file.path, "--database", conninfo, "-q"]).status == 0)
        CLI.expectCleanFailure(try CLI.run(["payments", "run", "--contract", "reentry-2021", "--period", "2021", "--database", conninfo, "-q"]),
                               status: 65, mentioning: "are not computed for 2021")
        #expect(try CLI.run(["metrics", "--contract", "reentry-2021", "--period", "2021", "--database", conninfo, "-q"]).status == 0)

        // An --output the report could not be written to is refused before the run posts anything.
        let pipe = FileManager.default.temporaryDirectory.appendingPathComponent("pay-\(UUID().uuidString).fifo").path
        #expect(mkfifo(pipe, 0o644) == 0)
        defer { unlink(pipe) }
        CLI.expectCleanFailure(try CLI.run(["payments", "run", "--contract", "reentry-2021", "--period", "2021", "--output", pipe,
                                            "--database", conninfo, "-q"]), status: 73, mentioning: "--output \(pipe)")
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)

        let dry = try CLI.run(["payments", "run", "--contract", "reentry-2021", "--period", "2021", "--dry-run", "--database", conninfo, "-q"])
        #expect(dry.status == 0, "\(dry.errors)")
        #expect(dry.output.contains("Dry run: nothing was posted."))
        #expect(try db.execute("SELECT count(*) FROM payments.ledger").scalar(Int.self) == 0)

        let posted = try CLI.run(["payments", "run", "--contract", "reentry-2021", "--period", "2021", "--database", conninfo,
                                  "--format", "json", "-q"])
        #expect(posted.status == 0, "\(posted.errors)")
        let report = try JSONSerialization.jsonObject(with: Data(posted.output.utf8)) as? [String: Any]
        #expect((report?["notes"] as? [String])?.first?.hasPrefix("Posted run 1: ") == true)
        let rows = (report?["tables"] as? [String: [[String: Any]]])?["posted"] ?? []
        // Money in JSON: a decimal string with its currency.
        #expect(rows.allSatisfy { ($0["amount"] as? [String: String])?["currency"] == "USD" })
        let printed = rows.reduce(Decimal(0)) { $0 + (Decimal(string: ($1["amount"] as? [String: String])?["amount"] ?? "x") ?? 0) }
        #expect(printed == (try db.execute("SELECT sum(amount) FROM payments.ledger").scalar(Decimal.self)))
        #expect(Set(rows.compactMap { $0["payer"] as? String }) == ["outcome_payer"])

        let again = try CLI.run(["payments", "run", "--contract", "reentry-2021", "--period", "2021", "--database", conninfo, "-q"])
        #expect(again.output.contains("No change: the ledger already holds everything owed for 2021; nothing was posted."))
        CLI.expectCleanFailure(try CLI.run(["payments", "run", "--contract", "nope", "--period", "2021", "--database", conninfo, "-q"]),
                               status: 65, mentioning: "contract nope is not loaded")

        let provider = try db.execute("SELECT min(provider_id) FROM payments.ledger").scalar(String.self)
        let statement = try CLI.run(["payments", "statement", "--contract", "reentry-2021", "--provider", provider, "--database", conninfo,
                                     "--format", "csv", "-q"])
        #expect(statement.status == 0, "\(statement.errors)")
        let own = try db.execute("""
            SELECT count(DISTINCT person_id), sum(amount) FROM payments.ledger WHERE provider_id = \(provider)
            """)[0]
        let expectedRow = "2021,stayed_out,\(try own.decode(Int.self, at: 0)),\(try own.decode(Decimal.self, at: 1)).00,"
        #expect(statement.output.contains(expectedRow), "\(statement.output)")
        let summary = try CLI.run(["payments", "summary", "--contract", "reentry-2021", "--database", conninfo, "-q"])
        #expect(summary.status == 0 && summary.output.contains("## Headroom under the caps"))
        #expect(summary.output.contains("Ledger chain head: 1:"))
        let verified = try CLI.run(["payments", "verify", "--database", conninfo, "-q"])
        #expect(verified.status == 0 && verified.output.contains("Intact: 1 runs"), "\(verified.output)")
        try db.runScript("""
            SET session_replication_role = replica; UPDATE payments.ledger SET amount = amount + 1 WHERE line_no = 1;
            SET session_replication_role = origin;
            """)
        let broken = try CLI.run(["payments", "verify", "--database", conninfo, "-q"])
        #expect(broken.status == 1 && broken.output.contains("seal_mismatch") && broken.output.contains("total_mismatch"))
        #expect(broken.errors.hasPrefix("error: the payment ledger does not verify: 2 breaks"))
    }

    @Test func aRunStagedByOneLoginIsApprovedByAnotherAndRecomputes() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 2_000, seed: 9)).load(into: db)
        try db.runScript("""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cli_maker') THEN CREATE ROLE cli_maker LOGIN; END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cli_checker') THEN CREATE ROLE cli_checker LOGIN; END IF;
            END $$;
            GRANT outcomes_payments TO cli_maker, cli_checker;
            """)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("checked-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(Self.contract.replacingOccurrences(of: "payments:\n", with: "payments:\n  approval: maker_checker\n").utf8).write(to: file)
        func run(_ user: String?, _ arguments: [String]) throws -> ProcessRunner.Result {
            try CLI.run(arguments + ["--database", conninfo + (user.map { " user=\($0)" } ?? ""), "-q"])
        }
        #expect(try run("cli_maker", ["contract", "load", file.path]).status == 0)
        #expect(try run(nil, ["metrics", "--contract", "reentry-2021", "--period", "2021"]).status == 0)
        let staged = try run("cli_maker", ["payments", "run", "--contract", "reentry-2021", "--period", "2021"])
        #expect(staged.status == 0 && staged.output.contains("Staged run 1 for approval"), "\(staged.errors)")
        #expect(try db.execute("SELECT count(*) FROM payments.ledger").scalar(Int.self) == 0)
        let listed = try run("cli_checker", ["payments", "approve", "--format", "csv"])
        #expect(listed.status == 0 && listed.output.contains("1,reentry-2021,1,2021,final,"), "\(listed.output)")
        // The login that staged it may not approve it (77); another does, and the run recomputes.
        CLI.expectCleanFailure(try run("cli_maker", ["payments", "approve", "--staged", "1"]), status: 77, mentioning: "staged by cli_maker")
        let approved = try run("cli_checker", ["payments", "approve", "--staged", "1"])
        #expect(approved.status == 0 && approved.output.contains("Posted run 1:"), "\(approved.errors)")
        #expect(try db.execute("SELECT approved_by FROM payments.runs").scalar(String.self) == "cli_checker")
        CLI.expectCleanFailure(try run("cli_checker", ["payments", "approve", "--staged", "1"]), status: 65, mentioning: "approved and posted already")
        CLI.expectCleanFailure(try run("cli_checker", ["payments", "approve", "--staged", "7"]), status: 66, mentioning: "no run 7")
        let recomputed = try run(nil, ["payments", "verify", "--recompute"])
        #expect(recomputed.status == 0 && recomputed.output.contains("Recomputed by the payment engine from their stored inputs: 1 runs"),
                "\(recomputed.output)")
        // A head kept earlier: the chain extends it; a made-up one is not found (exit 1); a malformed one is a usage error.
        let head = try db.execute("SELECT position || ':' || seal FROM payments.run_seals").scalar(String.self)
        #expect(try run(nil, ["payments", "verify", "--since", head]).status == 0)
        let unknown = try run(nil, ["payments", "verify", "--since", "1:" + String(repeating: "0", count: 64)])
        #expect(unknown.status == 1 && unknown.output.contains("anchor_missing"), "\(unknown.output)")
        #expect(try run(nil, ["payments", "verify", "--since", "1:abc"]).status == 64)
    }

    static let contract = """
        contract: reentry-2021
        program: reentry
        version: 1
        data_through: 2024-12-31
        currency: USD
        cohort: {min_enrolled_days: 30, assign_by: enrollment_start}
        periods: [{label: "2021", from: 2021-01-01, to: 2021-12-31}]
        metrics:
          - {id: any_jail_12m, measure: any, domain: jail, window: {anchor: enrollment_start, from: 0 days, to: 12 months}}
        payments:
          rate_card:
            lines: [{id: stayed_out, outcome: any_jail_12m, achieved: "= 0", price: 250}]
        """
}
