import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// The third hostile review's findings 4 and 5: two logins' runs of one contract passed the door side
/// by side, each cap check seeing only committed lines, so together they went over a cap; and a
/// REPEATABLE READ snapshot taken before a load finished passed the door's freshness checks.
@Suite(.serialized) struct DoorSerializationTests {
    static func logins(_ conninfo: String, _ db: PostgresConnection) throws -> (PostgresConnection, PostgresConnection) {
        try db.loginUser("door_payer_a", memberOf: "outcomes_payments")
        try db.loginUser("door_payer_b", memberOf: "outcomes_payments")
        return (try PostgresConnection(conninfo: conninfo + " user=door_payer_a"), try PostgresConnection(conninfo: conninfo + " user=door_payer_b"))
    }

    /// What a run of 2021 is opened with: the data load and the genuine inputs, read beforehand.
    struct Opening: Sendable {
        let load: Int
        let inputs: String
        init(_ stored: StoredContract, on db: PostgresConnection) throws {
            load = try db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self)
            inputs = String(decoding: try PaymentTrustTests.genuineInputs(stored, period: "2021", on: db).text, as: UTF8.self)
        }
    }

    /// Opens, stages and closes a run of 2021 paying `person` 15,000 under bridgeway (its rate card's cap is 20,000).
    static func post(_ opening: Opening, person: Int, on connection: PostgresConnection) throws {
        let run = try connection.execute("""
            SELECT payments.open_run('reentry-2021', 1, '2021', 'final', \(opening.load)::int, 15000::numeric, \(opening.inputs)::text,
                                     \(String(decoding: RunContext(prior: [:]).text, as: UTF8.self))::text)
            """).scalar(Int.self)
        try PaymentTrustTests.stage([("bridgeway", "state", person, "employed", "15000")], on: connection)
        _ = try connection.execute("SELECT payments.close_run(\(run)::bigint)").scalar(String.self)
    }

    /// The first login's run is posted and not yet committed when the second's comes: the second
    /// waits at the door, then sees the first's lines, and is refused for going over the cap.
    @Test func runsOfOneContractPassTheDoorOneAtATime() throws {
        let (db, conninfo, stored) = try PaymentRunnerTests().prepared()
        let (a, _) = try Self.logins(conninfo, db)
        let opening = try Opening(stored, on: db)
        try a.execute("BEGIN")
        try Self.post(opening, person: 1, on: a)  // within the cap alone
        let outcome = ThreadOutcome<String>()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do {
                let b = try PostgresConnection(conninfo: conninfo + " user=door_payer_b")
                try b.transaction { try Self.post(opening, person: 2, on: $0) }
                outcome.set(.success("posted"))
            } catch let error as PostgresError {
                outcome.set(.success(error.sqlState?.code ?? "?"))
            } catch {
                outcome.set(.failure(error))
            }
            done.signal()
        }
        // The second waits on a lock the first holds (at the door with the fix; at the seal without it).
        var waiting = false
        for _ in 0..<3_000 where !waiting {
            waiting = try db.execute("""
                SELECT count(*) > 0 FROM pg_stat_activity WHERE usename = 'door_payer_b' AND wait_event_type = 'Lock'
                """).scalar(Bool.self)
            if !waiting { usleep(10_000) }
        }
        #expect(waiting)
        try a.execute("COMMIT")
        done.wait()
        #expect(try outcome.value?.get() == SQLState.checkViolation.code)
        #expect(try db.execute("SELECT sum(amount)::text FROM payments.ledger WHERE provider_id = 'bridgeway'").scalar(String.self) == "15000")
    }

    @Test func theDoorRefusesASnapshotOlderThanItsCall() throws {
        let (db, conninfo, stored) = try PaymentRunnerTests().prepared()
        let (a, _) = try Self.logins(conninfo, db)
        try a.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        let opening = try Opening(stored, on: db)
        #expect(PostingDoorTests().sqlState { try Self.post(opening, person: 1, on: a) } == SQLState(code: "25000"))
        try a.execute("ROLLBACK")
        #expect(PostingDoorTests().sqlState { try a.transaction { try Self.post(opening, person: 1, on: $0) } } == nil)
    }
}
