import Foundation
import OutcomesDomain
import PostgresClient

/// Writes a payment run's decision through the database's door: the lines and determinations
/// staged in temporary tables, then `payments.open_run` + `payments.close_run` (posted and sealed
/// with the run's inputs), or `payments.stage_run` (kept for a second login's approval).
enum PaymentDoor {
    /// Runs of the same contract and period take turns.
    static func lock(contract: String, period: String, on connection: PostgresConnection) throws {
        try connection.execute("SELECT pg_advisory_xact_lock(hashtext(\("payments/" + contract + "/" + period)))")
    }

    /// Records the version's terms for the door (once; a version loaded before the door checked terms gets them here).
    static func recordTerms(_ stored: StoredContract, on connection: PostgresConnection) throws {
        let terms = try PaymentDoorTerms(contract: stored.contract).jsonText()
        try connection.execute("SELECT payments.index_terms(\(stored.contract.id)::text, \(stored.version)::int, \(terms)::jsonb)")
    }

    static func post(_ inputs: PaymentInputsRecord, context: RunContext, _ computed: PaymentComputation, on connection: PostgresConnection)
        throws -> Int
    {
        let header = inputs.header
        let runID = try connection.execute("""
            SELECT payments.open_run(\(header.contractID)::text, \(header.version)::int, \(header.period)::text,
                                     \(header.kind.rawValue)::text, \(header.loadID)::int, \(computed.total.amount)::numeric,
                                     \(String(decoding: inputs.text, as: UTF8.self))::text, \(String(decoding: context.text, as: UTF8.self))::text)
            """).scalar(Int.self)
        try LedgerWriter.stage(computed.entries, computed.determinations, on: connection)
        _ = try connection.execute("SELECT payments.close_run(\(runID)::bigint)").scalar(String.self)
        return runID
    }

    static func stage(_ inputs: PaymentInputsRecord, context: RunContext, _ computed: PaymentComputation, on connection: PostgresConnection)
        throws -> Int
    {
        let header = inputs.header
        try LedgerWriter.stage(computed.entries, computed.determinations, on: connection)
        return try connection.execute("""
            SELECT payments.stage_run(\(header.contractID)::text, \(header.version)::int, \(header.period)::text,
                                      \(header.kind.rawValue)::text, \(header.loadID)::int, \(computed.total.amount)::numeric,
                                      \(String(decoding: inputs.text, as: UTF8.self))::text, \(String(decoding: context.text, as: UTF8.self))::text)
            """).scalar(Int.self)
    }
}
