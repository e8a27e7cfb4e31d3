import Foundation
import OutcomesDomain
import PostgresClient

/// `payments verify --recompute`: every run whose inputs are stored is computed again by the
/// engine from those inputs, under the contract text it names and the amounts the ledger held
/// before it, and its stored lines and determinations must be exactly what the engine gives.
/// Where the person-level results the run read are still stored as they were, the inputs are read
/// again from them and must hash to the run's inputs hash.
enum RunRecomputation {
    struct Outcome {
        var breaks: [ChainVerification.Break] = []
        var recomputed = 0
        /// Runs posted before their inputs were stored.
        var notRecomputable = 0
        /// Runs whose inputs were also read again from the stored results.
        var checkedAgainstResults = 0
    }

    static func check(runs: [Int], on connection: PostgresConnection) throws -> Outcome {
        var outcome = Outcome()
        for runID in runs {
            try connection.transaction { connection in
                try connection.execute("SET LOCAL jit = off")
                try check(runID, into: &outcome, on: connection)
            }
        }
        return outcome
    }

    private static func check(_ runID: Int, into outcome: inout Outcome, on connection: PostgresConnection) throws {
        func broken(_ problem: ChainVerification.Problem, _ detail: String) {
            outcome.breaks.append(ChainVerification.Break(position: nil, runID: runID, problem: problem, detail: detail))
        }
        let rows = try connection.execute("""
            SELECT r.contract_id, r.version, r.period, r.kind, r.inputs_sha256, r.load_id, c.body, c.file_sha256, s.inputs, s.context,
                   to_char(r.run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US+00')
            FROM payments.runs r
            LEFT JOIN payments.contracts c USING (contract_id, version)
            LEFT JOIN payments.run_snapshots s USING (run_id)
            WHERE r.run_id = \(runID)
            """)
        guard rows.count == 1 else { return }
        let row = rows[0]
        let inputs: String? = try row.decode(at: 8), context: String? = try row.decode(at: 9)
        guard let body: String = try row.decode(at: 6), let contractSHA256: String = try row.decode(at: 7) else {
            return broken(.contractChanged, "the contract version the run names is gone")
        }
        let sealed = SealedRun(
            runID: runID, contractID: try row.decode(at: 0), version: try row.decode(at: 1), period: try row.decode(at: 2),
            kind: try row.decode(at: 3), inputsSHA256: try row.decode(at: 4), loadID: try row.decode(at: 5), contractBody: body,
            contractSHA256: contractSHA256, inputs: inputs.map { Array($0.utf8) }, context: context.map { Array($0.utf8) })
        let recomputed: PaymentRecomputation.Recomputed
        switch PaymentRecomputation.recompute(sealed) {
        case .failure(.inputsNotStored):
            outcome.notRecomputable += 1
            return
        case .failure(let problem):
            let (kind, detail) = describe(problem)
            return broken(kind, detail)
        case .success(let found): recomputed = found
        }
        outcome.recomputed += 1
        // The prior amounts are what the ledger's earlier runs of the period add up to.
        let ledger = try PaymentFacts.posted(contract: sealed.contractID, period: sealed.period, before: runID,
                                             currency: recomputed.computation.total.currency, on: connection)
        if ledger.filter({ !$0.value.isZero }) != recomputed.context.prior.filter({ !$0.value.isZero }) {
            broken(.priorMismatch, "the amounts the run says the ledger held before it are not what the earlier runs posted")
        }
        let found = try differences(recomputed.computation, from: .run(runID), on: connection)
        if found.lines > 0 {
            broken(.linesDiffer, "\(found.lines) ledger line\(found.lines == 1 ? "" : "s") differ from what the engine computes from the "
                   + "run's inputs (first at line \(found.firstLine ?? 0))")
        }
        if found.determinations > 0 {
            broken(.determinationsDiffer, "\(found.determinations) determination row\(found.determinations == 1 ? "" : "s") differ from what "
                   + "the engine computes from the run's inputs")
        }
        // Read the inputs again where the computations the run read are still the stored ones.
        let header = recomputed.inputs.header
        let request = PaymentRunRequest(contract: recomputed.contract, version: sealed.version, fileSHA256: sealed.contractSHA256,
                                        period: sealed.period, kind: header.kind)
        guard case .success(let plan) = PaymentRun.plan(request) else { return }
        // The computations the door recorded with the run, of the periods it read, still the stored ones?
        let labels = PaymentRun.periodsRead(recomputed.contract, paid: plan.periods)
        let unchanged = try connection.execute("""
            SELECT payments.recorded_computations(s.computed, \(labels)) = payments.computations_of(\(sealed.contractID), \(labels))
                   AND jsonb_array_length(payments.recorded_computations(s.computed, \(labels))) > 0
            FROM payments.run_snapshots s WHERE s.run_id = \(runID)
            """).scalar(Bool.self)
        guard unchanged else { return }
        outcome.checkedAgainstResults += 1
        // In a transaction of its own: what the results guard refuses after reading is undone (a verification writes nothing).
        let attestedBy: String? = try row.decode(at: 10)
        let reread = try connection.transaction { connection in
            try PaymentFacts.inputs(request, plan: plan, loadID: sealed.loadID, attestedBy: attestedBy, on: connection)
        }
        if reread.sha256 != sealed.inputsSHA256 {
            broken(.inputsDifferFromResults, "the run's stored inputs are not what its contract-periods' stored results give")
        }
    }

