/// Complementary suppression over a table of counts whose published cells are sums of atomic
/// counts (people in disjoint groups): a provider's participants are those with a value and those
/// without; those with a value, the ones who achieved the outcome and the ones who did not; every
/// column has an `(all)` row. A cell is published only if no count of 1 to threshold − 1 — a
/// published cell, a suppressed one, or an atomic count such as "participants without a value" —
/// can be worked out exactly from the published cells by adding and subtracting them.
public struct CountTable: Sendable {
    /// The atomic counts.
    public let atoms: [Int]
    /// Each published cell: the atoms it sums.
    public let cells: [[Int]]
    /// Sums of atoms that are not published but count people too (those without a value in a
    /// margin, say): when small, they must not be recoverable either.
    public let sensitive: [[Int]]
    /// Cells shown or hidden together (a two-way table's cell: its participants, those with a
    /// value, their total); nil: each on its own.
    public let linked: [[Int]]?

    public init(atoms: [Int], cells: [[Int]], sensitive: [[Int]] = [], linked: [[Int]]? = nil) {
        self.atoms = atoms
        self.cells = cells
        self.sensitive = sensitive
        self.linked = linked
    }

    public func value(of cell: Int) -> Int { cells[cell].reduce(0) { $0 + atoms[$1] } }
}

extension SmallCellPolicy {
    /// Which cells to suppress: the small ones, then — smallest first — as many others as it takes
    /// for no small count to be recoverable from what is shown.
    /// `alsoHiding`: cells to hide from the start (complements a table's layout suggests).
    public func suppressed(_ table: CountTable, alsoHiding: Set<Int> = []) -> [Bool] {
        var hidden = table.cells.indices.map { suppresses(table.value(of: $0)) || alsoHiding.contains($0) }
        let width = table.atoms.count
        func span(without extra: [Int] = []) -> Span {
            Span(vectors: table.cells.indices.filter { !hidden[$0] && !extra.contains($0) }.map { Self.vector(table.cells[$0], width: width) })
        }
        // What must not be recoverable: small atoms, small sensitive sums, and every suppressed cell.
        func exposed() -> [Int]? {
            let span = span()
            for atom in table.atoms.indices where suppresses(table.atoms[atom]) {
                if span.contains(Self.vector([atom], width: width)) { return [atom] }
            }
            for sum in table.sensitive where suppresses(sum.reduce(0) { $0 + table.atoms[$1] }) {
                if span.contains(Self.vector(sum, width: width)) { return sum }
            }
            for cell in table.cells.indices where hidden[cell] && table.value(of: cell) != 0 {
                if span.contains(Self.vector(table.cells[cell], width: width)) { return table.cells[cell] }
            }
            return nil
        }
        guard let linked = table.linked else {
            while let target = exposed() {
                // Hide the smallest shown cell that overlaps what is exposed: that breaks the equations
                // that reveal it. (There always is one: what is exposed is a sum of shown cells.)
                let candidates = table.cells.indices.filter { cell in
                    !hidden[cell] && !Set(table.cells[cell]).isDisjoint(with: target)
                }
                let smallest = candidates.min { (table.value(of: $0), $0) < (table.value(of: $1), $1) } ?? hidden.firstIndex(of: false)!
                hidden[smallest] = true
            }
            return hidden
        }
        // Linked cells go together; a reader misses inner cells least, so those of fewest atoms
        // come first, then the smallest. A unit of zeros hides nothing (its margins give it away).
        for unit in linked where unit.contains(where: { hidden[$0] }) { unit.forEach { hidden[$0] = true } }
        let unitOf = Dictionary(linked.enumerated().flatMap { index, unit in unit.map { ($0, index) } }, uniquingKeysWith: { first, _ in first })
        func size(_ unit: [Int]) -> Int { unit.map { table.cells[$0].count }.max() ?? 0 }
        func value(_ unit: [Int]) -> Int { unit.map { table.value(of: $0) }.max() ?? 0 }
        let preference = linked.indices.sorted { (size(linked[$0]), value(linked[$0]), $0) < (size(linked[$1]), value(linked[$1]), $1) }
        while let target = exposed() {
            let vector = Self.vector(target, width: width)
            let open = preference.filter { linked[$0].contains { !hidden[$0] } && value(linked[$0]) != 0 }
            // The first unit whose hiding breaks every equation that reveals the target; failing
            // one, the unit of the smallest shown cell that overlaps it.
            let breaking = open.first { !span(without: linked[$0]).contains(vector) }
            let overlapping = table.cells.indices.filter { !hidden[$0] && table.value(of: $0) != 0 && !Set(table.cells[$0]).isDisjoint(with: target) }
                .min { (table.value(of: $0), $0) < (table.value(of: $1), $1) }.flatMap { unitOf[$0] }
            guard let chosen = breaking ?? overlapping ?? open.first else { break }
            linked[chosen].forEach { hidden[$0] = true }
        }
        return hidden
    }

