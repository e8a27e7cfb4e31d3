import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Nothing is posted that the engine did not compute: the door refuses lines outside the contract's
/// terms, and `payments verify --recompute` finds a run whose lines are not what the engine computes
/// from its sealed inputs, or whose inputs are not what the stored results give.
@Suite(.serialized) struct PaymentTrustTests {
    /// The inputs a run of the period would read, exactly as the runner builds them.
    static func genuineInputs(_ stored: StoredContract, period: String, on db: PostgresConnection) throws -> PaymentInputsRecord {
        let request = PaymentRunRequest(contract: stored.contract, version: stored.version, fileSHA256: stored.fileSHA256, period: period,
                                        kind: .final)
        let facts = try PaymentFacts.read(request, on: db)
        return try PaymentFacts.inputs(request, plan: try PaymentRun.admit(facts).get(), loadID: facts.currentLoad, on: db)
    }

    /// Stages hand-written lines (provider, payer, person, line, amount) in the door's temporary tables, as an
    /// insider in the open run's transaction would.
    static func stage(_ lines: [(String, String, Int?, String, String)], on connection: PostgresConnection) throws {
        try connection.runScript("""
            CREATE TEMP TABLE IF NOT EXISTS outcomes_run_lines (line_no integer, provider_id text, payer_id text, person_id bigint,
                line_id text, entry text, amount numeric, earned numeric, notes text, reasons jsonb) ON COMMIT DROP;
            CREATE TEMP TABLE IF NOT EXISTS outcomes_run_determinations (seq integer, line_id text, mechanism text, cohort text,
                provider_id text, finding text, improvement numeric, improvement_exact text, threshold numeric, earned numeric,
                payable numeric, detail jsonb) ON COMMIT DROP;
            TRUNCATE outcomes_run_lines, outcomes_run_determinations;
            """)
        for (index, line) in lines.enumerated() {
            try connection.execute("""
                INSERT INTO outcomes_run_lines
                VALUES (\(index + 1), \(line.0), \(line.1), \(line.2), \(line.3), 'payment', \(line.4)::numeric, NULL, '', '[]')
                """)
        }
    }

    /// Opens a run of reentry-2021 as the payments login with the genuine inputs, stages `lines`, closes it.
    func forge(_ payer: PostgresConnection, _ db: PostgresConnection, inputs: PaymentInputsRecord, period: String = "2021",
               lines: [(String, String, Int?, String, String)]) throws
    {
        let total = lines.reduce(Decimal(0)) { $0 + Decimal(string: $1.4)! }
        try payer.transaction { connection in
            let run = try connection.execute("""
                SELECT payments.open_run('reentry-2021', 1, \(period)::text, 'final', \(inputs.header.loadID)::int, \(total)::numeric,
                                         \(String(decoding: inputs.text, as: UTF8.self))::text,
                                         \(String(decoding: RunContext(prior: [:]).text, as: UTF8.self))::text)
                """).scalar(Int.self)
            try Self.stage(lines, on: connection)
            _ = try connection.execute("SELECT payments.close_run(\(run)::bigint)").scalar(String.self)
        }
    }

    func sqlState(_ body: () throws -> Void) -> SQLState? { PostingDoorTests().sqlState(body) }

