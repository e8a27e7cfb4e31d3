/// Greedy nearest-neighbour matching on a distance (the propensity score), the way R's MatchIt
/// defines `method = "nearest"`: treated units in descending order of their distance (`m.order =
/// "largest"`, the default), each taking the closest control still available; `ratio` k takes k
/// rounds, each treated unit taking one more control per round; with `replace` a control may be
/// taken again; a `caliper` in standard deviations of the distance over all units rules out
/// controls farther than that; `exact` keys restrict candidates to the treated unit's stratum;
/// `discard` drops units outside the other group's range of distances first.
///
/// Ties are broken by data order, deterministically: treated units with equal distances are taken
/// in the order they come; among controls at the same distance, the first in data order is taken.
public struct NearestNeighbourMatching: Sendable {
    public enum Order: Sendable { case largest, smallest, data }
    public enum Discard: Sendable { case none, treated, control, both }

    /// How the control is found. `nearest`: the closest available control, as MatchIt documents
    /// it. `matchIt451`: as MatchIt 4.5.1's C++ finds it — the next available control below the
    /// treated unit's score when there is one, else the next above — because it compares the two
    /// gaps, and checks the caliper, with an integer `abs` that truncates gaps under 1 to 0 (hence
    /// also MatchIt issue #163: calipers ignored); with replacement and a ratio above 1 it takes
    /// the same control in every round. Use it to reproduce that version's matches.
    /// `matchIt47`: as MatchIt 4.7.x's C++ finds them (`MatchIt47Search`), ties included — of
    /// controls tied below the treated unit's score the last in data order, above it the first —
    /// with the caliper's standard deviation over the units not discarded, and with replacement
    /// the treated units in data order, as MatchIt takes them.
    public enum Search: Sendable { case nearest, matchIt451, matchIt47 }

    public var ratio = 1
    public var replace = false
    public var caliper: Double?
    public var order: Order = .largest
    public var discard: Discard = .none
    public var search: Search = .nearest

    public init(ratio: Int = 1, replace: Bool = false, caliper: Double? = nil, order: Order = .largest, discard: Discard = .none,
                search: Search = .nearest) {
        (self.ratio, self.replace, self.caliper, self.order, self.discard, self.search) = (ratio, replace, caliper, order, discard, search)
    }

    public struct Result: Sendable, Equatable {
        /// For each unit that is treated, its matched controls (indices), in the order taken; empty when unmatched.
        public let matches: [Int: [Int]]
        /// MatchIt's weights: 1 for matched treated units; for controls, the sum over their treated units of
        /// 1 / (that unit's matches), scaled so they add up to the number of controls matched; 0 otherwise.
        public let weights: [Double]
        public let discarded: [Bool]
    }

