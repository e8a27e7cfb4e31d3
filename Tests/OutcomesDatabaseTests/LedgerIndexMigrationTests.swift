import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Migrations 0029 and 0030 apply to a database the last release (0001–0028) left, with families,
/// metrics and a posted payment: the ledger and its seals are unchanged, the contract's lines are
/// found through the new block-range index, statements and summaries read as before, and the next
/// run posts and seals through the door.
@Suite(.serialized) struct LedgerIndexMigrationTests {
    @Test func theLastReleasesLedgerReadsAsBeforeThroughTheBlockRangeIndex() throws {
        let folder = TestDatabase.scratchDirectory("ledger-index-migration")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, stored, _) = try MigratorTests().lastReleaseWithFamilies(before: 29, RandomFamilies(seed: 29, participants: 60), folder: folder)
        let provider = try db.execute("SELECT min(provider_id) FROM payments.ledger").scalar(String.self)
        func ledger() throws -> String {
            try db.execute("SELECT count(*) || ' ' || md5(string_agg(l::text, ',' ORDER BY run_id, line_no)) FROM payments.ledger l")
                .scalar(String.self)
        }
        func statements() throws -> String {
            String(describing: try ProviderStatement.read(contract: stored, provider: provider, on: db))
                + String(describing: try PaymentSummary.read(contract: stored, on: db))
        }
        let (lines, read) = (try ledger(), try statements())
        #expect(try db.execute("SELECT count(*) FROM payments.ledger").scalar(Int.self) > 20)

        #expect(try Migrator().migrate(db).map(\.fileName)
            == ["0029_ledger_block_range_index.sql", "0030_door_refuses_metrics_missing_a_load.sql", "0031_door_reads_tables_it_owns.sql", "0032_results_carry_no_code.sql"])
        #expect(try ledger() == lines)
        #expect(try statements() == read)
        #expect(try ChainVerification.verify(on: db, recompute: true).isIntact)
        #expect(try DataDictionary.undocumented(on: db) == [])
        let index = try db.execute("""
            SELECT a.amname || ' ' || pg_get_indexdef(x.indexrelid, 0, false)
            FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_am a ON a.oid = c.relam
            WHERE x.indrelid = 'payments.ledger'::regclass AND c.relname = 'ledger_contract_provider'
            """).map { try $0.decode(String.self, at: 0) }
        #expect(index.count == 1 && index[0].hasPrefix("brin ") && index[0].contains("(contract_id, provider_id, period)"))

        // A contract's lines are found through it (the planner reads a table this small whole unless told not to).
        try db.execute("SET enable_seqscan = off")
        let plan = try db.execute("EXPLAIN SELECT sum(amount) FROM payments.ledger WHERE contract_id = \(stored.contract.id)")
            .map { try $0.decode(String.self, at: 0) }.joined(separator: "\n")
        #expect(plan.contains("Bitmap Index Scan on ledger_contract_provider"))
        try db.execute("RESET enable_seqscan")

        // A new version raises a price: its run posts the differences as adjustments, written and sealed by
        // the door, and the chain verifies.
        let raised = RandomFamilies.contractYAML.replacingOccurrences(of: "version: 1", with: "version: 2")
            .replacingOccurrences(of: "price: 400}", with: "price: 450}")
        let second = try ContractStore.loadStored(text: raised, file: "families-v2.yaml", on: db)
        try MetricsRunner(stored: second).run(period: try #require(second.contract.period("all")), on: db)
        let adjusted = try PaymentRunner(stored: second).run(period: "all", on: db)
        guard case .posted(let secondID) = adjusted.outcome else { Issue.record("\(adjusted.outcome)"); return }
        #expect(try db.execute("SELECT count(*) FROM payments.ledger WHERE run_id = \(secondID) AND entry = 'adjustment'").scalar(Int.self) > 0)
        #expect(try ChainVerification.verify(on: db, recompute: true).isIntact)
    }
}
