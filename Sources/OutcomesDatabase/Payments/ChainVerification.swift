import Foundation
import OutcomesDomain
import PostgresClient

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

    public var isIntact: Bool { breaks.isEmpty }

    public static func verify(on connection: PostgresConnection) throws -> ChainVerification {
        var breaks: [Break] = []
        var head: (Int, String)?
        var expectedPrevious: String?
        var expectedPosition = 1
        var count = 0
        try connection.stream("""
            SELECT s.position, s.run_id, s.previous, s.seal, r.run_id IS NOT NULL,
                   payments.seal_of(s.run_id, s.previous), coalesce(r.total, 0)::text,
                   (SELECT coalesce(sum(amount), 0) FROM payments.ledger l WHERE l.run_id = s.run_id)::text
            FROM payments.run_seals s LEFT JOIN payments.runs r USING (run_id)
            ORDER BY s.position
            """) { row in
            let (position, runID): (Int, Int) = (try row.decode(at: 0), try row.decode(at: 1))
            let (previous, seal): (String?, String) = (try row.decode(at: 2), try row.decode(at: 3))
            count += 1
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
            if Decimal(string: total) != Decimal(string: posted) {
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
        return ChainVerification(runs: count, head: head, breaks: breaks)
    }

    /// The chain's head, as statements and summaries print it.
    public static func head(on connection: PostgresConnection) throws -> (position: Int, seal: String)? {
        let rows = try connection.execute("SELECT position, seal FROM payments.run_seals ORDER BY position DESC LIMIT 1")
        guard rows.count == 1 else { return nil }
        return (try rows[0].decode(Int.self, at: 0), try rows[0].decode(String.self, at: 1))
    }
}
