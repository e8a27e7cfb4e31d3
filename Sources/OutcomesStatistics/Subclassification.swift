/// Propensity-score subclassification as MatchIt 4.7.2 does it:
/// `matchit(formula, data, method = "subclass", distance = <distance>, estimand = "ATT" | "ATE",
/// subclass = subclasses, min.n = minimumPerGroup, discard = ...)` (`normalize = TRUE`, no
/// sampling weights). MatchIt's ATC, a vector of quantiles for `subclass`, and `reestimate` are
/// not offered.
///
/// The steps, as in `matchit2subclass`:
/// 1. `discard` drops units outside the distance's common support (MatchIt's `discard`).
/// 2. Breaks are the type-7 quantiles, at 0, 1/k, …, 1, of the distance of the treated units (ATT)
///    or of all units (ATE) — discarded ones included, as MatchIt takes them.
/// 3. Each unit kept goes to the interval its distance falls in (a value on a break goes up; the
///    lowest and highest values stay in the first and last interval).
/// 4. With `minimumPerGroup` m ≥ 1, a subclass with fewer than m units of a group takes them from
///    the nearest subclass that has some, the unit of that group closest to it in distance
///    (MatchIt's `subclass_scoot`, whose tie and direction rules are kept). With m = 0, subclasses
///    lacking a group are dropped: their units get no subclass and weight 0.
/// 5. The subclasses that remain are numbered 1, 2, … in distance order (empty intervals, which
///    ties in the distance can leave, are skipped) and weighted as `StrataWeights` describes.
public struct Subclassification: Sendable {
    /// MatchIt's `subclass` (a number of subclasses, at least 2).
    public var subclasses: Int
    public var estimand: Estimand
    /// MatchIt's `min.n`.
    public var minimumPerGroup: Int
    /// MatchIt's `discard`, on the distance.
    public var discard: NearestNeighbourMatching.Discard

    public init(subclasses: Int = 6, estimand: Estimand = .att, minimumPerGroup: Int = 1,
                discard: NearestNeighbourMatching.Discard = .none) {
        (self.subclasses, self.estimand, self.minimumPerGroup, self.discard) = (subclasses, estimand, minimumPerGroup, discard)
    }

    public struct Result: Sendable, Equatable {
        /// Each unit's subclass, 1-based (MatchIt's `subclass`); nil when discarded or, with
        /// `minimumPerGroup` 0, when its subclass lacked a group.
        public let subclass: [Int?]
        /// MatchIt's `weights`; 0 for units without a subclass.
        public let weights: [Double]
        /// Outside common support (MatchIt's `discarded`).
        public let discarded: [Bool]
        /// The quantile breaks (MatchIt's `q.cut`), `subclasses + 1` of them.
        public let quantileBreaks: [Double]
        /// Subclasses in the result; fewer than asked for when ties in the distance leave
        /// intervals empty (MatchIt warns) or when `minimumPerGroup` 0 drops some.
        public let subclassesFormed: Int
        /// Units moved out of their quantile interval to give every subclass `minimumPerGroup`
        /// units of each group.
        public let unitsReassigned: Int
        /// With `minimumPerGroup` 0: subclasses dropped for lacking treated or control units, and
        /// the units (not discarded) they held.
        public let subclassesDropped: Int
        public let unitsDropped: Int
    }

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case lengthMismatch(distance: Int, treated: Int)
        case nonFiniteDistance(unit: Int)
        case tooFewSubclasses(Int)
        case negativeMinimum(Int)
        /// No treated (or no control) unit at all, or none left after `discard`.
        case noUnits(treated: Bool)
        /// A group has fewer units than `minimumPerGroup` × the subclasses formed, so the
        /// subclasses cannot all be filled (MatchIt's `subclass_scoot` would never finish).
        case tooFewUnitsToFillSubclasses(treated: Bool, units: Int, needed: Int)
        /// With `minimumPerGroup` 0, no subclass holds both groups.
        case noSubclassWithBothGroups

