import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Migration 0025 applies to a database the last release (0001–0024) left, with an IDS holding
/// families, a domain an extract added, metrics and posted payments: nothing stored changes, the
/// built-in domains gain their definitions while the extract's keeps none, and every schema,
/// table and column then has a definition.
@Suite(.serialized) struct DataDictionaryMigrationTests {
    @Test func theLastReleasesDatabaseGainsItsDictionary() throws {
        let db = try MigratorTests().migrated(before: 25)
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 800, seed: 6, families: true)).load(into: db)
        let stored = try ContractStore.loadStored(text: LedgerCapsMigrationTests.contract, file: "reentry.yaml", on: db)
        let period = stored.contract.periods[0]
        try MetricsRunner(stored: stored).run(period: period, on: db)
        _ = try PaymentRunner(stored: stored).run(period: period.label, on: db)
        // A domain an extract added before the upgrade (as the last release's loader stored it:
        // today's loader writes the description column 0025 adds).
        try db.execute("INSERT INTO ids.event_domains (domain, shape) VALUES ('tenancy', 'spell')")

        func digest(_ table: SQLIdentifier) throws -> String {
            try db.execute("SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY t::text)) FROM \(identifier: table) t")
                .scalar(String.self)
        }
        let tables: [SQLIdentifier] = ["ids.persons", "ids.events", "ids.relationships", "ids.household_members", "metrics.person_results",
                                       "metrics.provider_results", "payments.ledger", "payments.runs"]
        let before = try tables.map { try digest($0) }
        let figures: PostgresQuery = """
            SELECT string_agg((metric_id, period, provider_id, participants, with_value, total)::text, ',' ORDER BY metric_id, period, provider_id)
            FROM metrics.provider_results
            """
        let figuresBefore = try db.execute(figures).scalar(String.self)
        #expect(try !DataDictionary.undocumented(on: db).isEmpty, "the last release described little")

        #expect(try Migrator().migrate(db).map(\.fileName).first == "0025_data_dictionary.sql")
        #expect(try tables.map { try digest($0) } == before)
        #expect(try ChainVerification.verify(on: db, recompute: true).isIntact)
        #expect(try DataDictionary.undocumented(on: db) == [])
        let described = try db.execute("SELECT domain, description IS NOT NULL FROM ids.event_domains ORDER BY domain").map {
            "\(try $0.decode(String.self, at: 0)) \(try $0.decode(Bool.self, at: 1))"
        }
        #expect(described == ["benefit true", "child_welfare true", "er_visit true", "jail true", "school true", "shelter true",
                              "tenancy false", "wages true"])
        // Metrics run as before on the upgraded database, and read the same.
        let results = try MetricsRunner(stored: stored).run(period: period, on: db)
        #expect(!results.isEmpty)
        #expect(try db.execute(figures).scalar(String.self) == figuresBefore)
    }
}
