import Foundation

/// When in each period a flow falls, for discounting. Every report states the one it used:
/// spreadsheet `NPV()` functions discount the first flow one period (`endOfPeriod`), numpy's `npv`
/// and most benefit-cost tables take the first flow at t = 0.
public enum FlowTiming: String, Sendable, Codable, CaseIterable {
    /// Flow t at time t: the first undiscounted.
    case firstAtZero = "first_at_zero"
    /// Flow t at time t + 1, as a spreadsheet's NPV() (the first discounted one period).
    case endOfPeriod = "end_of_period"
    /// Flow t at time t + ½ (flows spread over each year).
    case midPeriod = "mid_period"

    /// Where flow t falls: at t + shift.
    public var shift: Double {
        switch self {
        case .firstAtZero: 0
        case .endOfPeriod: 1
        case .midPeriod: 0.5
        }
    }
}

/// An internal rate of return, or why there is none to report.
public enum RateOfReturn: Sendable, Equatable {
    case unique(Double)
    /// The flows change sign more than once: the rates at which they are worth zero (possibly one,
    /// possibly none in range) — reported, never one chosen silently.
    case notUnique(roots: [Double])
    /// The flows never change sign: no rate makes them worth zero.
    case none
}

/// Discounting and rates of return over periodic flows (one per period) or dated flows.
public enum Finance {
    /// Present value of `flows` (one per period) at `rate` per period.
    public static func npv(rate: Double, flows: [Double], timing: FlowTiming) -> Double {
        precondition(rate > -1, "a discount rate is above -100%")
        var value = 0.0
        for (t, flow) in flows.enumerated() { value += flow / pow(1 + rate, Double(t) + timing.shift) }
        return value
    }

    /// Present value of dated flows at an annual `rate`, actual/365 from the first date (as XNPV).
    public static func xnpv(rate: Double, flows: [(day: Int, amount: Double)]) -> Double {
        precondition(rate > -1, "a discount rate is above -100%")
        guard let first = flows.map(\.day).min() else { return 0 }
        return flows.reduce(0) { $0 + $1.amount / pow(1 + rate, Double($1.day - first) / 365) }
    }

    /// The rate at which `flows` are worth zero (first flow at t = 0, as numpy-financial's `irr`).
    public static func irr(_ flows: [Double]) -> RateOfReturn {
        rateOfReturn(signChanges(flows)) { npv(rate: $0, flows: flows, timing: .firstAtZero) }
    }

    /// The annual rate at which dated flows are worth zero (as XIRR).
    public static func xirr(_ flows: [(day: Int, amount: Double)]) -> RateOfReturn {
        let ordered = flows.sorted { $0.day < $1.day }
        return rateOfReturn(signChanges(ordered.map(\.amount))) { xnpv(rate: $0, flows: ordered) }
    }

    /// Modified IRR: negative flows financed at `financeRate`, positive ones reinvested at
    /// `reinvestRate` (numpy-financial's `mirr`); nil without both signs.
    public static func mirr(_ flows: [Double], financeRate: Double, reinvestRate: Double) -> Double? {
        let n = Double(flows.count)
        var positive = 0.0, negative = 0.0
        for (t, flow) in flows.enumerated() {
            if flow > 0 { positive += flow * pow(1 + reinvestRate, n - 1 - Double(t)) }
            if flow < 0 { negative += flow / pow(1 + financeRate, Double(t)) }
        }
        guard positive > 0, negative < 0 else { return nil }
        return pow(positive / -negative, 1 / (n - 1)) - 1
    }

    /// Periods until the cumulative flows (discounted at `rate`, first at t = 0, when given) stop
    /// being negative, interpolated within the period that turns them; nil if they never do.
    public static func paybackPeriod(_ flows: [Double], rate: Double = 0) -> Double? {
        var cumulative = 0.0
        for (t, flow) in flows.enumerated() {
            let value = flow / pow(1 + rate, Double(t))
            let before = cumulative
            cumulative += value
            guard cumulative >= 0 else { continue }
            // Recovered during period t: the part of its flow that was still owed.
            return t == 0 || before >= 0 ? Double(t) : Double(t - 1) + (-before / value)
        }
        return nil
    }

    static func signChanges(_ flows: [Double]) -> Int {
        let signs = flows.filter { $0 != 0 }.map { $0 > 0 }
        return zip(signs, signs.dropFirst()).filter { $0 != $1 }.count
    }

    /// One sign change: exactly one root above −100% (Descartes), found by bisection on a
    /// bracket. More: every root found on a grid from −99% to 1,000%, each refined.
    static func rateOfReturn(_ changes: Int, _ value: (Double) -> Double) -> RateOfReturn {
        guard changes > 0 else { return .none }
        var grid: [Double] = []
        var r = -0.99
        while r < 10 {
            grid.append(r)
            r += r < 1 ? 0.005 : 0.05
        }
        var roots: [Double] = []
        var previous = (grid[0], value(grid[0]))
        for rate in grid.dropFirst() {
            let current = value(rate)
            if previous.1 == 0 { roots.append(previous.0) }
            else if previous.1.sign != current.sign { roots.append(bisect(previous.0, rate, value)) }
            previous = (rate, current)
        }
        if changes == 1, roots.count == 1 { return .unique(roots[0]) }
        return .notUnique(roots: roots)
    }

    static func bisect(_ low: Double, _ high: Double, _ value: (Double) -> Double) -> Double {
        var (a, b) = (low, high)
        var fa = value(a)
        for _ in 0..<200 {
            let mid = (a + b) / 2
            let fm = value(mid)
            if fm == 0 || (b - a) / 2 < 1e-15 { return mid }
            if fm.sign == fa.sign { (a, fa) = (mid, fm) } else { b = mid }
        }
        return (a + b) / 2
    }
}
