import Foundation

/// The one grammar for numbers in input files (README, "Numbers in input files"):
///
///     number = [ "-" ] digits [ "." digits ]        digits = one or more of 0-9
///
/// Nothing else is read as a number: no "+", no spaces, no thousands separators (`10,000`,
/// `10 000`, `1_000`), no `.5` or `5.`, no leading zero (`010`), no exponent, no hex, octal or binary, no `.inf` or
/// `.nan`, no unit or other text after the digits. Two dialects widen it:
/// CSV files allow leading zeros (`0042` is 42: there is no octal in CSV, and agencies pad ids),
/// and the flat tables of `compare --data` also allow `.5` and an exponent (`1e+05`), as Stata and
/// R write numbers. Anything else is a `Problem`, which readers report at file:line with the text.
public struct NumberLiteral: Sendable, Equatable {
    public enum Dialect: Sendable {
        /// YAML definition files (contracts, evaluations, scenarios, thresholds): the grammar as it
        /// stands. A whole part of two or more digits may not start with 0: YAML 1.1 readers (PyYAML)
        /// take `010` for octal 8, and a contract must mean one thing to every reader.
        case definitionFile
        /// Extract CSV files: leading zeros allowed.
        case extract
        /// The CSV of `compare --data`: leading zeros, no digit before the point (`.5`, as Stata writes
        /// it) and an exponent (`e` or `E`, an optional sign, digits: `1e+05`, as R writes it).
        case dataTable

        var allowsLeadingZeros: Bool { self != .definitionFile }
        var allowsExponent: Bool { self == .dataTable }
        var allowsBareFraction: Bool { self == .dataTable }
    }

    /// Why a text is not a number of the grammar: a typed case, explained for messages.
    public enum Problem: Error, Sendable, Equatable {
        case empty
        case spaces
        case plusSign
        case separator
        case missingWholePart
        case missingFraction
        case secondPoint
        case exponent
        case radixPrefix
        case notFinite
        case leadingZero
        case suffix(String)
        case notANumber
        case tooManyDigits
        /// A whole number was expected.
        case notWhole
        case outOfRange

        public var explanation: String {
            switch self {
            case .empty: "there is no number"
            case .spaces: "spaces around a number are not part of it"
            case .plusSign: "a number has no '+' sign (write 5, or -5)"
            case .separator: "digits are not grouped (no ',', '_', ''' or space between them: 10000, not 10,000), and the decimal point is '.'"
            case .missingWholePart: "a number starts with a digit (write 0.5, not .5)"
            case .missingFraction: "a point is followed by digits (write 5 or 5.0, not 5.)"
            case .secondPoint: "a number has at most one decimal point"
            case .exponent: "exponents are not read (write 1000, not 1e3)"
            case .radixPrefix: "hexadecimal, octal and binary are not read (write decimal digits)"
            case .notFinite: "infinity and not-a-number are not numbers here"
            case .leadingZero: "a number does not start with 0 unless it is 0 or below 1 (YAML 1.1 readers take 010 for octal 8)"
            case .suffix(let text): "'\(text)' after the digits is not part of a number (no units, currency or percent signs)"
            case .notANumber: "it is not a number (an optional '-', digits, optionally '.' and digits)"
            case .tooManyDigits: "a number has at most \(NumberLiteral.maximumDigits) digits"
            case .notWhole: "a whole number is expected (no decimal point)"
            case .outOfRange:
                "it is out of range: a whole number is from \(Int.min) to \(Int.max) (64 bits), an exponent at most \(NumberLiteral.maximumExponent)"
            }
        }
    }

    /// Digits a number may have in all: well inside the 38 a `Decimal` holds exactly.
    public static let maximumDigits = 30
    /// The largest power of ten written after `e` (a double reaches about 1e308).
    public static let maximumExponent = 100

    public let negative: Bool
    /// The digits before the point, as written (at least one).
    public let wholeDigits: String
    /// The digits after the point, as written (empty when there is no point).
    public let fractionDigits: String
    /// The power of ten written after `e` (the `dataTable` dialect only; else 0).
    public let exponent: Int

    /// Reads `text` by the grammar, or throws the first problem found.
    public init(_ text: String, _ dialect: Dialect = .definitionFile) throws(Problem) {
        var text = text
        let shape = text.withUTF8 { bytes in
            Self.scan(bytes, dialect).map { shape in
                (shape, String(decoding: bytes[shape.whole], as: UTF8.self), String(decoding: bytes[shape.fraction], as: UTF8.self))
            }
        }
        let (scanned, whole, fraction) = try shape.get()
        negative = scanned.negative
        wholeDigits = whole.isEmpty ? "0" : whole
        fractionDigits = fraction
        exponent = scanned.exponent
    }

    /// The value of a number of the `dataTable` dialect as a double, or nil (and no diagnosis, which
    /// costs allocations): the flat tables of `compare --data` hold hundreds of thousands of cells,
    /// text columns among them. `NumberLiteral(text, .dataTable)` says why a text is not a number.
    public static func double(_ text: String, _ dialect: Dialect = .dataTable) -> Double? {
        var text = text
        guard case .success = text.withUTF8({ scan($0, dialect, diagnosing: false) }) else { return nil }
        // The grammar is a subset of what Double reads, and reads the same value.
        return Double(text)!
    }

    private struct Shape {
        var negative: Bool
        var whole: Range<Int>
        var fraction: Range<Int>
        var exponent: Int
    }

