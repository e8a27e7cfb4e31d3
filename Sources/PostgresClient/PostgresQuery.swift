/// A SQL statement with its parameters bound separately — values are never spliced into the text.
///
/// Interpolated values become `$1`, `$2`, …:
/// ```swift
/// let query: PostgresQuery = "SELECT * FROM ids.persons WHERE person_id = \(id) AND sex = \(sex)"
/// // sql: "SELECT * FROM ids.persons WHERE person_id = $1 AND sex = $2", two binds
/// ```
/// Identifiers (table or column names) cannot be parameters; interpolate them with
/// `\(identifier: …)`, which accepts only plain lower-case names from the caller's allow-list.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var sql: String
    public private(set) var binds: [Bind]

    public struct Bind: Sendable, Equatable {
        public var text: String?
        public var type: PostgresDataType
    }

    /// A statement with no parameters.
    public init(unsafeSQL sql: String) {
        self.sql = sql
        self.binds = []
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.sql = stringInterpolation.sql
        self.binds = stringInterpolation.binds
    }

    /// Appends a value as the next parameter and returns its placeholder (`$n`).
    public mutating func bind(_ value: some PostgresEncodable) -> String {
        binds.append(Bind(text: value.postgresText, type: type(of: value).postgresType))
        return "$\(binds.count)"
    }

    /// Appends trusted SQL text (no values) to the statement.
    public mutating func append(sql fragment: String) {
        sql += fragment
    }

    /// Appends another query, its parameters renumbered to follow this one's. Its `$n` are taken
    /// to be its own placeholders: a `$` followed by digits anywhere in its text is renumbered.
    public mutating func append(_ other: PostgresQuery) {
        let offset = binds.count
        guard offset > 0 else {
            sql += other.sql
            binds += other.binds
            return
        }
        var text = "", digits = "", inPlaceholder = false
        func flush() {
            if inPlaceholder { text += digits.isEmpty ? "$" : "$\(Int(digits)! + offset)" }
            digits = ""
            inPlaceholder = false
        }
        for character in other.sql {
            if inPlaceholder, character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            flush()
            if character == "$" { inPlaceholder = true } else { text.append(character) }
        }
        flush()
        sql += text
        binds += other.binds
    }

    /// The statement text only; bound values are left out so they never reach logs.
    public var description: String { sql }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [Bind] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            binds.append(Bind(text: value.postgresText, type: type(of: value).postgresType))
            sql += "$\(binds.count)"
        }

        /// An optional value: nil binds SQL NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            binds.append(Bind(text: value.postgresText, type: Value.postgresType))
            sql += "$\(binds.count)"
        }

        public mutating func appendInterpolation(identifier: SQLIdentifier) {
            sql += identifier.quoted
        }
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
