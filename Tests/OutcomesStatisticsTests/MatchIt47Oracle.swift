@testable import OutcomesStatistics

/// The oracle for `MatchIt47Search`: MatchIt 4.7.x's C++ (`nn_matchC_vec`, `find_control_vec`)
/// ported line for line — every unit of the sorted order visited, one step left and one right in
/// turn — which the library's search, built to skip what cannot match, must equal exactly.
///
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
struct MatchIt47Oracle {
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

    /// Positions in the sorted order (`sorted[position[unit]] == unit`).
    private let sorted: [Int]
    private let position: [Int]
    private var firstControl = 0, lastControl: Int
    private let noCaliper: Double

    init(distance: [Double], treated: [Bool], exact: [String]?, ratio: Int, replace: Bool, width: Double?, order: [Int], eligible: [Bool]) {
        (self.distance, self.treated, self.exact, self.ratio, self.replace, self.width, self.order, self.eligible) =
            (distance, treated, exact, ratio, replace, width, order, eligible)
        let n = distance.count
        // R's order() is stable: equal distances keep data order.
        sorted = (0..<n).sorted { (distance[$0], $0) < (distance[$1], $1) }
        var position = Array(repeating: 0, count: n)
        for (at, unit) in sorted.enumerated() { position[unit] = at }
        self.position = position
        lastControl = n - 1
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
        var eligibleControls = (0..<distance.count).filter { !treated[$0] && eligible[$0] }.count
        for round in 1...ratio {
            for unit in order {
                if eligibleControls == 0 { break }
                guard eligible[unit] else { continue }
                updateFirstAndLastControl()
                guard let control = find(unit, round: round, taken: matches[unit]!, ratio: 1).first else {
                    eligible[unit] = false
                    continue
                }
                matches[unit]!.append(control)
                eligible[control] = false
                eligibleControls -= 1
                if matches[unit]!.count >= ratio { eligible[unit] = false }
            }
        }
        return matches
    }

    /// The outermost eligible controls in the sorted order, where the search stops.
    private mutating func updateFirstAndLastControl() {
        if !eligible[sorted[firstControl]] {
            var c = firstControl + 1
            while c <= lastControl {
                if eligible[sorted[c]] && !treated[sorted[c]] { firstControl = c; break }
                c += 1
            }
        }
        if !eligible[sorted[lastControl]] {
            var c = lastControl - 1
            while c >= firstControl {
                if eligible[sorted[c]] && !treated[sorted[c]] { lastControl = c; break }
                c -= 1
            }
        }
    }

    private func find(_ unit: Int, round: Int, taken: [Int], ratio: Int) -> [Int] {
        let ii = position[unit], target = distance[unit]
        var iil = ii, iir = ii
        var minimum = 0.0
        let previous = round > 1 ? taken.map { position[$0] } : []
        if !previous.isEmpty {
            iil = min(previous.min()!, ii)
            iir = max(previous.max()!, ii)
            let leftGap = abs(target - distance[sorted[iil]]), rightGap = abs(target - distance[sorted[iir]])
            minimum = iil == ii ? rightGap : iir == ii ? leftGap : max(leftGap, rightGap)
        }
        let caliper = width ?? noCaliper
        var candidates: [Int] = [], gaps: [Double] = []
        var leftStop = false, rightStop = false, left = false
        var foundLeft = 0, foundRight = 0
        while !leftStop || !rightStop {
            left = leftStop ? false : rightStop ? true : !left
            let control: Int
            if left {
                if iil <= firstControl || foundLeft == ratio { leftStop = true; continue }
                iil -= 1
                control = sorted[iil]
            } else {
                if iir >= lastControl || foundRight == ratio { rightStop = true; continue }
                iir += 1
                control = sorted[iir]
            }
            guard eligible[control], !treated[control] else { continue }
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
            if let exact, exact[unit] != exact[control] { continue }
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
        // libstdc++'s std::sort is an insertion sort, which is stable, up to 16 elements; beyond
        // that (ratios above 16) this stable sort may order equal gaps differently.
        indices.sort { (gaps[$0], $0) < (gaps[$1], $1) }
        return indices.map { candidates[$0] }
    }
}

