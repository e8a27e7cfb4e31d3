import Foundation
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Ctrl-C while the server runs a statement for outcomes: the statement is cancelled before the
/// process exits, so the server stops at once instead of running on (or waiting on a lock) until
/// it next writes to the closed connection (the hostile review's finding 12). The statement is
/// held at a known point: `link run` waits for the advisory lock the test holds.
@Suite struct InterruptedStatementTests {
    @Test func anInterruptCancelsTheStatementTheServerIsRunning() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        let watcher = try PostgresConnection(conninfo: conninfo)  // outside the transaction: pg_stat_activity is read afresh
        try db.execute("BEGIN")
        try db.execute("SELECT pg_advisory_xact_lock(\(LinkRunner.lockKey))")
        defer { _ = try? db.execute("ROLLBACK") }
        let spec = Checkout.scenarios.appendingPathComponent("linkage-agencies.yaml").path
        let process = try InterruptedWriteTests.Running(["link", "run", "--spec", spec, "--database", conninfo, "-q"], environment: [:])
        let waiting: PostgresQuery = """
            SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
            WHERE l.locktype = 'advisory' AND NOT l.granted AND a.datname = current_database()
            """
        var seen = false
        for _ in 0..<5_000 where !seen {
            seen = try watcher.execute(waiting).scalar(Int.self) == 1
            if !seen { usleep(2_000) }
        }
        guard seen else {
            kill(process.pid, SIGKILL)
            Issue.record("link run never waited for the lock: \(try process.wait().errors)")
            return
        }
        kill(process.pid, SIGINT)
        let result = try process.wait()
        #expect(result.status & 0x7f == 0 && (result.status >> 8) & 0xff == 130, "\(result.errors)")
        // The server has stopped waiting: no backend of this database waits for the lock any more
        // (within 2 s; without the cancel it would wait as long as the test held the lock).
        var gone = false
        for _ in 0..<1_000 where !gone {
            gone = try watcher.execute(waiting).scalar(Int.self) == 0
            if !gone { usleep(2_000) }
        }
        #expect(gone)
    }
}
