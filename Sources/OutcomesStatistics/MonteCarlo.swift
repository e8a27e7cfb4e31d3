/// Reproducible draws for Monte Carlo: the uniform for (draw, variable) is a pure function of the
/// seed and those two indices (SplitMix64 over a key), so a report is the same bit for bit for a
/// seed whatever the number of threads or the order draws are computed in. Antithetic pairs: draw
/// 2k + 1 uses 1 − u of draw 2k.
public struct MonteCarloStream: Sendable, Equatable {
    public let seed: UInt64
    public var antithetic: Bool

    public init(seed: UInt64, antithetic: Bool = false) {
        self.seed = seed
        self.antithetic = antithetic
    }

    /// A uniform in (0, 1) for variable `variable` in draw `draw`.
    public func uniform(draw: Int, variable: Int) -> Double {
        let base = antithetic ? draw / 2 : draw
        var z = seed &+ UInt64(truncatingIfNeeded: base) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: variable) &* 0xD1B5_4A32_D192_ED03
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        // 53 random bits, centred in their interval: never 0 or 1.
        let u = (Double(z >> 11) + 0.5) / 9_007_199_254_740_992
        return antithetic && draw % 2 == 1 ? 1 - u : u
    }
}

/// An uncertain input, drawn by inversion from one uniform.
public enum Distribution: Sendable, Equatable {
    case fixed(Double)
    case normal(mean: Double, sd: Double)
    case uniform(low: Double, high: Double)
    case triangular(low: Double, mode: Double, high: Double)

    /// The value at quantile `u`.
    public func value(at u: Double) -> Double {
        switch self {
        case .fixed(let v): return v
        case .normal(let mean, let sd): return sd == 0 ? mean : mean + sd * Normal.quantile(u)
        case .uniform(let low, let high): return low + u * (high - low)
        case .triangular(let low, let mode, let high):
            guard high > low else { return mode }
            let split = (mode - low) / (high - low)
            return u < split ? low + ((high - low) * (mode - low) * u).squareRoot()
                             : high - ((high - low) * (high - mode) * (1 - u)).squareRoot()
        }
    }

    /// The central value (what a deterministic run uses).
    public var center: Double {
        switch self {
        case .fixed(let v): v
        case .normal(let mean, _): mean
        case .uniform(let low, let high): (low + high) / 2
        case .triangular(_, let mode, _): mode
        }
    }

    /// The low and high values a one-way sensitivity (tornado) uses: the 5th and 95th percentiles
    /// of a normal, the ends of a uniform or triangular.
    public var range: (low: Double, high: Double) {
        switch self {
        case .fixed(let v): (v, v)
        case .normal: (value(at: 0.05), value(at: 0.95))
        case .uniform(let low, let high), .triangular(let low, _, let high): (low, high)
        }
    }
}

/// Summaries of simulated values, as reports give them.
public enum Percentiles {
    /// The type-7 quantile (R's default, numpy's `percentile`) of already sorted values.
    public static func of(sorted values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let h = Double(values.count - 1) * q
        let lower = Int(h.rounded(.down)), upper = min(lower + 1, values.count - 1)
        return values[lower] + (h - Double(lower)) * (values[upper] - values[lower])
    }
}
