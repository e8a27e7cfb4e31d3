import Foundation

/// Which figures of a comparison's published estimates to hide. An estimate rests on the units
/// of two arms, and its arms' means can give away counts: a rate of 0.004 among 500 treated
/// says 2 people had the outcome; a mean of 0.02 shelter entries among 400 says 8 entries. So a
/// row's arm sizes are hidden when either is small, and its figures (estimate, standard error,
/// interval, p-value, means) when its sizes are hidden or its means give away a small count.
/// Within one comparison (an outcome and analysis in a period), the rows of the providers add up
/// to the all-providers row: when one provider's sizes or figures alone are hidden, the smallest
/// other provider's are hidden too, so the all row cannot give them back.
public enum EstimateSuppression {
    /// What an outcome's mean counts.
    public enum MeanKind: Sendable, Equatable {
        /// A share of yes/no outcomes: those with it, and those without, are counts.
        case share
        /// A mean count of events or days: its total is a count.
        case total
        /// Money, scores, ratios: no count behind the mean.
        case other
    }

    public struct Row: Sendable, Equatable {
        /// The comparison the row belongs to (its rows add up to its all-providers row).
        public let comparison: String
        /// nil: all providers together.
        public let provider: String?
        public let treated: Int
        public let controls: Int
        public let meanTreated: Double?
        public let meanControl: Double?
        public let kind: MeanKind

        public init(comparison: String, provider: String?, treated: Int, controls: Int, meanTreated: Double?, meanControl: Double?, kind: MeanKind) {
            (self.comparison, self.provider, self.treated, self.controls) = (comparison, provider, treated, controls)
            (self.meanTreated, self.meanControl, self.kind) = (meanTreated, meanControl, kind)
        }
    }

    public struct Hidden: Sendable, Equatable {
        /// The arms' sizes (treated and controls).
        public var sizes: Bool
        /// The estimate, its standard error, interval and p-value, and the arms' means.
        public var figures: Bool

        public init(sizes: Bool, figures: Bool) { (self.sizes, self.figures) = (sizes, figures) }
    }

    public static func hidden(_ rows: [Row], policy: SmallCellPolicy) -> [Hidden] {
        var hidden = rows.map { row in
            let sizes = policy.suppresses(row.treated) || policy.suppresses(row.controls)
            return Hidden(sizes: sizes, figures: sizes || revealsSmallCount(row, policy: policy))
        }
        for indices in Dictionary(grouping: rows.indices, by: { rows[$0].comparison }).values {
            let parts = indices.filter { rows[$0].provider != nil }
            guard indices.contains(where: { rows[$0].provider == nil }) else { continue }
            complement(parts, rows: rows, hidden: &hidden, flag: \.sizes)
            for index in parts where hidden[index].sizes { hidden[index].figures = true }
            complement(parts, rows: rows, hidden: &hidden, flag: \.figures)
        }
        return hidden
    }

    /// Whether an arm's mean times its size is a small count (or leaves one).
    static func revealsSmallCount(_ row: Row, policy: SmallCellPolicy) -> Bool {
        func small(_ mean: Double?, _ size: Int) -> Bool {
            guard let mean, mean.isFinite else { return false }
            let count = Int((mean * Double(size)).rounded())
            switch row.kind {
            case .share: return policy.suppresses(count) || policy.suppresses(size - count)
            case .total: return policy.suppresses(count)
            case .other: return false
            }
        }
        return small(row.meanTreated, row.treated) || small(row.meanControl, row.controls)
    }

    /// When one part alone is hidden, the smallest other shown part (by treated units) too.
    private static func complement(_ parts: [Int], rows: [Row], hidden: inout [Hidden], flag: WritableKeyPath<Hidden, Bool>) {
        guard parts.filter({ hidden[$0][keyPath: flag] }).count == 1,
              let pick = parts.filter({ !hidden[$0][keyPath: flag] && rows[$0].treated > 0 }).min(by: { rows[$0].treated < rows[$1].treated })
        else { return }
        hidden[pick][keyPath: flag] = true
    }
}
