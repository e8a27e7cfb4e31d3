import CLibPQ

extension PostgresConnection {
    /// A COPY statement's text: COPY takes no parameters, only names (`\(identifier:)`) and literals.
    private func copyStatement(_ query: PostgresQuery) throws(PostgresError) -> String {
        precondition(query.binds.isEmpty, "COPY takes no parameters; interpolate names with \\(identifier:)")
        return try rendered(query)
    }

    /// Runs `COPY … FROM STDIN` and lets `body` write the data through a buffered writer.
    /// Returns the number of rows the server loaded. If `body` throws, the COPY is aborted
    /// on the server (nothing of it is kept) and the error is rethrown.
    @discardableResult
    public func copyIn(_ query: PostgresQuery, _ body: (inout CopyInWriter) throws -> Void) throws -> Int {
        let statement = try copyStatement(query)
        _ = try check(PQexec(handle, statement), statement: statement, expecting: [PGRES_COPY_IN])
        var writer = CopyInWriter(connection: self, statement: statement)
        do {
            try body(&writer)
            try writer.flush()
        } catch {
            PQputCopyEnd(handle, "aborted by the client: \(error)".prefix(200).description)
            drainResults()
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else {
            throw PostgresError(connection: handle, kind: .copy, statement: statement)
        }
        let rows = try check(PQgetResult(handle), statement: statement, expecting: [PGRES_COMMAND_OK])
        return rows.affectedRows ?? 0
    }

    /// Runs `COPY … TO STDOUT` and hands the data to `body` chunk by chunk (a row per chunk in
    /// libpq's text mode), without holding the whole output in memory.
    public func copyOut(_ query: PostgresQuery, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let statement = try copyStatement(query)
        _ = try check(PQexec(handle, statement), statement: statement, expecting: [PGRES_COPY_OUT])
        var failure: Error?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &buffer, 0)
            if length > 0, let buffer {
                defer { PQfreemem(buffer) }
                if failure == nil {
                    do { try body(UnsafeRawBufferPointer(start: buffer, count: Int(length))) } catch {
                        failure = error
                        PQrequestCancel(handle)
                    }
                }
            } else if length == -1 {
                break
            } else {
                throw PostgresError(connection: handle, kind: .copy, statement: statement)
            }
        }
        let result = PQgetResult(handle)
        if let failure {
            PQclear(result)
            drainResults()
            throw failure
        }
        _ = try check(result, statement: statement, expecting: [PGRES_COMMAND_OK])
    }

    fileprivate func putCopyData(_ bytes: UnsafeRawBufferPointer, statement: String) throws(PostgresError) {
        guard bytes.count > 0 else { return }
        let sent = bytes.withMemoryRebound(to: CChar.self) { chars in
            PQputCopyData(handle, chars.baseAddress, Int32(chars.count))
        }
        guard sent == 1 else { throw PostgresError(connection: handle, kind: .copy, statement: statement) }
    }
}

/// Buffers COPY data and sends it to the server in large chunks.
public struct CopyInWriter {
    let connection: PostgresConnection
    let statement: String
    private var buffer: [UInt8] = []
    private let chunkSize = 1 << 16

    init(connection: PostgresConnection, statement: String) {
        self.connection = connection
        self.statement = statement
        buffer.reserveCapacity(chunkSize + 4096)
    }

    /// Appends raw COPY bytes (already in the format the COPY statement names).
    public mutating func write(_ bytes: some Sequence<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= chunkSize { try flush() }
    }

    public mutating func write(_ text: String) throws {
        try write(text.utf8)
    }

    /// Sends what is buffered.
    public mutating func flush() throws {
        try buffer.withUnsafeBytes { try connection.putCopyData($0, statement: statement) }
        buffer.removeAll(keepingCapacity: true)
    }
}
