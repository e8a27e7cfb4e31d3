import Foundation

/// A currency named in a contract, with the number of minor units amounts are rounded to.
/// (Held as an index into a fixed table, so a `Money` is a plain value: copying it costs nothing.)
public struct Currency: Sendable, Hashable, CustomStringConvertible {
    private let index: UInt8

    /// ISO 4217 codes the contract file accepts, with their minor units.
    private static let table: [(code: String, minorUnits: Int)] = [
        ("AUD", 2), ("CAD", 2), ("CHF", 2), ("DKK", 2), ("EUR", 2), ("GBP", 2), ("ISK", 0), ("JPY", 0), ("KRW", 0), ("NOK", 2),
        ("NZD", 2), ("SEK", 2), ("USD", 2),
    ]

    public static let known: [String: Int] = Dictionary(uniqueKeysWithValues: table.map { ($0.code, $0.minorUnits) })

    public init?(code: String) {
        guard let index = Self.table.firstIndex(where: { $0.code == code }) else { return nil }
        self.index = UInt8(index)
    }

    public var code: String { Self.table[Int(index)].code }
    public var minorUnits: Int { Self.table[Int(index)].minorUnits }
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
    /// The amount in minor units when it was made from them: lets sums and COPY skip decimal work.
    private let knownMinorUnits: Int?

    public init(_ amount: Decimal, _ currency: Currency) {
        self.amount = amount
        self.currency = currency
        knownMinorUnits = nil
    }

    public static func == (lhs: Money, rhs: Money) -> Bool { lhs.amount == rhs.amount && lhs.currency == rhs.currency }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(amount)
        hasher.combine(currency)
    }

    public static func zero(_ currency: Currency) -> Money { Money(0, currency) }

    /// An amount given in minor units (cents): `Money(minorUnits: 1250, usd)` is 12.50.
    public init(minorUnits: Int, _ currency: Currency) {
        let significand = Decimal(minorUnits.magnitude)
        amount = Decimal(sign: minorUnits < 0 ? .minus : .plus, exponent: -currency.minorUnits, significand: significand)
        self.currency = currency
        knownMinorUnits = minorUnits
    }

    /// The sum of amounts of one currency (in integer minor units when every amount came from them).
    public static func sum(_ amounts: some Sequence<Money>, _ currency: Currency) -> Money {
        var minor = 0, exact = true
        var total = Money.zero(currency)
        for money in amounts {
            if exact, let known = money.knownMinorUnits {
                minor += known
            } else {
                if exact { total = Money(minorUnits: minor, currency) }
                exact = false
                total += money
            }
        }
        return exact ? Money(minorUnits: minor, currency) : total
    }

    /// The amount in minor units, for amounts known to be whole minor units (prices and caps the
    /// contract parser checked); traps otherwise, which would be a programming error.
    var exactMinorUnits: Int {
        guard let minor = minorUnits else { preconditionFailure("\(self) is not a whole number of minor units") }
        return minor
    }

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
        let scale = currency.minorUnits
        guard let minor = minorUnits else {
            var text = amount.rounded(scale: scale).description  // always "." and no grouping
            guard scale > 0 else { return text }
            if !text.contains(".") { text += "." }
            let decimals = text.split(separator: ".", omittingEmptySubsequences: false)[1].count
            return text + String(repeating: "0", count: max(0, scale - decimals))
        }
        guard scale > 0 else { return String(minor) }
        var digits = String(minor.magnitude)
        if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
        digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        return minor < 0 ? "-" + digits : digits
    }

    /// The amount in minor units (cents), when it is a whole number of them and fits an Int.
    public var minorUnits: Int? {
        if let knownMinorUnits { return knownMinorUnits }
        let scaled = amount * Self.minorUnitScales[currency.minorUnits]
        let whole = NSDecimalNumber(decimal: scaled).int64Value
        return Decimal(whole) == scaled ? Int(whole) : nil
    }

    private static let minorUnitScales: [Decimal] = [1, 10, 100, 1000]

    /// The amount with the currency's decimals and thousands separators, e.g. `1,234,567.50`.
    public var grouped: String {
        let text = plain
        let negative = text.hasPrefix("-")
        let digits = negative ? String(text.dropFirst()) : text
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        var whole = String(parts[0]), result = ""
        while whole.count > 3 {
            result = "," + whole.suffix(3) + result
            whole = String(whole.dropLast(3))
        }
        result = whole + result
        return (negative ? "-" : "") + result + (parts.count > 1 ? "." + parts[1] : "")
    }

    public var description: String { "\(plain) \(currency.code)" }
}

extension Decimal {
    /// Rounded half-even to `scale` decimals — for display only; payable amounts use `Money.rounded`.
    public func rounded(scale: Int) -> Decimal {
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
