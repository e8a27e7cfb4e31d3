import CLibPQ

/// The rows of a completed statement, decoded lazily from libpq's result.
public final class PostgresRows: Sequence {
    let result: OpaquePointer
    let statement: String
    public let count: Int
    public let columns: [Column]

    public struct Column: Sendable {
        public let name: String
        public let type: PostgresDataType
    }

    /// `columns`: the same statement's columns, already read (a stream's rows come one result each).
    init(result: OpaquePointer, statement: String, columns: [Column]? = nil) {
        self.result = result
        self.statement = statement
        self.count = Int(PQntuples(result))
        // COPY results report columns without names or types.
        assert(columns.map { $0.count == Int(PQnfields(result)) } ?? true, "a stream's rows have its first row's columns")
        self.columns = columns ?? (0..<PQnfields(result)).map { index in
            Column(name: PQfname(result, index).map { String(cString: $0) } ?? "", type: PostgresDataType(oid: PQftype(result, index)))
        }
    }

    deinit { PQclear(result) }

    /// The number of rows the statement affected (INSERT, UPDATE, DELETE, COPY …), if it says.
    public var affectedRows: Int? { Int(String(cString: PQcmdTuples(result))) }

    public subscript(index: Int) -> PostgresRow {
        precondition(index >= 0 && index < count, "row index out of range")
        return PostgresRow(rows: self, index: Int32(index))
    }

    public func makeIterator() -> AnyIterator<PostgresRow> {
        var next = 0
        return AnyIterator {
            guard next < self.count else { return nil }
            defer { next += 1 }
            return self[next]
        }
    }

    /// The single value of a one-row, one-column result (e.g. `SELECT count(*) …`).
    public func scalar<T: PostgresDecodable>(_ type: T.Type = T.self) throws -> T {
        guard count == 1, columns.count == 1 else {
            throw PostgresError(
                kind: .decoding, message: "expected one value, got \(count) rows × \(columns.count) columns",
                statement: statement)
        }
        return try self[0].decode(T.self, at: 0)
    }
}

/// One row of a result. Decode columns by position or by name into any `PostgresDecodable` type.
public struct PostgresRow {
    let rows: PostgresRows
    let index: Int32

    public var columnCount: Int { rows.columns.count }

    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at column: Int) throws -> T {
        precondition(column >= 0 && column < rows.columns.count, "column index out of range")
        let field = Int32(column)
        do {
            if PQgetisnull(rows.result, index, field) == 1 { return try T.decodeNull() }
            let text = String(cString: PQgetvalue(rows.result, index, field))
            return try T(postgresText: text, type: rows.columns[column].type)
        } catch {
            throw PostgresError(
                kind: .decoding, message: "column \"\(rows.columns[column].name)\": \(error.reason)",
                statement: rows.statement)
        }
    }

    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, named name: String) throws -> T {
        guard let column = rows.columns.firstIndex(where: { $0.name == name }) else {
            throw PostgresError(kind: .decoding, message: "no column named \"\(name)\"", statement: rows.statement)
        }
        return try decode(T.self, at: column)
    }

    public func isNull(at column: Int) -> Bool {
        PQgetisnull(rows.result, index, Int32(column)) == 1
    }
}
