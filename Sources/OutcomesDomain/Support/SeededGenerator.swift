import Foundation

/// A fast, seedable random number generator (xoshiro256**), seeded through SplitMix64.
///
/// Every random choice in the toolkit goes through one of these, so a seed fixes the output.
/// `init(seed:stream:substream:)` derives independent generators for, say, each person, so one
/// person's draws do not depend on how many draws another person used.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64, stream: UInt64 = 0, substream: UInt64 = 0) {
        var mixer = seed &+ 0x9E37_79B9_7F4A_7C15 &* (stream &+ 1) ^ (substream &* 0xD1B5_4A32_D192_ED03)
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform integer in the range.
    public mutating func int(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    public mutating func bernoulli(_ probability: Double) -> Bool { uniform() < probability }

    /// Standard normal by the Box–Muller transform.
    public mutating func normal(mean: Double = 0, sd: Double = 1) -> Double {
        let u1 = 1 - uniform()  // (0, 1]: log stays finite
        let u2 = uniform()
        return mean + sd * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// Exponential waiting time with the given mean.
    public mutating func exponential(mean: Double) -> Double { -log(1 - uniform()) * mean }

    /// Log-normal with the given median and log-scale standard deviation.
    public mutating func logNormal(median: Double, sigma: Double) -> Double { median * exp(normal(sd: sigma)) }

    /// An index drawn with probability proportional to its weight.
    public mutating func weightedIndex(_ weights: [Double]) -> Int {
        var target = uniform() * weights.reduce(0, +)
        for (index, weight) in weights.enumerated() {
            target -= weight
            if target < 0 { return index }
        }
        return weights.count - 1
    }
}

/// The logistic function, 1 / (1 + e^-x).
public func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
