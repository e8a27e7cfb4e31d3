import Foundation
import OutcomesDomain
import PostgresClient

/// Recording that a milestone was delivered, once: the run of its period then pays it.
public enum MilestoneAttestation {
    public enum Result: Sendable, Equatable {
        case attested
        /// Already attested: by whom and when.
        case already(by: String, at: String)
    }

    public static func attest(_ milestoneID: String, of stored: StoredContract, note: String, on connection: PostgresConnection)
        throws -> Result
    {
        let milestones = stored.contract.payments?.milestones ?? []
        guard milestones.contains(where: { $0.id == milestoneID }) else {
            throw DatabaseError(
                .noData,
                "contract \(stored.contract.id) version \(stored.version) has no milestone \(milestoneID)"
                    + (milestones.isEmpty ? "." : "; its milestones: \(milestones.map(\.id).joined(separator: ", ")).") )
        }
        return try connection.transaction { connection in
            let inserted = try connection.execute("""
                INSERT INTO payments.milestone_attestations (contract_id, milestone_id, note)
                VALUES (\(stored.contract.id), \(milestoneID), \(note)) ON CONFLICT DO NOTHING RETURNING 1
                """).count
            if inserted == 1 { return .attested }
            let row = try connection.execute("""
                SELECT attested_by, to_char(attested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
                FROM payments.milestone_attestations WHERE contract_id = \(stored.contract.id) AND milestone_id = \(milestoneID)
                """)[0]
            return .already(by: try row.decode(at: 0), at: try row.decode(at: 1))
        }
    }
}
