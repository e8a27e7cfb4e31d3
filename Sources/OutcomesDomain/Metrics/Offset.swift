/// A signed distance from an anchor date, always with a unit: "12 months", "-1 day", "2 quarters".
public struct Offset: Sendable, Equatable, CustomStringConvertible {
    public enum Unit: String, Sendable, CaseIterable {
        case days, months, quarters, years

        /// Accepts singular and plural: "day", "days".
        init?(word: some StringProtocol) {
            let plural = word.hasSuffix("s") ? String(word) : word + "s"
            self.init(rawValue: plural)
        }
    }

    public let amount: Int
    public let unit: Unit

    public init(_ amount: Int, _ unit: Unit) {
        self.amount = amount
        self.unit = unit
    }

    /// Parses "<integer> <unit>"; nil when either part is missing or not understood, or the
    /// distance is beyond `maximumYears` (which keeps every date computation in range).
    public init?(text: String) {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 2, words[0].count <= 7, let amount = try? NumberLiteral.integer(String(words[0])),
            let unit = Unit(word: words[1])
        else { return nil }
        self.init(amount, unit)
        guard abs(unit == .days ? amount : months * 31) <= Self.maximumYears * 366 else { return nil }
    }

    /// The longest distance an offset may span.
    public static let maximumYears = 100

    public var months: Int {
        switch unit {
        case .days: 0
        case .months: amount
        case .quarters: amount * 3
        case .years: amount * 12
        }
    }

    public var days: Int { unit == .days ? amount : 0 }

    /// The date `amount` units from `date`, as PostgreSQL computes `date + interval`: months are
    /// added to the calendar month and the day is clipped to the month's end (Jan 31 + 1 month = Feb 28/29).
    public func applied(to date: LocalDate) -> LocalDate {
        guard months != 0 else { return date.adding(days: days) }
        let (year, month, day) = date.components
        let index = year * 12 + (month - 1) + months
        let (newYear, newMonth) = (index.floorDiv(12), index.floorMod(12) + 1)
        return LocalDate(year: newYear, month: newMonth, day: min(day, LocalDate.daysIn(month: newMonth, year: newYear)))!
    }

    public var description: String { "\(amount) \(unit.rawValue)" }
}

extension Int {
    func floorDiv(_ divisor: Int) -> Int { (self - floorMod(divisor)) / divisor }
    func floorMod(_ divisor: Int) -> Int { ((self % divisor) + divisor) % divisor }
}
