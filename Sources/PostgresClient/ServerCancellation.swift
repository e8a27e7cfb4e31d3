import CLibPQ
import Synchronization

/// The cancel requests of the connections open in this process, so that an interrupted command can
/// ask the server to stop their statements before it exits. A closed socket alone is noticed only
/// when the server next writes to it: a statement waiting on a lock, or computing for minutes,
/// would run on after the client has gone (and hold its locks until then).
public enum ServerCancellation {
    /// A libpq cancel object (PQgetCancel): usable from any thread, freed when its connection closes.
    private struct Request: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private static let requests = Mutex<[ObjectIdentifier: Request]>([:])

    static func register(_ connection: PostgresConnection, handle: OpaquePointer) {
        guard let cancel = PQgetCancel(handle) else { return }
        requests.withLock { $0[ObjectIdentifier(connection)] = Request(pointer: cancel) }
    }

    static func unregister(_ connection: PostgresConnection) {
        if let request = requests.withLock({ $0.removeValue(forKey: ObjectIdentifier(connection)) }) {
            PQfreeCancel(request.pointer)
        }
    }

    /// Asks the server to cancel the statement each open connection is running (a connection that
    /// runs none is not affected); returns how many were asked.
    @discardableResult
    public static func cancelAll() -> Int {
        requests.withLock { requests in
            var message = [CChar](repeating: 0, count: 256)
            for request in requests.values { _ = PQcancel(request.pointer, &message, Int32(message.count)) }
            return requests.count
        }
    }
}