    public func match(distance: [Double], treated: [Bool], exact: [String]? = nil) -> Result {
        let n = distance.count
        var discarded = Array(repeating: false, count: n)
        let treatedIndices = (0..<n).filter { treated[$0] }, controlIndices = (0..<n).filter { !treated[$0] }
        if discard != .none, let tMin = treatedIndices.map({ distance[$0] }).min(), let tMax = treatedIndices.map({ distance[$0] }).max(),
           let cMin = controlIndices.map({ distance[$0] }).min(), let cMax = controlIndices.map({ distance[$0] }).max() {
            for i in 0..<n {
                let outside = treated[i] ? (distance[i] < cMin || distance[i] > cMax) : (distance[i] < tMin || distance[i] > tMax)
                if outside && (discard == .both || (discard == .treated) == treated[i]) { discarded[i] = true }
            }
        }
        if search == .matchIt47 {
            return matchIt47(distance: distance, treated: treated, exact: exact, discarded: discarded)
        }
        let width = caliper.map { $0 * Self.standardDeviation(distance) }
        var ordered = treatedIndices.filter { !discarded[$0] }
        switch order {
        case .largest: ordered = ordered.enumerated().sorted { (-distance[$0.element], $0.offset) < (-distance[$1.element], $1.offset) }.map(\.element)
        case .smallest: ordered = ordered.enumerated().sorted { (distance[$0.element], $0.offset) < (distance[$1.element], $1.offset) }.map(\.element)
        case .data: break
        }
        var available = Set(controlIndices.filter { !discarded[$0] })
        let controls = controlIndices.filter { !discarded[$0] }
        var matches: [Int: [Int]] = Dictionary(uniqueKeysWithValues: ordered.map { ($0, []) })
        // MatchIt 4.5.1 walks all units sorted by score (ties in data order) out from the treated unit.
        let sorted = (0..<n).sorted { (distance[$0], $0) < (distance[$1], $1) }
        var position = Array(repeating: 0, count: n)
        for (index, unit) in sorted.enumerated() { position[unit] = index }
        var index = SortedControls(controls: controls, distance: distance, exact: exact)
        for round in 0..<ratio {
            for unit in ordered where matches[unit]!.count == round {
                func eligible(_ control: Int) -> Bool {
                    guard !treated[control], !discarded[control], replace || available.contains(control) else { return false }
                    // MatchIt 4.5.1 with replacement takes the same control again in every round.
                    if !(replace && search == .matchIt451) && matches[unit]!.contains(control) { return false }
                    if let exact, exact[control] != exact[unit] { return false }
                    return true
                }
                var best: Int?
                switch search {
                case .nearest, .matchIt47:
                    best = index.nearest(to: unit, distance: distance, width: width, excluding: matches[unit]!)
                case .matchIt451:
                    let truncated = { (control: Int) in abs(distance[control] - distance[unit]).rounded(.towardZero) }
                    func scan(_ step: Int) -> Int? {
                        var index = position[unit] + step
                        while index >= 0, index < n {
                            let control = sorted[index]
                            if eligible(control) {
                                if let width, truncated(control) > width { return nil }
                                return control
                            }
                            index += step
                        }
                        return nil
                    }
                    switch (scan(-1), scan(1)) {
                    case (let left?, let right?): best = truncated(left) <= truncated(right) ? left : right
                    case (let left?, nil): best = left
                    case (nil, let right?): best = right
                    case (nil, nil): best = nil
                    }
                }
                guard let best else { continue }
                matches[unit]!.append(best)
                if !replace {
                    available.remove(best)
                    index.remove(best)
                }
            }
        }
        return Result(matches: matches, weights: Self.weights(matches, treated: treated), discarded: discarded)
    }

    private func matchIt47(distance: [Double], treated: [Bool], exact: [String]?, discarded given: [Bool]) -> Result {
        let n = distance.count
        var discarded = given
        // MatchIt's caliper is in standard deviations of the distance of the units not discarded.
        let width = caliper.map { $0 * Self.standardDeviation((0..<n).filter { !given[$0] }.map { distance[$0] }) }
        // Units of an exact stratum without both groups are discarded.
        if let exact {
            let strata = Set((0..<n).filter { treated[$0] }.map { exact[$0] }).intersection((0..<n).filter { !treated[$0] }.map { exact[$0] })
            for i in 0..<n where !strata.contains(exact[i]) { discarded[i] = true }
        }
        var ordered = (0..<n).filter { treated[$0] }
        // With replacement MatchIt takes the treated units in data order (the order changes nothing then).
        switch replace ? .data : order {
        case .largest: ordered = ordered.enumerated().sorted { (-distance[$0.element], $0.offset) < (-distance[$1.element], $1.offset) }.map(\.element)
        case .smallest: ordered = ordered.enumerated().sorted { (distance[$0.element], $0.offset) < (distance[$1.element], $1.offset) }.map(\.element)
        case .data: break
        }
        var search = MatchIt47Search(distance: distance, treated: treated, exact: exact, ratio: ratio, replace: replace, width: width,
                                     order: ordered, eligible: discarded.map { !$0 })
        let matches = search.run()
        return Result(matches: matches, weights: Self.weights(matches, treated: treated), discarded: discarded)
    }

