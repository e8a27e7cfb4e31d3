/// The weights MatchIt 4.7.2 gives units placed in subclasses (strata) — its
/// `get_weights_from_subclass` followed by `matchit()`'s normalisation (`normalize = TRUE`) —
/// shared by `Subclassification` and `CoarsenedExactMatching`. Also called marginal mean weighting
/// through stratification (MMWS). In a subclass with t treated and c control units:
/// - ATT: treated 1, controls t / c;
/// - ATE: treated 1 + c / t, controls 1 + t / c;
///
/// then, within each group, the positive weights are scaled to add up to the group's number of
/// units with weight (so ATT treated weights stay 1). Units without a subclass get 0.
enum StrataWeights {
    /// `subclass` holds 1-based subclass numbers up to `subclasses`; every numbered subclass must
    /// hold units of both groups (the callers make sure of it), so no weight is a division by 0.
    static func weights(subclass: [Int?], treated: [Bool], estimand: Estimand, subclasses: Int) -> [Double] {
        var treatedIn = Array(repeating: 0, count: subclasses + 1), controlsIn = treatedIn
        for (s, t) in zip(subclass, treated) {
            guard let s else { continue }
            if t { treatedIn[s] += 1 } else { controlsIn[s] += 1 }
        }
        var weights = zip(subclass, treated).map { s, t -> Double in
            guard let s else { return 0 }
            let (own, other) = t ? (Double(treatedIn[s]), Double(controlsIn[s])) : (Double(controlsIn[s]), Double(treatedIn[s]))
            switch estimand {
            case .att: return t ? 1 : other / own
            case .ate: return 1 + other / own
            }
        }
        // matchit(): weights[w > 0] <- length(x) * x / sum(x), for each group.
        for group in [true, false] {
            let units = weights.indices.filter { treated[$0] == group && weights[$0] > 0 }
            let total = units.reduce(0.0) { $0 + weights[$1] }
            guard total > 0 else { continue }
            for unit in units { weights[unit] = Double(units.count) * weights[unit] / total }
        }
        return weights
    }
}

/// R's `quantile(x, probs, type = 7)` and `findInterval`, as MatchIt uses them.
enum RQuantiles {
    /// `quantile(values, probs, type = 7)`: with h = 1 + (n − 1)·p, the h-th smallest value,
    /// interpolated as (1 − frac)·x[lo] + frac·x[hi] when h falls between two different values.
    static func type7(_ values: [Double], probabilities: [Double]) -> [Double] {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return [] }
        return probabilities.map { p in
            let index = 1 + Double(sorted.count - 1) * p
            let lo = index.rounded(.down), hi = index.rounded(.up)
            let low = sorted[Int(lo) - 1], high = sorted[Int(hi) - 1]
            guard index > lo && high != low else { return low }
            let h = index - lo
            return (1 - h) * low + h * high
        }
    }

    /// `findInterval(x, breaks)`: how many of the (nondecreasing) breaks are ≤ x, so a value on a
    /// break belongs to the interval above it. `allInside` maps 0 to 1 and `breaks.count` to
    /// `breaks.count − 1`, as `all.inside = TRUE` does.
    static func findInterval(_ x: Double, _ breaks: [Double], allInside: Bool = false) -> Int {
        var low = 0, high = breaks.count
        while low < high {
            let middle = (low + high) / 2
            if breaks[middle] <= x { low = middle + 1 } else { high = middle }
        }
        return allInside ? min(max(low, 1), breaks.count - 1) : low
    }
}
