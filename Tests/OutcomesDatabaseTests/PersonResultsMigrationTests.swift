import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Migration 0018 moves the person-level results of the last release — a table per contract,
/// partitioned by period, each period's table with the CHECK its run gave it — to one partition
/// per contract and period, and keeps every row and grant.
@Suite struct PersonResultsMigrationTests {
    /// A period's results as the last release's run swapped them in (ResultPartitions before 0018).
    static func releasedPeriod(_ table: String, contract: String, period: String, rows: Int) -> [PostgresQuery] {
        // DDL takes no parameters: the contract and period are literals escaped by libpq.
        ["""
        CREATE TABLE metrics.\(escapedIdentifier: table) AS
        SELECT g::bigint AS person_id, \(escapedLiteral: contract)::text AS contract_id, 'm' || (g % 3) AS metric_id,
               \(escapedLiteral: period)::text AS period, g::bigint AS enrollment_id, 'provider_' || (g % 2) AS provider_id,
               date '2021-01-01' AS window_start, date '2021-12-31' AS window_end, (g % 7)::numeric AS value,
               NULL::numeric AS pre_value, NULL::numeric AS post_value, NULL::numeric AS ratio, 1 AS load_id,
               now() AS computed_at
        FROM generate_series(1, \(escapedLiteral: String(rows))::int) AS g
        """, """
        ALTER TABLE metrics.\(escapedIdentifier: table)
            ALTER person_id SET NOT NULL, ALTER contract_id SET NOT NULL, ALTER metric_id SET NOT NULL,
            ALTER period SET NOT NULL, ALTER enrollment_id SET NOT NULL, ALTER provider_id SET NOT NULL,
            ALTER window_start SET NOT NULL, ALTER window_end SET NOT NULL, ALTER load_id SET NOT NULL,
            ALTER computed_at SET NOT NULL, ALTER computed_at SET DEFAULT now(),
            ADD CONSTRAINT \(escapedIdentifier: table + "_bounds")
                CHECK (contract_id = \(escapedLiteral: contract) AND period = \(escapedLiteral: period))
        """]
    }

    /// The relations a plan of `query` scans, read from EXPLAIN's JSON.
    static func scannedRelations(_ query: PostgresQuery, on db: PostgresConnection) throws -> Set<String> {
        let plan = try db.execute("EXPLAIN (FORMAT JSON) \(query)").map { try $0.decode(String.self, at: 0) }.joined()
        func relations(in node: Any) -> [String] {
            if let object = node as? [String: Any] {
                return [object["Relation Name"] as? String].compactMap { $0 } + object.values.flatMap(relations)
            }
            return (node as? [Any])?.flatMap(relations) ?? []
        }
        return Set(relations(in: try JSONSerialization.jsonObject(with: Data(plan.utf8))))
    }

    @Test func releasedResultsMoveToOnePartitionPerContractAndPeriod() throws {
        let db = try MigratorTests().migrated(before: 18)
        try db.execute("SET ROLE outcomes_analyst")
        try db.runScript("""
            CREATE TABLE metrics.person_results_a PARTITION OF metrics.person_results FOR VALUES IN ('housing') PARTITION BY LIST (period);
            CREATE TABLE metrics.person_results_b PARTITION OF metrics.person_results FOR VALUES IN ('it''s "b"/2') PARTITION BY LIST (period);
            """)
        let periods = Self.releasedPeriod("person_results_a_1", contract: "housing", period: "2021", rows: 500)
            + Self.releasedPeriod("person_results_a_2", contract: "housing", period: "2022 \"Q1\"", rows: 300)
            + Self.releasedPeriod("person_results_a_3", contract: "housing", period: "2023", rows: 0)
            + Self.releasedPeriod("person_results_b_1", contract: "it's \"b\"/2", period: "2021", rows: 40)
        for statement in periods { try db.execute(statement) }
        try db.runScript("""
            ALTER TABLE metrics.person_results_a ATTACH PARTITION metrics.person_results_a_1 FOR VALUES IN ('2021');
            ALTER TABLE metrics.person_results_a ATTACH PARTITION metrics.person_results_a_2 FOR VALUES IN ('2022 "Q1"');
            ALTER TABLE metrics.person_results_a ATTACH PARTITION metrics.person_results_a_3 FOR VALUES IN ('2023');
            ALTER TABLE metrics.person_results_b ATTACH PARTITION metrics.person_results_b_1 FOR VALUES IN ('2021');
            """)
        try db.execute("RESET ROLE")
        let everything: PostgresQuery = """
            SELECT count(*), md5(string_agg(format('%s', (r.person_id, r.contract_id, r.metric_id, r.period, r.enrollment_id,
                   r.provider_id, r.window_start, r.window_end, r.value, r.pre_value, r.post_value, r.ratio, r.load_id, r.computed_at)),
                   ',' ORDER BY contract_id, period, person_id, metric_id))
            FROM metrics.person_results r
            """
        func snapshot() throws -> [String] {
            let row = try db.execute(everything).map { [try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1)] }
            return row[0]
        }
        let before = try snapshot()
        #expect(before[0] == "840")

