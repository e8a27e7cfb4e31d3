import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// The functions that seal and check seals are the migrations' own: their hashes are recorded in
/// the binary, and a function replaced in the database is reported by `payments verify`.
@Suite(.serialized) struct SealingCodeTests {
    @Test func theRecordedHashesAreTheMigrations() throws {
        let (db, _) = try TestDatabase.fresh()
        let current = try SealingCode.current(on: db)
        for (signature, hash) in current.sorted(by: { $0.key < $1.key }) {
            #expect(hash == SealingCode.expected[signature], "\"\(signature)\": \"\(hash ?? "missing")\",")
        }
    }

    @Test func aReplacedSealingFunctionIsReported() throws {
        let (db, _, stored) = try PaymentRunnerTests().prepared()
        _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        #expect(try ChainVerification.verify(on: db).isIntact)
        // A superuser edits a run, then makes the check return the stored seal whatever the run holds.
        try db.runScript("""
            SET session_replication_role = replica;
            UPDATE payments.runs SET run_by = 'somebody else' WHERE run_id = 1;
            SET session_replication_role = origin;
            CREATE OR REPLACE FUNCTION payments.expected_seal(p_position bigint) RETURNS text
            LANGUAGE sql STABLE AS $$ SELECT seal FROM payments.run_seals WHERE position = p_position $$;
            """)
        let verification = try ChainVerification.verify(on: db)
        #expect(verification.breaks.map(\.problem) == [.sealingCodeChanged], "\(verification.breaks.map(\.detail))")
    }
}
