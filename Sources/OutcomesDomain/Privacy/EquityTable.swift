import Foundation

/// One metric disaggregated by provider and by a person attribute (race/ethnicity, sex, age band,
/// county), with every margin — each provider over all groups, each group over all providers, and
/// everyone — and small-cell suppression over the whole two-way table: small counts and every cell
/// that would let them be worked out from the margins are suppressed, and the means and rates of
/// suppressed counts with them.
public struct EquityTable: Sendable {
    /// The atomic cell of one provider and one group.
    public struct Count: Sendable, Equatable {
        public let provider: String
        public let group: String
        public let participants: Int
        public let withValue: Int
        /// The sum of the values (for a yes/no measure: those who achieved it).
        public let total: Decimal
        public init(provider: String, group: String, participants: Int, withValue: Int, total: Decimal) {
            (self.provider, self.group, self.participants, self.withValue, self.total) = (provider, group, participants, withValue, total)
        }
    }

    /// A published row: a provider (or all) and a group (or all).
    public struct Row: Sendable, Equatable {
        public let provider: String?
        public let group: String?
        public let participants: Int?
        public let withValue: Int?
        public let total: Decimal?
        /// Mean of the values, or the rate of a yes/no measure; nil when suppressed or undefined.
        public let figure: Decimal?
        /// The cells hidden by suppression (participants, with a value, total and figure).
        public let suppressedParticipants: Bool
        public let suppressedWithValue: Bool
        public let suppressedTotal: Bool
        /// A rate from 20 or fewer events: shown, but unstable.
        public let unstable: Bool
    }

    public let binary: Bool
    public let providers: [String]
    public let groups: [String]
    public let rows: [Row]

    /// `counts`: the atomic cells (a provider and group with no participants may be left out).
    public init(counts: [Count], binary: Bool, policy: SmallCellPolicy) {
        self.binary = binary
        let providers = Set(counts.map(\.provider)).sorted(), groups = Set(counts.map(\.group)).sorted()
        (self.providers, self.groups) = (providers, groups)
        let lookup = Dictionary(counts.map { ("\($0.provider)\u{1F}\($0.group)", $0) }, uniquingKeysWith: { first, _ in first })
        func count(_ p: Int, _ g: Int) -> Count? { lookup["\(providers[p])\u{1F}\(groups[g])"] }
        // The atoms of each provider-and-group cell: without a value, then achieved and not (yes/no) or with a value.
        var atoms: [Int] = [], cellAtoms: [[(without: Int, with: [Int], achieved: Int?)]] = []
        for p in providers.indices {
            cellAtoms.append(groups.indices.map { g in
                let c = count(p, g), achieved = binary ? NSDecimalNumber(decimal: c?.total ?? 0).intValue : 0
                let without = atoms.count
                atoms.append((c?.participants ?? 0) - (c?.withValue ?? 0))
                if binary {
                    atoms += [achieved, (c?.withValue ?? 0) - achieved]
                    return (without, [without + 1, without + 2], without + 1)
                }
                atoms.append(c?.withValue ?? 0)
                return (without, [without + 1], nil)
            })
        }
        // Published blocks: every (provider or all) × (group or all); each has three counts.
        let blocks: [(p: Int?, g: Int?)] = (providers.indices.map { Optional($0) } + [nil]).flatMap { p in
            (groups.indices.map { Optional($0) } + [nil]).map { g in (p, g) }
        }
        var cells: [[Int]] = [], sensitive: [[Int]] = []
        for block in blocks {
            let parts = (block.p.map { [$0] } ?? Array(providers.indices)).flatMap { p in (block.g.map { [$0] } ?? Array(groups.indices)).map { cellAtoms[p][$0] } }
            cells.append(parts.flatMap { [$0.without] + $0.with })
            cells.append(parts.flatMap(\.with))
            cells.append(binary ? parts.compactMap(\.achieved) : parts.flatMap(\.with))
            // People without a value, and (yes/no) those who did not achieve it, count too.
            sensitive.append(parts.map(\.without))
            if binary { sensitive.append(parts.compactMap { $0.with.last }) }
        }
        // A block's counts are shown or hidden together.
        let linked = blocks.indices.map { [3 * $0, 3 * $0 + 1, 3 * $0 + 2] }
        let table = CountTable(atoms: atoms, cells: cells, sensitive: sensitive, linked: linked)
        // First the classic complements of a two-way table, so margins stay: each small inner
        // cell with the smallest other cell of its row, of its column, and where those meet.
        let index = Dictionary(uniqueKeysWithValues: blocks.enumerated().compactMap { i, b in b.p.flatMap { p in b.g.map { ("\(p),\($0)", i) } } })
        func block(_ p: Int, _ g: Int) -> Int { index["\(p),\(g)"]! }
        func size(_ b: Int) -> Int { table.value(of: 3 * b) }
        var chosen = Set<Int>()
        for p in providers.indices {
            for g in groups.indices where linked[block(p, g)].contains(where: { policy.suppresses(table.value(of: $0)) }) {
                chosen.insert(block(p, g))
                let rowMate = groups.indices.filter { $0 != g && size(block(p, $0)) > 0 }.min { size(block(p, $0)) < size(block(p, $1)) }
                let columnMate = providers.indices.filter { $0 != p && size(block($0, g)) > 0 }.min { size(block($0, g)) < size(block($1, g)) }
                if let g2 = rowMate { chosen.insert(block(p, g2)) }
                if let p2 = columnMate { chosen.insert(block(p2, g)) }
                if let g2 = rowMate, let p2 = columnMate { chosen.insert(block(p2, g2)) }
            }
        }
        let hidden = policy.suppressed(table, alsoHiding: Set(chosen.flatMap { linked[$0] }))
        rows = blocks.enumerated().map { index, block in
            let ps = block.p.map { [$0] } ?? Array(providers.indices), gs = block.g.map { [$0] } ?? Array(groups.indices)
            let members = ps.flatMap { p in gs.compactMap { count(p, $0) } }
            let participants = members.reduce(0) { $0 + $1.participants }, withValue = members.reduce(0) { $0 + $1.withValue }
            let total = members.reduce(Decimal(0)) { $0 + $1.total }
            let (hideParticipants, hideWith) = (hidden[3 * index], hidden[3 * index + 1])
            // A total of values goes with the count it is of; a yes/no total is its own count.
            let hideTotal = binary ? hidden[3 * index + 2] : hideWith
            let figure: Decimal? = hideWith || hideTotal || withValue == 0 ? nil : total / Decimal(withValue)
            return Row(provider: block.p.map { providers[$0] }, group: block.g.map { groups[$0] },
                       participants: hideParticipants ? nil : participants, withValue: hideWith ? nil : withValue, total: hideTotal ? nil : total,
                       figure: figure, suppressedParticipants: hideParticipants, suppressedWithValue: hideWith, suppressedTotal: hideTotal,
                       unstable: binary && figure != nil && NSDecimalNumber(decimal: total).intValue <= 20)
        }
    }
}
