/// Covariate balance between treated and control units, before and after matching or weighting,
/// as R MatchIt's `summary()` reports it (and cobalt's `bal.tab` for the mean differences).
public enum Balance {
    public struct Row: Sendable, Equatable {
        public let name: String
        public let binary: Bool
        public let meanTreated: Double
        public let meanControl: Double
        /// The difference in means over the standard deviation that is fixed before and after:
        /// the treated group's (ATT) or the average of the two groups' variances (ATE), both
        /// unweighted; for a 0/1 column √(p(1−p)). `nil` when neither group has two units.
        public let standardizedMeanDifference: Double?
        /// Weighted variance of the treated over the control's; continuous columns only.
        public let varianceRatio: Double?
        /// Mean and largest distance between the two groups' weighted empirical CDFs.
        public let eCDFMean: Double?
        public let eCDFMax: Double?
        /// MatchIt's "Std. Pair Dist." (`standardizedPairDistance(values:treated:subclass:weights:estimand:)`);
        /// `nil` unless matched sets were given.
        public let standardizedPairDistance: Double?

        public init(name: String, binary: Bool, meanTreated: Double, meanControl: Double, standardizedMeanDifference: Double?,
                    varianceRatio: Double?, eCDFMean: Double?, eCDFMax: Double?, standardizedPairDistance: Double?) {
            (self.name, self.binary, self.meanTreated, self.meanControl) = (name, binary, meanTreated, meanControl)
            (self.standardizedMeanDifference, self.varianceRatio, self.eCDFMean, self.eCDFMax) = (standardizedMeanDifference, varianceRatio, eCDFMean, eCDFMax)
            self.standardizedPairDistance = standardizedPairDistance
        }
    }

    /// One row. `weights` nil: the sample before matching (all units, weight 1). `subclass`, each
    /// unit's matched set (nil: none), adds the standardized pair distance.
    public static func row(name: String, values: [Double], treated: [Bool], weights: [Double]?, estimand: Estimand,
                           subclass: [Int?]? = nil, matchedRows: MatchedSetRows? = nil) -> Row {
        let binary = values.allSatisfy { $0 == 0 || $0 == 1 }
        let w = weights ?? Array(repeating: 1, count: values.count)
        let t = values.indices.filter { treated[$0] }, c = values.indices.filter { !treated[$0] }
        let (xt, wt) = (t.map { values[$0] }, t.map { w[$0] }), (xc, wc) = (c.map { values[$0] }, c.map { w[$0] })
        let meanT = weightedMean(xt, wt), meanC = weightedMean(xc, wc)
        let difference = meanT - meanC
        let tooSmall = wt.filter { $0 != 0 }.count < 2 && wc.filter { $0 != 0 }.count < 2
        var smd: Double?
        if !tooSmall {
            if abs(difference) <= Double.ulpOfOne.squareRoot() {
                smd = difference
            } else {
                smd = difference / standardization(xt, xc, binary: binary, estimand: estimand)
            }
        }
        var varianceRatio: Double?, eMean: Double?, eMax: Double?
        if binary {
            (eMean, eMax) = (abs(difference), abs(difference))
        } else if !tooSmall {
            let ratio = variance(xt, wt, binary: false) / variance(xc, wc, binary: false)
            varianceRatio = ratio.isFinite ? ratio : nil
            (eMean, eMax) = eCDFDistance(values: values, treated: treated, weights: w)
        }
        var pairDistance = subclass.flatMap { standardizedPairDistance(values: values, treated: treated, subclass: $0, weights: w, estimand: estimand) }
        if let matchedRows {
            pairDistance = standardizedPairDistance(values: values, treated: treated, matchedRows: matchedRows, weights: w, estimand: estimand)
        }
        return Row(name: name, binary: binary, meanTreated: meanT, meanControl: meanC, standardizedMeanDifference: smd,
                   varianceRatio: varianceRatio, eCDFMean: eMean, eCDFMax: eMax, standardizedPairDistance: pairDistance)
    }

    /// The standard deviation differences are divided by, fixed before and after: the treated
    /// group's (ATT) or the root mean of the two groups' variances (ATE), unweighted; when that is
    /// zero, the SD pooled in proportion to group sizes.
    static func standardization(_ xt: [Double], _ xc: [Double], binary: Bool, estimand: Estimand) -> Double {
        let ones = { (n: Int) in Array(repeating: 1.0, count: n) }
        var sd: Double
        switch estimand {
        case .att: sd = variance(xt, ones(xt.count), binary: binary).squareRoot()
        case .ate: sd = ((variance(xt, ones(xt.count), binary: binary) + variance(xc, ones(xc.count), binary: binary)) / 2).squareRoot()
        }
        if !sd.isFinite || sd < Double.ulpOfOne.squareRoot() { sd = pooledProportionalSD(xt, xc, binary: binary) }
        return sd
    }

    static func weightedMean(_ x: [Double], _ w: [Double]) -> Double {
        zip(x, w).reduce(0) { $0 + $1.0 * $1.1 } / w.reduce(0, +)
    }

    /// MatchIt's `wvar`: p(1−p) for 0/1 columns, else Σw(x−m)² / (1 − Σw²) with w normalized.
    static func variance(_ x: [Double], _ w: [Double], binary: Bool) -> Double {
        let total = w.reduce(0, +)
        let normalized = w.map { $0 / total }
        let mean = zip(x, normalized).reduce(0) { $0 + $1.0 * $1.1 }
        if binary { return mean * (1 - mean) }
        let squares = zip(x, normalized).reduce(0) { $0 + $1.1 * ($1.0 - mean) * ($1.0 - mean) }
        return squares / (1 - normalized.reduce(0) { $0 + $1 * $1 })
    }

    /// The fallback when the chosen SD is zero: the SD pooled in proportion to group sizes.
    static func pooledProportionalSD(_ xt: [Double], _ xc: [Double], binary: Bool) -> Double {
        let n = Double(xt.count + xc.count)
        if binary {
            return [xt, xc].reduce(0.0) { sum, x in
                let s = x.reduce(0, +)
                return sum + s * (1 - s / Double(x.count)) / n
            }.squareRoot()
        }
        let squares = [xt, xc].reduce(0.0) { sum, x in
            let m = x.reduce(0, +) / Double(x.count)
            return sum + x.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        }
        return (squares / (n - 1)).squareRoot()
    }

    /// Walks the values in order, adding each treated unit's share of its group's weight and
    /// subtracting each control's; the gap after the last of each run of equal values is the
    /// distance between the two empirical CDFs there.
    static func eCDFDistance(values: [Double], treated: [Bool], weights: [Double]) -> (Double, Double) {
        var totalT = 0.0, totalC = 0.0
        for i in values.indices { if treated[i] { totalT += weights[i] } else { totalC += weights[i] } }
        // Each unit's step, sorted by value: only the sums after each run of ties matter.
        var steps = values.indices.map { (value: values[$0], step: treated[$0] ? weights[$0] / totalT : -weights[$0] / totalC) }
        steps.sort { $0.value < $1.value }
        var running = 0.0, gaps: [Double] = []
        for k in steps.indices {
            running += steps[k].step
            if k == steps.count - 1 || steps[k + 1].value != steps[k].value { gaps.append(abs(running)) }
        }
        return (gaps.reduce(0, +) / Double(gaps.count), gaps.max() ?? 0)
    }
}