    @Test func theDoorRefusesLinesTheContractDoesNotName() throws {
        let (db, conninfo, stored) = try PaymentRunnerTests().prepared()
        let payer = try PostingDoorTests().paymentsLogin(conninfo, db)
        let inputs = try Self.genuineInputs(stored, period: "2021", on: db)
        let person = try db.execute("SELECT min(person_id) FROM metrics.person_results WHERE contract_id = 'reentry-2021'").scalar(Int.self)
        // 1,000,000 to a provider outside the contract, to a payer and on a line the contract does not name.
        #expect(sqlState { try forge(payer, db, inputs: inputs, lines: [("mallory", "state", person, "employed", "1000000")]) } == .checkViolation)
        #expect(sqlState { try forge(payer, db, inputs: inputs, lines: [("bridgeway", "mallory", person, "employed", "1500")]) } == .checkViolation)
        #expect(sqlState { try forge(payer, db, inputs: inputs, lines: [("bridgeway", "state", person, "bonus", "1500")]) } == .checkViolation)
        // Above the provider cap the terms state (20,000), even on a named line to a named payer.
        #expect(sqlState { try forge(payer, db, inputs: inputs, lines: [("bridgeway", "state", person, "employed", "20000.01")]) }
                == .checkViolation)
        // Inputs written by hand: their hash is what the door computes, and they must name the run.
        let handWritten = Array(String(decoding: inputs.text, as: UTF8.self).replacingOccurrences(of: "period\t2021", with: "period\t2022").utf8)
        #expect(sqlState {
            try payer.transaction { connection in
                _ = try connection.execute("""
                    SELECT payments.open_run('reentry-2021', 1, '2021', 'final', \(inputs.header.loadID)::int, 0::numeric,
                                             \(String(decoding: handWritten, as: UTF8.self))::text, '')
                    """).scalar(Int.self)
            }
        } == .checkViolation)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0, "nothing was posted")
    }

    @Test func verifyRecomputeFindsARunTheEngineWouldNotPost() throws {
        let (db, conninfo, stored) = try PaymentRunnerTests().prepared()
        let genuine = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        guard case .posted = genuine.outcome else { Issue.record("not posted"); return }
        let clean = try ChainVerification.verify(on: db, recompute: true)
        #expect(clean.isIntact, "\(clean.breaks.map(\.detail))")
        #expect(clean.recomputed?.runs == 1 && clean.recomputed?.checkedAgainstResults == 1)
        // An insider posts, through the door, a run of 2022 on genuine inputs with a line the engine would
        // not post: a repayment taken from a provider (no cap limits it).
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        let payer = try PostingDoorTests().paymentsLogin(conninfo, db)
        let inputs = try Self.genuineInputs(stored, period: "2022", on: db)
        let person = try db.execute("SELECT min(person_id) FROM metrics.person_results WHERE contract_id = 'reentry-2021'").scalar(Int.self)
        try forge(payer, db, inputs: inputs, period: "2022", lines: [("bridgeway", "state", person, "employed", "-900")])
        let sealedOnly = try ChainVerification.verify(on: db)
        #expect(sealedOnly.isIntact, "the forged run is sealed like any other")
        let recomputed = try ChainVerification.verify(on: db, recompute: true)
        #expect(recomputed.breaks.map(\.problem) == [.linesDiffer], "\(recomputed.breaks.map(\.detail))")
        #expect(recomputed.breaks.first?.runID == 2)
    }

    @Test func verifyRecomputeFindsInputsTheResultsDoNotGive() throws {
        let (db, conninfo, stored) = try PaymentRunnerTests().prepared()
        let payer = try PostingDoorTests().paymentsLogin(conninfo, db)
        let (forged, computed) = try DoorAttackTests.forged(stored, on: db)
        try payer.transaction { connection in
            _ = try PaymentDoor.post(forged, context: RunContext(prior: [:]), computed, on: connection)
        }
        let verification = try ChainVerification.verify(on: db, recompute: true)
        #expect(verification.breaks.map(\.problem) == [.inputsDifferFromResults], "\(verification.breaks.map(\.detail))")
    }
}

