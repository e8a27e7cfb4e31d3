import Foundation
import OutcomesTestSupport
import PostgresClient
import Testing

/// The payments benchmark loads versions of the synthetic contracts and posts to their ledger, so it
/// runs only on a database where every version of those contracts is its own.
@Suite struct PaymentsBenchmarkDatabaseTests {
    /// Every stored contract version and the ledger's size: what the benchmark would change.
    static func contractsAndLedger(_ db: PostgresConnection) throws -> (contracts: [String], ledgerLines: Int) {
        let contracts = try db.execute("SELECT contract_id || '@' || version || ' ' || file_sha256 FROM payments.contracts ORDER BY 1")
            .map { try $0.decode(String.self, at: 0) }
        return (contracts, try db.execute("SELECT count(*) FROM payments.ledger").scalar(Int.self))
    }

    @Test func aDatabaseHoldingTheDemosContractIsRefusedWithNothingWritten() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        let housing = Checkout.scenarios.appendingPathComponent("housing-2021.yaml").path
        let loaded = try CLI.run(["contract", "load", housing, "--database", conninfo, "-q"])
        #expect(loaded.status == 0, "\(loaded.errors)")
        let before = try Self.contractsAndLedger(db)
        #expect(before.contracts.count == 1)
        let result = try CLI.run(["payments", "--persons", "300", "--database", conninfo, "-q"], program: "outcomes-bench")
        // contractVersionConflict: a data error.
        CLI.expectCleanFailure(result, status: 65, naming: ["housing-2021", "--database", "OUTCOMES_DATA_DIR"])
        let after = try Self.contractsAndLedger(db)
        #expect(after.contracts == before.contracts)
        #expect(after.ledgerLines == before.ledgerLines)
    }

    @Test func aFreshDatabaseIsPaid() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        let result = try CLI.run(["payments", "--persons", "300", "--database", conninfo, "-q"], program: "outcomes-bench")
        #expect(result.status == 0, "\(result.errors)")
        #expect(try db.execute("SELECT count(*) FROM payments.ledger").scalar(Int.self) > 0)
        // A second invocation pays a period of its own: its own earlier versions do not refuse it.
        let again = try CLI.run(["payments", "--persons", "300", "--database", conninfo, "-q"], program: "outcomes-bench")
        #expect(again.status == 0, "\(again.errors)")
        #expect(try db.execute("SELECT count(*) FROM payments.contracts WHERE contract_id = 'housing-2021'").scalar(Int.self) == 2)
    }
}