    /// Where stored lines and determinations are: a posted run's, or a run staged for approval.
    enum Stored {
        case run(Int)
        case staged(Int)
    }

    /// The rows that differ between what the engine computed and what is stored, compared by
    /// PostgreSQL row by row (numbers by value, reasons and details as jsonb).
    static func differences(_ computation: PaymentComputation, from stored: Stored, on connection: PostgresConnection) throws
        -> (lines: Int, firstLine: Int?, determinations: Int)
    {
        try LedgerWriter.stage(computation.entries, computation.determinations, on: connection)
        let (lines, determinations): (PostgresQuery, PostgresQuery) = switch stored {
        case .run(let id): (
            "SELECT line_no, provider_id, payer_id, person_id, line_id, entry, amount, earned, notes, reasons FROM payments.ledger WHERE run_id = \(id)",
            """
            SELECT seq, line_id, mechanism, cohort, provider_id, finding, improvement, improvement_exact, threshold, earned, payable, detail
            FROM payments.determinations WHERE run_id = \(id)
            """)
        case .staged(let id): (
            """
            SELECT line_no, provider_id, payer_id, person_id, line_id, entry, amount, earned, notes, reasons FROM payments.staged_lines
            WHERE staged_id = \(id)
            """,
            """
            SELECT seq, line_id, mechanism, cohort, provider_id, finding, improvement, improvement_exact, threshold, earned, payable, detail
            FROM payments.staged_determinations WHERE staged_id = \(id)
            """)
        }
        let lineQuery: PostgresQuery = """
            WITH engine AS (SELECT line_no, provider_id, payer_id, person_id, line_id, entry, amount, earned, notes, reasons
                            FROM pg_temp.outcomes_run_lines), stored AS (\(lines))
            SELECT count(*)::int, min(line_no) FROM ((SELECT * FROM engine EXCEPT ALL SELECT * FROM stored)
                                                      UNION ALL (SELECT * FROM stored EXCEPT ALL SELECT * FROM engine)) d
            """
        let lineRow = try connection.execute(lineQuery)[0]
        let determinationQuery: PostgresQuery = """
            WITH engine AS (SELECT seq, line_id, mechanism, cohort, provider_id, finding, improvement, improvement_exact, threshold,
                                   earned, payable, detail FROM pg_temp.outcomes_run_determinations), stored AS (\(determinations))
            SELECT count(*)::int FROM ((SELECT * FROM engine EXCEPT ALL SELECT * FROM stored)
                                       UNION ALL (SELECT * FROM stored EXCEPT ALL SELECT * FROM engine)) d
            """
        return (try lineRow.decode(at: 0), try lineRow.decode(at: 1), try connection.execute(determinationQuery).scalar(Int.self))
    }

    private static func describe(_ problem: PaymentRecomputation.Problem) -> (ChainVerification.Problem, String) {
        switch problem {
        case .inputsNotStored: (.inputsMismatch, "the run's inputs are not stored")
        case .contractTextChanged: (.contractChanged, "the contract text no longer has the hash it was loaded with")
        case .contractUnreadable(let why): (.contractChanged, "the contract text the run names does not read: \(why)")
        case .inputsHashMismatch: (.inputsMismatch, "the stored inputs do not have the run's inputs hash")
        case .inputsUnreadable(let why): (.inputsMismatch, "the stored inputs do not read: \(why)")
        case .inputsOfAnotherRun(let why): (.inputsMismatch, why)
        case .contextUnreadable(let why): (.priorMismatch, "the stored context (prior amounts, computations read) does not read: \(why)")
        case .engineRefuses(let refusal):
            (.engineRefuses, "the engine refuses the run's inputs (\(String(describing: refusal).prefix { $0 != "(" })): no run could be posted on them")
        }
    }
}