/// Migration 0019 applies to a database the last release migrated, with its posted runs: their
/// seals still verify (format 1), they are reported as not recomputable, and new runs are sealed
/// and recomputable beside them — the contract loaded before gets its terms at its first run.
@Suite(.serialized) struct SealedInputsMigrationTests {
    /// A database the last release migrated (0001–0018) with data loaded, the contract loaded, its
    /// 2021 metrics computed and a run of 1,500 posted through that release's door, not yet migrated further.
    /// `alsoStaged` is staged with the run's line (a determination, say).
    static func lastRelease(persons: Int = 3_000, alsoStaged: StaticString? = nil) throws -> PostgresConnection {
        let db = try MigratorTests().migrated(before: 19)
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: persons, seed: 5)).load(into: db)
        let load = try db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self)
        try db.execute("""
            INSERT INTO payments.contracts (contract_id, version, currency, file_sha256, body)
            VALUES ('reentry-2021', 1, 'USD', \(SHA256.hex(paymentRunContract)), \(paymentRunContract))
            """)
        let old = try ContractStore.stored("reentry-2021", on: db)
        try MetricsRunner(stored: old).run(period: old.contract.period("2021")!, on: db)
        try db.transaction { connection in
            let run = try connection.execute("""
                SELECT payments.open_run('reentry-2021', 1, '2021', 'final', 'inputs of the last release', \(load)::int, 1500::numeric)
                """).scalar(Int.self)
            try PaymentTrustTests.stage([("bridgeway", "state", 1, "employed", "1500")], on: connection)
            if let alsoStaged { try connection.runScript(alsoStaged) }
            _ = try connection.execute("SELECT payments.close_run(\(run)::bigint)").scalar(String.self)
        }
        return db
    }

    @Test func runsOfTheLastReleaseStillVerifyAndNewRunsRecompute() throws {
        let db = try Self.lastRelease()
        try Migrator().migrate(db)
        let before = try ChainVerification.verify(on: db, recompute: true)
        #expect(before.isIntact && before.runs == 1, "\(before.breaks.map(\.detail))")
        #expect(before.recomputed?.runs == 0 && before.recomputed?.notRecomputable == 1)
        // A run after the migration: the contract's terms recorded at its first run, sealed in format 2.
        let stored = try ContractStore.stored("reentry-2021", on: db)
        try MetricsRunner(stored: stored).run(period: stored.contract.period("2022")!, on: db)
        let run = try PaymentRunner(stored: stored).run(period: "2022", on: db)
        guard case .posted(let runID) = run.outcome else { Issue.record("not posted: \(run.outcome)"); return }
        #expect(try db.execute("SELECT count(*) FROM payments.contract_terms").scalar(Int.self) == 1)
        // The run of the last release sealed in format 1, again in format 2 by the migration; the new run in format 2.
        #expect(try db.execute("SELECT run_id, format FROM payments.run_seals ORDER BY position").map {
            "\(try $0.decode(Int.self, at: 0))/\(try $0.decode(Int.self, at: 1))"
        } == ["1/1", "1/2", "2/2"])
        let after = try ChainVerification.verify(on: db, recompute: true)
        #expect(after.isIntact && after.runs == 2, "\(after.breaks.map(\.detail))")
        #expect(after.recomputed?.runs == 1 && after.recomputed?.notRecomputable == 1)
        #expect(runID == 2)
    }
}

/// The door's cap check refuses runs that add money above a cap, never a run that lowers what a cap
/// covers: a new version with a lower cap corrects the ledger period by period.
@Suite(.serialized) struct DoorCapTests {
    @Test func aNewVersionWithALowerCapIsPostedAndAForgedAdditionIsNot() throws {
        // Version 1 caps no provider in effect: both years pay every provider.
        let (db, conninfo, _) = try PaymentRunnerTests().prepared(
            paymentRunContract.replacingOccurrences(of: "caps: {provider: 20000}", with: "caps: {provider: 10000000}"))
        let first = try ContractStore.stored("reentry-2021", on: db)
        _ = try PaymentRunner(stored: first).run(period: "2021", on: db)
        _ = try PaymentRunner(stored: first).run(period: "2022", on: db)
        let byYear = try db.execute("""
            SELECT sum(amount) FILTER (WHERE period = '2021'), sum(amount) FILTER (WHERE period = '2022') FROM payments.ledger
            WHERE provider_id = 'bridgeway'
            """)[0]
        let (paid2021, paid2022): (Decimal, Decimal) = (try byYear.decode(at: 0), try byYear.decode(at: 1))
        #expect(paid2021 > 1000 && paid2022 > 0)
        // Version 2's provider cap is below what 2021 already paid; it pays 2022 again before 2021 is run again:
        // the engine owes bridgeway nothing more in 2022, and takes 2022's payments back.
        let cap = paid2021 - 1
        let lower = paymentRunContract.replacingOccurrences(of: "version: 1", with: "version: 2")
            .replacingOccurrences(of: "caps: {provider: 20000}", with: "caps: {provider: \(cap)}")
        let second = try ContractStore.loadStored(text: lower, file: "reentry-v2.yaml", on: db)
        for period in second.contract.periods { try MetricsRunner(stored: second).run(period: period, on: db) }
        let corrected = try PaymentRunner(stored: second).run(period: "2022", on: db)
        guard case .posted = corrected.outcome else { Issue.record("not posted: \(corrected.outcome)"); return }
        let bridgeway = corrected.entries.filter { $0.providerID == "bridgeway" }.reduce(Decimal(0)) { $0 + $1.amount.amount }
        #expect(bridgeway == -paid2022, "2022's payments to bridgeway taken back")
        // Bridgeway's sum is still above the cap (2021 is not run again yet): adding to it is refused.
        let payer = try PostingDoorTests().paymentsLogin(conninfo, db)
        let inputs = try PaymentTrustTests.genuineInputs(second, period: "2022", on: db)
        let person = try db.execute("SELECT min(person_id) FROM payments.ledger WHERE provider_id = 'bridgeway'").scalar(Int.self)
        let refused = #expect(throws: PostgresError.self) {
            try payer.transaction { connection in
                let run = try connection.execute("""
                    SELECT payments.open_run('reentry-2021', 2, '2022', 'final', \(inputs.header.loadID)::int, 1::numeric,
                                             \(String(decoding: inputs.text, as: UTF8.self))::text, '')
                    """).scalar(Int.self)
                try PaymentTrustTests.stage([("bridgeway", "state", person, "employed", "1")], on: connection)
                _ = try connection.execute("SELECT payments.close_run(\(run)::bigint)").scalar(String.self)
            }
        }
        #expect(refused?.sqlState == .checkViolation)
    }
}

