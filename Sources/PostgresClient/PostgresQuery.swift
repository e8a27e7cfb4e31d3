/// A SQL statement or fragment with its parameters bound separately — values are never spliced into the text.
///
/// Interpolated values become parameters, numbered `$1`, `$2`, … when the statement is sent:
/// ```swift
/// let query: PostgresQuery = "SELECT * FROM ids.persons WHERE person_id = \(id) AND sex = \(sex)"
/// // sql: "SELECT * FROM ids.persons WHERE person_id = $1 AND sex = $2", two binds
/// ```
/// Fragments compose by interpolation and carry their values with them, so a builder returns
/// fragments and never counts placeholders:
/// ```swift
/// let recent: PostgresQuery = "e.event_date >= \(start)"
/// let query: PostgresQuery = "SELECT count(*) FROM ids.events e WHERE \(recent) AND e.domain = \(domain)"
/// ```
/// Identifiers (table or column names) cannot be parameters. Interpolate an allow-listed one with
/// `\(identifier: SQLIdentifier)`; a name that comes from data with `\(escapedIdentifier:)`, and a
/// literal in a statement that takes no parameters (DDL, `SET`) with `\(escapedLiteral:)`: libpq
/// escapes both for the connection that runs the statement.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    enum Piece: Sendable {
        case sql(String)
        case bind(Bind)
        case escapedIdentifier(String)
        case escapedLiteral(String)
    }

    private(set) var pieces: [Piece]

    public struct Bind: Sendable, Equatable {
        public var text: String?
        public var type: PostgresDataType
    }

    /// Trusted statement text with no parameters. Only this module and the migrator build these.
    package init(unsafeSQL sql: String) {
        pieces = sql.isEmpty ? [] : [.sql(sql)]
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        pieces = stringInterpolation.pieces
    }

    /// The bound values, in placeholder order.
    public var binds: [Bind] {
        pieces.compactMap { if case .bind(let bind) = $0 { bind } else { nil } }
    }

    /// The statement text, its values numbered `$1`, `$2`, … in order. Names and literals to be escaped
    /// are shown as PostgreSQL's standard quoting would write them; the connection escapes them with libpq.
    public var sql: String {
        render(identifier: Self.standardQuotedIdentifier, literal: Self.standardQuotedLiteral)
    }

    /// Whether the fragment holds no text and no values.
    public var isEmpty: Bool { pieces.isEmpty }

    /// Appends another fragment, its values with it.
    public mutating func append(_ other: PostgresQuery) {
        pieces += other.pieces
    }

    public static func + (lhs: PostgresQuery, rhs: PostgresQuery) -> PostgresQuery {
        var joined = lhs
        joined.append(rhs)
        return joined
    }

    /// The statement text only; bound values are left out so they never reach logs.
    public var description: String { sql }

    func render<Failure: Error>(
        identifier: (String) throws(Failure) -> String, literal: (String) throws(Failure) -> String
    ) throws(Failure) -> String {
        var text = "", placeholder = 0
        for piece in pieces {
            switch piece {
            case .sql(let sql): text += sql
            case .bind:
                placeholder += 1
                text += "$\(placeholder)"
            case .escapedIdentifier(let name): text += try identifier(name)
            case .escapedLiteral(let value): text += try literal(value)
            }
        }
        return text
    }

    static func standardQuotedIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func standardQuotedLiteral(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var pieces: [Piece] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            pieces.reserveCapacity(2 * interpolationCount + 1)
        }

        public mutating func appendLiteral(_ literal: String) {
            guard !literal.isEmpty else { return }
            pieces.append(.sql(literal))
        }

        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            pieces.append(.bind(Bind(text: value.postgresText, type: type(of: value).postgresType)))
        }

        /// An optional value: nil binds SQL NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            pieces.append(.bind(Bind(text: value.postgresText, type: Value.postgresType)))
        }

        /// Another fragment, with its own values.
        public mutating func appendInterpolation(_ fragment: PostgresQuery) {
            pieces += fragment.pieces
        }

        public mutating func appendInterpolation(identifier: SQLIdentifier) {
            pieces.append(.sql(identifier.quoted))
        }

        /// A name that is not on an allow-list (a role named by its user): escaped by libpq.
        public mutating func appendInterpolation(escapedIdentifier name: String) {
            pieces.append(.escapedIdentifier(name))
        }

        /// A literal where the statement cannot take parameters (DDL, `SET`): escaped by libpq.
        public mutating func appendInterpolation(escapedLiteral value: String) {
            pieces.append(.escapedLiteral(value))
        }
    }
}

extension Sequence where Element == PostgresQuery {
    /// The fragments one after another, `separator` between them: `conditions.joined(separator: " AND ")`.
    public func joined(separator: PostgresQuery = "") -> PostgresQuery {
        var result: PostgresQuery = ""
        for (index, fragment) in enumerated() {
            if index > 0 { result.append(separator) }
            result.append(fragment)
        }
        return result
    }
}

/// A SQL identifier, optionally schema-qualified, restricted to `[a-z_][a-z0-9_]*` parts.
///
/// The restriction is deliberate: identifiers come from the program's own allow-lists, never
/// from user input, and the check makes a mistake fail loudly instead of becoming an injection.
public struct SQLIdentifier: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let parts: [String]

    public init?(validating name: String) {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), parts.allSatisfy(SQLIdentifier.isPlain) else { return nil }
        self.parts = parts
    }

    public init(stringLiteral value: String) {
        guard let identifier = SQLIdentifier(validating: value) else {
            preconditionFailure("invalid SQL identifier literal: \(value)")
        }
        self = identifier
    }

    public var quoted: String { parts.map { "\"\($0)\"" }.joined(separator: ".") }
    public var description: String { parts.joined(separator: ".") }

    static func isPlain(_ part: String) -> Bool {
        guard let first = part.utf8.first, part.utf8.count <= 63 else { return false }
        let isLowerOrUnderscore = { (c: UInt8) in (c >= 97 && c <= 122) || c == 95 }
        return isLowerOrUnderscore(first)
            && part.utf8.allSatisfy { isLowerOrUnderscore($0) || ($0 >= 48 && $0 <= 57) }
    }
}
