import Foundation
import OutcomesDomain
import PostgresClient

/// Writes a run's ledger lines (one COPY) and its determinations.
enum LedgerWriter {
    static func post(_ entries: [LedgerEntry], runID: Int, contract: String, period: String, on connection: PostgresConnection) throws {
        guard !entries.isEmpty else { return }
        try connection.copyIn("""
            COPY payments.ledger (run_id, line_no, contract_id, period, provider_id, payer_id, person_id, line_id, entry, amount, earned,
                                  notes, reasons)
            FROM STDIN
            """) { writer in
            var buffer = CopyTextBuffer()
            for (index, entry) in entries.enumerated() {
                buffer.int(runID)
                buffer.int(index + 1)
                buffer.text(contract)
                buffer.text(period)
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

    static func record(_ determinations: [Determination], runID: Int, contract: String, period: String,
                       on connection: PostgresConnection) throws {
        for (index, determination) in determinations.enumerated() {
            let improvement = determination.improvement
            try connection.execute("""
                INSERT INTO payments.determinations (run_id, seq, contract_id, period, line_id, mechanism, cohort, provider_id, finding,
                    improvement, improvement_exact, threshold, earned, payable, detail)
                VALUES (\(runID), \(index + 1), \(contract), \(period), \(determination.lineID), \(determination.mechanism.rawValue),
                    \(determination.cohort), \(determination.provider), \(determination.finding.rawValue),
                    \(improvement?.rounded(scale: 4))::numeric, \(improvement?.fraction), \(determination.threshold)::numeric,
                    \(determination.earned.amount)::numeric, \(determination.payable.amount)::numeric, \(determination.detailJSON)::jsonb)
                """)
        }
    }
}
