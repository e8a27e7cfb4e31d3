import CLibPQ

/// An error reported by PostgreSQL or by libpq.
///
/// Server errors carry the five-character SQLSTATE, so callers can catch by code:
/// ```swift
/// do { try connection.execute("INSERT …") }
/// catch let error as PostgresError where error.sqlState == .uniqueViolation { … }
/// ```
/// The statement text is kept for diagnosis; bound values and passwords never are.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The connection could not be opened or was lost.
        case connection
        /// The server rejected a statement.
        case server
        /// A COPY could not be completed.
        case copy
        /// A value could not be decoded into the requested Swift type.
        case decoding
    }

    public var kind: Kind
    public var sqlState: SQLState?
    public var severity: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    public var constraint: String?
    public var table: String?
    public var column: String?
    /// The SQL text that failed (never the bound values).
    public var statement: String?

    public init(
        kind: Kind, sqlState: SQLState? = nil, severity: String? = nil, message: String,
        detail: String? = nil, hint: String? = nil, statement: String? = nil
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.severity = severity
        self.message = message
        self.detail = detail
        self.hint = hint
        self.statement = statement
    }

    public var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState.code))" }
        if let detail { text += "\nDetail: \(detail)" }
        if let hint { text += "\nHint: \(hint)" }
        if let statement { text += "\nStatement: \(statement.prefix(500))" }
        return text
    }

    /// Builds an error from a failed result's diagnostic fields.
    init(result: OpaquePointer, statement: String?, kind: Kind = .server) {
        func field(_ code: Int32) -> String? {
            guard let value = PQresultErrorField(result, code) else { return nil }
            return String(cString: value)
        }
        let primary = field(CLIBPQ_DIAG_MESSAGE_PRIMARY)
            ?? String(cString: PQresultErrorMessage(result)).trimmingTrailingWhitespace()
        self.init(
            kind: kind,
            sqlState: field(CLIBPQ_DIAG_SQLSTATE).map(SQLState.init(code:)),
            severity: field(CLIBPQ_DIAG_SEVERITY),
            message: primary.isEmpty ? "unknown server error" : primary,
            detail: field(CLIBPQ_DIAG_MESSAGE_DETAIL),
            hint: field(CLIBPQ_DIAG_MESSAGE_HINT),
            statement: statement
        )
        constraint = field(CLIBPQ_DIAG_CONSTRAINT_NAME)
        table = field(CLIBPQ_DIAG_TABLE_NAME)
        column = field(CLIBPQ_DIAG_COLUMN_NAME)
    }

    /// Builds an error from the connection's last error message (no result available).
    init(connection: OpaquePointer?, kind: Kind, statement: String?) {
        let text = connection.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
        // A statement that failed because the connection went away is a connection error.
        let lost = connection.map { PQstatus($0) == CONNECTION_BAD } ?? false
        self.init(kind: lost ? .connection : kind, message: text.trimmingTrailingWhitespace(), statement: statement)
    }

    /// Whether the server went away: the connection was lost, or the server is shutting down.
    public var isConnectionLoss: Bool {
        kind == .connection || sqlState?.errorClass == "08" || sqlState?.code == "57P01" || sqlState?.code == "57P02"
            || sqlState?.code == "57P03"
    }
}

/// A SQLSTATE error code. Compare with the named constants, or build one from any code.
public struct SQLState: Hashable, Sendable, CustomStringConvertible {
    public let code: String
    public init(code: String) { self.code = code }
    public var description: String { code }

    /// The two-character class, e.g. "23" for integrity constraint violations.
    public var errorClass: String { String(code.prefix(2)) }

    public static let uniqueViolation = SQLState(code: "23505")
    public static let foreignKeyViolation = SQLState(code: "23503")
    public static let notNullViolation = SQLState(code: "23502")
    public static let checkViolation = SQLState(code: "23514")
    public static let exclusionViolation = SQLState(code: "23P01")
    public static let divisionByZero = SQLState(code: "22012")
    public static let characterNotInRepertoire = SQLState(code: "22021")
    public static let invalidTextRepresentation = SQLState(code: "22P02")
    public static let invalidDatetimeFormat = SQLState(code: "22007")
    public static let datetimeFieldOverflow = SQLState(code: "22008")
    public static let badCopyFileFormat = SQLState(code: "22P04")
    public static let undefinedTable = SQLState(code: "42P01")
    public static let undefinedColumn = SQLState(code: "42703")
    public static let syntaxError = SQLState(code: "42601")
    public static let insufficientPrivilege = SQLState(code: "42501")
    public static let invalidPassword = SQLState(code: "28P01")
    public static let invalidAuthorization = SQLState(code: "28000")
    public static let invalidCatalogName = SQLState(code: "3D000")
    public static let lockNotAvailable = SQLState(code: "55P03")
    public static let serializationFailure = SQLState(code: "40001")
    public static let deadlockDetected = SQLState(code: "40P01")
    public static let queryCanceled = SQLState(code: "57014")
    public static let raiseException = SQLState(code: "P0001")
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var scalars = unicodeScalars[...]
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
