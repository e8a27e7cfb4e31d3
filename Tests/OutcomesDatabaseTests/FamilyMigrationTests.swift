import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Migration 0024 applies to a database the last release (0001–0023) left, with an IDS, metrics
/// and posted payments: the IDS and results read as before (with NULL beside them in the new
/// columns), the ledger still recomputes from its sealed inputs, new metrics runs swap in results
/// with the new columns, and a family extract then loads.
@Suite(.serialized) struct FamilyMigrationTests {
    @Test func theLastReleasesDatabaseTakesFamilies() throws {
        let db = try MigratorTests().migrated(before: 24)
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1_200, seed: 5)).load(into: db)
        let stored = try ContractStore.loadStored(text: LedgerCapsMigrationTests.contract, file: "reentry.yaml", on: db)
        for period in stored.contract.periods.prefix(2) {
            try MetricsRunner(stored: stored).run(period: period, on: db)
            _ = try PaymentRunner(stored: stored).run(period: period.label, on: db)
        }
        func digest(_ table: SQLIdentifier, _ columns: PostgresQuery = "t") throws -> String {
            try db.execute("SELECT count(*) || ' ' || md5(string_agg(\(columns)::text, ',' ORDER BY \(columns)::text)) FROM \(identifier: table) t")
                .scalar(String.self)
        }
        let tables: [SQLIdentifier] = ["ids.persons", "ids.enrollments", "ids.events", "payments.ledger"]
        let before = try tables.map { try digest($0) }
        let results: PostgresQuery = "(t.person_id, t.contract_id, t.metric_id, t.period, t.value, t.window_start, t.window_end)"
        let resultsBefore = try digest("metrics.person_results", results)

        #expect(try Migrator().migrate(db).map(\.fileName).first == "0024_families.sql")
        #expect(try tables.map { try digest($0) } == before)
        #expect(try digest("metrics.person_results", results) == resultsBefore)
        #expect(try db.execute("SELECT count(*) FROM metrics.person_results WHERE relatives IS NOT NULL").scalar(Int.self) == 0)
        #expect(try ChainVerification.verify(on: db, recompute: true).isIntact)
        try MetricsRunner(stored: stored).run(period: stored.contract.periods[0], on: db)
        #expect(try digest("metrics.person_results", results) == resultsBefore)

        // The sample's families on top.
        let sample = Checkout.scenarios.appendingPathComponent("extracts/sample")
        let folder = TestDatabase.scratchDirectory("family-migration")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in ["persons.csv", "source_systems.csv", "relationships.csv", "households.csv", "event_domains.csv"] {
            let text = try String(contentsOf: sample.appendingPathComponent(file), encoding: .utf8)
                // Persons far above the synthetic ones.
                .replacingOccurrences(of: "\n1,", with: "\n900001,").replacingOccurrences(of: "\n2,", with: "\n900002,")
                .replacingOccurrences(of: "\n3,", with: "\n900003,").replacingOccurrences(of: ",1,natural_child", with: ",900001,natural_child")
                .replacingOccurrences(of: ",2,spouse", with: ",900002,spouse")
            try text.write(to: folder.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        let load = try ExtractLoader(directory: folder).load(into: db)
        #expect(load.tables.first { $0.file == "relationships.csv" }?.inserted == 2)
        #expect(try db.execute("SELECT count(*) FROM ids.relationships").scalar(Int.self) == 8)
    }
}
