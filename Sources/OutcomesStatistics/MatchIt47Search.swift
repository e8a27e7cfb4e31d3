/// Nearest-neighbour matching on a distance exactly as MatchIt 4.7.x's C++ does it
/// (`nn_matchC_vec` and `find_control_vec`), so that its matched sets — ties included — are
/// MatchIt's. All units are sorted by distance (R's stable `order`: ties in data order); from a
/// treated unit's place the search steps left and right in turn, left first, keeping the first
/// `ratio` eligible controls found on each side within the caliper (a side stops at the caliper or
/// once `ratio` candidates are closer than the next), and takes the `ratio` closest of them as
/// libstdc++'s `partial_sort` orders them. So of controls tied at the same distance below the
/// treated unit's score the last in data order is taken, above it the first.
///
/// Without replacement, a ratio k takes k rounds, each treated unit one control per round, a later
/// round searching outward from the controls it already has; a treated unit that finds none in a
/// round is matched no further. With replacement, each treated unit (in data order) takes its k
/// closest controls at once.
///
/// MatchIt's C++ visits every unit of the sorted order, one step left and one right in turn; this
/// search jumps straight to the next control still available in the treated unit's exact stratum
/// (skip pointers over those taken), and orders what it finds on the two sides by how many steps
/// MatchIt would have taken to reach them — its global positions — so that what is found, and in
/// which order (which decides ties), is MatchIt's. (A control of another stratum can stop MatchIt's
/// scan of a side earlier, but only where nothing further on that side could be taken.) Tests hold
/// it to a line-for-line port of the C++ on data full of ties.
struct MatchIt47Search {
    let distance: [Double]
    let treated: [Bool]
    let exact: [String]?
    let ratio: Int
    let replace: Bool
    /// The caliper's width in distance units; nil for none.
    let width: Double?
    /// The treated units in the order they are matched.
    let order: [Int]
    var eligible: [Bool]

    /// Each unit's place in the order of all units by distance (R's stable `order`: ties in data order).
    private let position: [Int]
    /// The controls of each exact stratum by place, and skip pointers past those taken.
    private var strata: [String: Stratum] = [:]
    private var stratumOf: [Int: (key: String, at: Int)] = [:]
    private let noCaliper: Double

    private struct Stratum {
        var controls: [Int] = []
        var left: [Int] = [], right: [Int] = []
    }

    init(distance: [Double], treated: [Bool], exact: [String]?, ratio: Int, replace: Bool, width: Double?, order: [Int], eligible: [Bool]) {
        (self.distance, self.treated, self.exact, self.ratio, self.replace, self.width, self.order, self.eligible) =
            (distance, treated, exact, ratio, replace, width, order, eligible)
        let n = distance.count
        let sorted = (0..<n).sorted { (distance[$0], $0) < (distance[$1], $1) }
        var position = Array(repeating: 0, count: n)
        for (at, unit) in sorted.enumerated() { position[unit] = at }
        self.position = position
        for unit in sorted where !treated[unit] && eligible[unit] {
            let key = exact?[unit] ?? ""
            stratumOf[unit] = (key, strata[key]?.controls.count ?? 0)
            strata[key, default: Stratum()].controls.append(unit)
        }
        for key in strata.keys {
            strata[key]!.left = Array(strata[key]!.controls.indices)
            strata[key]!.right = strata[key]!.left
        }
        let finite = distance.filter(\.isFinite)
        noCaliper = (finite.max() ?? 0) - (finite.min() ?? 0) + 1
    }

    /// Each treated unit's controls, in the order MatchIt lists them.
    mutating func run() -> [Int: [Int]] {
        var matches: [Int: [Int]] = Dictionary(uniqueKeysWithValues: order.map { ($0, []) })
        if replace {
            for unit in order where eligible[unit] {
                matches[unit] = find(unit, round: 1, taken: [], ratio: ratio)
            }
            return matches
        }
        var eligibleControls = stratumOf.count
        for round in 1...ratio {
            for unit in order {
                if eligibleControls == 0 { break }
                guard eligible[unit] else { continue }
                guard let control = find(unit, round: round, taken: matches[unit]!, ratio: 1).first else {
                    eligible[unit] = false
                    continue
                }
                matches[unit]!.append(control)
                take(control)
                eligibleControls -= 1
                if matches[unit]!.count >= ratio { eligible[unit] = false }
            }
        }
        return matches
    }

    private mutating func take(_ control: Int) {
        eligible[control] = false
        guard let (key, at) = stratumOf[control] else { return }
        strata[key]!.left[at] = at - 1
        strata[key]!.right[at] = at + 1
    }

    /// The nearest index at or beyond `at` (in `step`'s direction) of a control still available, or
    /// an index outside the stratum.
    private mutating func available(_ key: String, _ at: Int, step: Int) -> Int {
        let count = strata[key]!.controls.count
        var p = at
        var path: [Int] = []
        while p >= 0 && p < count {
            let next = step > 0 ? strata[key]!.right[p] : strata[key]!.left[p]
            if next == p { break }
            path.append(p)
            p = next
        }
        for q in path { if step > 0 { strata[key]!.right[q] = p } else { strata[key]!.left[q] = p } }
        return p
    }

