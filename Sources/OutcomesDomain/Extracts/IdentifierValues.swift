/// A date of birth as a source knows it: the whole date, the year and month, or the year alone.
/// Written `YYYY-MM-DD`, `YYYY-MM` or `YYYY` (ASCII digits, nothing else), the year 1880–2100.
public struct PartialBirthDate: Sendable, Equatable {
    public enum Problem: Error, Sendable, Equatable {
        /// Not one of the three forms, or a month or day that does not exist (`1990-13`, `1990-02-30`).
        case unreadable
        /// One of the forms, with a year outside 1880–2100.
        case yearOutOfRange(Int)
    }

    public static let years = 1880...2100

    public let year: Int
    public let month: Int?
    /// The whole date, when the day is known.
    public let date: LocalDate?

    public init(_ text: some StringProtocol) throws(Problem) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let widths = [4, 2, 2].prefix(parts.count)
        // Digits only: Int("+1") would read a sign where a digit belongs.
        guard (1...3).contains(parts.count), zip(parts, widths).allSatisfy({ part, width in
            part.utf8.count == width && part.utf8.allSatisfy { (0x30...0x39).contains($0) }
        }) else { throw .unreadable }
        let numbers = parts.map { Int($0)! }
        let month = numbers.count > 1 ? numbers[1] : nil
        if let month, !(1...12).contains(month) { throw .unreadable }
        var date: LocalDate?
        if numbers.count == 3 {
            guard let whole = LocalDate(year: numbers[0], month: numbers[1], day: numbers[2]) else { throw .unreadable }
            date = whole
        }
        guard Self.years.contains(numbers[0]) else { throw .yearOutOfRange(numbers[0]) }
        (year, self.month, self.date) = (numbers[0], month, date)
    }
}

/// A US Social Security number as a source gives it: nine digits (`123456789` or `123-45-6789`),
/// or only the last four (`XXX-XX-1234` with X, x or * for the hidden digits, or `1234`).
/// A number the SSA never issues (area 000, 666 or 900–999; group 00; serial 0000) is a
/// placeholder a source wrote for "unknown": it holds no value.
public enum SocialSecurityNumber: Sendable, Equatable {
    case full(String)
    case lastFour(String)
    case placeholder

    public enum Problem: Error, Sendable, Equatable {
        /// None of the forms. The text is not kept: an error message must not repeat an identifier.
        case unreadable
    }

    public init(_ text: some StringProtocol) throws(Problem) {
        let bytes = Array(text.utf8)
        let isDigit = { (byte: UInt8) in (0x30...0x39).contains(byte) }
        let isMask = { (byte: UInt8) in byte == UInt8(ascii: "X") || byte == UInt8(ascii: "x") || byte == UInt8(ascii: "*") }
        let dash = UInt8(ascii: "-")
        let digits: [UInt8]
        switch bytes.count {
        case 9 where bytes.allSatisfy(isDigit):
            digits = bytes
        case 11 where bytes[3] == dash && bytes[6] == dash:
            let hidden = bytes[0..<3] + bytes[4..<6]
            let shown = bytes[7..<11]
            guard shown.allSatisfy(isDigit) else { throw .unreadable }
            if hidden.allSatisfy(isMask) {
                self = Self.lastFour(shown)
                return
            }
            guard hidden.allSatisfy(isDigit) else { throw .unreadable }
            digits = Array(hidden + shown)
        case 4 where bytes.allSatisfy(isDigit):
            self = Self.lastFour(bytes[...])
            return
        default:
            throw .unreadable
        }
        let text = String(decoding: digits, as: UTF8.self)
        let area = Int(text.prefix(3))!, group = text.dropFirst(3).prefix(2), serial = text.suffix(4)
        let neverIssued = area == 0 || area == 666 || area >= 900 || group == "00" || serial == "0000"
        self = neverIssued ? .placeholder : .full(text)
    }