        public var description: String {
            func group(_ treated: Bool) -> String { treated ? "treated" : "control" }
            switch self {
            case .lengthMismatch(let d, let t): return "\(d) distances for \(t) treatment flags"
            case .nonFiniteDistance(let unit): return "the distance of unit \(unit) is not a finite number"
            case .tooFewSubclasses(let k): return "subclassification needs at least 2 subclasses, not \(k)"
            case .negativeMinimum(let m): return "the minimum number of units per group and subclass cannot be \(m)"
            case .noUnits(let t): return "no \(group(t)) units (left after discarding)"
            case .tooFewUnitsToFillSubclasses(let t, let units, let needed):
                return "\(units) \(group(t)) units cannot fill the subclasses, which need \(needed); ask for fewer subclasses"
            case .noSubclassWithBothGroups: return "no subclass holds both treated and control units"
            }
        }
    }

    public func subclassify(distance: [Double], treated: [Bool]) throws(Failure) -> Result {
        let n = distance.count
        guard treated.count == n else { throw .lengthMismatch(distance: n, treated: treated.count) }
        if let unit = distance.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteDistance(unit: unit) }
        guard subclasses >= 2 else { throw .tooFewSubclasses(subclasses) }
        guard minimumPerGroup >= 0 else { throw .negativeMinimum(minimumPerGroup) }
        for group in [true, false] where !treated.contains(group) { throw .noUnits(treated: group) }

        let discarded = discard.outsideCommonSupport(distance: distance, treated: treated)
        // seq(0, 1, length.out = k + 1), computed as R does: i · (1/k) inside, exact ends.
        let step = 1 / Double(subclasses)
        let probabilities = [0] + (1..<subclasses).map { Double($0) * step } + [1]
        let base = estimand == .att ? distance.indices.filter { treated[$0] }.map { distance[$0] } : distance
        let breaks = RQuantiles.type7(base, probabilities: probabilities)

        let kept = (0..<n).filter { !discarded[$0] }
        for group in [true, false] where !kept.contains(where: { treated[$0] == group }) { throw .noUnits(treated: group) }
        let interval = kept.map { RQuantiles.findInterval(distance[$0], breaks, allInside: true) }
        let occupied = Set(interval).sorted()
        var code = interval.map { occupied.firstIndex(of: $0)! }  // 0-based among occupied intervals
        var alive = Array(repeating: true, count: occupied.count)
        var unitsReassigned = 0
        if minimumPerGroup == 0 {
            var hasTreated = alive.map { _ in false }, hasControl = hasTreated
            for (c, unit) in zip(code, kept) { if treated[unit] { hasTreated[c] = true } else { hasControl[c] = true } }
            alive = zip(hasTreated, hasControl).map { $0 && $1 }
            guard alive.contains(true) else { throw .noSubclassWithBothGroups }
        } else {
            let keptTreated = kept.map { treated[$0] }
            for group in [true, false] {
                let units = keptTreated.filter { $0 == group }.count, needed = minimumPerGroup * occupied.count
                guard units >= needed else { throw .tooFewUnitsToFillSubclasses(treated: group, units: units, needed: needed) }
            }
            let before = code
            Self.scoot(&code, treated: keptTreated, distance: kept.map { distance[$0] }, subclasses: occupied.count,
                       minimum: minimumPerGroup)
            unitsReassigned = zip(before, code).filter { $0 != $1 }.count
        }

        // Number the subclasses that remain 1, 2, … in distance order.
        var number = Array(repeating: 0, count: alive.count), formed = 0
        for c in alive.indices where alive[c] { formed += 1; number[c] = formed }
        var subclass = [Int?](repeating: nil, count: n)
        for (c, unit) in zip(code, kept) where alive[c] { subclass[unit] = number[c] }
        let unitsDropped = zip(code, kept).filter { !alive[$0.0] }.count
        let weights = StrataWeights.weights(subclass: subclass, treated: treated, estimand: estimand, subclasses: formed)
        return Result(subclass: subclass, weights: weights, discarded: discarded, quantileBreaks: breaks,
                      subclassesFormed: formed, unitsReassigned: unitsReassigned,
                      subclassesDropped: alive.count - formed, unitsDropped: unitsDropped)
    }

    /// MatchIt's `subclass_scoot`, group by group: while some subclass has no unit of the group
    /// left (after `minimum − 1` rounds of setting one aside in every subclass), the first such
    /// subclass takes one from the nearest nonempty subclass on the side a score picks — the
    /// last one in the data among those closest to it in distance. The caller has checked each
    /// group holds at least `minimum × subclasses` units, which makes every round end.
    static func scoot(_ code: inout [Int], treated: [Bool], distance: [Double], subclasses: Int, minimum: Int) {
        for group in [true, false] {
            let members = code.indices.filter { treated[$0] == group }
            var count = Array(repeating: 0, count: subclasses)
            for unit in members { count[code[unit]] += 1 }
            for _ in 0..<minimum {
                while let empty = count.firstIndex(where: { $0 <= 0 }) {
                    let left: Bool
                    if empty == subclasses - 1 {
                        left = true
                    } else if empty == 0 {
                        left = false
                    } else {
                        // Surplus beyond one unit, weighted by closeness, on each side: negative looks left.
                        var score = 0.0
                        for other in 0..<subclasses where count[other] > 1 && other != empty {
                            score += Double(count[other] - 1) / Double(other - empty)
                        }
                        left = score <= 0
                    }
                    let sides = left ? Array(stride(from: empty - 1, through: 0, by: -1)) : Array(empty + 1..<subclasses)
                    guard let source = sides.first(where: { count[$0] > 0 }) else { return }  // unreachable after the caller's check
                    var best: Int?
                    for unit in members where code[unit] == source {
                        guard let b = best else { best = unit; continue }
                        if left ? distance[unit] >= distance[b] : distance[unit] <= distance[b] { best = unit }
                    }
                    guard let best else { return }
                    code[best] = empty
                    count[empty] += 1
                    count[source] -= 1
                }
                for s in count.indices { count[s] -= 1 }
            }
        }
    }
}

extension NearestNeighbourMatching.Discard {
    /// MatchIt's `discard()` on a distance: `both` drops units outside
    /// [max(min treated, min control), min(max treated, max control)], `treated` drops treated
    /// units outside the controls' range, `control` controls outside the treated units' range.
    func outsideCommonSupport(distance: [Double], treated: [Bool]) -> [Bool] {
        let t = distance.indices.filter { treated[$0] }.map { distance[$0] }
        let c = distance.indices.filter { !treated[$0] }.map { distance[$0] }
        guard self != .none, let tMin = t.min(), let tMax = t.max(), let cMin = c.min(), let cMax = c.max() else {
            return Array(repeating: false, count: distance.count)
        }
        return distance.indices.map { unit in
            let d = distance[unit]
            switch self {
            case .none: return false
            case .both: return d < max(tMin, cMin) || d > min(tMax, cMax)
            case .treated: return treated[unit] && (d < cMin || d > cMax)
            case .control: return !treated[unit] && (d < tMin || d > tMax)
            }
        }
    }
}
