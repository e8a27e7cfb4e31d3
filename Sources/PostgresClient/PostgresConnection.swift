import CLibPQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One connection to PostgreSQL through libpq.
///
/// Connection parameters follow libpq: a conninfo string (`host=/tmp dbname=ids`) or a URI
/// (`postgresql://user@host/db`); whatever it leaves out comes from the `PG*` environment
/// variables, the service file and `~/.pgpass`, as for `psql`.
///
/// A connection is not thread-safe: it is deliberately not `Sendable`, so the compiler keeps
/// each one in a single isolation domain. Open one per thread or task.
public final class PostgresConnection {
    private(set) var handle: OpaquePointer?
    private var transactionDepth = 0

    /// Opens a connection. An empty conninfo uses libpq's defaults and environment alone.
    public convenience init(conninfo: String) throws(PostgresError) {
        try self.init(connecting: PQconnectdb(conninfo))
    }

    /// Opens a connection to what `conninfo` (a conninfo string or a URI) names, as another user.
    public convenience init(conninfo: String, user: String) throws(PostgresError) {
        let strings: [UnsafeMutablePointer<CChar>?] = ["dbname", "user", conninfo, user].map { (text: String) in strdup(text) }
        defer { strings.forEach { free($0) } }
        let keywords: [UnsafePointer<CChar>?] = [UnsafePointer(strings[0]), UnsafePointer(strings[1]), nil]
        let values: [UnsafePointer<CChar>?] = [UnsafePointer(strings[2]), UnsafePointer(strings[3]), nil]
        // expand_dbname: the dbname parameter is read as a whole conninfo or URI; the user given after it wins.
        let handle = PQconnectdbParams(keywords, values, 1)
        try self.init(connecting: handle)
    }

