import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// The ledger's door judges whether a run's metrics are current as `outcomes payments` does
/// (migration 0030): `payments.check_run`, which open_run, stage_run and approve_run call, is given
/// the same run twice, once on metrics that are not current (refused) and once after they were
/// computed again (accepted). A login calling the door itself could post on the first until then.
@Suite(.serialized) struct DoorCurrencyTests {
    static func prepared(_ name: String) throws -> (db: PostgresConnection, conninfo: String, stored: StoredContract) {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1, seed: 1)).load(into: db)  // reference data and a load
        try db.execute("TRUNCATE ids.relationships, ids.household_members, ids.events, ids.enrollments, ids.source_links, ids.persons")
        let folder = TestDatabase.scratchDirectory(name)
        defer { try? FileManager.default.removeItem(at: folder) }
        try RandomFamilies(seed: 30, participants: 30).write(to: folder)
        _ = try ExtractLoader(directory: folder).load(into: db)
        let stored = try ContractStore.loadStored(text: RandomFamilies.contractYAML, file: "families.yaml", on: db)
        try PaymentDoor.recordTerms(stored, on: db)
        return (db, conninfo, stored)
    }

    static func compute(_ stored: StoredContract, _ period: String, on db: PostgresConnection) throws {
        try MetricsRunner(stored: stored).run(period: try #require(stored.contract.period(period)), on: db)
    }

    /// A load with no rows that finishes now (an extract that changed no one).
    static func emptyLoad(on connection: PostgresConnection) throws -> Int {
        let load = try connection.execute("""
            INSERT INTO ids.data_loads (kind, description, content_hash, finished_at) VALUES ('extract', 'empty', repeat('0', 64), now())
            RETURNING load_id
            """).scalar(Int.self)
        try connection.execute("INSERT INTO ids.logged_loads VALUES (\(load), 0)")
        return load
    }

    /// `check_run` on a final run of `period` from `load`, with the inputs' header the door reads
    /// (the rest of a run's inputs is the engine's, which the door does not read); nil when accepted.
    static func checkRun(_ stored: StoredContract, _ period: String, load: Int, on db: PostgresConnection) -> SQLState? {
        let header = "outcomes-payment-inputs\t1\ncontract\t\(stored.contract.id)\nversion\t\(stored.version)\n"
            + "file_sha256\t\(stored.fileSHA256)\nperiod\t\(period)\nkind\tfinal\nperiods\tall\t2023\nlast_period\tt\nload\t\(load)\n"
        return PostingDoorTests().sqlState {
            _ = try db.execute("""
                SELECT payments.check_run(\(stored.contract.id)::text, \(stored.version)::int, \(period)::text, 'final', \(load)::int,
                                          \(header)::text)
                """).scalar(String.self)
        }
    }

    @Test func metricsFromAnOlderLoadAreRefused() throws {
        let (db, _, stored) = try Self.prepared("door-currency-older")
        try Self.compute(stored, "all", on: db)
        let load = try db.execute("SELECT load_id FROM metrics.computed_periods WHERE period = 'all'").scalar(Int.self)
        #expect(Self.checkRun(stored, "all", load: load, on: db) == nil)
        let newer = try Self.emptyLoad(on: db)
        #expect(Self.checkRun(stored, "all", load: load, on: db) == .checkViolation)
        try Self.compute(stored, "all", on: db)
        #expect(Self.checkRun(stored, "all", load: newer, on: db) == nil)
    }

    /// The period paid is current, but an earlier period the run also reads misses a load that finished.
    @Test func anEarlierPeriodThatMissesALoadIsRefused() throws {
        let (db, conninfo, stored) = try Self.prepared("door-currency-earlier")
        let slow = try PostgresConnection(conninfo: conninfo)
        try slow.execute("BEGIN")
        let slowLoad = try slow.execute("INSERT INTO ids.data_loads (kind, description) VALUES ('extract', 'slow') RETURNING load_id")
            .scalar(Int.self)
        let quick = try Self.emptyLoad(on: db)
        try Self.compute(stored, "all", on: db)
        try slow.execute("INSERT INTO ids.logged_loads VALUES (\(slowLoad), 0)")
        try slow.execute("UPDATE ids.data_loads SET content_hash = repeat('0', 64), finished_at = now() WHERE load_id = \(slowLoad)")
        try slow.execute("COMMIT")
        try Self.compute(stored, "2023", on: db)  // after the slow load: it misses nothing
        #expect(try db.execute("SELECT count(*) FROM metrics.computed_periods WHERE load_id = \(quick)").scalar(Int.self) == 2)
        #expect(Self.checkRun(stored, "2023", load: quick, on: db) == .checkViolation)
        try Self.compute(stored, "all", on: db)
        #expect(Self.checkRun(stored, "2023", load: quick, on: db) == nil)
    }

    /// A new version whose paid period is computed, while an earlier period it reads is still the old version's.
    @Test func anEarlierPeriodOfAnotherVersionIsRefused() throws {
        let (db, _, first) = try Self.prepared("door-currency-version")
        try Self.compute(first, "all", on: db)
        let raised = RandomFamilies.contractYAML.replacingOccurrences(of: "version: 1", with: "version: 2")
            .replacingOccurrences(of: "price: 400}", with: "price: 450}")
        let second = try ContractStore.loadStored(text: raised, file: "families-v2.yaml", on: db)
        try PaymentDoor.recordTerms(second, on: db)
        let load = try db.execute("SELECT max(load_id) FROM ids.data_loads WHERE finished_at IS NOT NULL").scalar(Int.self)
        try Self.compute(second, "2023", on: db)
        #expect(Self.checkRun(second, "2023", load: load, on: db) == .checkViolation)
        try db.execute("DELETE FROM metrics.computed_periods WHERE period = 'all'")  // not computed at all
        #expect(Self.checkRun(second, "2023", load: load, on: db) == .checkViolation)
        try Self.compute(second, "all", on: db)
        #expect(Self.checkRun(second, "2023", load: load, on: db) == nil)
    }
}
