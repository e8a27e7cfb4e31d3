import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Migration 0023 applies to a database the release before it (0001–0022) left, with a pre-linked
/// IDS, metrics and posted payments: every IDS row stays as it was, the ledger still recomputes from
/// its sealed inputs, and the pre-linked index is the one a first link run keeps ids from.
@Suite(.serialized) struct MasterPersonIndexMigrationTests {
    @Test func aPreLinkedIDSKeepsItsRowsAndItsPersonIdsThroughALinkRun() throws {
        let db = try MigratorTests().migrated(before: 23)
        let ids = SyntheticIDS(persons: 1_500, seed: 11)
        _ = try SyntheticLoader(ids: ids).load(into: db)
        let stored = try ContractStore.loadStored(text: LedgerCapsMigrationTests.contract, file: "reentry.yaml", on: db)
        for period in stored.contract.periods.prefix(2) {
            try MetricsRunner(stored: stored).run(period: period, on: db)
            _ = try PaymentRunner(stored: stored).run(period: period.label, on: db)
        }
        func rows() throws -> [String] {
            try ["ids.persons", "ids.source_links", "ids.enrollments", "ids.events"].map { (table: SQLIdentifier) in
                try db.execute("SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY t::text)) FROM \(identifier: table) t")
                    .scalar(String.self)
            }
        }
        let before = try rows()

        #expect(try Migrator().migrate(db).map(\.fileName).first == "0023_master_person_index.sql")
        // The new columns are empty on old rows, so each row reads as before with a NULL beside it.
        #expect(try db.execute("SELECT count(*) FROM ids.events WHERE source_key IS NOT NULL").scalar(Int.self) == 0)
        #expect(try db.execute("""
            SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY t::text))
            FROM (SELECT person_id, event_id, domain, event_type, source_system, source_record, start_date, end_date, amount, load_id
                  FROM ids.events) t
            """).scalar(String.self) == before[3])
        #expect(Array(try rows().prefix(2)) == Array(before.prefix(2)))
        #expect(try ChainVerification.verify(on: db, recompute: true).isIntact)

        // The agencies' identifiers for the same synthetic world, linked: the pre-linked index is the earlier one.
        let folder = TestDatabase.scratchDirectory("mpi-migration")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("identifiers"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("content"), withIntermediateDirectories: true)
        var files: [SyntheticExtractFile: FileHandle] = [:]
        try SyntheticExtractWriter(ids: ids, noise: .level(.low)).write { file, bytes in
            if files[file] == nil {
                let path = folder.appendingPathComponent(file.rawValue).path
                FileManager.default.createFile(atPath: path, contents: nil)
                files[file] = try #require(FileHandle(forWritingAtPath: path))
            }
            try files[file]!.write(contentsOf: bytes)
        }
        for handle in files.values { try handle.close() }
        _ = try ExtractLoader(directory: folder.appendingPathComponent("identifiers")).load(into: db)
        try db.execute("CREATE TEMP TABLE links_before AS SELECT source_system, source_key, person_id FROM ids.source_links")
        try LinkageFunctions.ensure(on: db)
        try db.execute("SET ROLE outcomes_linker")
        let spec = try LinkageSpec.read(path: Checkout.scenarios.appendingPathComponent("linkage-agencies.yaml").path)
        let run = try LinkRunner(spec: spec, specFile: "linkage-agencies.yaml").run(on: db)
        try db.execute("RESET ROLE")
        // Most persons keep their pre-linked id; every key whose person changed is accounted for in
        // linkage.id_changes under its earlier person.
        #expect(run.assignment.kept > run.assignment.persons * 9 / 10, "\(run.assignment)")
        let unaccounted = try db.execute("""
            SELECT count(*) FROM links_before b JOIN ids.source_links a USING (source_system, source_key)
            WHERE a.person_id <> b.person_id
              AND NOT EXISTS (SELECT 1 FROM linkage.id_changes c WHERE c.run_id = \(run.runID)
                              AND ((c.change = 'merged_into' AND c.person_id = b.person_id AND c.other_person_id = a.person_id)
                                   OR (c.change = 'split_from' AND c.other_person_id = b.person_id AND c.person_id = a.person_id)))
            """).scalar(Int.self)
        #expect(unaccounted == 0)
        #expect(try db.execute("SELECT count(*) FROM links_before b JOIN ids.source_links a USING (source_system, source_key) WHERE a.person_id <> b.person_id")
            .scalar(Int.self) > 0, "the noisy identifiers link some records differently from the truth the pre-linked set holds")
        // The ledger is untouched by the re-link and still recomputes.
        #expect(try ChainVerification.verify(on: db, recompute: true).isIntact)
    }
}
