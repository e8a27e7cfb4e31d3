import Foundation
import OutcomesStatistics

/// Investors' returns from a contract's outcome payments, through the financing's waterfall:
/// per tranche over the payment draws, and at named effect levels (the "return by tier" table
/// pay-for-success deals publish).
public struct InvestorReturns: Sendable {
    public struct TrancheSummary: Sendable, Equatable {
        public let id: String
        /// XIRR at the estimates; nil when not unique or there is none.
        public let expected: RateOfReturn
        public let expectedMultiple: Double
        /// Over the draws with a unique XIRR.
        public let irrP5: Double?, irrP50: Double?, irrP95: Double?
        /// Draws whose flows had no unique XIRR (sign changes more than once, or never).
        public let irrNotUnique: Int
        public let meanMultiple: Double
        public let probabilityRepaidInFull: Double
    }

    public struct Level: Sendable {
        public let name: String
        public let payments: Decimal
        public let tranches: [Financing.TrancheFlows]
    }

    public let tranches: [TrancheSummary]
    public let levels: [Level]
    /// The share of the estimated effects (all scaled together) at which the most junior investing
    /// tranche gets its money back (multiple 1); nil if not within 0–3 times the estimates.
    public let breakEvenScale: Double?

    /// `periodEnds`: each period's last day, when its payment is taken to be made.
    public init(financing: Financing, projection: PaymentProjection, expected: PaymentProjection.Draw, draws: [PaymentProjection.Draw],
                periodEnds: [String: LocalDate]) throws {
        func dated(_ draw: PaymentProjection.Draw) -> [(date: LocalDate, amount: Double)] {
            var totals: [String: Decimal] = [:]
            for (key, amount) in draw.owed { totals[key.period, default: 0] += amount }
            return totals.compactMap { period, amount in periodEnds[period].map { ($0, NSDecimalNumber(decimal: amount).doubleValue) } }
        }
        let base = financing.waterfall(dated(expected))
        let simulated = draws.map { financing.waterfall(dated($0)) }
        tranches = base.indices.map { t in
            let rates: [Double] = simulated.compactMap { if case .unique(let r) = $0[t].rateOfReturn { r } else { nil } }.sorted()
            let n = Double(max(simulated.count, 1))
            return TrancheSummary(
                id: base[t].id, expected: base[t].rateOfReturn, expectedMultiple: base[t].multiple,
                irrP5: rates.isEmpty ? nil : Percentiles.of(sorted: rates, 0.05), irrP50: rates.isEmpty ? nil : Percentiles.of(sorted: rates, 0.5),
                irrP95: rates.isEmpty ? nil : Percentiles.of(sorted: rates, 0.95), irrNotUnique: simulated.count - rates.count,
                meanMultiple: simulated.reduce(0) { $0 + $1[t].multiple } / n,
                probabilityRepaidInFull: Double(simulated.filter { $0[t].repaidInFull }.count) / n)
        }
        // Effect levels: none, the lower 95% bound (nearer zero), the estimate, the upper bound.
        func shifts(_ move: (Double, Double) -> Double) -> [String: [String?: Double]] {
            projection.effects.mapValues { byProvider in byProvider.mapValues { move($0.estimate, $0.se) } }
        }
        let z = Normal.quantile(0.975)
        let named: [(String, [String: [String?: Double]])] = [
            ("no effect", shifts { estimate, _ in -estimate }),
            ("lower 95% bound", shifts { estimate, se in -(estimate < 0 ? -1 : 1) * z * se }),
            ("estimate", [:]),
            ("upper 95% bound", shifts { estimate, se in (estimate < 0 ? -1 : 1) * z * se }),
        ]
        levels = try named.map { name, moves in
            let draw = try projection.owed(shifts: moves)
            return Level(name: name, payments: draw.owed.values.reduce(0, +), tranches: financing.waterfall(dated(draw)))
        }
        // Break-even for the junior investors: bisection on the effects' common scale.
        let junior = financing.tranches.lastIndex { $0.kind != .recoverableGrant }
        func multiple(_ scale: Double) throws -> Double {
            guard let junior else { return 0 }
            let draw = try projection.owed(shifts: shifts { estimate, _ in (scale - 1) * estimate })
            return financing.waterfall(dated(draw))[junior].multiple
        }
        var breakEven: Double?
        if junior != nil, try multiple(0) < 1, try multiple(3) >= 1 {
            var (low, high) = (0.0, 3.0)
            for _ in 0..<30 {
                let mid = (low + high) / 2
                if try multiple(mid) >= 1 { high = mid } else { low = mid }
            }
            breakEven = high
        } else if junior != nil, try multiple(0) >= 1 {
            breakEven = 0
        }
        breakEvenScale = breakEven
    }
}
