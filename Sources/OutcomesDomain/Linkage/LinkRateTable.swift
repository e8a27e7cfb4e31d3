/// Link rates of one breakdown (source system, race/ethnicity, sex or age band), suppressed as
/// every published table is.
///
/// A group's records are the identifier records the index linked whose group it is. A record is
/// *linked across sources* when its person holds a record of another source system, and *linked*
/// when its person holds any other record (of any source, its own included). The link rate across
/// sources is the share of the group's records linked across sources; the link rate, the share
/// linked at all. Each group's records split into three disjoint counts — linked across sources,
/// linked within their own source only, not linked — and every shown count is a sum of them, so
/// `SmallCellPolicy.suppressed` can hide, with the row it is in, any of them that is small or could
/// be worked out from what is shown (a group's row is shown or hidden whole).
public struct LinkRateTable: Sendable, Equatable {
    /// One group's records, by how far they are linked.
    public struct Counts: Sendable, Equatable {
        public var group: String
        public var acrossSources: Int
        public var withinSourceOnly: Int
        public var unlinked: Int

        public init(group: String, acrossSources: Int, withinSourceOnly: Int, unlinked: Int) {
            (self.group, self.acrossSources, self.withinSourceOnly, self.unlinked) = (group, acrossSources, withinSourceOnly, unlinked)
        }

        public var records: Int { acrossSources + withinSourceOnly + unlinked }
        public var linked: Int { acrossSources + withinSourceOnly }
    }

    /// A published row: a group, or every group (`group` nil); counts nil when suppressed.
    public struct Row: Sendable, Equatable {
        public var group: String?
        public var records: Int?
        public var linkedAcrossSources: Int?
        public var linked: Int?
        public var suppressed: Bool { records == nil }

        public var rateAcrossSources: Double? { rate(linkedAcrossSources) }
        public var rate: Double? { rate(linked) }

        private func rate(_ count: Int?) -> Double? {
            guard let count, let records, records > 0 else { return nil }
            return Double(count) / Double(records)
        }
    }

    public let rows: [Row]

    /// `groups`: one count per group, in the order the rows should take; the all-groups row comes last.
    public init(groups: [Counts], policy: SmallCellPolicy) {
        var atoms: [Int] = [], cells: [[Int]] = [], sensitive: [[Int]] = []
        for group in groups {
            let base = atoms.count
            atoms += [group.acrossSources, group.withinSourceOnly, group.unlinked]
            // Records not linked across sources, and records not linked, are people too.
            sensitive += [[base + 1, base + 2]]
        }
        for members in groups.indices.map({ [$0] }) + [Array(groups.indices)] {
            let across = members.map { 3 * $0 }, within = members.map { 3 * $0 + 1 }
            cells += [members.flatMap { [3 * $0, 3 * $0 + 1, 3 * $0 + 2] }, across, across + within]
        }
        let linked = (0...groups.count).map { [3 * $0, 3 * $0 + 1, 3 * $0 + 2] }
        let hidden = policy.suppressed(CountTable(atoms: atoms, cells: cells, sensitive: sensitive, linked: linked))
        let all = Counts(group: "", acrossSources: groups.map(\.acrossSources).reduce(0, +),
                         withinSourceOnly: groups.map(\.withinSourceOnly).reduce(0, +), unlinked: groups.map(\.unlinked).reduce(0, +))
        rows = (groups.map { Optional($0) } + [nil]).enumerated().map { index, group in
            let counts = group ?? all
            guard !hidden[3 * index] else { return Row(group: group?.group, records: nil, linkedAcrossSources: nil, linked: nil) }
            return Row(group: group?.group, records: counts.records, linkedAcrossSources: counts.acrossSources, linked: counts.linked)
        }
    }
}
