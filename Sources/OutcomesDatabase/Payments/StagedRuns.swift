import Foundation
import OutcomesDomain
import PostgresClient

/// Runs staged for approval under maker–checker terms: listed, and approved by a second login —
/// after the engine, run again on the staged inputs, gives exactly the staged lines.
public enum StagedRuns {
    public struct Pending: Sendable, Equatable {
        public let stagedID: Int
        public let contractID: String
        public let version: Int
        public let period: String
        public let kind: PaymentRunKind
        public let total: Decimal
        public let lines: Int
        public let stagedBy: String
        public let stagedAt: String
    }

    /// Staged runs not yet posted and not superseded by a later staging of their period.
    public static func pending(on connection: PostgresConnection) throws -> [Pending] {
        try connection.execute("""
            SELECT s.staged_id, s.contract_id, s.version, s.period, s.kind, s.total,
                   (SELECT count(*)::int FROM payments.staged_lines l WHERE l.staged_id = s.staged_id), s.staged_by,
                   to_char(s.staged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"')
            FROM payments.staged_runs s
            WHERE NOT EXISTS (SELECT 1 FROM payments.runs r WHERE r.staged_id = s.staged_id)
              AND NOT EXISTS (SELECT 1 FROM payments.staged_runs t WHERE t.contract_id = s.contract_id AND t.period = s.period
                              AND t.staged_id > s.staged_id)
            ORDER BY s.staged_id
            """).map {
            Pending(stagedID: try $0.decode(at: 0), contractID: try $0.decode(at: 1), version: try $0.decode(at: 2),
                    period: try $0.decode(at: 3), kind: try $0.decode(at: 4), total: try $0.decode(at: 5), lines: try $0.decode(at: 6),
                    stagedBy: try $0.decode(at: 7), stagedAt: try $0.decode(at: 8))
        }
    }

    /// Approves a staged run: refused as `PaymentRefusal` unless `PaymentRun.approvalRefusal` lets
    /// it through and the engine gives its lines; then posted and sealed through `payments.approve_run`.
    public static func approve(_ stagedID: Int, on connection: PostgresConnection) throws -> (runID: Int, lines: Int, total: Decimal) {
        try connection.transaction { connection in
            let rows = try connection.execute("""
                SELECT s.contract_id, s.version, s.period, s.kind, s.inputs_sha256, s.load_id, c.body, c.file_sha256, s.inputs, s.context,
                       s.staged_by, s.total, session_user,
                       EXISTS (SELECT 1 FROM payments.runs r WHERE r.staged_id = s.staged_id),
                       EXISTS (SELECT 1 FROM payments.staged_runs t WHERE t.contract_id = s.contract_id AND t.period = s.period
                               AND t.staged_id > s.staged_id),
                       s.after_run IS NOT DISTINCT FROM (SELECT max(run_id) FROM payments.runs r WHERE r.contract_id = s.contract_id
                                                         AND r.period = s.period),
                       s.load_id IS NOT DISTINCT FROM \(DataLoads.currentID)
                         AND EXISTS (SELECT 1 FROM metrics.computed_periods m WHERE m.contract_id = s.contract_id AND m.period = s.period
                                     AND m.version = s.version AND m.load_id = s.load_id)
                         -- A load that had not finished when the run was staged is not in its lines (migration 0030).
                         AND NOT EXISTS (SELECT 1 FROM ids.data_loads d WHERE d.load_id = ANY (s.pending_loads) AND d.finished_at IS NOT NULL)
                FROM payments.staged_runs s JOIN payments.contracts c USING (contract_id, version)
                WHERE s.staged_id = \(stagedID)
                """)
            guard rows.count == 1 else { throw PaymentRefusal.nothingToApprove(staged: stagedID) }
            let row = rows[0]
            let (contractID, period): (String, String) = (try row.decode(at: 0), try row.decode(at: 2))
            try PaymentDoor.lock(contract: contractID, period: period, on: connection)
            // A load numbered before the staged one that finished since the metrics were computed is not in them.
            let storedIDs = [contractID, contractID + OutcomeContract.comparisonSuffix, contractID + OutcomeContract.matchedSuffix]
            let missed = try PaymentFacts.missedLoads(of: storedIDs, periods: nil, on: connection)
            let facts = StagedRunFacts(
                stagedID: stagedID, stagedBy: try row.decode(at: 10), login: try row.decode(at: 12), approvedAlready: try row.decode(at: 13),
                superseded: try row.decode(at: 14), ledgerUnchanged: try row.decode(at: 15),
                inputsCurrent: try row.decode(Bool.self, at: 16) && missed.isEmpty)
            if let refusal = PaymentRun.approvalRefusal(facts) { throw refusal }
            let staged = SealedRun(
                runID: stagedID, contractID: contractID, version: try row.decode(at: 1), period: period, kind: try row.decode(at: 3),
                inputsSHA256: try row.decode(at: 4), loadID: try row.decode(at: 5), contractBody: try row.decode(at: 6),
                contractSHA256: try row.decode(at: 7), inputs: Array(try row.decode(String.self, at: 8).utf8),
                context: Array(try row.decode(String.self, at: 9).utf8))
            guard case .success(let recomputed) = PaymentRecomputation.recompute(staged) else {
                throw PaymentRefusal.stagedRunDiffers(staged: stagedID, discrepancies: 1)
            }
            let ledger = try PaymentFacts.posted(contract: contractID, period: period, currency: recomputed.computation.total.currency,
                                                 on: connection)
            let found = try RunRecomputation.differences(recomputed.computation, from: .staged(stagedID), on: connection)
            let priorDiffers = ledger.filter { !$0.value.isZero } != recomputed.context.prior.filter { !$0.value.isZero }
            let discrepancies = found.lines + found.determinations + (priorDiffers ? 1 : 0)
            guard discrepancies == 0 else { throw PaymentRefusal.stagedRunDiffers(staged: stagedID, discrepancies: discrepancies) }
            // The checker does not take the maker's inputs on trust: they are read again from the stored results, current as checked above.
            let request = PaymentRunRequest(contract: recomputed.contract, version: staged.version, fileSHA256: staged.contractSHA256,
                                            period: period, kind: recomputed.inputs.header.kind)
            let reread = try PaymentFacts.inputs(request, plan: try PaymentRun.plan(request).get(), loadID: staged.loadID, on: connection)
            guard reread.sha256 == staged.inputsSHA256 else { throw PaymentRefusal.stagedInputsDiffer(staged: stagedID) }
            let runID = try connection.execute("SELECT payments.approve_run(\(stagedID)::bigint)").scalar(Int.self)
            return (runID, recomputed.computation.entries.count, try row.decode(at: 11))
        }
    }
}
