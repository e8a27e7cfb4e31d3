import Foundation
import OutcomesDomain
import PostgresClient

/// Stages a run's ledger lines (one COPY) and determinations in temporary tables, from which
/// `payments.close_run` — the database's door — writes them.
enum LedgerWriter {
    static func stage(_ entries: [LedgerEntry], _ determinations: [Determination], on connection: PostgresConnection) throws {
        try connection.execute("""
            CREATE TEMP TABLE IF NOT EXISTS outcomes_run_lines (
                line_no integer, provider_id text, payer_id text, person_id bigint, line_id text, entry text, amount numeric,
                earned numeric, notes text, reasons jsonb) ON COMMIT DROP
            """)
        try connection.execute("""
            CREATE TEMP TABLE IF NOT EXISTS outcomes_run_determinations (
                seq integer, line_id text, mechanism text, cohort text, provider_id text, finding text, improvement numeric,
                improvement_exact text, threshold numeric, earned numeric, payable numeric, detail jsonb) ON COMMIT DROP
            """)
        try connection.execute("TRUNCATE outcomes_run_lines, outcomes_run_determinations")
        if !entries.isEmpty {
            try connection.copyIn("""
                COPY outcomes_run_lines (line_no, provider_id, payer_id, person_id, line_id, entry, amount, earned, notes, reasons) FROM STDIN
                """) { writer in
                var buffer = CopyTextBuffer()
                for (index, entry) in entries.enumerated() {
                    buffer.int(index + 1)
                    buffer.text(entry.providerID)
                    buffer.text(entry.payerID)
                    buffer.int(entry.personID)
                    buffer.text(entry.lineID)
                    buffer.text(entry.kind.rawValue)
                    buffer.money(entry.amount)
                    buffer.money(entry.earned)
                    if entry.reasons.isEmpty {
                        buffer.text("")
                        buffer.text("[]")
                    } else {
                        buffer.text(entry.notes)
                        buffer.text(entry.reasons.json)
                    }
                    buffer.endRow()
                    if buffer.count > 1 << 20 {
                        try writer.write(buffer.bytes)
                        buffer.removeAll()
                    }
                }
                try writer.write(buffer.bytes)
            }
        }
        for (index, determination) in determinations.enumerated() {
            let improvement = determination.improvement
            try connection.execute("""
                INSERT INTO outcomes_run_determinations (seq, line_id, mechanism, cohort, provider_id, finding, improvement,
                    improvement_exact, threshold, earned, payable, detail)
                VALUES (\(index + 1), \(determination.lineID), \(determination.mechanism.rawValue), \(determination.cohort),
                    \(determination.provider), \(determination.finding.rawValue), \(improvement?.rounded(scale: 4))::numeric,
                    \(improvement?.fraction), \(determination.threshold)::numeric, \(determination.earned.amount)::numeric,
                    \(determination.payable.amount)::numeric, \(try PostgresJSON(determination.detail)))
                """)
        }
    }
}
