/// A match laid out as R MatchIt 4.7's `get_matches()` lays it out: one row per unit per matched
/// set, so that a control taken by several treated units (matching with replacement) stands in
/// each of their sets. What two-way clustering by matched set and by unit is fitted on.
///
/// Matched sets are numbered 1, 2, … in the data order of their treated units (those with at
/// least one control). Each set lists its treated unit (weight 1), then its controls (weight
/// 1/its number of controls) in the order in which each control was first taken by any set — the
/// order `get_matches()`'s merge leaves them in, not necessarily the order this set took them.
public struct MatchedSetRows: Sendable, Equatable {
    /// The unit (index into the data) on each row.
    public let units: [Int]
    /// Each row's matched set, numbered from 1.
    public let subclass: [Int]
    public let weights: [Double]

    public enum Failure: Error, Equatable, Sendable {
        /// A unit index outside the data.
        case unitOutOfRange(Int)
    }

    /// `matches`: each treated unit's controls in the order taken (`NearestNeighbourMatching.Result.matches`);
    /// `unitCount`: the number of units in the data.
    public init(matches: [Int: [Int]], unitCount: Int) throws(Failure) {
        let sets = matches.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }
        var firstTaken: [Int: Int] = [:]
        for (treated, controls) in sets {
            for unit in [treated] + controls where !(0..<unitCount).contains(unit) { throw .unitOutOfRange(unit) }
            for control in controls where firstTaken[control] == nil { firstTaken[control] = firstTaken.count }
        }
        var units: [Int] = [], subclass: [Int] = [], weights: [Double] = []
        for (number, (treated, controls)) in zip(1..., sets) {
            let ordered = controls.sorted { firstTaken[$0, default: 0] < firstTaken[$1, default: 0] }
            units += [treated] + ordered
            subclass += Array(repeating: number, count: 1 + controls.count)
            weights += [1] + Array(repeating: 1 / Double(controls.count), count: controls.count)
        }
        (self.units, self.subclass, self.weights) = (units, subclass, weights)
    }

    /// Per-unit values (outcome, treatment, covariates) taken onto the rows.
    public func onRows<Value>(_ perUnit: [Value]) -> [Value] { units.map { perUnit[$0] } }
}