        #expect(try Migrator().migrate(db).map(\.fileName).first == "0018_person_results_one_level.sql")
        #expect(try snapshot() == before)
        // One level: each contract-period's table directly under the parent; the empty one is gone.
        let partitions = try db.execute("""
            SELECT c.relname, c.relkind::text, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'metrics.person_results'::regclass ORDER BY 1
            """).map { try [$0.decode(String.self, at: 0), $0.decode(String.self, at: 1), $0.decode(String.self, at: 2)] }
        #expect(partitions.map { $0[0] } == ["person_results_a_1", "person_results_a_2", "person_results_b_1"])
        #expect(partitions.allSatisfy { $0[1] == "r" })
        #expect(try db.execute("SELECT count(*) FROM pg_class WHERE relname IN ('person_results_a', 'person_results_b', 'person_results_by_contract')")
            .scalar(Int.self) == 0)
        // Each moved table is a result set of its own, its rows under it.
        let sets = try db.execute("""
            SELECT s.result_set, s.contract_id, s.period, (SELECT count(*) FROM metrics.person_results r WHERE r.result_set = s.result_set)
            FROM metrics.result_sets s ORDER BY 1
            """).map { try [$0.decode(String.self, at: 0), $0.decode(String.self, at: 1), $0.decode(String.self, at: 2), $0.decode(String.self, at: 3)] }
        #expect(sets == [["1", "housing", "2021", "500"], ["2", "housing", "2022 \"Q1\"", "300"], ["3", "it's \"b\"/2", "2021", "40"]])
        // A reader naming a contract and period scans its partition alone.
        let scanned = try Self.scannedRelations(
            "SELECT count(*) FROM metrics.person_results WHERE contract_id = 'housing' AND period = '2022 \"Q1\"'", on: db)
        #expect(scanned == ["person_results_a_2"])
        #expect(try db.execute("SELECT count(*) FROM metrics.person_results WHERE contract_id = \("it's \"b\"/2") AND period = '2021'")
            .scalar(Int.self) == 40)
        // Payment runs still read the results; the analyst still owns them.
        try db.execute("SET ROLE outcomes_payments")
        #expect(try db.execute("SELECT count(*) FROM metrics.person_results").scalar(Int.self) == 840)
        try db.execute("RESET ROLE")
        #expect(try db.execute("SELECT pg_get_userbyid(relowner)::text FROM pg_class WHERE oid = 'metrics.person_results'::regclass")
            .scalar(String.self) == "outcomes_analyst")

        // The migrated database computes and replaces a period's results beside the moved ones.
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1_000, seed: 4)).load(into: db)
        let stored = try ContractStore.loadStored(text: EffectPaymentRunTests.contract, file: "housing.yaml", on: db)
        let period = stored.contract.periods[0]
        try DatabaseRole.analyst.assume(on: db)
        let first = try MetricsRunner(stored: stored).run(period: period, on: db)
        let again = try MetricsRunner(stored: stored).run(period: period, on: db)
        #expect(!first.isEmpty && first == again)
        let computed = try db.execute("""
            SELECT count(*) FROM metrics.person_results WHERE contract_id = \(stored.contract.id) AND period = \(period.label)
            """).scalar(Int.self)
        #expect(computed > 0)
        #expect(try db.execute("SELECT count(*) FROM metrics.person_results WHERE contract_id = 'housing'").scalar(Int.self) == 800)
    }
}
