import Foundation

/// Reads rows written by `CopyTextBuffer` (PostgreSQL's COPY text format: tab-separated fields,
/// `\N` for NULL, backslash escapes) back, field by field, without a String per field unless a
/// text field is asked for. Used to read sealed payment inputs back for recomputation.
public struct CopyTextReader {
    public struct Malformed: Error, Equatable, Sendable {
        /// 1-based line of the text.
        public let line: Int
        public let code: Code
        public let problem: String

        public init(line: Int, code: Code, problem: String) {
            self.line = line
            self.code = code
            self.problem = problem
        }

        /// The kinds of problem a record has; fields count from 1.
        public enum Code: Sendable, Equatable {
            case fieldCount(expected: Int, found: Int)
            case missingField(Int)
            case nullField(Int)
            /// A backslash that ends the field or starts an escape COPY does not write.
            case badEscape(field: Int)
            case notAWholeNumber(field: Int)
            case tooLarge(field: Int)
            case notABoolean(field: Int)
            case notADecimal(field: Int)
            /// The record ends before a row it needs.
            case endsEarly
            /// A row other than the one the format has here: the expected row's key.
            case expectedRow(String)
            /// Not a record of the format this reader reads.
            case unknownFormat
            /// A value outside the format's words (a kind of run).
            case unknownValue
            case unknownSection(String)
            /// A row that needs another row before it (a figure without its participants' figure).
            case incomplete
            /// A key given twice.
            case duplicate
            case textAfterEnd
            /// Readable, but not written as the program writes it.
            case notCanonical
        }
    }

    private let bytes: [UInt8]
    private var position = 0
    /// The current row's line number (1-based) and its fields' byte ranges.
    public private(set) var line = 0
    private var fields: [Range<Int>] = []

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { position >= bytes.count }

    /// Moves to the next row; false at the end of the text.
    public mutating func next() -> Bool {
        guard position < bytes.count else { return false }
        fields.removeAll(keepingCapacity: true)
        line += 1
        var start = position
        var index = position
        while index < bytes.count, bytes[index] != 0x0A {
            if bytes[index] == 0x09 {
                fields.append(start..<index)
                start = index + 1
            }
            index += 1
        }
        fields.append(start..<index)
        position = index + 1
        return true
    }

    public var count: Int { fields.count }

    public func fail(_ code: Malformed.Code, _ problem: String) -> Malformed { Malformed(line: line, code: code, problem: problem) }

    /// Requires the row to have exactly `count` fields.
    public func expect(fields count: Int) throws {
        guard fields.count == count else { throw fail(.fieldCount(expected: count, found: fields.count), "expected \(count) fields, found \(fields.count)") }
    }

    public func isNull(_ index: Int) -> Bool {
        let range = fields[index]
        return range.count == 2 && bytes[range.lowerBound] == 0x5C && bytes[range.lowerBound + 1] == 0x4E
    }

    public func text(_ index: Int) throws -> String {
        guard index < fields.count else { throw fail(.missingField(index + 1), "field \(index + 1) is missing") }
        guard !isNull(index) else { throw fail(.nullField(index + 1), "field \(index + 1) is null") }
        let range = fields[index]
        guard bytes[range].contains(0x5C) else { return String(decoding: bytes[range], as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            guard byte == 0x5C else {
                out.append(byte)
                index += 1
                continue
            }
            guard index + 1 < range.upperBound else { throw fail(.badEscape(field: index + 1), "a backslash ends field \(index + 1)") }
            switch bytes[index + 1] {
            case 0x5C: out.append(0x5C)
            case 0x74: out.append(0x09)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            default: throw fail(.badEscape(field: index + 1), "an unknown escape in field \(index + 1)")
            }
            index += 2
        }
        return String(decoding: out, as: UTF8.self)
    }

    public func optionalText(_ index: Int) throws -> String? { isNull(index) ? nil : try text(index) }

    /// A whole number written by `CopyTextBuffer.int`: an optional minus and digits, nothing else.
    public func int(_ index: Int) throws -> Int {
        guard index < fields.count, !isNull(index) else { throw fail(.notAWholeNumber(field: index + 1), "field \(index + 1) is not a whole number") }
        let range = fields[index]
        var value = 0
        var at = range.lowerBound
        let negative = at < range.upperBound && bytes[at] == 0x2D
        if negative { at += 1 }
        guard at < range.upperBound else { throw fail(.notAWholeNumber(field: index + 1), "field \(index + 1) is not a whole number") }
        while at < range.upperBound {
            let digit = Int(bytes[at]) - 48
            guard (0...9).contains(digit) else { throw fail(.notAWholeNumber(field: index + 1), "field \(index + 1) is not a whole number") }
            let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = times.addingReportingOverflow(digit)
            guard !overflowTimes, !overflowSum else { throw fail(.tooLarge(field: index + 1), "field \(index + 1) is too large") }
            value = sum
            at += 1
        }
        return negative ? -value : value
    }

    public func optionalInt(_ index: Int) throws -> Int? { isNull(index) ? nil : try int(index) }

    public func bool(_ index: Int) throws -> Bool {
        switch try text(index) {
        case "t": true
        case "f": false
        default: throw fail(.notABoolean(field: index + 1), "field \(index + 1) is not t or f")
        }
    }

    /// A decimal as `Decimal.description` writes it: an optional minus, digits, an optional point and digits.
    public func decimal(_ index: Int) throws -> Decimal {
        let text = try text(index)
        guard DecimalText.isPlain(text), let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
            throw fail(.notADecimal(field: index + 1), "field \(index + 1) is not a decimal: '\(text)'")
        }
        return value
    }

    public func optionalDecimal(_ index: Int) throws -> Decimal? { isNull(index) ? nil : try decimal(index) }
}

/// The one plain form of a decimal in stored text: `-?[0-9]+(\.[0-9]+)?`.
public enum DecimalText {
    public static func isPlain(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        if bytes.first == 0x2D { bytes = bytes.dropFirst() }
        guard let first = bytes.first, (0x30...0x39).contains(first) else { return false }
        var seenPoint = false
        var lastWasPoint = false
        for byte in bytes {
            if byte == 0x2E {
                guard !seenPoint else { return false }
                seenPoint = true
                lastWasPoint = true
            } else if (0x30...0x39).contains(byte) {
                lastWasPoint = false
            } else {
                return false
            }
        }
        return !lastWasPoint
    }
}
