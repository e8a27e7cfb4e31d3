import Foundation

/// A ratio of two exact decimals, kept as numerator and denominator so that figures which decide
/// a payment — means, rates, improvements — are compared with thresholds exactly: a third stays a
/// third, never 0.3333…. Only what is printed (and the final amount, rounded once) is a decimal.
public struct ExactRatio: Sendable, CustomStringConvertible {
    public let numerator: Decimal
    /// Always positive.
    public let denominator: Decimal

    public init(_ numerator: Decimal, _ denominator: Decimal = 1) {
        precondition(denominator != 0, "a ratio's denominator is not zero")
        var (top, bottom) = denominator < 0 ? (-numerator, -denominator) : (numerator, denominator)
        // Whole numbers are kept in lowest terms, so figures stay small and print as people read them.
        if let a = Self.whole(top), let b = Self.whole(bottom) {
            var (x, y) = (a.magnitude, b.magnitude)
            while y != 0 { (x, y) = (y, x % y) }
            if x > 1 {
                top = Decimal(a / Int64(x))
                bottom = Decimal(b / Int64(x))
            }
        }
        self.numerator = top
        self.denominator = bottom
    }

    /// The value as an Int64 when it is a whole number that fits one comfortably.
    private static func whole(_ value: Decimal) -> Int64? {
        guard value.magnitude < 1_000_000_000_000_000_000 else { return nil }
        var source = value, rounded = Decimal()
        NSDecimalRound(&rounded, &source, 0, .plain)
        guard rounded == value else { return nil }
        return NSDecimalNumber(decimal: value).int64Value
    }

    public init(_ value: Int) { self.init(Decimal(value)) }

    public static let zero = ExactRatio(0)
    public var isZero: Bool { numerator == 0 }

    public static func + (lhs: ExactRatio, rhs: ExactRatio) -> ExactRatio {
        if lhs.denominator == rhs.denominator { return ExactRatio(lhs.numerator + rhs.numerator, lhs.denominator) }
        return ExactRatio(lhs.numerator * rhs.denominator + rhs.numerator * lhs.denominator, lhs.denominator * rhs.denominator)
    }

    public static prefix func - (value: ExactRatio) -> ExactRatio { ExactRatio(-value.numerator, value.denominator) }
    public static func - (lhs: ExactRatio, rhs: ExactRatio) -> ExactRatio { lhs + -rhs }

    public static func * (lhs: ExactRatio, rhs: ExactRatio) -> ExactRatio {
        ExactRatio(lhs.numerator * rhs.numerator, lhs.denominator * rhs.denominator)
    }

    /// nil when dividing by zero.
    public static func / (lhs: ExactRatio, rhs: ExactRatio) -> ExactRatio? {
        guard rhs.numerator != 0 else { return nil }
        return ExactRatio(lhs.numerator * rhs.denominator, lhs.denominator * rhs.numerator)
    }

    /// The largest whole number not above the ratio, exactly (a decimal quotient is only a first guess).
    public var floor: Decimal {
        var quotient = numerator / denominator, whole = Decimal()
        NSDecimalRound(&whole, &quotient, 0, .down)
        while whole * denominator > numerator { whole -= 1 }
        while (whole + 1) * denominator <= numerator { whole += 1 }
        return whole
    }

    /// The ratio rounded to `scale` decimals (half-even unless told), for printing and for the
    /// one rounding of an amount. The quotient carries 38 significant digits, so a ratio within
    /// reach of a tie is a tie only when it is one exactly — and then its decimal quotient is exact.
    public func rounded(scale: Int, _ mode: NSDecimalNumber.RoundingMode = .bankers) -> Decimal {
        var quotient = numerator / denominator, result = Decimal()
        NSDecimalRound(&result, &quotient, scale, mode)
        return result
    }

    /// Whether the ratio has a finite decimal expansion of at most `scale` decimals.
    public func isExact(scale: Int) -> Bool { ExactRatio(rounded(scale: scale)) == self }

    /// As printed: four decimals, with `≈` when that is not the exact value.
    public var description: String {
        let shown = rounded(scale: 4)
        return (isExact(scale: 4) ? "" : "≈") + "\(shown)"
    }

    /// The exact value as a fraction, e.g. `100/3` (or `20` when whole).
    public var fraction: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }
}

extension ExactRatio: Comparable {
    public static func == (lhs: ExactRatio, rhs: ExactRatio) -> Bool {
        lhs.numerator * rhs.denominator == rhs.numerator * lhs.denominator
    }

    public static func < (lhs: ExactRatio, rhs: ExactRatio) -> Bool {
        lhs.numerator * rhs.denominator < rhs.numerator * lhs.denominator
    }
}

extension ExactRatio {
    public static func min(_ lhs: ExactRatio, _ rhs: ExactRatio) -> ExactRatio { lhs < rhs ? lhs : rhs }
    public static func max(_ lhs: ExactRatio, _ rhs: ExactRatio) -> ExactRatio { lhs < rhs ? rhs : lhs }
}

extension Money {
    /// An exact amount (a price times an exact number of units) rounded once by the contract's rule.
    public static func rounding(_ ratio: ExactRatio, _ currency: Currency, _ rule: RoundingRule) -> Money {
        let mode: NSDecimalNumber.RoundingMode = rule == .down && ratio.numerator < 0 ? .up : rule.foundationMode
        return Money(ratio.rounded(scale: currency.minorUnits, mode), currency)
    }
}
