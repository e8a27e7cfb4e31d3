import Foundation

/// A Swift type that can be decoded from a column sent in PostgreSQL's text format.
public protocol PostgresDecodable {
    /// Decodes a non-NULL value of the given column type.
    init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingError)
    /// The value for SQL NULL; non-optional types throw.
    static func decodeNull() throws(PostgresDecodingError) -> Self
}

extension PostgresDecodable {
    public static func decodeNull() throws(PostgresDecodingError) -> Self {
        throw PostgresDecodingError(reason: "unexpected NULL for \(Self.self)")
    }
}

/// Why a column could not be decoded; turned into a `PostgresError` naming the column.
public struct PostgresDecodingError: Error, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }

    static func mismatch(_ swiftType: Any.Type, _ type: PostgresDataType) -> Self {
        Self(reason: "cannot decode a \(type) column as \(swiftType)")
    }
    static func malformed(_ swiftType: Any.Type, _ text: String) -> Self {
        Self(reason: "cannot read '\(text.prefix(40))' as \(swiftType)")
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingError) {
        self = .some(try Wrapped(postgresText: text, type: type))
    }
    public static func decodeNull() -> Self { nil }
}

extension String: PostgresDecodable {
    /// Any column can be read as its text form.
    public init(postgresText text: String, type: PostgresDataType) { self = text }
}

extension Int: PostgresDecodable {
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingError) {
        guard type.isInteger || type == .unspecified else { throw .mismatch(Int.self, type) }
        guard let value = Int(text) else { throw .malformed(Int.self, text) }
        self = value
    }
}

extension Int64: PostgresDecodable {
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingError) {
        self = Int64(try Int(postgresText: text, type: type))
    }
}

extension Int32: PostgresDecodable {
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingError) {
        guard let value = Int32(exactly: try Int(postgresText: text, type: type)) else {
            throw .malformed(Int32.self, text)
        }
        self = value
    }
}

extension Bool: PostgresDecodable {
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingError) {
        guard type == .bool else { throw .mismatch(Bool.self, type) }
        switch text {
        case "t": self = true
        case "f": self = false
        default: throw .malformed(Bool.self, text)
        }
    }
}

extension Double: PostgresDecodable {
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingError) {
        guard type == .float8 || type == .float4 || type == .numeric || type.isInteger else {
            throw .mismatch(Double.self, type)
        }
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(text) else { throw .malformed(Double.self, text) }
            self = value
        }
    }
}

extension Decimal: PostgresDecodable {
    /// numeric is decoded exactly from its decimal text (up to 38 significant digits).
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingError) {
        guard type == .numeric || type.isInteger else { throw .mismatch(Decimal.self, type) }
        guard text != "NaN", let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
        else { throw .malformed(Decimal.self, text) }
        self = value
    }
}

extension Date: PostgresDecodable {
    /// timestamptz in the ISO style the connection requests; a date is read as midnight UTC.
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingError) {
        guard type == .timestamptz || type == .date || type == .timestamp else {
            throw .mismatch(Date.self, type)
        }
        guard let value = ISOTimestampParser.parse(text) else { throw .malformed(Date.self, text) }
        self = value
    }
}

/// Parses `YYYY-MM-DD[ HH:MM:SS[.ffffff][±HH[:MM[:SS]]]]`, PostgreSQL's ISO output style.
enum ISOTimestampParser {
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + width] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += width
            return value
        }
        func expect(_ char: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == char else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2)
        else { return nil }
        var seconds = Double(daysSinceEpoch(year: year, month: month, day: day) * 86_400)
        guard index < bytes.count else { return Date(timeIntervalSince1970: seconds) }
        guard expect(32) || expect(84), let hour = number(2), expect(58), let minute = number(2),
            expect(58), let second = number(2)
        else { return nil }
        seconds += Double(hour * 3600 + minute * 60 + second)
        if expect(46) {
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                seconds += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        if index < bytes.count {
            let sign: Double
            if expect(43) { sign = 1 } else if expect(45) { sign = -1 } else { return nil }
            guard let offsetHours = number(2) else { return nil }
            var offset = offsetHours * 3600
            if expect(58), let minutes = number(2) { offset += minutes * 60 }
            if expect(58), let secs = number(2) { offset += secs }
            seconds -= sign * Double(offset)
        }
        return index == bytes.count ? Date(timeIntervalSince1970: seconds) : nil
    }
}

/// A one-dimensional array column (`text[]`, `bigint[]`, …) read from PostgreSQL's array output:
/// `{a,"b c",NULL}`. Each element is decoded as the element type reads its own text.
extension Array: PostgresDecodable where Element: PostgresDecodable {
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingError) {
        guard let elements = ArrayLiteralParser.elements(of: text) else { throw .malformed([Element].self, text) }
        var values: [Element] = []
        values.reserveCapacity(elements.count)
        for element in elements {
            if let element {
                values.append(try Element(postgresText: element, type: Self.elementType(of: type)))
            } else {
                values.append(try Element.decodeNull())
            }
        }
        self = values
    }

    private static func elementType(of arrayType: PostgresDataType) -> PostgresDataType {
        switch arrayType {
        case .textArray: .text
        case .int8Array: .int8
        case .boolArray: .bool
        case .float8Array: .float8
        case .numericArray: .numeric
        case .dateArray: .date
        default: .unspecified
        }
    }
}

/// The elements of a one-dimensional array literal in PostgreSQL's output syntax (nil for NULL).
enum ArrayLiteralParser {
    static func elements(of text: String) -> [String?]? {
        var bytes = Array(text.utf8)[...]
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return nil }
        bytes = bytes.dropFirst().dropLast()
        guard !bytes.isEmpty else { return [] }
        var elements: [String?] = [], current: [UInt8] = [], quoted = false, wasQuoted = false, escaped = false
        for byte in bytes {
            if escaped {
                current.append(byte)
                escaped = false
            } else if quoted {
                switch byte {
                case UInt8(ascii: "\\"): escaped = true
                case UInt8(ascii: "\""): quoted = false
                default: current.append(byte)
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""):
                    quoted = true
                    wasQuoted = true
                case UInt8(ascii: ","):
                    elements.append(element(current, wasQuoted))
                    current = []
                    wasQuoted = false
                case UInt8(ascii: "{"), UInt8(ascii: "}"): return nil  // several dimensions
                case UInt8(ascii: "\\"): escaped = true
                default: current.append(byte)
                }
            }
        }
        guard !quoted, !escaped else { return nil }
        elements.append(element(current, wasQuoted))
        return elements
    }

    private static func element(_ bytes: [UInt8], _ quoted: Bool) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        return !quoted && text == "NULL" ? nil : text
    }
}
