/// What an effect is averaged over: the participants (ATT, the default of evaluations of a
/// programme) or everyone (ATE).
public enum Estimand: String, Sendable, Codable, CaseIterable {
    case att = "ATT", ate = "ATE"
}

/// Inverse-probability weights from a propensity score, their trimming and effective sample size.
public enum PropensityWeights {
    /// ATT: 1 for treated units, p/(1−p) for controls (the odds weights); ATE: 1/p and 1/(1−p).
    public static func weights(propensity: [Double], treated: [Bool], estimand: Estimand) -> [Double] {
        zip(propensity, treated).map { p, t in
            switch estimand {
            case .att: t ? 1 : p / (1 - p)
            case .ate: t ? 1 / p : 1 / (1 - p)
            }
        }
    }

    /// Caps the weights of the units that are weighted (controls for ATT, everyone for ATE) at
    /// their `quantile` (R's default type-7 quantile, numpy's `percentile`): `0.99` caps the top
    /// 1 %. Weights below the cap are unchanged.
    public static func trimmed(_ weights: [Double], treated: [Bool], estimand: Estimand, at quantile: Double) -> [Double] {
        precondition(quantile > 0 && quantile < 1, "trimming needs a quantile between 0 and 1")
        let subject = weights.indices.filter { estimand == .ate || !treated[$0] }
        guard !subject.isEmpty else { return weights }
        let cap = Self.quantile(subject.map { weights[$0] }, quantile)
        var result = weights
        for i in subject where result[i] > cap { result[i] = cap }
        return result
    }

    /// Kish's effective sample size, (Σw)² / Σw², of one group's weights.
    public static func effectiveSampleSize(_ weights: [Double]) -> Double {
        let sum = weights.reduce(0, +), squares = weights.reduce(0) { $0 + $1 * $1 }
        return squares > 0 ? sum * sum / squares : 0
    }

    /// R's type-7 quantile: linear interpolation between order statistics at (n − 1)·q.
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        let h = Double(sorted.count - 1) * q
        let lower = Int(h.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (h - Double(lower)) * (sorted[upper] - sorted[lower])
    }
}
