import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Which data load is current has one reader in Swift (`DataLoads`) and one mirror in plpgsql:
/// `payments.approve_run` (migration 0019) refuses a staged run unless its load is still the
/// newest finished one. With none, with a load in progress and with a newer finished load, the two agree.
@Suite(.serialized) struct CurrentDataLoadTests {
    struct Rollback: Error {}

    /// A load's row as its own transaction sees it: unfinished until it is finished.
    static func startLoad(_ db: PostgresConnection, kind: DataLoad.Kind = .extract, finished: Bool) throws -> Int {
        let id = try db.execute("""
            INSERT INTO ids.data_loads (kind, description) VALUES (\(kind.rawValue), 'a test load') RETURNING load_id
            """).scalar(Int.self)
        if finished {
            try db.execute("""
                UPDATE ids.data_loads SET content_hash = \(String(repeating: "0", count: 64)), finished_at = now() WHERE load_id = \(id)
                """)
        }
        return id
    }

    @Test func theReaderNamesTheNewestFinishedLoadAndTheNewestOfAll() throws {
        let (db, _) = try TestDatabase.fresh()
        #expect(try DataLoads.current(on: db) == nil)
        #expect(try DataLoads.newest(on: db) == nil)
        let first = try Self.startLoad(db, kind: .synthetic, finished: true)
        let finished = DataLoad(id: first, kind: .synthetic, description: "a test load", contentHash: String(repeating: "0", count: 64),
                                finished: true)
        #expect(try DataLoads.current(on: db) == finished)
        #expect(try DataLoads.newest(on: db) == finished)
        let second = try Self.startLoad(db, finished: false)
        #expect(try DataLoads.current(on: db) == finished, "a load in progress is not current")
        #expect(try DataLoads.newest(on: db) == DataLoad(id: second, kind: .extract, description: "a test load", contentHash: nil, finished: false))
        #expect(try IDSSummary.read(from: db).latestLoad == finished)
    }

    /// What the reader and the door say in a state `change` makes, rolled back afterwards.
    struct Verdict: Equatable {
        let current: Int?
        let doorApproves: Bool
    }

    @Test func theReaderAndTheApprovalDoorAgree() throws {
        let (db, maker, _, stored) = try MakerCheckerTests.prepared()
        let run = try PaymentRunner(stored: stored).run(period: "2021", on: maker)
        guard case .staged(let stagedID) = run.outcome else { Issue.record("not staged: \(run.outcome)"); return }
        let stagedLoad = try db.execute("SELECT load_id FROM payments.staged_runs WHERE staged_id = \(stagedID)").scalar(Int.self)

        func verdict(_ change: (PostgresConnection) throws -> Void) throws -> Verdict {
            var verdict: Verdict?
            do {
                try db.transaction { connection in
                    try change(connection)
                    let current = try DataLoads.current(on: connection)?.id
                    // The door itself, called by a login other than the maker (the superuser): the checks in Swift before it are skipped.
                    var approves = true
                    do {
                        try connection.transaction { try $0.execute("SELECT payments.approve_run(\(stagedID))") }
                    } catch let error as PostgresError where error.sqlState == .checkViolation {
                        approves = false
                    }
                    verdict = Verdict(current: current, doorApproves: approves)
                    throw Rollback()
                }
            } catch is Rollback {}
            return try #require(verdict)
        }

        #expect(try verdict { _ in } == Verdict(current: stagedLoad, doorApproves: true))
        #expect(try verdict { _ = try Self.startLoad($0, finished: false) } == Verdict(current: stagedLoad, doorApproves: true),
                "a load in progress")
        var newer = 0
        let afterNewer = try verdict { newer = try Self.startLoad($0, finished: true) }
        #expect(newer > stagedLoad && afterNewer == Verdict(current: newer, doorApproves: false), "a newer load finished")
        #expect(try verdict { try $0.execute("UPDATE ids.data_loads SET finished_at = NULL, content_hash = NULL") }
                == Verdict(current: nil, doorApproves: false), "no load finished")
    }
}
