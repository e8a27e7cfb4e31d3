/// Which cells of a published payments table (providers by period, each period with its total
/// over providers) to hide. A cell's amount is prices times the counts and days of the people it
/// paid, so it is hidden when it paid 1 to threshold − 1 people in all or on any one line (a line
/// with 4 people in a cell of 30 says 4 achieved that outcome), or when a metric its lines price
/// is hidden for that provider and period elsewhere; then, in each period, where one provider
/// alone is hidden beside a shown total, the one paid for the fewest people is hidden too. Each
/// period stands alone (no total over periods), so a package of one period and a package of
/// several hide the same cells.
public enum PaymentSuppression {
    public struct Cell: Sendable, Equatable {
        public let period: String
        /// nil: all providers in the period.
        public let provider: String?
        /// People paid (net of adjustments) in the cell.
        public let participants: Int
        /// People paid on each line the cell paid on.
        public let perLine: [Int]
        /// Hidden elsewhere: a metric the lines price is suppressed for this provider and period.
        public let exposed: Bool

        public init(period: String, provider: String?, participants: Int, perLine: [Int], exposed: Bool) {
            (self.period, self.provider, self.participants, self.perLine, self.exposed) = (period, provider, participants, perLine, exposed)
        }
    }

    public static func hidden(_ cells: [Cell], policy: SmallCellPolicy) -> Set<Int> {
        let primary = cells.indices.filter { index in
            let cell = cells[index]
            return cell.exposed || policy.suppresses(cell.participants) || cell.perLine.contains(where: policy.suppresses)
        }
        return TwoWayComplement.completing(Set(primary), of: cells.map {
            TwoWayComplement.Cell(row: $0.period, column: $0.provider, size: $0.participants)
        })
    }
}
