import Foundation
import OutcomesDomain
import PostgresClient

/// A chain head published earlier: a seal, and the position it had.
public struct ChainAnchor: Sendable, Equatable {
    public let position: Int?
    public let seal: String

    /// `POSITION:SEAL` or `SEAL` (64 lower-case hex digits), as statements and `payments verify` print the head.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let sealText = parts.last else { return nil }
        let seal = String(sealText)
        guard seal.utf8.count == 64, seal.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        if parts.count == 2 {
            guard let position = Int(parts[0]), position > 0, String(position) == parts[0] else { return nil }
            self.position = position
        } else {
            position = nil
        }
        self.seal = seal
    }
}

/// Recomputes the payment runs' hash chain (`payments.run_seals`): every run's lines and
/// determinations against its seal, every seal against the one before it, every run's lines
/// against its total. An edit to any of them — even a superuser's, with the append-only
/// triggers switched off — shows as a break.
public struct ChainVerification: Sendable {
    public enum Problem: String, Sendable {
        /// The run's lines or determinations (or header) no longer give its seal.
        case sealMismatch = "seal_mismatch"
        /// The run's lines no longer add up to its total.
        case totalMismatch = "total_mismatch"
        /// The seal does not name the seal before it: a seal was removed, replaced or reordered.
        case brokenLink = "broken_link"
        /// A run without a seal, or a seal without its run.
        case unsealed
        /// Ledger lines of no run, or of another contract or period than their run's.
        case strayLines = "stray_lines"
        /// A function that seals or checks seals is not the one the migrations defined.
        case sealingCodeChanged = "sealing_code_changed"
        /// The chain does not extend the head published earlier (`--since`): truncated or rewritten.
        case anchorMissing = "anchor_missing"
        // Found by `--recompute`:
        /// The contract text a run names changed, or does not read.
        case contractChanged = "contract_changed"
        /// A run's stored inputs do not have its inputs hash, do not read, or are another run's.
        case inputsMismatch = "inputs_mismatch"
        /// The amounts a run says the ledger held before it are not what the earlier runs posted.
        case priorMismatch = "prior_mismatch"
        /// The engine refuses a run's inputs: no run could have been posted on them.
        case engineRefuses = "engine_refuses"
        /// A run's lines or determinations are not what the engine computes from its inputs.
        case linesDiffer = "lines_differ"
        case determinationsDiffer = "determinations_differ"
        /// A run's inputs are not what the stored results it read give.
        case inputsDifferFromResults = "inputs_differ_from_results"
        /// The terms the door checked a run against are not the contract text's.
        case termsMismatch = "terms_mismatch"
        /// A run of a maker–checker contract not staged by one login and approved by another.
        case approvalMissing = "approval_missing"
    }

    public struct Break: Sendable {
        public let position: Int?
        public let runID: Int?
        public let problem: Problem
        public let detail: String
    }

    public let runs: Int
    /// The last seal and its position: what an auditor keeps to check the chain later.
    public let head: (position: Int, seal: String)?
    public let breaks: [Break]
    /// With `recompute`: runs computed again from their inputs, runs posted before inputs were
    /// stored (not recomputable), and runs whose inputs were also read again from stored results.
    public var recomputed: (runs: Int, notRecomputable: Int, checkedAgainstResults: Int)?
    /// With an anchor: the head published earlier that the chain was checked to extend.
    public var anchor: ChainAnchor?

    public var isIntact: Bool { breaks.isEmpty }

    /// Verifies the chain; `recompute` also runs the engine again on every run's stored inputs;
    /// `since` also requires the chain to extend a head published earlier.
    public static func verify(on connection: PostgresConnection, recompute: Bool = false, since anchor: ChainAnchor? = nil) throws
        -> ChainVerification
    {
        var verification = try verify(on: connection)
        var breaks = verification.breaks
        if let anchor {
            let found = try connection.execute("""
                SELECT position FROM payments.run_seals WHERE seal = \(anchor.seal) AND (\(anchor.position)::bigint IS NULL OR position = \(anchor.position)::bigint)
                """).map { try $0.decode(Int.self, at: 0) }
            if found.isEmpty {
                breaks.append(Break(position: anchor.position, runID: nil, problem: .anchorMissing,
                                    detail: "no seal \(anchor.seal.prefix(12))…\(anchor.position.map { " at position \($0)" } ?? ""): the chain was "
                                        + "truncated or rewritten since that head was published"))
            }
        }
        if recompute {
            let runs = try connection.execute("SELECT run_id FROM payments.runs ORDER BY run_id").map { try $0.decode(Int.self, at: 0) }
            let outcome = try RunRecomputation.check(runs: runs, on: connection)
            breaks += outcome.breaks
            verification.recomputed = (outcome.recomputed, outcome.notRecomputable, outcome.checkedAgainstResults)
        }
        verification = ChainVerification(runs: verification.runs, head: verification.head, breaks: breaks,
                                         recomputed: verification.recomputed, anchor: anchor)
        return verification
    }

    /// Runs the engine again on the stored inputs of these runs only (the payments benchmark times it).
    package static func recompute(runs: [Int], on connection: PostgresConnection) throws
        -> (breaks: [Break], recomputed: Int, checkedAgainstResults: Int)
    {
        let outcome = try RunRecomputation.check(runs: runs, on: connection)
        return (outcome.breaks, outcome.recomputed, outcome.checkedAgainstResults)
    }

