/// A matched comparison group as payments count it: each matched control under each provider
/// whose participants it was matched to, with its matching weight exactly, as a whole number of
/// 1/`denominator`.
///
/// MatchIt's weights (`get_weights_from_mm`): a matched treated unit weighs 1; a control weighs the
/// sum, over the treated units it was matched to, of 1 / (the number of controls matched to that
/// unit); control weights are then scaled to add up to the number of distinct matched controls.
/// Here a control's weight under a provider is that sum over the provider's participants alone
/// (as a provider's own estimate weighs its matches), before the scaling, which multiplies every
/// control weight by one constant and so cancels in every weighted mean; summed over the
/// providers it is MatchIt's weight before scaling (`matchItWeight` gives the scaled one).
/// `denominator` is the least common multiple of the numbers of controls per treated unit, so
/// every weight is a whole number of its units and sums of them stay exact.
public struct MatchedGroup: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        /// The control's index in the evaluation table.
        public let unit: Int
        public let provider: String
        /// In units of 1/`denominator`.
        public let weight: Int
    }

    public let denominator: Int
    /// By unit, then provider.
    public let members: [Member]
    /// Treated units with at least one control.
    public let matchedTreated: Int

    /// From the matches (treated unit → its controls) and each treated unit's provider.
    public init(matches: [Int: [Int]], provider: (Int) -> String) {
        let sizes = matches.values.map(\.count).filter { $0 > 0 }
        let denominator = sizes.reduce(1) { Self.lcm($0, $1) }
        struct Key: Hashable { let unit: Int, provider: String }
        var weights: [Key: Int] = [:]
        for (treated, controls) in matches where !controls.isEmpty {
            let share = denominator / controls.count, group = provider(treated)
            for control in controls { weights[Key(unit: control, provider: group), default: 0] += share }
        }
        self.denominator = denominator
        members = weights.map { Member(unit: $0.key.unit, provider: $0.key.provider, weight: $0.value) }
            .sorted { ($0.unit, $0.provider) < ($1.unit, $1.provider) }
        matchedTreated = sizes.count
    }

    /// The distinct matched controls.
    public var controls: [Int] {
        var seen: Set<Int> = []
        return members.map(\.unit).filter { seen.insert($0).inserted }
    }

    /// MatchIt's weight of a control, exactly: its weight over every provider, scaled so the
    /// control weights add up to the number of distinct matched controls (they add up to the
    /// number of matched treated units before).
    public func matchItWeight(of unit: Int) -> (numerator: Int, denominator: Int) {
        let units = members.filter { $0.unit == unit }.reduce(0) { $0 + $1.weight }
        return (units * controls.count, denominator * matchedTreated)
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
    static func lcm(_ a: Int, _ b: Int) -> Int { a / gcd(a, b) * b }
}
