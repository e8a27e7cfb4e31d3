import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Migrations 0016 (evaluation runs) and 0017 (scenario runs) apply to a database of the release
/// before them with its data, which stays as it was and is computed, paid and compared on
/// afterwards. (Its metrics are computed after the migrations: the results' layout changed in
/// 0018, which MigrationOfPersonResultsTests tests with results of the layout before it.)
@Suite struct EvaluationMigrationTests {
    @Test func theNewSchemasApplyToAReleasedDatabaseWithItsData() throws {
        let db = try MigratorTests().migrated(before: 16)
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 2_000, seed: 8)).load(into: db)
        // The contract as that release stored it (today's loader also records its terms, a later migration's table).
        try db.execute("""
            INSERT INTO payments.contracts (contract_id, version, currency, file_sha256, body)
            VALUES ('housing-2021', 1, 'USD', \(SHA256.hex(EffectPaymentRunTests.contract)), \(EffectPaymentRunTests.contract))
            """)
        func counts() throws -> [Int] {
            try (["ids.persons", "ids.events", "ids.enrollments", "payments.contracts"] as [SQLIdentifier]).map {
                try db.execute("SELECT count(*) FROM \(identifier: $0)").scalar(Int.self)
            }
        }
        let before = try counts()
        let applied = try Migrator().migrate(db).map(\.fileName)
        #expect(Array(applied.prefix(2)) == ["0016_evaluation_runs.sql", "0017_scenario_runs.sql"])
        #expect(try counts() == before)
        let stored = try ContractStore.stored("housing-2021", on: db)
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        // Owned by the analyst until 0020, which hands them to the schema's owner (append-only runs);
        // every table of the two schemas (three then, more by later migrations) is the owner's.
        #expect(try db.execute("SELECT count(*) FROM pg_tables WHERE schemaname IN ('evaluation', 'scenario') AND tableowner = current_user")
            .scalar(Int.self) >= 3)
        #expect(try db.execute("SELECT count(*) FROM pg_tables WHERE schemaname IN ('evaluation', 'scenario') AND tableowner <> current_user")
            .scalar(Int.self) == 0)
        // The migrated database compares its participants and stores the run.
        let definition = try EvaluationDefinition.parse(yaml: ComparisonRunTests.evaluation, file: "evaluation.yaml")
        let outcome = try ComparisonRunner(definition: definition, text: ComparisonRunTests.evaluation, stored: stored, period: nil, source: .pool)
            .run(on: db)
        #expect(outcome.runID == 1 && !outcome.result.estimates.isEmpty)
        let chain = try ChainVerification.verify(on: db)
        #expect(chain.isIntact && chain.runs == 1)
    }
}
