import Foundation

/// A currency named in a contract, with the number of minor units amounts are rounded to.
public struct Currency: Sendable, Hashable, CustomStringConvertible {
    public let code: String
    public let minorUnits: Int

    /// ISO 4217 codes the contract file accepts, with their minor units.
    public static let known: [String: Int] = [
        "USD": 2, "EUR": 2, "GBP": 2, "CAD": 2, "AUD": 2, "NZD": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2,
        "JPY": 0, "KRW": 0, "ISK": 0,
    ]

    public init?(code: String) {
        guard let minorUnits = Self.known[code] else { return nil }
        self.code = code
        self.minorUnits = minorUnits
    }

    public var description: String { code }
}

/// How a computed amount becomes a payable one. The contract names it; half-even (banker's
/// rounding) unless it says otherwise. Applied once per payment line, in `Money.rounded`.
public enum RoundingRule: String, Sendable, CaseIterable {
    case halfEven = "half_even"
    case halfUp = "half_up"
    /// Toward zero: never pays a fraction of a minor unit more than computed.
    case down

    var foundationMode: NSDecimalNumber.RoundingMode {
        switch self {
        case .halfEven: .bankers
        case .halfUp: .plain
        case .down: .down
        }
    }
}

/// An amount of money in one currency, held as an exact `Decimal` — never a floating-point number.
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let amount: Decimal
    public let currency: Currency

    public init(_ amount: Decimal, _ currency: Currency) {
        self.amount = amount
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(0, currency) }

    /// The amount rounded to the currency's minor units by `rule` — the one place rounding happens.
    /// (`.down` rounds toward zero for negative amounts too, so a refund is never overstated.)
    public func rounded(_ rule: RoundingRule) -> Money {
        var value = amount, result = Decimal()
        let mode: NSDecimalNumber.RoundingMode = rule == .down && amount < 0 ? .up : rule.foundationMode
        NSDecimalRound(&result, &value, currency.minorUnits, mode)
        return Money(result, currency)
    }

    public var isZero: Bool { amount == 0 }

    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "adding \(lhs.currency) to \(rhs.currency)")
        return Money(lhs.amount + rhs.amount, lhs.currency)
    }

    public static func - (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "subtracting \(rhs.currency) from \(lhs.currency)")
        return Money(lhs.amount - rhs.amount, lhs.currency)
    }

    public static func * (lhs: Money, rhs: Decimal) -> Money { Money(lhs.amount * rhs, lhs.currency) }

    public static func < (lhs: Money, rhs: Money) -> Bool {
        precondition(lhs.currency == rhs.currency, "comparing \(lhs.currency) with \(rhs.currency)")
        return lhs.amount < rhs.amount
    }

    public static func += (lhs: inout Money, rhs: Money) { lhs = lhs + rhs }
    public static func -= (lhs: inout Money, rhs: Money) { lhs = lhs - rhs }

    /// The amount with exactly the currency's minor units, e.g. `1500.00`, `-12.50`, `300` (JPY).
    public var plain: String {
        let rounded = amount.rounded(scale: currency.minorUnits)
        var text = NSDecimalNumber(decimal: rounded).description(withLocale: Locale(identifier: "en_US_POSIX"))
        guard currency.minorUnits > 0 else { return text }
        if !text.contains(".") { text += "." }
        let decimals = text.split(separator: ".", omittingEmptySubsequences: false)[1].count
        return text + String(repeating: "0", count: max(0, currency.minorUnits - decimals))
    }

    public var description: String { "\(plain) \(currency.code)" }
}

extension Decimal {
    /// Rounded half-even to `scale` decimals — for display only; payable amounts use `Money.rounded`.
    func rounded(scale: Int) -> Decimal {
        var value = self, result = Decimal()
        NSDecimalRound(&result, &value, scale, .bankers)
        return result
    }
}

extension Money {
    /// The smaller of two amounts.
    public static func min(_ lhs: Money, _ rhs: Money) -> Money { lhs < rhs ? lhs : rhs }

    /// The amount, or zero when it is negative.
    public var clampedAtZero: Money { amount < 0 ? .zero(currency) : self }
}
