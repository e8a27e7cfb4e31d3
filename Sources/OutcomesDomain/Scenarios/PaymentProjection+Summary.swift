import Foundation
import OutcomesStatistics

extension PaymentProjection {
    /// What the draws say about the contract's outcome payments.
    public struct Summary: Sendable {
        public struct Distribution: Sendable, Equatable {
            public let mean: Decimal
            public let p5: Decimal
            public let p50: Decimal
            public let p95: Decimal
        }
        /// Per provider and period (a fiscal year or quarter, as the contract's periods are cut).
        public let byProviderPeriod: [(key: Key, expected: Decimal, draws: Distribution)]
        /// Per fiscal year (the period label's first four characters), all providers.
        public let byYear: [(year: String, expected: Decimal, draws: Distribution)]
        /// The largest year's total, over the draws.
        public let worstYear: Distribution
        /// Over the contract's projected periods, all providers.
        public let total: Distribution
        public let expectedTotal: Decimal
        /// Share of draws in which each cap cut a line, in the order of the caps.
        public let capBinds: [(cap: Cap, probability: Double)]
        /// Share of draws in which any cap cut a line.
        public let anyCapBinds: Double
        /// Every draw's total over the projected periods, in order (for the distribution's chart).
        public let totals: [Double]
        public let draws: Int
    }

    public static func summarize(expected: Draw, draws: [Draw]) -> Summary {
        func distribution(_ values: [Decimal]) -> Summary.Distribution {
            let sorted = values.sorted()
            let doubles = sorted.map { NSDecimalNumber(decimal: $0).doubleValue }
            func cents(_ value: Double) -> Decimal { Decimal(value).rounded(scale: 2) }
            let mean = values.reduce(Decimal(0), +) / Decimal(max(values.count, 1))
            return .init(mean: cents(NSDecimalNumber(decimal: mean).doubleValue), p5: cents(Percentiles.of(sorted: doubles, 0.05)),
                         p50: cents(Percentiles.of(sorted: doubles, 0.5)), p95: cents(Percentiles.of(sorted: doubles, 0.95)))
        }
        let keys = Set(expected.owed.keys).union(draws.flatMap(\.owed.keys)).sorted()
        let byKey = keys.map { key in (key: key, expected: expected.owed[key] ?? 0, draws: distribution(draws.map { $0.owed[key] ?? 0 })) }
        func yearTotals(_ draw: Draw) -> [String: Decimal] {
            var totals: [String: Decimal] = [:]
            for (key, amount) in draw.owed { totals[String(key.period.prefix(4)), default: 0] += amount }
            return totals
        }
        let years = Set(keys.map { String($0.period.prefix(4)) }).sorted()
        let expectedYears = yearTotals(expected)
        let drawYears = draws.map(yearTotals)
        let caps = Set(draws.flatMap(\.capsBound)).union(expected.capsBound).sorted()
        let n = Double(max(draws.count, 1))
        return Summary(
            byProviderPeriod: byKey,
            byYear: years.map { year in (year, expectedYears[year] ?? 0, distribution(drawYears.map { $0[year] ?? 0 })) },
            worstYear: distribution(drawYears.map { $0.values.max() ?? 0 }),
            total: distribution(draws.map { $0.owed.values.reduce(0, +) }),
            expectedTotal: expected.owed.values.reduce(0, +),
            capBinds: caps.map { cap in (cap, Double(draws.filter { $0.capsBound.contains(cap) }.count) / n) },
            anyCapBinds: Double(draws.filter { !$0.capsBound.isEmpty }.count) / n,
            totals: draws.map { NSDecimalNumber(decimal: $0.owed.values.reduce(0, +)).doubleValue }.sorted(),
            draws: draws.count)
    }
}
