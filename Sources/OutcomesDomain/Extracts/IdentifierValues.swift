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

    /// The text's shape with every digit written N, so an error can say what was wrong without
    /// repeating the number (`NNN-NN-NNNNN`).
    public static func shape(of text: some StringProtocol) -> String {
        String(text.prefix(20).map { $0.isASCII && $0.isNumber ? "N" : $0 }) + (text.count > 20 ? "…" : "")
    }
}