    private static func verify(on connection: PostgresConnection) throws -> ChainVerification {
        var breaks: [Break] = []
        var head: (Int, String)?
        var expectedPrevious: String?
        var expectedPosition = 1
        // A run posted before migration 0019 has two seals (format 1, and format 2 from the migration).
        var runs: Set<Int> = []
        try connection.stream("""
            SELECT s.position, s.run_id, s.previous, s.seal, r.run_id IS NOT NULL,
                   payments.expected_seal(s.position), coalesce(r.total, 0)::text,
                   (SELECT coalesce(sum(amount), 0) FROM payments.ledger l WHERE l.run_id = s.run_id)::text
            FROM payments.run_seals s LEFT JOIN payments.runs r USING (run_id)
            ORDER BY s.position
            """) { row in
            let (position, runID): (Int, Int) = (try row.decode(at: 0), try row.decode(at: 1))
            let (previous, seal): (String?, String) = (try row.decode(at: 2), try row.decode(at: 3))
            let firstSealOfRun = runs.insert(runID).inserted
            head = (position, seal)
            if position != expectedPosition || previous != expectedPrevious {
                breaks.append(Break(position: position, runID: runID, problem: .brokenLink,
                                    detail: "expected position \(expectedPosition) after seal \(expectedPrevious?.prefix(12) ?? "(none)")"))
            }
            (expectedPosition, expectedPrevious) = (position + 1, seal)
            guard try row.decode(Bool.self, at: 4) else {
                breaks.append(Break(position: position, runID: runID, problem: .unsealed, detail: "the sealed run is gone"))
                return
            }
            if try row.decode(String?.self, at: 5) != seal {
                breaks.append(Break(position: position, runID: runID, problem: .sealMismatch,
                                    detail: "the run's header, lines or determinations changed after it was sealed"))
            }
            let (total, posted): (String, String) = (try row.decode(at: 6), try row.decode(at: 7))
            if firstSealOfRun, Decimal(string: total) != Decimal(string: posted) {
                breaks.append(Break(position: position, runID: runID, problem: .totalMismatch,
                                    detail: "lines add up to \(posted), the run's total is \(total)"))
            }
        }
        for row in try connection.execute("""
            SELECT run_id FROM payments.runs WHERE run_id NOT IN (SELECT run_id FROM payments.run_seals) ORDER BY run_id
            """) {
            breaks.append(Break(position: nil, runID: try row.decode(at: 0), problem: .unsealed, detail: "a run without a seal"))
        }
        for row in try connection.execute("""
            SELECT l.run_id, count(*)::int FROM payments.ledger l LEFT JOIN payments.runs r USING (run_id)
            WHERE r.run_id IS NULL OR r.contract_id <> l.contract_id OR r.period <> l.period
            GROUP BY 1 ORDER BY 1
            """) {
            breaks.append(Break(position: nil, runID: try row.decode(at: 0), problem: .strayLines,
                                detail: "\(try row.decode(Int.self, at: 1)) ledger lines of no run of their contract and period"))
        }
        breaks += try termsAndApprovals(on: connection)
        breaks += try SealingCode.changes(on: connection)
        return ChainVerification(runs: runs.count, head: head, breaks: breaks, recomputed: nil, anchor: nil)
    }

    /// The door checks runs against terms a payments login records (it cannot read the contract
    /// text itself), so every version's recorded terms must be what its text gives; and every run
    /// of a maker–checker version must have been staged by one login and approved by another.
    private static func termsAndApprovals(on connection: PostgresConnection) throws -> [Break] {
        var breaks: [Break] = []
        for row in try connection.execute("""
            SELECT t.contract_id, t.version, c.body, c.file_sha256
            FROM payments.contract_terms t JOIN payments.contracts c USING (contract_id, version) ORDER BY 1, 2
            """) {
            let (id, version, body, hash): (String, Int, String, String) =
                (try row.decode(at: 0), try row.decode(at: 1), try row.decode(at: 2), try row.decode(at: 3))
            // An edited text is found by the seals of its runs and by `--recompute`.
            guard SHA256.hex(body) == hash, let contract = try? OutcomeContract.parse(yaml: body, file: "\(id) version \(version)") else {
                continue
            }
            let runs = try connection.execute("""
                SELECT r.run_id, t.terms = \(try PaymentDoorTerms(contract: contract).jsonText())::jsonb,
                       coalesce(r.staged_by IS NOT NULL AND r.approved_by IS NOT NULL AND r.staged_by <> r.approved_by
                                AND r.run_by = r.staged_by, false)
                FROM payments.contract_terms t LEFT JOIN payments.runs r USING (contract_id, version)
                WHERE t.contract_id = \(id) AND t.version = \(version)
                ORDER BY r.run_id
                """)
            for run in runs {
                let runID: Int? = try run.decode(at: 0)
                if !(try run.decode(Bool.self, at: 1)) {
                    breaks.append(Break(position: nil, runID: runID, problem: .termsMismatch,
                                        detail: "the terms recorded for version \(version) of contract \(id), which the door checks runs "
                                            + "against, are not the contract text's"))
                }
                if let runID, contract.payments?.approval == .makerChecker, !(try run.decode(Bool.self, at: 2)) {
                    breaks.append(Break(position: nil, runID: runID, problem: .approvalMissing,
                                        detail: "the contract's runs are staged by one login and approved by another; this run was not"))
                }
            }
        }
        return breaks
    }

    /// The chain's head, as statements and summaries print it (every role may read it).
    public static func head(on connection: PostgresConnection) throws -> (position: Int, seal: String)? {
        let row = try connection.execute("SELECT head_position, head_seal FROM payments.chain_head()")[0]
        guard let position: Int = try row.decode(at: 0), let seal: String = try row.decode(at: 1) else { return nil }
        return (position, seal)
    }
}