    private init(connecting connection: OpaquePointer?) throws(PostgresError) {
        handle = connection
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            let error = PostgresError(connection: handle, kind: .connection, statement: nil)
            PQfinish(handle)
            self.handle = nil
            throw error
        }
        PQsetNoticeProcessor(handle, { _, _ in }, nil)  // notices are not errors; keep stderr clean
        ServerCancellation.register(self, handle: handle)
        try executeScript("SET client_encoding = 'UTF8'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'")
    }

    deinit {
        ServerCancellation.unregister(self)
        PQfinish(handle)
    }

    /// Where this connection goes — host or socket directory, port, database and user, never the password.
    public var target: String {
        guard let handle else { return "closed connection" }
        let host = String(cString: PQhost(handle))
        return "database \"\(String(cString: PQdb(handle)))\" as user \"\(String(cString: PQuser(handle)))\""
            + " on \(host.hasPrefix("/") ? "socket directory " : "host ")\(host) port \(String(cString: PQport(handle)))"
    }

    /// The server's version number, e.g. 150018 for 15.18.
    public var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// The backend process id, useful to tell connections apart in `pg_stat_activity`.
    public var backendPID: Int { Int(PQbackendPID(handle)) }

    /// Runs one statement with bound parameters and returns all its rows.
    @discardableResult
    public func execute(_ query: PostgresQuery) throws(PostgresError) -> PostgresRows {
        let sql = try rendered(query)
        try refuseNUL(in: query, statement: sql)
        let result = withParameters(query) { count, types, values in
            PQexecParams(handle, sql, count, types, values, nil, nil, 0)
        }
        return try check(result, statement: sql, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK])
    }

    /// Runs trusted SQL text that may hold several statements: the migrator's files, and this module's
    /// own session and transaction commands. It takes no parameters: never build this text from values.
    package func executeScript(_ sql: String) throws(PostgresError) {
        _ = try check(PQexec(handle, sql), statement: sql, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK])
    }

    /// Runs a query and hands its rows to `body` one at a time, without holding the result in memory
    /// (libpq's single-row mode). Throwing from `body` abandons the remaining rows.
    public func stream(_ query: PostgresQuery, _ body: (PostgresRow) throws -> Void) throws {
        let sql = try rendered(query)
        try refuseNUL(in: query, statement: sql)
        let sent = withParameters(query) { count, types, values in
            PQsendQueryParams(handle, sql, count, types, values, nil, nil, 0)
        }
        guard sent == 1 else { throw PostgresError(connection: handle, kind: .server, statement: sql) }
        PQsetSingleRowMode(handle)
        var failure: Error?
        var columns: [PostgresRows.Column]?
        while let result = PQgetResult(handle) {
            if failure != nil {
                PQclear(result)
                continue
            }
            switch PQresultStatus(result) {
            case PGRES_SINGLE_TUPLE:
                let rows = PostgresRows(result: result, statement: sql, columns: columns)
                columns = rows.columns
                do { try body(rows[0]) } catch {
                    failure = error
                    PQrequestCancel(handle)
                }
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                PQclear(result)
            case PGRES_COPY_OUT, PGRES_COPY_IN, PGRES_COPY_BOTH:
                // Rows of a COPY are not rows of a result (copyIn and copyOut read them): end it, refused.
                PQclear(result)
                failure = PostgresError(kind: .copy, message: "a COPY cannot be streamed as rows; copyIn or copyOut runs it", statement: sql)
                endCopy()
            default:
                failure = PostgresError(result: result, statement: sql)
                PQclear(result)
            }
        }
        if var failure = failure as? PostgresError, PQstatus(handle) == CONNECTION_BAD {
            failure.kind = .connection  // the connection went away mid-stream
            throw failure
        }
        if let failure { throw failure }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// Nested calls run inside the outer transaction through savepoints.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let savepoint = "outcomes_sp_\(transactionDepth)"
        try executeScript(transactionDepth == 0 ? "BEGIN" : "SAVEPOINT \(savepoint)")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        do {
            let value = try body(self)
            try executeScript(transactionDepth == 1 ? "COMMIT" : "RELEASE SAVEPOINT \(savepoint)")
            return value
        } catch {
            // The original error matters more than a failed rollback on a broken connection.
            try? executeScript(transactionDepth == 1 ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT \(savepoint)")
            throw error
        }
    }

    /// Whether a transaction is open on this connection.
    public var inTransaction: Bool { PQtransactionStatus(handle) != PQTRANS_IDLE }

    // MARK: - libpq plumbing

    /// The statement text with its placeholders numbered and its names and literals escaped by libpq
    /// for this connection's encoding.
    func rendered(_ query: PostgresQuery) throws(PostgresError) -> String {
        try query.render(
            identifier: { name throws(PostgresError) in try escaped(name, with: PQescapeIdentifier) },
            literal: { value throws(PostgresError) in try escaped(value, with: PQescapeLiteral) })
    }

    private func escaped(
        _ text: String, with escape: (OpaquePointer?, UnsafePointer<CChar>?, Int) -> UnsafeMutablePointer<CChar>?
    ) throws(PostgresError) -> String {
        guard let escaped = escape(handle, text, text.utf8.count) else {
            throw PostgresError(connection: handle, kind: .server, statement: nil)
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    func check(
        _ result: OpaquePointer?, statement: String, expecting accepted: [ExecStatusType]
    ) throws(PostgresError) -> PostgresRows {
        guard let result else { throw PostgresError(connection: handle, kind: .server, statement: statement) }
        guard accepted.contains(PQresultStatus(result)) else {
            var error = PostgresError(result: result, statement: statement)
            PQclear(result)
            // A statement that failed because the connection went away is a connection error.
            if PQstatus(handle) == CONNECTION_BAD { error.kind = .connection }
            drainResults()
            throw error
        }
        // In COPY states, PQgetResult keeps returning the COPY result: the data must flow first.
        let status = PQresultStatus(result)
        if status != PGRES_COPY_IN && status != PGRES_COPY_OUT { drainResults() }
        return PostgresRows(result: result, statement: statement)
    }

    /// Discards any further results, so the connection is ready for the next command.
    func drainResults() {
        while let extra = PQgetResult(handle) { PQclear(extra) }
    }

    /// PostgreSQL text cannot hold U+0000, and libpq sends a parameter as a C string, which ends
    /// there: refused as the server refuses such text, rather than sent cut short.
    private func refuseNUL(in query: PostgresQuery, statement: String) throws(PostgresError) {
        func holdsNUL(_ text: String) -> Bool {
            text.utf8.withContiguousStorageIfAvailable { bytes in
                bytes.baseAddress.map { memchr($0, 0, bytes.count) != nil } ?? false
            } ?? text.utf8.contains(0)
        }
        guard query.binds.contains(where: { $0.text.map(holdsNUL) == true }) else { return }
        throw PostgresError(kind: .server, sqlState: .characterNotInRepertoire,
                            message: "a bound value holds a NUL character (U+0000), which PostgreSQL text cannot hold", statement: statement)
    }

    /// Ends a COPY a statement started: an outgoing one read to its end, an incoming one aborted.
    private func endCopy() {
        var buffer: UnsafeMutablePointer<CChar>?
        while true {
            let length = PQgetCopyData(handle, &buffer, 0)
            if let taken = buffer { PQfreemem(taken); buffer = nil }
            if length < 0 { break }
        }
        _ = PQputCopyEnd(handle, "refused: not a stream of rows")
    }

    private func withParameters<R>(
        _ query: PostgresQuery,
        _ body: (Int32, UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?) -> R
    ) -> R {
        let types = query.binds.map { Oid($0.type.oid) }
        let values: [UnsafeMutablePointer<CChar>?] = query.binds.map { bind in bind.text.map { strdup($0)! } }
        defer { values.forEach { free($0) } }
        return types.withUnsafeBufferPointer { typeBuffer in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { valueBuffer in
                body(Int32(query.binds.count), typeBuffer.baseAddress, valueBuffer.baseAddress)
            }
        }
    }
}

extension PostgresConnection {
    /// A printable form of a conninfo string or URI that keeps host, port, database and user and
    /// drops everything else (passwords above all). Empty means "libpq defaults and PG* variables".
    public static func safeDescription(of conninfo: String) -> String {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &error) else {
            PQfreemem(error)
            return "an unparsable connection string"
        }
        defer { PQconninfoFree(options) }
        var parts: [String] = []
        var option = options
        while let keyword = option.pointee.keyword {
            let name = String(cString: keyword)
            if ["host", "hostaddr", "port", "dbname", "user", "service"].contains(name), let value = option.pointee.val {
                parts.append("\(name)=\(String(cString: value))")
            }
            option += 1
        }
        return parts.isEmpty ? "the PG* environment defaults" : parts.joined(separator: " ")
    }
}
