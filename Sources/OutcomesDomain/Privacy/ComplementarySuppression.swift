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

    public init(atoms: [Int], cells: [[Int]]) {
        self.atoms = atoms
        self.cells = cells
    }

    public func value(of cell: Int) -> Int { cells[cell].reduce(0) { $0 + atoms[$1] } }
}

extension SmallCellPolicy {
    /// Which cells to suppress: the small ones, then — smallest first — as many others as it takes
    /// for no small count to be recoverable from what is shown.
    public func suppressed(_ table: CountTable) -> [Bool] {
        var hidden = table.cells.indices.map { suppresses(table.value(of: $0)) }
        // What must not be recoverable: small atoms, and every suppressed cell.
        func exposed() -> [Int]? {
            let shown = table.cells.indices.filter { !hidden[$0] }.map { table.cells[$0] }
            let span = Span(vectors: shown.map { Self.vector($0, width: table.atoms.count) })
            for atom in table.atoms.indices where suppresses(table.atoms[atom]) {
                if span.contains(Self.vector([atom], width: table.atoms.count)) { return [atom] }
            }
            for cell in table.cells.indices where hidden[cell] && table.value(of: cell) != 0 {
                if span.contains(Self.vector(table.cells[cell], width: table.atoms.count)) { return table.cells[cell] }
            }
            return nil
        }
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