    /// The parts of a number, or the first problem; one pass over the bytes, no allocation unless it fails.
    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>, _ dialect: Dialect, diagnosing: Bool = true) -> Result<Shape, Problem> {
        var i = 0
        func isDigit(_ at: Int) -> Bool { at < bytes.count && bytes[at] &- 0x30 < 10 }
        let negative = bytes.first == 0x2D
        if negative { i += 1 }
        let wholeStart = i
        while isDigit(i) { i += 1 }
        let whole = wholeStart..<i
        var fraction = i..<i
        if !whole.isEmpty || dialect.allowsBareFraction, i < bytes.count, bytes[i] == 0x2E, isDigit(i + 1) {
            i += 1
            let start = i
            while isDigit(i) { i += 1 }
            fraction = start..<i
        }
        var exponent = 0
        let digitsRead = !whole.isEmpty || !fraction.isEmpty
        if dialect.allowsExponent, digitsRead, i < bytes.count, bytes[i] | 0x20 == 0x65 {
            var j = i + 1
            let exponentNegative = j < bytes.count && bytes[j] == 0x2D
            if j < bytes.count, bytes[j] == 0x2D || bytes[j] == 0x2B { j += 1 }
            let start = j
            var value = 0
            while isDigit(j) {
                value = value * 10 + Int(bytes[j] - 0x30)
                j += 1
                if j - start > 3 { return .failure(.outOfRange) }
            }
            if j > start {
                guard value <= maximumExponent else { return .failure(.outOfRange) }
                exponent = exponentNegative ? -value : value
                i = j
            }
        }
        guard i == bytes.count, digitsRead else {
            guard diagnosing else { return .failure(.notANumber) }
            return .failure(diagnose(Array(bytes), end: i, digitsRead: digitsRead, fractionRead: !fraction.isEmpty, dialect: dialect))
        }
        if !dialect.allowsLeadingZeros, whole.count > 1, bytes[whole.lowerBound] == 0x30 { return .failure(.leadingZero) }
        guard whole.count + fraction.count <= maximumDigits else { return .failure(.tooManyDigits) }
        return .success(Shape(negative: negative, whole: whole, fraction: fraction, exponent: exponent))
    }

    /// Why the text stops being a number at `end` (the first byte the grammar could not take).
    private static func diagnose(_ bytes: [UInt8], end: Int, digitsRead: Bool, fractionRead: Bool, dialect: Dialect) -> Problem {
        guard !bytes.isEmpty else { return .empty }
        let text = String(decoding: bytes, as: UTF8.self)
        let isDigit: (UInt8) -> Bool = { (0x30...0x39).contains($0) }
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        if isSpace(bytes.first!) || isSpace(bytes.last!) {
            return text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? .empty : .spaces
        }
        if bytes.first == 0x2B { return .plusSign }
        let word = text.lowercased().drop { $0 == "-" || $0 == "." }
        if ["inf", "infinity", "nan"].contains(word) { return .notFinite }
        guard digitsRead else {
            // Nothing before the point: ".5", "-.5".
            if end < bytes.count, bytes[end] == 0x2E, end + 1 < bytes.count, isDigit(bytes[end + 1]) { return .missingWholePart }
            return .notANumber
        }
        let rest = Array(bytes[end...])
        let followedByDigit = rest.count > 1 && isDigit(rest[1])
        switch rest[0] {
        case let byte where [0x2C, 0x5F, 0x27, 0x20].contains(byte) && followedByDigit:  // 10,000  1_000  1'000  10 000
            return .separator
        case 0x2E where fractionRead && (followedByDigit || rest.count == 1):  // 1000.5.5
            return .secondPoint
        case 0x2E where rest.count == 1:  // 5.
            return .missingFraction
        case 0x78, 0x58, 0x6F, 0x4F, 0x62, 0x42:  // x, o, b after a lone 0: 0x10, 0o17, 0b101
            let whole = bytes.first == 0x2D ? Array(bytes[1..<end]) : Array(bytes[..<end])
            if whole == [0x30] { return .radixPrefix }
        case 0x65, 0x45:  // e, E: 1e3, 2.5E-3
            let signed = rest.count > 1 && (rest[1] == 0x2B || rest[1] == 0x2D)
            let at = signed ? 2 : 1
            if at < rest.count, isDigit(rest[at]) { return dialect.allowsExponent ? .outOfRange : .exponent }
        default:
            break
        }
        let suffix = String(decoding: rest, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        return suffix.isEmpty ? .notANumber : .suffix(suffix)
    }

    /// The exact value.
    public var decimal: Decimal {
        // The grammar has been checked: Foundation reads these digits exactly.
        let text = (negative ? "-" : "") + wholeDigits + (fractionDigits.isEmpty ? "" : "." + fractionDigits)
        var value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))!
        if exponent != 0 { value = Decimal(sign: value.sign, exponent: exponent, significand: value.magnitude) }
        return value
    }

    /// The nearest binary floating-point value (statistics read numbers so).
    public var double: Double {
        let text = (negative ? "-" : "") + wholeDigits + (fractionDigits.isEmpty ? "" : "." + fractionDigits) + (exponent == 0 ? "" : "e\(exponent)")
        return Double(text)!
    }

    /// The value as a whole number, or the problem with it (a fraction, or beyond 64 bits).
    public func integer() throws(Problem) -> Int {
        guard fractionDigits.isEmpty, exponent == 0 else { throw .notWhole }
        guard let value = Int((negative ? "-" : "") + wholeDigits) else { throw .outOfRange }
        return value
    }

    /// Reads a whole number by the grammar.
    public static func integer(_ text: String, _ dialect: Dialect = .definitionFile) throws(Problem) -> Int {
        try NumberLiteral(text, dialect).integer()
    }
}