    /// Four digits; serial 0000 is never issued, so it says nothing either.
    private static func lastFour(_ digits: ArraySlice<UInt8>) -> SocialSecurityNumber {
        let text = String(decoding: digits, as: UTF8.self)
        return text == "0000" ? .placeholder : .lastFour(text)
    }

    /// The nine digits, when whole and issued.
    public var digits: String? {
        if case .full(let digits) = self { digits } else { nil }
    }

    /// The last four digits, when known.
    public var lastFourDigits: String? {
        switch self {
        case .full(let digits): String(digits.suffix(4))
        case .lastFour(let digits): digits
        case .placeholder: nil
        }
    }

    /// The text's shape with every digit of every script written N (`١٢٣` as well as `123`), so an
    /// error can say what was wrong without repeating the number (`NNN-NN-NNNNN`); a control or
    /// format character is written � rather than sent to the terminal. At most 20 code points.
    public static func shape(of text: some StringProtocol) -> String {
        var shape = String.UnicodeScalarView()
        for scalar in text.unicodeScalars.prefix(20) {
            if scalar.properties.numericType != nil {
                shape.append("N")
            } else if IdentifierText.refuses(scalar) || scalar.properties.generalCategory == .format {
                shape.append("\u{FFFD}")
            } else {
                shape.append(scalar)
            }
        }
        return String(shape) + (text.unicodeScalars.count > 20 ? "…" : "")
    }
}

/// The free text of an identifier record (names, `race_ethnicity`, `county`, `address`, `city`,
/// `postcode`) and the key of a source record (`source_system`, `source_key`, in every extract that
/// carries one): how long they may be, and what characters they may not hold. Lengths count
/// Unicode code points, as PostgreSQL counts characters.
public enum IdentifierText {
    /// The longest identifier text: fuzzystrmatch's Levenshtein distance compares at most 255
    /// characters and pg_similarity's Jaro–Winkler at most 1,024 bytes (255 code points are at
    /// most 1,020 bytes of UTF-8), so a longer value would stop every link run.
    public static let maximumLength = 255
    /// The longest source key or source system: a key is indexed (a B-tree entry holds at most
    /// 2,704 bytes), and 200 code points are at most 800 bytes of UTF-8.
    public static let maximumKeyLength = 200
    /// First characters a key may not have: `=`, `+`, `-` and `@` begin a formula in a spreadsheet,
    /// and a leading `'` is how the review file marks a cell it kept from being one
    /// (`ClericalReviewFile.neutralised`), so such a key could not be read back as written.
    public static let refusedKeyStarts: [Character] = ["=", "+", "-", "@", "'"]

    public enum Problem: Error, Sendable, Equatable {
        /// More code points than allowed: the length and the limit.
        case tooLong(length: Int, maximum: Int)
        /// A character no identifier needs (`refuses`).
        case controlCharacter(Unicode.Scalar)
        /// A key that begins with one of `refusedKeyStarts`.
        case formulaStart(Character)
    }

    /// Characters refused in identifier text and keys: C0 and C1 control characters (tab, line
    /// breaks and ESC among them) and DEL; the line and paragraph separators; and the
    /// bidirectional embedding, override and isolate controls, which make text display in another
    /// order than it is stored. (NUL never gets this far: the CSV reader refuses it.)
    public static func refuses(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// Checks a name, address or other identifier text (`key` false) or a source key or system (`key` true).
    public static func check(_ text: String, key: Bool) throws(Problem) {
        // The first code point, as a spreadsheet reads it (`=` with a combining mark is still `=`).
        if key, let first = text.unicodeScalars.first.map(Character.init), refusedKeyStarts.contains(first) {
            throw .formulaStart(first)
        }
        var length = 0
        for scalar in text.unicodeScalars {
            if refuses(scalar) { throw .controlCharacter(scalar) }
            length += 1
        }
        let maximum = key ? maximumKeyLength : maximumLength
        if length > maximum { throw .tooLong(length: length, maximum: maximum) }
    }
}

extension IdentifierText {
    /// `U+001B`: how an error names a character without writing it.
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