    private mutating func find(_ unit: Int, round: Int, taken: [Int], ratio: Int) -> [Int] {
        let key = exact?[unit] ?? ""
        guard let list = strata[key]?.controls, !list.isEmpty else { return [] }
        let ii = position[unit], target = distance[unit]
        var start = (left: ii, right: ii)
        var minimum = 0.0
        if round > 1, !taken.isEmpty {
            let places = taken.map { position[$0] }
            start = (min(places.min()!, ii), max(places.max()!, ii))
            let leftmost = start.left == ii ? unit : taken.min { position[$0] < position[$1] }!
            let rightmost = start.right == ii ? unit : taken.max { position[$0] < position[$1] }!
            let leftGap = abs(target - distance[leftmost]), rightGap = abs(target - distance[rightmost])
            minimum = start.left == ii ? rightGap : start.right == ii ? leftGap : max(leftGap, rightGap)
        }
        let caliper = width ?? noCaliper
        // The stratum's controls just beyond the two starting places.
        var low = 0, high = list.count
        while low < high {
            let mid = (low + high) / 2
            if position[list[mid]] < start.left { low = mid + 1 } else { high = mid }
        }
        var l = available(key, low - 1, step: -1)
        low = 0; high = list.count
        while low < high {
            let mid = (low + high) / 2
            if position[list[mid]] <= start.right { low = mid + 1 } else { high = mid }
        }
        var r = available(key, low, step: 1)
        var candidates: [Int] = [], gaps: [Double] = []
        var leftStop = false, rightStop = false
        var foundLeft = 0, foundRight = 0
        while true {
            if !leftStop && l < 0 { leftStop = true }
            if !rightStop && r >= list.count { rightStop = true }
            if leftStop && rightStop { break }
            // MatchIt steps left, then right, in turn: the nearer place (in steps) comes first, left on a tie.
            let left = rightStop || (!leftStop && start.left - position[list[l]] <= position[list[r]] - start.right)
            let control = list[left ? l : r]
            if left { l = available(key, l - 1, step: -1) } else { r = available(key, r + 1, step: 1) }
            if round > 1, taken.contains(control) { continue }
            let gap = abs(target - distance[control])
            if gap > caliper {
                if left { leftStop = true } else { rightStop = true }
                continue
            }
            if gap < minimum { continue }
            if candidates.count >= ratio, gaps.filter({ $0 < gap }).count >= ratio {
                if left { leftStop = true } else { rightStop = true }
                continue
            }
            candidates.append(control)
            gaps.append(gap)
            if left {
                foundLeft += 1
                if foundLeft == ratio { leftStop = true }
            } else {
                foundRight += 1
                if foundRight == ratio { rightStop = true }
            }
        }
        if candidates.count <= 1 { return candidates }
        if candidates.count <= ratio, zip(gaps, gaps.dropFirst()).allSatisfy({ !($1 < $0) }) { return candidates }
        var indices = Array(candidates.indices)
        if candidates.count > ratio {
            LibstdcxxHeap.partialSort(&indices, middle: ratio) { gaps[$0] < gaps[$1] }
            return indices.prefix(ratio).map { candidates[$0] }
        }
        // Every candidate is taken; only their order is MatchIt's to match: libstdc++'s std::sort is
        // an insertion sort, which is stable, up to 16 elements (beyond that, ratios above 16, equal
        // gaps may be listed in another order than MatchIt's match.matrix, the same controls).
        indices.sort { (gaps[$0], $0) < (gaps[$1], $1) }
        return indices.map { candidates[$0] }
    }
}

/// libstdc++'s `std::partial_sort` (a heap select, then a heap sort), step for step: which of
/// several equal elements it keeps depends on these steps, and MatchIt's matches on them.
enum LibstdcxxHeap {
    static func partialSort(_ a: inout [Int], middle: Int, by less: (Int, Int) -> Bool) {
        makeHeap(&a, count: middle, less)
        for i in middle..<a.count where less(a[i], a[0]) {
            let value = a[i]
            a[i] = a[0]
            adjust(&a, hole: 0, count: middle, value: value, less)
        }
        var last = middle
        while last > 1 {
            last -= 1
            let value = a[last]
            a[last] = a[0]
            adjust(&a, hole: 0, count: last, value: value, less)
        }
    }

    private static func makeHeap(_ a: inout [Int], count: Int, _ less: (Int, Int) -> Bool) {
        guard count >= 2 else { return }
        var parent = (count - 2) / 2
        while true {
            adjust(&a, hole: parent, count: count, value: a[parent], less)
            if parent == 0 { return }
            parent -= 1
        }
    }

    private static func adjust(_ a: inout [Int], hole start: Int, count: Int, value: Int, _ less: (Int, Int) -> Bool) {
        let top = start
        var hole = start, child = start
        while child < (count - 1) / 2 {
            child = 2 * (child + 1)
            if less(a[child], a[child - 1]) { child -= 1 }
            a[hole] = a[child]
            hole = child
        }
        if count & 1 == 0 && child == (count - 2) / 2 {
            child = 2 * (child + 1)
            a[hole] = a[child - 1]
            hole = child - 1
        }
        var parent = (hole - 1) / 2
        while hole > top && less(a[parent], value) {
            a[hole] = a[parent]
            hole = parent
            parent = (hole - 1) / 2
        }
        a[hole] = value
    }
}
