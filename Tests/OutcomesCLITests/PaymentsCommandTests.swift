import Foundation
@testable import OutcomesCLI
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
                               status: 65, naming: ["reentry-2021", "2021", "outcomes metrics --contract reentry-2021@1"])
        #expect(try CLI.run(["metrics", "--contract", "reentry-2021", "--period", "2021", "--database", conninfo, "-q"]).status == 0)

        // An --output the report could not be written to is refused before the run posts anything.
        let pipe = FileManager.default.temporaryDirectory.appendingPathComponent("pay-\(UUID().uuidString).fifo").path
        #expect(mkfifo(pipe, 0o644) == 0)
        defer { unlink(pipe) }
        CLI.expectCleanFailure(try CLI.run(["payments", "run", "--contract", "reentry-2021", "--period", "2021", "--output", pipe,
                                            "--database", conninfo, "-q"]), status: 73, naming: ["--output", pipe, "FIFO"])
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)

        // A dry run shows the lines a run would post, and posts nothing.
        let dry = try CLI.report(try CLI.run(["payments", "run", "--contract", "reentry-2021", "--period", "2021", "--dry-run",
                                              "--database", conninfo, "--format", "json", "-q"]))
        #expect(dry.tables["posted"]?.isEmpty == false)
        #expect(try db.execute("SELECT count(*) FROM payments.ledger").scalar(Int.self) == 0)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)

        let posted = try CLI.run(["payments", "run", "--contract", "reentry-2021", "--period", "2021", "--database", conninfo,
                                  "--format", "json", "-q"])
        #expect(posted.status == 0, "\(posted.errors)")
        let report = try JSONSerialization.jsonObject(with: Data(posted.output.utf8)) as? [String: Any]
        #expect(try db.execute("SELECT run_id FROM payments.runs").map { try $0.decode(Int.self, at: 0) } == [1])
        let rows = (report?["tables"] as? [String: [[String: Any]]])?["posted"] ?? []
        // Money in JSON: a decimal string with its currency.
        #expect(rows.allSatisfy { ($0["amount"] as? [String: String])?["currency"] == "USD" })
        let printed = rows.reduce(Decimal(0)) { $0 + (Decimal(string: ($1["amount"] as? [String: String])?["amount"] ?? "x") ?? 0) }
        #expect(printed == (try db.execute("SELECT sum(amount) FROM payments.ledger").scalar(Decimal.self)))
        #expect(Set(rows.compactMap { $0["payer"] as? String }) == ["outcome_payer"])

        // Run again: nothing new is owed, so no run is posted and no line is listed.
        let again = try CLI.report(try CLI.run(["payments", "run", "--contract", "reentry-2021", "--period", "2021", "--database", conninfo,
                                                "--format", "json", "-q"]))
        #expect(again.tables["posted"]?.isEmpty == true)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 1)
        #expect(try db.execute("SELECT sum(amount) FROM payments.ledger").scalar(Decimal.self) == printed)
        CLI.expectCleanFailure(try CLI.run(["payments", "run", "--contract", "nope", "--period", "2021", "--database", conninfo, "-q"]),
                               status: 65, naming: ["nope", "reentry-2021"])

        let provider = try db.execute("SELECT min(provider_id) FROM payments.ledger").scalar(String.self)
        let statement = try CLI.run(["payments", "statement", "--contract", "reentry-2021", "--provider", provider, "--database", conninfo,
                                     "--format", "csv", "-q"])
        #expect(statement.status == 0, "\(statement.errors)")
        let own = try db.execute("""
            SELECT count(DISTINCT person_id), sum(amount) FROM payments.ledger WHERE provider_id = \(provider)
            """)[0]
        let line = CLI.csvRows(statement.output).first { $0["period"] == "2021" && $0["line"] == "stayed_out" }
        let (people, paid) = (try own.decode(Int.self, at: 0), try own.decode(Decimal.self, at: 1))
        #expect(line?["participants"] == String(people) && line?["net"] == "\(paid).00", "\(statement.output)")
        // The summary has its headroom table and prints the chain head an auditor keeps.
        let summary = try CLI.report(try CLI.run(["payments", "summary", "--contract", "reentry-2021", "--database", conninfo, "--format", "json", "-q"]))
        #expect(summary.tables["headroom"] != nil, "\(summary.tables.keys)")
        let head = try db.execute("SELECT position || ':' || seal FROM payments.run_seals").scalar(String.self)
        #expect(head.hasPrefix("1:") && summary.notes.contains { $0.contains(head) }, "\(summary.notes)")
        let verified = try CLI.report(try CLI.run(["payments", "verify", "--database", conninfo, "--format", "json", "-q"]))
        #expect(verified.tables["breaks"]?.isEmpty == true && verified.notes.contains { $0.contains(head) }, "the head it checked up to: \(verified.notes)")
        try db.runScript("""
            SET session_replication_role = replica; UPDATE payments.ledger SET amount = amount + 1 WHERE line_no = 1;
            SET session_replication_role = origin;
            """)
        let broken = try CLI.run(["payments", "verify", "--database", conninfo, "--format", "json", "-q"])
        #expect(broken.status == 1)
        let breaks = try #require(try JSONSerialization.jsonObject(with: Data(broken.output.utf8)) as? [String: Any])["tables"] as? [String: [[String: Any]]]
        #expect(breaks?["breaks"]?.compactMap { $0["problem"] as? String }.sorted() == ["seal_mismatch", "total_mismatch"], "\(broken.output)")
        // One paragraph: the chain-broken error with the count of breaks listed.
        #expect(broken.errors == "error: \(ChainBrokenError(breaks: 2).message)", "\(broken.errors)")
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
        #expect(staged.status == 0, "\(staged.errors)")
        #expect(try db.execute("SELECT staged_id || ' ' || staged_by FROM payments.staged_runs").map { try $0.decode(String.self, at: 0) }
                == ["1 cli_maker"])
        #expect(try db.execute("SELECT count(*) FROM payments.ledger").scalar(Int.self) == 0)
        let listed = try run("cli_checker", ["payments", "approve", "--format", "csv"])
        #expect(listed.status == 0, "\(listed.errors)")
        #expect(CLI.csvRows(listed.output).map { [$0["staged"], $0["contract"], $0["version"], $0["period"], $0["kind"], $0["staged_by"]] }
                == [["1", "reentry-2021", "1", "2021", "final", "cli_maker"]], "\(listed.output)")
        // The login that staged it may not approve it (77); another does, and the run recomputes.
        CLI.expectCleanFailure(try run("cli_maker", ["payments", "approve", "--staged", "1"]), status: 77, naming: ["cli_maker"])
        let approved = try run("cli_checker", ["payments", "approve", "--staged", "1"])
        #expect(approved.status == 0, "\(approved.errors)")
        #expect(try db.execute("SELECT run_id || ' ' || staged_id || ' ' || approved_by FROM payments.runs").map { try $0.decode(String.self, at: 0) }
                == ["1 1 cli_checker"])
        #expect(try db.execute("SELECT count(*) FROM payments.ledger").scalar(Int.self) > 0)
        // Approved already, and a number no run is staged under: each its refusal, whole.
        let again = try run("cli_checker", ["payments", "approve", "--staged", "1"])
        CLI.expectCleanFailure(again, status: 65, naming: [])
        #expect(again.errors == "error: \(PaymentRefusal.stagedRunStale(staged: 1, reason: .alreadyApproved).message)", "\(again.errors)")
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 1, "approved once")
        let unstaged = try run("cli_checker", ["payments", "approve", "--staged", "7"])
        CLI.expectCleanFailure(unstaged, status: 66, naming: [])
        #expect(unstaged.errors == "error: \(PaymentRefusal.nothingToApprove(staged: 7).message)", "\(unstaged.errors)")
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 1, "nothing approved")
        let recomputed = try CLI.report(try run(nil, ["payments", "verify", "--recompute", "--format", "json"]))
        #expect(recomputed.tables["breaks"]?.isEmpty == true)
        // The count is said only in this note (no table holds it: a second table would make `--format csv --output FILE` a folder).
        #expect(recomputed.notes.contains { $0.hasPrefix("Recomputed by the payment engine") && $0.contains(": 1 runs") }, "\(recomputed.notes)")
        // A head kept earlier: the chain extends it; a made-up one is not found (exit 1); a malformed one is a usage error.
        let head = try db.execute("SELECT position || ':' || seal FROM payments.run_seals").scalar(String.self)
        #expect(try run(nil, ["payments", "verify", "--since", head]).status == 0)
        let unknown = try run(nil, ["payments", "verify", "--since", "1:" + String(repeating: "0", count: 64), "--format", "csv"])
        #expect(unknown.status == 1 && CLI.csvRows(unknown.output).map { $0["problem"] } == ["anchor_missing"], "\(unknown.output)")
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
