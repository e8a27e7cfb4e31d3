import Foundation
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

/// A synthetic load on its own thread and connection, stopped inside its transaction (at its
/// first progress report) until released.
public final class HeldLoad: @unchecked Sendable {
    private let inside = DispatchSemaphore(value: 0)
    private let proceed = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var outcome: Result<SyntheticLoadReport, Error>?
    private var pid: Int?
    private var entered = false

    public init(conninfo: String, persons: Int) {
        Thread.detachNewThread { [self] in
            let result = Result<SyntheticLoadReport, Error> {
                let connection = try PostgresConnection(conninfo: conninfo)
                lock.withLock { pid = connection.backendPID }
                var loader = SyntheticLoader(ids: SyntheticIDS(persons: persons, seed: 7))
                loader.progress = { [self] _, _ in
                    let first = lock.withLock { () -> Bool in
                        defer { entered = true }
                        return !entered
                    }
                    if first {
                        inside.signal()
                        proceed.wait()
                    }
                }
                return try loader.load(into: connection)
            }
            lock.withLock { outcome = result }
            if !lock.withLock({ entered }) { inside.signal() }  // failed before it got inside: do not hang the test
            finished.signal()
        }
    }

    public var backendPID: Int? { lock.withLock { pid } }
    public var isInside: Bool { lock.withLock { entered } }
    public func waitUntilInside() { inside.wait() }
    public func release() { proceed.signal() }

    public func result() throws -> SyntheticLoadReport {
        finished.wait()
        return try lock.withLock { outcome! }.get()
    }
}
