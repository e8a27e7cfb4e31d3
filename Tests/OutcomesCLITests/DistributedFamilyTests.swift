import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesLab
import OutcomesTestSupport
import PostgresClient
import Testing

/// Families on a Citus cluster (a coordinator and workers these tests start) and on one server,
/// with identical answers: the edges and households a load writes, metrics over relatives (whose
/// relatives live on other workers than the participant), payments per relative, `family_type`
/// equity tables and the quality counts. Citus must be installed (`.ci/run` builds it).
@Suite(.serialized) struct DistributedFamilyTests {
    static func prepare(_ db: PostgresConnection, folder: URL) throws -> StoredContract {
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1, seed: 1)).load(into: db)  // reference data
        try db.execute("TRUNCATE ids.relationships, ids.household_members, ids.events, ids.enrollments, ids.source_links, ids.persons")
        _ = try ExtractLoader(directory: folder).load(into: db)
        return try ContractStore.loadStored(text: RandomFamilies.contractYAML, file: "families.yaml", on: db)
    }

    static let compared: [(name: String, sql: PostgresQuery)] = [
        ("edges", """
            SELECT count(*), md5(string_agg(format('%s', (person_id, relative_id, relation, source_system, valid_from, valid_to, evidence,
                   stated, household_key)), ',' ORDER BY person_id, relative_id, relation, source_system, valid_from, stated))
            FROM ids.relationships
            """),
        ("person results", """
            SELECT count(*), md5(string_agg(format('%s', (person_id, metric_id, value, relatives, relative_ids, relative_values)), ','
                   ORDER BY metric_id, person_id))
            FROM metrics.person_results
            """),
        ("provider results", "SELECT metric_id, provider_id, measure, participants, with_value, total, mean, rate FROM metrics.provider_results ORDER BY 1, 2"),
        ("ledger", "SELECT person_id, line_id, amount, earned, reasons FROM payments.ledger ORDER BY person_id, line_id"),
    ]

    @Test func familiesGiveTheSameAnswersOnCitus() throws {
        let folder = TestDatabase.scratchDirectory("citus-families")
        defer { try? FileManager.default.removeItem(at: folder) }
        try RandomFamilies(seed: 41, participants: 80).write(to: folder)
        let cluster = try DistributedLinkageLoadTests.distributedCluster(in: TestDatabase.scratchDirectory("citus-families-cluster"), workers: 2)
        defer { try? cluster.remove() }
        let distributed = try PostgresConnection(conninfo: cluster.conninfo)
        let (single, _) = try TestDatabase.fresh()
        var answers: [[String]] = []
        for db in [single, distributed] {
            let stored = try Self.prepare(db, folder: folder)
            let period = try #require(stored.contract.period("all"))
            try MetricsRunner(stored: stored).run(period: period, on: db)
            _ = try PaymentRunner(stored: stored).run(period: "all", on: db)
            var answer = try Self.compared.map { query in
                try db.execute(query.sql).map { row in try (0..<row.columnCount).map { try row.decode(String?.self, at: $0) ?? "∅" }.joined(separator: "|") }
                    .joined(separator: "\n")
            }
            let equity = try MetricEquity.tables(contract: stored.contract, period: "all", by: .familyType, policy: .none, on: db)
            answer.append(equity.map { "\($0.metric.id): \($0.table.rows.map { "\($0.provider ?? "*")/\($0.group ?? "*") \($0.participants)" })" }
                .joined(separator: "\n"))
            let paid = try PaymentEquity.table(contract: stored.contract, by: .familyType, policy: .none, on: db)
            answer.append(paid.rows.map { "\($0.provider ?? "*")/\($0.group ?? "*") \($0.participants) \($0.total.map { "\($0)" } ?? "")" }
                .joined(separator: "\n"))
            let quality = try QualityQueries.measure(on: db, dataThrough: LocalDate(iso: "2024-12-31"), reviewScore: 0.85)
            answer.append("\(quality.relatedPairs) \(quality.contradictingPairs) \(quality.personsInHouseholds) \(quality.personsInTwoHouseholds)")
            answers.append(answer)
        }
        for (index, name) in (Self.compared.map(\.name) + ["family_type", "paid by family_type", "quality"]).enumerated() {
            #expect(answers[0][index] == answers[1][index], "\(name) differ")
        }
        // The answers hold something: relatives measured, lines paid per relative.
        #expect(try distributed.execute("SELECT count(*) FROM metrics.person_results WHERE relatives > 0").scalar(Int.self) > 50)
        #expect(try distributed.execute("SELECT count(*) FROM payments.ledger WHERE line_id = 'per_child_out_of_care'").scalar(Int.self) > 5)

        // A monthly load, computed incrementally on both: the same results, and those of a full run.
        var change = MonthlyChange(base: RandomFamilies(seed: 41, participants: 80))
        var random = SeededGenerator(seed: 41)
        try change.writeNext(to: folder.appendingPathComponent("monthly"), using: &random)
        var incremental: [String] = []
        for db in [single, distributed] {
            let stored = try ContractStore.stored("housing-2021", on: db)
            let base = try db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self)
            _ = try ExtractLoader(directory: folder.appendingPathComponent("monthly")).load(into: db)
            let period = try #require(stored.contract.period("all"))
            #expect(try MetricsRunner(stored: stored).compute(period: period, on: db).arms[0].recomputation == .incremental(since: base))
            incremental.append(try db.execute(Self.compared[1].sql).map { try $0.decode(String.self, at: 0) + " " + $0.decode(String.self, at: 1) }[0])
        }
        #expect(incremental[0] == incremental[1], "incremental person results differ on Citus")
        let stored = try ContractStore.stored("housing-2021", on: distributed)
        try MetricsRunner(stored: stored).run(period: try #require(stored.contract.period("all")), full: true, on: distributed)
        #expect(try distributed.execute(Self.compared[1].sql).map { try $0.decode(String.self, at: 0) + " " + $0.decode(String.self, at: 1) }[0]
            == incremental[1], "incremental ≠ full on Citus")
    }
    /// Migration 0027 (the edges' key with included columns) on a database the last release left
    /// and `db distribute` spread over workers: every shard's key gains the columns, and a run
    /// over relatives gives the same answers as before.
    @Test func theEdgeKeyMigratesOnADistributedDatabase() throws {
        let folder = TestDatabase.scratchDirectory("citus-edge-key")
        defer { try? FileManager.default.removeItem(at: folder) }
        try RandomFamilies(seed: 43, participants: 40).write(to: folder)
        let cluster = try LocalCitusCluster(directory: TestDatabase.scratchDirectory("citus-edge-key-cluster"), workers: 1)
        defer { try? cluster.remove() }
        try cluster.start()
        let db = try PostgresConnection(conninfo: cluster.conninfo)
        let release = TestDatabase.scratchDirectory("migrations-0026")
        defer { try? FileManager.default.removeItem(at: release) }
        try FileManager.default.createDirectory(at: release, withIntermediateDirectories: true)
        for migration in try Migrator().migrations where migration.version < 27 {
            try Data(migration.sql.utf8).write(to: release.appendingPathComponent(migration.fileName))
        }
        try Migrator(directory: release).migrate(db)
        // As the last release's `db distribute` did (today's refuses a database a migration behind).
        _ = try Distributor(shardCount: 4).distribute(db)
        let stored = try Self.prepare(db, folder: folder)
        let period = try #require(stored.contract.period("all"))
        try MetricsRunner(stored: stored).run(period: period, on: db)
        let results = Self.compared[1].sql
        let before = try db.execute(results).map { try $0.decode(String.self, at: 1) }

        #expect(try Migrator().migrate(db).map(\.fileName) == ["0027_relationships_covering_key.sql", "0028_incremental_metrics.sql",
                                                              "0029_ledger_block_range_index.sql", "0030_door_refuses_metrics_missing_a_load.sql",
                                                              "0031_door_reads_tables_it_owns.sql", "0032_results_carry_no_code.sql"])
        let shardKeys = try db.execute("""
            SELECT result FROM run_command_on_shards('ids.relationships', $$SELECT string_agg(a.attname, ',' ORDER BY k.i)
                FROM pg_index x, unnest(x.indkey) WITH ORDINALITY AS k(attnum, i), pg_attribute a
                WHERE x.indrelid = '%s'::regclass AND x.indisprimary AND x.indnkeyatts = 6
                  AND a.attrelid = x.indrelid AND a.attnum = k.attnum$$)
            """).map { try $0.decode(String.self, at: 0) }
        let columns = "person_id,relative_id,relation,source_system,valid_from,stated,valid_to,evidence"
        #expect(shardKeys == Array(repeating: columns, count: 4))
        #expect(try db.execute("""
            SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM pg_index x, unnest(x.indkey) WITH ORDINALITY AS k(attnum, i), pg_attribute a
            WHERE x.indrelid = 'ids.relationships'::regclass AND x.indisprimary AND a.attrelid = x.indrelid AND a.attnum = k.attnum
            """).scalar(String.self) == columns)
        // Computed again in full on the new key (nothing was loaded since: an incremental run would compute nobody).
        try MetricsRunner(stored: stored).run(period: period, full: true, on: db)
        #expect(try db.execute(results).map { try $0.decode(String.self, at: 1) } == before)
        #expect(try db.execute("SELECT count(*) FROM metrics.person_results WHERE relatives > 0").scalar(Int.self) > 20)
        // 0028's index on the persons' loads is on every shard.
        #expect(try db.execute("""
            SELECT result FROM run_command_on_shards('ids.persons', $$SELECT count(*) FROM pg_index x
                JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
                WHERE x.indrelid = '%s'::regclass AND x.indnatts = 1 AND a.attname = 'load_id'$$)
            """).map { try $0.decode(String.self, at: 0) } == Array(repeating: "1", count: 4))
    }
}
