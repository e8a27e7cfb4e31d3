import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// `db distribute` never moves tables under a running load: it refuses at once (exit 75, naming
/// the load) or waits for it; the load itself finishes unharmed. A load is held open midway (its
/// progress callback blocks) in its own connection on another thread. No Citus is needed: the
/// lock is taken before the Citus check, so once the load is gone distribute goes on to that
/// check (and stops there, exit 78, on a server without Citus).
@Suite struct LoadExclusionTests {
    static let persons = 2_000

    @Test func distributeRefusesWhileALoadRunsAndTheLoadFinishes() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        let load = HeldLoad(conninfo: conninfo, persons: Self.persons)
        load.waitUntilInside()
        let loadPID = try #require(load.backendPID)

        let running = try LoadLock.runningLoads(on: db)
        #expect(running.map(\.pid) == [loadPID])
        #expect(running.first?.description == "synthetic IDS, \(Self.persons) persons, seed 7")
        #expect { try Distributor().distribute(db) } throws: { error in
            let error = error as? DatabaseError
            return error?.code == .loadRunning && error?.exitStatus.rawValue == 75 && error?.message.contains("\(loadPID)") == true
        }

        load.release()
        let report = try load.result()
        #expect(report.persons == Self.persons)
        #expect(try db.execute("SELECT count(*) FROM ids.data_loads WHERE finished_at IS NOT NULL").scalar(Int.self) == 1)
        #expect(try LoadLock.runningLoads(on: db).isEmpty)
        // With the load done, distribute gets past the lock, to the Citus check.
        #expect { try Distributor().distribute(db) } throws: { ($0 as? DatabaseError)?.code == .citusMissing }
    }

    @Test func distributeWaitsForARunningLoadWhenToldTo() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        let load = HeldLoad(conninfo: conninfo, persons: Self.persons)
        load.waitUntilInside()
        let outcome = ThreadOutcome<String>()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do {
                let connection = try PostgresConnection(conninfo: conninfo)
                _ = try Distributor(loadWaitSeconds: 600).distribute(connection)
                outcome.set(.success("distributed"))
            } catch let error as DatabaseError {
                outcome.set(.success(error.code.rawValue))
            } catch {
                outcome.set(.failure(error))
            }
            done.signal()
        }
        // Distribute is waiting for the lock (not refused) before the load goes on.
        for _ in 0..<6_000 {
            let waiting = try db.execute("""
                SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND mode = 'ExclusiveLock'
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND classid = \(LoadLock.classID)::bigint::oid AND objid = \(LoadLock.objectID)::bigint::oid
                """).scalar(Int.self)
            if waiting == 1 { break }
            usleep(10_000)
        }
        #expect(outcome.value == nil, "distribute waits while the load runs")
        load.release()
        #expect(try load.result().persons == Self.persons)
        done.wait()
        #expect(try outcome.value?.get() == DatabaseError.Code.citusMissing.rawValue)
    }

    @Test func aLoadStartedDuringADistributionWaitsForIt() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        try LoadLock.excludeLoads(on: db, waitingUpTo: 0)
        let load = HeldLoad(conninfo: conninfo, persons: Self.persons)
        for _ in 0..<6_000 {
            let waiting = try db.execute("""
                SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND mode = 'ShareLock'
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """).scalar(Int.self)
            if waiting == 1 { break }
            usleep(10_000)
        }
        #expect(!load.isInside, "the load waits before it writes anything")
        try LoadLock.release(on: db)
        load.waitUntilInside()
        load.release()
        #expect(try load.result().persons == Self.persons)
    }
}

final class ThreadOutcome<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Result<Value, Error>?
    func set(_ value: Result<Value, Error>) { lock.withLock { stored = value } }
    var value: Result<Value, Error>? { lock.withLock { stored } }
}