    /// MatchIt's weights of a matching (see `Result.weights`).
    static func weights(_ matches: [Int: [Int]], treated: [Bool]) -> [Double] {
        let n = treated.count
        let controlIndices = (0..<n).filter { !treated[$0] }
        var weights = Array(repeating: 0.0, count: n)
        for (unit, taken) in matches where !taken.isEmpty {
            weights[unit] = 1
            for control in taken { weights[control] += 1 / Double(taken.count) }
        }
        let controlWeight = controlIndices.reduce(0.0) { $0 + weights[$1] }
        let matchedControls = controlIndices.filter { weights[$0] > 0 }.count
        if controlWeight > 0 {
            for control in controlIndices { weights[control] *= Double(matchedControls) / controlWeight }
        }
        return weights
    }

    /// The available controls of each exact stratum sorted by (distance, data order), with skip
    /// pointers past those taken, so the nearest on either side is found in near-constant time.
    struct SortedControls {
        var lists: [String: [Int]] = [:]
        var position: [Int: (key: String, at: Int)] = [:]
        var left: [String: [Int]] = [:], right: [String: [Int]] = [:]
        let keys: [String]?

        init(controls: [Int], distance: [Double], exact: [String]?) {
            keys = exact
            for control in controls { lists[exact?[control] ?? "", default: []].append(control) }
            for (key, list) in lists {
                let sorted = list.sorted { (distance[$0], $0) < (distance[$1], $1) }
                lists[key] = sorted
                for (at, control) in sorted.enumerated() { position[control] = (key, at) }
                left[key] = Array(0..<sorted.count)
                right[key] = Array(0..<sorted.count)
            }
        }

        mutating func remove(_ control: Int) {
            guard let (key, at) = position[control] else { return }
            left[key]![at] = at - 1
            right[key]![at] = at + 1
        }

        /// The first position at or after `at` (step 1) or at or before it (step −1) still available.
        private mutating func find(_ key: String, _ at: Int, step: Int) -> Int {
            let count = lists[key]!.count
            var p = at
            var path: [Int] = []
            while p >= 0 && p < count {
                let next = step > 0 ? right[key]![p] : left[key]![p]
                if next == p { break }
                path.append(p)
                p = next
            }
            for q in path { if step > 0 { right[key]![q] = p } else { left[key]![q] = p } }
            return p
        }

        /// The closest available control to `unit` in its stratum within `width`, not in
        /// `excluding`; of equally close ones, the first in data order.
        mutating func nearest(to unit: Int, distance: [Double], width: Double?, excluding: [Int]) -> Int? {
            let key = keys?[unit] ?? ""
            guard let list = lists[key] else { return nil }
            let target = distance[unit]
            var low = 0, high = list.count
            while low < high {
                let mid = (low + high) / 2
                if distance[list[mid]] < target { low = mid + 1 } else { high = mid }
            }
            var r = find(key, low, step: 1)
            while r < list.count, excluding.contains(list[r]) { r = find(key, r + 1, step: 1) }
            var l = find(key, low - 1, step: -1)
            while l >= 0, excluding.contains(list[l]) { l = find(key, l - 1, step: -1) }
            // Of several available at the same distance below, the first in data order is leftmost.
            while l >= 0 {
                var further = find(key, l - 1, step: -1)
                while further >= 0, excluding.contains(list[further]) { further = find(key, further - 1, step: -1) }
                guard further >= 0, distance[list[further]] == distance[list[l]] else { break }
                l = further
            }
            let below = l >= 0 ? list[l] : nil, above = r < list.count ? list[r] : nil
            func gap(_ c: Int) -> Double { abs(distance[c] - target) }
            let candidates = [below, above].compactMap { $0 }.filter { width == nil || gap($0) <= width! }
            return candidates.min { (gap($0), $0) < (gap($1), $1) }
        }
    }

    /// The sample standard deviation (n − 1), as R's `sd`.
    static func standardDeviation(_ values: [Double]) -> Double {
        let mean = values.reduce(0, +) / Double(values.count)
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
    }
}
