import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Attacks on the ledger's door by a login of the payments role, found by a hostile review: each
/// failed before the door and `verify --recompute` were made to hold against it.
@Suite(.serialized) struct DoorAttackTests {
    static let makerChecker = paymentRunContract.replacingOccurrences(of: "payments:\n", with: "payments:\n  approval: maker_checker\n")

    /// Inputs in which one more participant achieved the employment outcome, and what the engine
    /// computes from them: consistent with each other, not with the stored results.
    static func forged(_ stored: StoredContract, on db: PostgresConnection) throws -> (PaymentInputsRecord, PaymentComputation) {
        let genuine = try PaymentTrustTests.genuineInputs(stored, period: "2021", on: db)
        var snapshot = genuine.snapshot
        let index = try #require(snapshot.achievements.firstIndex { $0.period == "2021" })
        let period = snapshot.achievements[index]
        let target = try #require(period.participants.firstIndex { $0.lines & 1 == 0 })
        var participants = period.participants
        let person = participants[target]
        participants[target] = RateCardAchievement(personID: person.personID, providerID: person.providerID, lines: person.lines | 1,
                                                   precondition: person.precondition)
        snapshot.achievements[index] = PeriodAchievements(period: period.period, participants: participants, payable: period.payable)
        let plan = try PaymentRun.plan(PaymentRunRequest(contract: stored.contract, version: stored.version, fileSHA256: stored.fileSHA256,
                                                         period: "2021", kind: .final)).get()
        return (PaymentInputsRecord(header: genuine.header, snapshot: snapshot), try plan.compute(kind: .final, snapshot: snapshot, posted: [:]))
    }

    /// A payments login (created here) runs `staging` in a transaction, then stages a run of 2021
    /// through the door; a refusal is what a fixed door does. Returns the test's database.
    static func stageAsMallory(_ staging: StaticString, setup: StaticString? = nil) throws -> PostgresConnection {
        let (db, conninfo, stored) = try PaymentRunnerTests().prepared(Self.makerChecker)
        try db.runScript("""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'review_mallory') THEN CREATE ROLE review_mallory LOGIN; END IF;
            END $$;
            GRANT outcomes_payments TO review_mallory;
            """)
        if let setup { try db.runScript(setup) }
        let mallory = try PostgresConnection(conninfo: conninfo + " user=review_mallory")
        let inputs = try PaymentTrustTests.genuineInputs(stored, period: "2021", on: db)
        do {
            try mallory.transaction { connection in
                try connection.runScript(staging)
                _ = try connection.execute("""
                    SELECT payments.stage_run('reentry-2021', 1, '2021', 'final', \(inputs.header.loadID)::int, 0::numeric,
                                              \(String(decoding: inputs.text, as: UTF8.self))::text,
                                              \(String(decoding: RunContext(prior: [:]).text, as: UTF8.self))::text)
                    """).scalar(Int.self)
            }
        } catch {
            // Refused: what a fixed door does.
        }
        return db
    }

