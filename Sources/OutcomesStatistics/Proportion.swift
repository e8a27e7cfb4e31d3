import Foundation

/// A proportion's confidence interval.
public enum Proportion {
    /// Wilson's score interval for `successes` of `trials` (nil for no trials): unlike the Wald
    /// interval it stays inside [0, 1] and keeps its coverage for rates near 0 or 1 and small groups.
    public static func wilson(successes: Int, of trials: Int, confidence: Double = 0.95) -> (lower: Double, upper: Double)? {
        guard trials > 0 else { return nil }
        let n = Double(trials), p = Double(successes) / n, z = Normal.quantile(0.5 + confidence / 2)
        let denominator = 1 + z * z / n
        let centre = (p + z * z / (2 * n)) / denominator
        let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / denominator
        return (max(0, centre - half), min(1, centre + half))
    }
}
