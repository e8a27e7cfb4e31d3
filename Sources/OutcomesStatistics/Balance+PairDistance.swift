/// MatchIt's pair distances (Stuart and Green 2008): how far apart matched units are on a
/// covariate, the column "Std. Pair Dist." of `summary.matchit()` on the matched sample.
extension Balance {
    /// The mean absolute difference in `values` over every pair of a treated and a control unit
    /// in the same matched set (`subclass`, any labels; nil: in none): each pair once, so a
    /// set of one treated unit and k controls gives k pairs, a subclass of t treated and c
    /// controls t·c. `nil` when no set holds both groups (MatchIt reports 0 there).
    public static func pairDistance(values: [Double], treated: [Bool], subclass labels: [Int?]) -> Double? {
        // Sets numbered 1…K with K at most the units (as matching numbers them) are used as they
        // are; other labels are renumbered so first.
        let given = labels.compactMap { $0 }
        guard let lowest = given.min(), let highest = given.max() else { return nil }
        var subclass = labels
        if lowest < 1 || highest > labels.count {
            var numbers: [Int: Int] = [:]
            for (i, label) in labels.enumerated() {
                guard let label else { continue }
                if numbers[label] == nil { numbers[label] = numbers.count + 1 }
                subclass[i] = numbers[label]
            }
        }
        // The units of each set, by a counting sort on the set numbers (one pass per covariate).
        let largest = subclass.reduce(0) { max($0, $1 ?? 0) }
        var start = [Int](repeating: 0, count: largest + 2)
        for set in subclass { if let set { start[set + 1] += 1 } }
        for k in 1..<start.count { start[k] += start[k - 1] }
        var next = start, order = [Int](repeating: 0, count: start[largest + 1])
        for i in values.indices { if let set = subclass[i] { order[next[set]] = i; next[set] += 1 } }
        var total = 0.0, pairs = 0
        var t: [Double] = [], c: [Double] = []
        for set in 1...largest {
            t.removeAll(keepingCapacity: true)
            c.removeAll(keepingCapacity: true)
            for k in start[set]..<start[set + 1] {
                let i = order[k]
                if treated[i] { t.append(values[i]) } else { c.append(values[i]) }
            }
            guard !t.isEmpty, !c.isEmpty else { continue }
            // Pairs and small sets directly; large subclasses by sorting.
            if t.count * c.count <= 64 {
                for a in t { for b in c { total += abs(a - b) } }
            } else {
                total += sumOfAbsoluteDifferences(t, c)
            }
            pairs += t.count * c.count
        }
        return pairs > 0 ? total / Double(pairs) : nil
    }

    /// "Std. Pair Dist." as `summary.matchit()` computes it: the pair distance over the standard
    /// deviation of the standardized mean difference (`weights` and `estimand` as for
    /// `row(...)`). Like MatchIt it leaves the pair distance unstandardized when the weighted
    /// means differ by at most √ε (as it then reports the bare mean difference) or the pair
    /// distance is at most 1e-8, and gives none (`nil`) when the means differ but neither group
    /// has two units with weight.
    public static func standardizedPairDistance(values: [Double], treated: [Bool], subclass: [Int?], weights: [Double],
                                                estimand: Estimand) -> Double? {
        standardized(pairDistance(values: values, treated: treated, subclass: subclass), values: values, treated: treated,
                     weights: weights, estimand: estimand)
    }

    /// The same after matching with replacement, where a control may be in several matched sets:
    /// over every treated–control pair of MatchIt's match matrix (`get_matches()`'s rows), as
    /// `summary.matchit()` computes it from `match.matrix`.
    public static func standardizedPairDistance(values: [Double], treated: [Bool], matchedRows rows: MatchedSetRows, weights: [Double],
                                                estimand: Estimand) -> Double? {
        let distance = pairDistance(values: rows.onRows(values), treated: rows.onRows(treated), subclass: rows.subclass.map { $0 })
        return standardized(distance, values: values, treated: treated, weights: weights, estimand: estimand)
    }

    static func standardized(_ distance: Double?, values: [Double], treated: [Bool], weights: [Double], estimand: Estimand) -> Double? {
        guard let distance else { return nil }
        let t = values.indices.filter { treated[$0] }, c = values.indices.filter { !treated[$0] }
        let (xt, wt) = (t.map { values[$0] }, t.map { weights[$0] }), (xc, wc) = (c.map { values[$0] }, c.map { weights[$0] })
        let difference = weightedMean(xt, wt) - weightedMean(xc, wc)
        guard abs(difference) > Double.ulpOfOne.squareRoot() else { return distance }
        guard wt.filter({ $0 != 0 }).count >= 2 || wc.filter({ $0 != 0 }).count >= 2 else { return nil }
        guard abs(distance) > 1e-8 else { return distance }
        let binary = values.allSatisfy { $0 == 0 || $0 == 1 }
        return distance / standardization(xt, xc, binary: binary, estimand: estimand)
    }

    /// Σ over t in `a`, c in `b` of |t − c|, from the sorted `b` and its running sums (not pair by
    /// pair, so a subclass of thousands costs a sort); values centred first to keep the sums small.
    static func sumOfAbsoluteDifferences(_ a: [Double], _ b: [Double]) -> Double {
        let centre = b.reduce(0, +) / Double(b.count)
        let sorted = b.map { $0 - centre }.sorted()
        var running = [0.0]
        running.reserveCapacity(sorted.count + 1)
        for x in sorted { running.append(running[running.count - 1] + x) }
        let all = running[sorted.count], m = Double(sorted.count)
        var total = 0.0
        for value in a {
            let x = value - centre
            var (low, high) = (0, sorted.count)  // the number of sorted values below x
            while low < high {
                let mid = (low + high) / 2
                if sorted[mid] < x { low = mid + 1 } else { high = mid }
            }
            let below = Double(low)
            total += (x * below - running[low]) + ((all - running[low]) - x * (m - below))
        }
        return total
    }
}