    /// The door's SECURITY DEFINER functions read the caller's `pg_temp.outcomes_run_lines`. A
    /// payments login that makes it a temporary VIEW over its own function has that function run as
    /// the door's owner (the superuser): here it creates a table in the payments schema.
    @Test func aTemporaryViewDoesNotRunTheCallersCodeAsTheDoorsOwner() throws {
        let db = try Self.stageAsMallory("""
            CREATE FUNCTION pg_temp.review_evil() RETURNS SETOF record LANGUAGE plpgsql AS $f$
            BEGIN
                EXECUTE 'CREATE TABLE IF NOT EXISTS payments.review_pwned (who text)';
                RETURN;
            END $f$;
            CREATE TEMP VIEW outcomes_run_lines AS SELECT * FROM pg_temp.review_evil() AS t(line_no integer, provider_id text,
                payer_id text, person_id bigint, line_id text, entry text, amount numeric, earned numeric, notes text, reasons jsonb);
            CREATE TEMP TABLE outcomes_run_determinations (seq integer, line_id text, mechanism text, cohort text,
                provider_id text, finding text, improvement numeric, improvement_exact text, threshold numeric, earned numeric,
                payable numeric, detail jsonb);
            """)
        #expect(try db.execute("SELECT to_regclass('payments.review_pwned') IS NULL").scalar(Bool.self),
                "the caller's function ran with the door owner's rights")
    }

    /// The staged tables may be plain tables with the expected columns and still carry an index whose
    /// predicate is the caller's immutable function, which the planner folds when the door reads
    /// them, as the door's owner. (A sequence only the owner may use marks the run: no rollback undoes it.)
    @Test func anIndexOnTheStagedLinesDoesNotRunTheCallersCodeAsTheDoorsOwner() throws {
        let db = try Self.stageAsMallory("""
            CREATE FUNCTION pg_temp.review_evil() RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $f$
            BEGIN
                IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN PERFORM nextval('payments.review_marker'); END IF;
                RETURN true;
            END $f$;
            CREATE TEMP TABLE outcomes_run_lines (line_no integer, provider_id text, payer_id text, person_id bigint, line_id text,
                entry text, amount numeric, earned numeric, notes text, reasons jsonb);
            CREATE INDEX ON pg_temp.outcomes_run_lines (line_no) WHERE pg_temp.review_evil();
            CREATE TEMP TABLE outcomes_run_determinations (seq integer, line_id text, mechanism text, cohort text,
                provider_id text, finding text, improvement numeric, improvement_exact text, threshold numeric, earned numeric,
                payable numeric, detail jsonb);
            """, setup: "CREATE SEQUENCE payments.review_marker")
        #expect(try db.execute("SELECT is_called FROM payments.review_marker").scalar(Bool.self) == false,
                "the caller's function ran with the door owner's rights")
    }

    /// Maker–checker separates who computes a payment from who releases it. A maker who stages a
    /// run on forged inputs (with the lines the engine gives from them) must not get it approved:
    /// approval should read the inputs again from the current results, as the run's metrics are current.
    @Test func aCheckerDoesNotApproveARunOnInputsTheResultsDoNotGive() throws {
        let (db, conninfo, stored) = try PaymentRunnerTests().prepared(Self.makerChecker)
        let (maker, checker) = try MakerCheckerTests.logins(conninfo, db)
        let (inputs, computed) = try Self.forged(stored, on: db)
        let stagedID = try maker.transaction { connection in
            try PaymentDoor.stage(inputs, context: RunContext(prior: [:]), computed, on: connection)
        }
        #expect(throws: PaymentRefusal.self) { _ = try StagedRuns.approve(stagedID, on: checker) }
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0, "a forged run was released")
    }

    /// A run's `run_at` is its transaction's start (`now()`). A payments login that opens a
    /// transaction before the routine metrics computation and posts forged inputs after it gets a
    /// run that `verify --recompute` never reads back against the results (computed_at > run_at),
    /// though they are the results the run read, unchanged since.
    @Test func forgedInputsPostedInATransactionOpenedBeforeTheMetricsAreFound() throws {
        let (db, conninfo, stored) = try PaymentRunnerTests().prepared()
        let payer = try PostingDoorTests().paymentsLogin(conninfo, db)
        let (inputs, computed) = try Self.forged(stored, on: db)
        try payer.transaction { connection in
            _ = try connection.execute("SELECT 1").scalar(Int.self)
            try MetricsRunner(stored: stored).run(period: try #require(stored.contract.period("2021")), on: db)
            _ = try PaymentDoor.post(inputs, context: RunContext(prior: [:]), computed, on: connection)
        }
        let verification = try ChainVerification.verify(on: db, recompute: true)
        #expect(verification.breaks.map(\.problem) == [.inputsDifferFromResults],
                "checked against results: \(String(describing: verification.recomputed))")
    }

    /// A payments login dropped maker–checker by loading a new version without it (or by recording
    /// terms saying `one_login` for a maker–checker text), then posted alone. Once a contract's runs
    /// need a second login, every later version's do: the loader and the door refuse a version that
    /// drops it.
    @Test func aLaterVersionDoesNotDropMakerChecker() throws {
        let (db, conninfo, _) = try PaymentRunnerTests().prepared(Self.makerChecker)
        let payer = try PostingDoorTests().paymentsLogin(conninfo, db)
        let alone = paymentRunContract.replacingOccurrences(of: "version: 1", with: "version: 2")
        let loading = #expect(throws: DatabaseError.self) { _ = try ContractStore.load(text: alone, file: "v2.yaml", on: payer) }
        #expect(loading?.code == .makerCheckerRequired && loading?.exitStatus == .permission)
        // Through the door: the text kept, terms saying otherwise.
        let body = Self.makerChecker.replacingOccurrences(of: "version: 1", with: "version: 2")
        let terms = try PaymentDoorTerms(contract: try OutcomeContract.parse(yaml: body, file: "v2.yaml")).jsonText()
            .replacingOccurrences(of: "\"approval\":\"maker_checker\"", with: "\"approval\":\"one_login\"")
        let door = PostingDoorTests().sqlState {
            try payer.transaction { connection in
                try connection.execute("""
                    INSERT INTO payments.contracts (contract_id, version, currency, file_sha256, body)
                    VALUES ('reentry-2021', 2, 'USD', \(SHA256.hex(body)), \(body))
                    """)
                try connection.execute("SELECT payments.index_terms('reentry-2021', 2, \(terms)::jsonb)")
            }
        }
        #expect(door == .insufficientPrivilege)
        #expect(try db.execute("SELECT count(*) FROM payments.contracts").scalar(Int.self) == 1)
    }

    /// Terms a payments login recorded for a version it inserted itself (a genuine text, caps left
    /// out, a provider added): the door checks runs against them, so plain `payments verify` — not
    /// only `--recompute` — compares every version's recorded terms with its text.
    @Test func termsTheCallerWroteAreFoundByPlainVerify() throws {
        let (db, conninfo, _) = try PaymentRunnerTests().prepared()
        let payer = try PostingDoorTests().paymentsLogin(conninfo, db)
        let body = paymentRunContract.replacingOccurrences(of: "version: 1", with: "version: 2")
        let terms = try PaymentDoorTerms(contract: try OutcomeContract.parse(yaml: body, file: "v2.yaml")).jsonText()
        try payer.transaction { connection in
            try connection.execute("""
                INSERT INTO payments.contracts (contract_id, version, currency, file_sha256, body)
                VALUES ('reentry-2021', 2, 'USD', \(SHA256.hex(body)), \(body))
                """)
            try connection.execute("""
                SELECT payments.index_terms('reentry-2021', 2, jsonb_set(\(terms)::jsonb, '{named_providers}', '["evilcorp"]'))
                """)
        }
        #expect(try ChainVerification.verify(on: db).breaks.map(\.problem) == [.termsMismatch])
    }

    /// A run opened through the door and never closed was committed, unsealed: every later `verify`
    /// failed, and any payments login could close it later with lines of its choosing.
    @Test func aRunOpenedAndNotClosedIsNotCommitted() throws {
        let (db, conninfo, stored) = try PaymentRunnerTests().prepared()
        let payer = try PostingDoorTests().paymentsLogin(conninfo, db)
        let inputs = try PaymentTrustTests.genuineInputs(stored, period: "2021", on: db)
        let refused = PostingDoorTests().sqlState {
            _ = try payer.transaction { connection in
                try connection.execute("""
                    SELECT payments.open_run('reentry-2021', 1, '2021', 'final', \(inputs.header.loadID)::int, 0::numeric,
                                             \(String(decoding: inputs.text, as: UTF8.self))::text, '')
                    """).scalar(Int.self)
            }
        }
        #expect(refused == .insufficientPrivilege)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)
        #expect(try ChainVerification.verify(on: db).isIntact)
    }
}

/// Migration 0019 keeps the format 1 seals of runs posted before it, which leave out a
/// determination's mechanism, threshold and improvement as printed (and the approval columns it
/// adds): on a database the last release migrated, those columns of every existing run can still
/// be edited with the triggers off and `payments verify` stays green.
@Suite(.serialized) struct FormatOneSealTests {
    @Test func aDeterminationOfARunPostedBeforeTheMigrationIsInsideTheSeal() throws {
        let db = try SealedInputsMigrationTests.lastRelease(persons: 1_500, alsoStaged: """
            INSERT INTO outcomes_run_determinations VALUES (1, 'employed', 'effect', '2021', 'bridgeway', 'met', 0.1234,
                '1234/10000', 0.1, 1500, 1500, '{}');
            """)
        try Migrator().migrate(db)
        #expect(try ChainVerification.verify(on: db).isIntact)
        try db.runScript("""
            SET session_replication_role = replica;
            UPDATE payments.determinations SET threshold = 0.5, improvement = 0.9 WHERE run_id = 1;
            SET session_replication_role = origin;
            """)
        #expect(!(try ChainVerification.verify(on: db).isIntact), "a forged threshold of a run posted before 0019 is not found")
    }
}
