import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Maker–checker: a run of a contract that asks for it is staged by one login and posted only when
/// a different login approves it — on the same ledger and inputs, with exactly the engine's lines.
@Suite(.serialized) struct MakerCheckerTests {
    static let contract = EffectPaymentRunTests.contract.replacingOccurrences(of: "payments:\n", with: "payments:\n  approval: maker_checker\n")

    /// Two logins of the payments role.
    static func logins(_ conninfo: String, _ db: PostgresConnection) throws -> (maker: PostgresConnection, checker: PostgresConnection) {
        try db.runScript("""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'a_maker') THEN CREATE ROLE a_maker LOGIN; END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'a_checker') THEN CREATE ROLE a_checker LOGIN; END IF;
            END $$;
            GRANT outcomes_payments TO a_maker, a_checker;
            """)
        let maker = try PostgresConnection(conninfo: conninfo + " user=a_maker")
        let checker = try PostgresConnection(conninfo: conninfo + " user=a_checker")
        try maker.execute("SET ROLE outcomes_payments")
        try checker.execute("SET ROLE outcomes_payments")
        return (maker, checker)
    }

    /// The housing contract under maker–checker, its metrics computed; two payments logins.
    static func prepared(persons: Int = 3_000) throws
        -> (db: PostgresConnection, maker: PostgresConnection, checker: PostgresConnection, stored: StoredContract)
    {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: persons, seed: 4)).load(into: db)
        let stored = try ContractStore.loadStored(text: contract, file: "housing.yaml", on: db)
        #expect(stored.contract.payments?.approval == .makerChecker)
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        let (maker, checker) = try logins(conninfo, db)
        return (db, maker, checker, stored)
    }

    func staged(_ result: PaymentRunResult) -> Int? {
        if case .staged(let id) = result.outcome { id } else { nil }
    }

    @Test func aStagedRunIsPostedOnlyWhenAnotherLoginApprovesIt() throws {
        let (db, maker, checker, stored) = try Self.prepared()
        let run = try PaymentRunner(stored: stored).run(period: "2021", on: maker)
        let stagedID = try #require(staged(run), "\(run.outcome)")
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0, "nothing in the ledger yet")
        #expect(try StagedRuns.pending(on: db).map(\.stagedID) == [stagedID])
        // The maker cannot approve its own run, nor post around the approval through the door.
        #expect(throws: PaymentRefusal.approverStagedIt(staged: stagedID, login: "a_maker")) { try StagedRuns.approve(stagedID, on: maker) }
        let inputs = try PaymentTrustTests.genuineInputs(stored, period: "2021", on: db)
        let around = #expect(throws: PostgresError.self) {
            _ = try maker.execute("""
                SELECT payments.open_run('housing-2021', 1, '2021', 'final', \(inputs.header.loadID)::int, 0::numeric,
                                         \(String(decoding: inputs.text, as: UTF8.self))::text, '')
                """).scalar(Int.self)
        }
        #expect(around?.sqlState == .insufficientPrivilege)
        let posted = try StagedRuns.approve(stagedID, on: checker)
        let row = try db.execute("""
            SELECT run_by, staged_by, approved_by, staged_id, total FROM payments.runs WHERE run_id = \(posted.runID)
            """)[0]
        #expect(try row.decode(String.self, at: 0) == "a_maker" && (try row.decode(String.self, at: 1)) == "a_maker")
        #expect(try row.decode(String.self, at: 2) == "a_checker" && (try row.decode(Int.self, at: 3)) == stagedID)
        #expect(try row.decode(Decimal.self, at: 4) == run.total.amount)
        // The ledger holds exactly the staged lines, and the run verifies and recomputes.
        #expect(try db.execute("SELECT count(*) FROM payments.ledger WHERE run_id = \(posted.runID)").scalar(Int.self) == run.entries.count)
        let verification = try ChainVerification.verify(on: db, recompute: true)
        #expect(verification.isIntact && verification.recomputed?.runs == 1, "\(verification.breaks.map(\.detail))")
        // Approved once only.
        #expect(throws: PaymentRefusal.stagedRunStale(staged: stagedID, reason: .alreadyApproved)) {
            try StagedRuns.approve(stagedID, on: checker)
        }
        #expect(try StagedRuns.pending(on: db).isEmpty)
    }

    @Test func aStagedRunIsApprovedOnlyWhileItIsCurrent() throws {
        let (db, maker, checker, stored) = try Self.prepared()
        let first = try #require(staged(try PaymentRunner(stored: stored).run(period: "2021", on: maker)))
        let second = try #require(staged(try PaymentRunner(stored: stored).run(period: "2021", on: maker)))
        #expect(throws: PaymentRefusal.stagedRunStale(staged: first, reason: .superseded)) { try StagedRuns.approve(first, on: checker) }
        // New data since staging: the metrics it read are no longer current.
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 3_000, seed: 5)).load(into: db)
        #expect(throws: PaymentRefusal.stagedRunStale(staged: second, reason: .metricsChanged)) { try StagedRuns.approve(second, on: checker) }
        #expect(throws: PaymentRefusal.nothingToApprove(staged: 999)) { try StagedRuns.approve(999, on: checker) }
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)
    }

    @Test func aStagedRunIsNotApprovedOnceALoadItsMetricsMissedHasFinished() throws {
        let (db, maker, checker, stored) = try Self.prepared()
        let conninfo = try TestDatabase.cluster().conninfo(database: try db.execute("SELECT current_database()").scalar(String.self))
        // A slow load takes its number; a quicker one, numbered after it, finishes; the metrics are computed.
        let slow = try PostgresConnection(conninfo: conninfo)
        try slow.execute("BEGIN")
        let slowLoad = try slow.execute("INSERT INTO ids.data_loads (kind, description) VALUES ('extract', 'slow') RETURNING load_id")
            .scalar(Int.self)
        let quick = try db.execute("""
            INSERT INTO ids.data_loads (kind, description, content_hash, finished_at) VALUES ('extract', 'quick', repeat('0', 64), now())
            RETURNING load_id
            """).scalar(Int.self)
        try db.execute("INSERT INTO ids.logged_loads VALUES (\(quick), 0)")
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        let stagedID = try #require(staged(try PaymentRunner(stored: stored).run(period: "2021", on: maker)))
        // The slow load finishes: the staged run's metrics do not hold its data, though its number is older.
        try slow.execute("INSERT INTO ids.logged_loads VALUES (\(slowLoad), 0)")
        try slow.execute("UPDATE ids.data_loads SET content_hash = repeat('0', 64), finished_at = now() WHERE load_id = \(slowLoad)")
        try slow.execute("COMMIT")
        #expect(throws: PaymentRefusal.stagedRunStale(staged: stagedID, reason: .metricsChanged)) { try StagedRuns.approve(stagedID, on: checker) }
        // The door refuses it too, to a checker calling it itself (migration 0030): the newest finished
        // load is still the one the run was staged on, which is all the door judged before.
        let refused = PostingDoorTests().sqlState {
            _ = try checker.execute("SELECT payments.approve_run(\(stagedID)::bigint)").scalar(Int.self)
        }
        #expect(refused == .checkViolation)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)

        // Computed again, the metrics take the slow load in, which the staged lines were computed
        // without: the run is staged again before it is approved, by the tool and by the door
        // (the staged run records the loads that had not finished, migration 0030).
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        #expect(throws: PaymentRefusal.stagedRunStale(staged: stagedID, reason: .metricsChanged)) { try StagedRuns.approve(stagedID, on: checker) }
        #expect(PostingDoorTests().sqlState { _ = try checker.execute("SELECT payments.approve_run(\(stagedID)::bigint)").scalar(Int.self) }
            == .checkViolation)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)
        // Staged again; computing the metrics again with nothing new does not hold up its approval.
        let again = try #require(staged(try PaymentRunner(stored: stored).run(period: "2021", on: maker)))
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        #expect(try StagedRuns.approve(again, on: checker).lines > 0)
    }

    @Test func aStagedRunWhoseLinesAreNotTheEnginesIsNotApproved() throws {
        let (db, maker, checker, stored) = try Self.prepared()
        let stagedID = try #require(staged(try PaymentRunner(stored: stored).run(period: "2021", on: maker)))
        // A superuser edits a staged amount (the append-only triggers switched off).
        try db.execute("SET session_replication_role = replica")
        try db.execute("UPDATE payments.staged_lines SET amount = amount + 1 WHERE staged_id = \(stagedID) AND line_no = 1")
        try db.execute("SET session_replication_role = origin")
        let refused = #expect(throws: PaymentRefusal.self) { try StagedRuns.approve(stagedID, on: checker) }
        guard case .stagedRunDiffers(stagedID, let count) = refused else { Issue.record("\(String(describing: refused))"); return }
        #expect(count == 2, "the edited line, as the engine has it and as it is stored")
    }
}

