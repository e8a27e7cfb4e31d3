import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Migration 0026 applies to a database the last release (0001–0025) left, with its data; the
/// analyst role then sets the publication threshold once and cannot change it.
@Suite(.serialized) struct PublicationThresholdMigrationTests {
    @Test func theLastReleasesDatabaseGainsOneThreshold() throws {
        let db = try MigratorTests().migrated(before: 26)
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 600, seed: 8, families: true)).load(into: db)
        let stored = try ContractStore.loadStored(text: LedgerCapsMigrationTests.contract, file: "reentry.yaml", on: db)
        let period = stored.contract.periods[0]
        try MetricsRunner(stored: stored).run(period: period, on: db)
        _ = try PaymentRunner(stored: stored).run(period: period.label, on: db)
        func digest(_ table: SQLIdentifier) throws -> String {
            try db.execute("SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY t::text)) FROM \(identifier: table) t").scalar(String.self)
        }
        let tables: [SQLIdentifier] = ["ids.persons", "ids.events", "ids.event_domains", "metrics.person_results", "payments.ledger", "payments.runs"]
        let before = try tables.map { try digest($0) }

        #expect(try Migrator().migrate(db).map(\.fileName).first == "0026_publication_threshold.sql")
        #expect(try tables.map { try digest($0) } == before)
        #expect(try ChainVerification.verify(on: db, recompute: true).isIntact)
        #expect(try DataDictionary.undocumented(on: db) == [])

        // As the analyst: the first package sets 13; a later one proposing 11 gets 13; the analyst cannot change it.
        try db.execute("SET ROLE outcomes_analyst")
        defer { _ = try? db.execute("RESET ROLE") }
        #expect(try PublicationThreshold.settle(proposing: 13, on: db).threshold == 13)
        #expect(try PublicationThreshold.settle(proposing: 11, on: db).threshold == 13)
        for statement: PostgresQuery in ["UPDATE ids.publication_policy SET small_cell_threshold = 11", "DELETE FROM ids.publication_policy"] {
            do {
                try db.execute(statement)
                Issue.record("the analyst changed the threshold")
            } catch {
                #expect(error.sqlState == .insufficientPrivilege)
            }
        }
        try db.execute("RESET ROLE")
        // Below 11 the database refuses it too.
        do {
            try db.execute("UPDATE ids.publication_policy SET small_cell_threshold = 10")
            Issue.record("a threshold of 10 was stored")
        } catch {
            #expect(error.sqlState == .checkViolation)
        }
    }
}