    static func vector(_ atoms: [Int], width: Int) -> [Int] {
        var vector = Array(repeating: 0, count: width)
        for atom in atoms { vector[atom] += 1 }
        return vector
    }
}

/// The span of integer vectors over the rationals, by exact elimination on fractions. The tables
/// are small (providers × a few atoms); an overflow counts as "in the span", which only ever
/// suppresses more.
struct Span {
    private var basis: [(pivot: Int, row: [Fraction])] = []

    init(vectors: [[Int]]) {
        for vector in vectors { insert(vector.map { Fraction($0) }) }
    }

    /// Reduces `row` by the basis and adds what is left, if anything.
    private mutating func insert(_ row: [Fraction]) {
        let reduced = reduce(row)
        guard let pivot = reduced.firstIndex(where: { !$0.isZero }) else { return }
        let scale = reduced[pivot]
        basis.append((pivot, reduced.map { $0.divided(by: scale) ?? Fraction(1, 1, overflowed: true) }))
    }

    private func reduce(_ row: [Fraction]) -> [Fraction] {
        var row = row
        for (pivot, base) in basis where !row[pivot].isZero {
            let factor = row[pivot]
            for index in row.indices { row[index] = row[index].minus(base[index].times(factor)) }
        }
        return row
    }

    func contains(_ vector: [Int]) -> Bool {
        let reduced = reduce(vector.map { Fraction($0) })
        return reduced.allSatisfy(\.isZero) || reduced.contains(where: \.overflowed)
    }
}

/// A small exact fraction; `overflowed` marks a result that did not fit.
struct Fraction {
    var numerator: Int
    var denominator: Int
    var overflowed = false

    init(_ value: Int) {
        numerator = value
        denominator = 1
    }

    init(_ numerator: Int, _ denominator: Int, overflowed: Bool = false) {
        var (n, d) = denominator < 0 ? (-numerator, -denominator) : (numerator, denominator)
        var (a, b) = (n.magnitude, d.magnitude)
        while b != 0 { (a, b) = (b, a % b) }
        if a > 1 {
            n /= Int(a)
            d /= Int(a)
        }
        self.numerator = n
        self.denominator = d
        self.overflowed = overflowed
    }

    static let zero = Fraction(0)
    var isZero: Bool { numerator == 0 && !overflowed }

    func times(_ other: Fraction) -> Fraction {
        let n = numerator.multipliedReportingOverflow(by: other.numerator)
        let d = denominator.multipliedReportingOverflow(by: other.denominator)
        if n.overflow || d.overflow || overflowed || other.overflowed { return Fraction(1, 1, overflowed: true) }
        return Fraction(n.partialValue, d.partialValue)
    }

    func minus(_ other: Fraction) -> Fraction {
        let left = numerator.multipliedReportingOverflow(by: other.denominator)
        let right = other.numerator.multipliedReportingOverflow(by: denominator)
        let d = denominator.multipliedReportingOverflow(by: other.denominator)
        guard !left.overflow, !right.overflow, !d.overflow, !overflowed, !other.overflowed else { return Fraction(1, 1, overflowed: true) }
        let n = left.partialValue.subtractingReportingOverflow(right.partialValue)
        if n.overflow { return Fraction(1, 1, overflowed: true) }
        return Fraction(n.partialValue, d.partialValue)
    }

    func divided(by other: Fraction) -> Fraction? {
        guard other.numerator != 0 else { return nil }
        return times(Fraction(other.denominator, other.numerator, overflowed: other.overflowed))
    }
}
