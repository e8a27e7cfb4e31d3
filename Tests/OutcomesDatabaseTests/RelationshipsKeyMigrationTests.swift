import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Migration 0027 applies to a database the last release (0001–0026) left, with families, metrics
/// over relatives and a posted payment on them: the edges and the ledger read as before, the key is
/// the same six columns (a duplicate edge is still refused), a new run gives the results this
/// version computed on the old key, and the relatives can be read from the key's index alone.
@Suite(.serialized) struct RelationshipsKeyMigrationTests {
    @Test func theLastReleasesEdgesKeepTheirKeyAndAreReadFromItsIndex() throws {
        let folder = TestDatabase.scratchDirectory("relationships-key-migration")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, stored, _) = try MigratorTests().lastReleaseWithFamilies(before: 27, RandomFamilies(seed: 27, participants: 60), folder: folder)
        let period = try #require(stored.contract.period("all"))
        func digest(_ table: SQLIdentifier, _ columns: PostgresQuery = "t") throws -> String {
            try db.execute("SELECT count(*) || ' ' || md5(string_agg(\(columns)::text, ',' ORDER BY \(columns)::text)) FROM \(identifier: table) t")
                .scalar(String.self)
        }
        let results: PostgresQuery = "(t.person_id, t.metric_id, t.period, t.value, t.relatives, t.relative_ids, t.relative_values)"
        let (edges, resultsBefore, ledger) = (try digest("ids.relationships"), try digest("metrics.person_results", results), try digest("payments.ledger"))
        #expect(try db.execute("SELECT count(*) FROM metrics.person_results WHERE relatives > 0").scalar(Int.self) > 20)

        #expect(try Migrator().migrate(db).map(\.fileName).first == "0027_relationships_covering_key.sql")
        #expect(try digest("ids.relationships") == edges)
        #expect(try digest("payments.ledger") == ledger)
        #expect(try ChainVerification.verify(on: db, recompute: true).isIntact)
        #expect(try DataDictionary.undocumented(on: db) == [])
        let key = try #require(try DataDictionary.tables(on: db).first { $0.qualifiedName == "ids.relationships" }).primaryKey
        #expect(key == ["person_id", "relative_id", "relation", "source_system", "valid_from", "stated"])
        let (keyColumns, allColumns) = try db.execute("""
            SELECT indnkeyatts::int, indnatts::int FROM pg_index WHERE indexrelid = 'ids.relationships_pkey'::regclass
            """).map { (try $0.decode(Int.self, at: 0), try $0.decode(Int.self, at: 1)) }[0]
        #expect(keyColumns == 6 && allColumns == 8)
        do {
            try db.execute("INSERT INTO ids.relationships SELECT * FROM ids.relationships LIMIT 1")
            Issue.record("a duplicate edge was stored")
        } catch {
            #expect(error.sqlState == .uniqueViolation)
        }

        // A new run gives the results computed before the migration; the edges a unit's relatives
        // come from can be read from the key's index alone (with the old key, only with the heap).
        try IDSMaintenance.refreshAfterLoad(db)
        try MetricsRunner(stored: stored).run(period: period, on: db)
        #expect(try digest("metrics.person_results", results) == resultsBefore)
        // A few dozen edges: without this the planner would read them all at once.
        try db.execute("SET enable_seqscan = off")
        try db.execute("SET enable_bitmapscan = off")
        let compiler = MetricCompiler(contract: stored.contract, period: period, loadID: 0)
        let plan = try db.execute("EXPLAIN \(compiler.results(boundaries: []))").map { try $0.decode(String.self, at: 0) }.joined(separator: "\n")
        #expect(plan.contains("Index Only Scan using relationships_pkey on relationships"))
        try db.execute("RESET enable_seqscan")
        try db.execute("RESET enable_bitmapscan")
    }
}