/// `verify --recompute` names what it found: each kind of edit to what a run rests on, by a
/// superuser with the append-only triggers off, is reported as its own problem (beside the seal
/// that the edit breaks).
@Suite(.serialized) struct RecomputeFindingsTests {
    func edited(_ script: StaticString, expecting problem: ChainVerification.Problem, contract: String = EffectPaymentRunTests.contract) throws {
        let (db, stored) = try DeterminationRunTests().prepared(contract, persons: 2_000)
        _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        #expect(try ChainVerification.verify(on: db, recompute: true).isIntact)
        try db.execute("SET session_replication_role = replica")
        try db.runScript(script)
        try db.execute("SET session_replication_role = origin")
        let found = try ChainVerification.verify(on: db, recompute: true).breaks.map(\.problem)
        #expect(found.contains(problem), "\(problem): found \(found)")
    }

    @Test func eachKindOfEditIsNamed() throws {
        // The amounts the run says the ledger held before it.
        try edited("""
            UPDATE payments.run_snapshots SET context = context || E'prior\\thearth\\toutcome_payer\\t\\\\N\\tfewer_in_shelter\\t10\\n';
            """, expecting: .priorMismatch)
        // The contract text the run names.
        try edited("UPDATE payments.contracts SET body = body || E'\\n# edited';", expecting: .contractChanged)
        // The stored inputs, against the run's inputs hash.
        try edited("UPDATE payments.run_snapshots SET inputs = replace(inputs, E'load\\t', E'load\\t1');", expecting: .inputsMismatch)
        // The terms the door checked the run against.
        try edited("UPDATE payments.contract_terms SET terms = jsonb_set(terms, '{payers}', '[\"mallory\"]');", expecting: .termsMismatch)
    }

    @Test func inputsOnWhichNoRunCouldBePostedAreNamed() throws {
        let (db, stored) = try DeterminationRunTests().prepared(EffectPaymentRunTests.contract, persons: 2_000)
        _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        // Inputs with a provider's comparison figure gone, under their own hash: the engine refuses them.
        let text = try db.execute("SELECT inputs FROM payments.run_snapshots WHERE run_id = 1").scalar(String.self)
        let record = try PaymentInputsRecord.decode(Array(text.utf8))
        var snapshot = record.snapshot
        let figures = try #require(snapshot.effectFigures["fewer_in_shelter"])
        snapshot.effectFigures["fewer_in_shelter"] = (cohorts: figures.cohorts.map {
            EffectFigures(cohort: $0.cohort, group: $0.group, treated: $0.treated, comparison: nil)
        }, overall: figures.overall)
        let forged = PaymentInputsRecord(header: record.header, snapshot: snapshot)
        try db.execute("SET session_replication_role = replica")
        try db.execute("UPDATE payments.run_snapshots SET inputs = \(String(decoding: forged.text, as: UTF8.self)) WHERE run_id = 1")
        try db.execute("UPDATE payments.runs SET inputs_sha256 = \(forged.sha256) WHERE run_id = 1")
        try db.execute("SET session_replication_role = origin")
        let found = try ChainVerification.verify(on: db, recompute: true).breaks.map(\.problem)
        #expect(found.contains(.engineRefuses) && found.contains(.sealMismatch), "\(found)")
    }
}
