import Foundation

/// A Swift value that can be bound as a query parameter, sent in PostgreSQL's text format.
public protocol PostgresEncodable {
    /// The value as PostgreSQL parses it, or nil for SQL NULL.
    var postgresText: String? { get }
    /// The parameter type to declare, or `.unspecified` to let the server infer it from context.
    static var postgresType: PostgresDataType { get }
}

extension String: PostgresEncodable {
    public var postgresText: String? { self }
    public static var postgresType: PostgresDataType { .unspecified }
}

extension Substring: PostgresEncodable {
    public var postgresText: String? { String(self) }
    public static var postgresType: PostgresDataType { .unspecified }
}

extension Int: PostgresEncodable {
    public var postgresText: String? { String(self) }
    public static var postgresType: PostgresDataType { .int8 }
}

extension Int64: PostgresEncodable {
    public var postgresText: String? { String(self) }
    public static var postgresType: PostgresDataType { .int8 }
}

extension Int32: PostgresEncodable {
    public var postgresText: String? { String(self) }
    public static var postgresType: PostgresDataType { .int4 }
}

extension Int16: PostgresEncodable {
    public var postgresText: String? { String(self) }
    public static var postgresType: PostgresDataType { .int2 }
}

extension Bool: PostgresEncodable {
    public var postgresText: String? { self ? "t" : "f" }
    public static var postgresType: PostgresDataType { .bool }
}

extension Double: PostgresEncodable {
    /// Swift's description is the shortest text that reads back to the same double.
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return description
    }
    public static var postgresType: PostgresDataType { .float8 }
}

extension Decimal: PostgresEncodable {
    public var postgresText: String? { isNaN ? "NaN" : description }
    public static var postgresType: PostgresDataType { .numeric }
}

extension Date: PostgresEncodable {
    /// Sent as an ISO 8601 instant in UTC with microseconds, PostgreSQL's own precision.
    public var postgresText: String? {
        let micros = (timeIntervalSince1970 * 1_000_000).rounded()
        let seconds = Int((micros / 1_000_000).rounded(.down))
        let fraction = Int(micros - Double(seconds) * 1_000_000)
        let (days, secondOfDay) = seconds.quotientAndRemainderFlooring(dividingBy: 86_400)
        let (year, month, day) = civilDate(fromDaysSinceEpoch: days)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", year, month, day,
            secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60, fraction)
    }
    public static var postgresType: PostgresDataType { .timestamptz }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self.flatMap { $0.postgresText } }
    public static var postgresType: PostgresDataType { Wrapped.postgresType }
}

/// A value that can be an element of an array parameter (`text[]`, `bigint[]`).
public protocol PostgresArrayElement: PostgresEncodable {
    static var arrayType: PostgresDataType { get }
}

extension String: PostgresArrayElement {
    public static var arrayType: PostgresDataType { .textArray }
}

extension Int: PostgresArrayElement {
    public static var arrayType: PostgresDataType { .int8Array }
}

extension Int64: PostgresArrayElement {
    public static var arrayType: PostgresDataType { .int8Array }
}

extension Double: PostgresArrayElement {
    public static var arrayType: PostgresDataType { .float8Array }
}

extension Decimal: PostgresArrayElement {
    public static var arrayType: PostgresDataType { .numericArray }
}

extension Bool: PostgresArrayElement {
    public static var arrayType: PostgresDataType { .boolArray }
}

extension Optional: PostgresArrayElement where Wrapped: PostgresArrayElement {
    public static var arrayType: PostgresDataType { Wrapped.arrayType }
}

/// An array parameter, sent as an array literal with every element but NULL quoted: `["a", "b\"c", nil]` binds `{"a","b\"c",NULL}`.
extension Array: PostgresEncodable where Element: PostgresArrayElement {
    /// Built byte by byte: a comparison's units bind arrays of hundreds of thousands of elements.
    public var postgresText: String? {
        var literal: [UInt8] = [UInt8(ascii: "{")]
        literal.reserveCapacity(count * 12 + 2)
        for (position, element) in enumerated() {
            if position > 0 { literal.append(UInt8(ascii: ",")) }
            guard let text = element.postgresText else {
                literal.append(contentsOf: "NULL".utf8)
                continue
            }
            literal.append(UInt8(ascii: "\""))
            for byte in text.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { literal.append(UInt8(ascii: "\\")) }
                literal.append(byte)
            }
            literal.append(UInt8(ascii: "\""))
        }
        literal.append(UInt8(ascii: "}"))
        return String(decoding: literal, as: UTF8.self)
    }
    public static var postgresType: PostgresDataType { Element.arrayType }
}

extension Int {
    func quotientAndRemainderFlooring(dividingBy divisor: Int) -> (Int, Int) {
        let (q, r) = quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's civil_from_days).
func civilDate(fromDaysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}
