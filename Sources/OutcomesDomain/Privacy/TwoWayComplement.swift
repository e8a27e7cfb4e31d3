/// Completes the hidden cells of a two-way table with margins (rows by columns, each line with
/// its total) so that no hidden cell can be worked out as a shown total minus the shown cells of
/// its line: wherever a line with a shown total has exactly one hidden cell, its smallest other
/// non-empty cell is hidden too (or, with none, the total), until no line has one. Used where a
/// table's cells are hidden for reasons outside its own counts (another table's suppression).
public enum TwoWayComplement {
    public struct Cell: Sendable, Equatable {
        /// nil: the total over rows (or columns).
        public let row: String?
        public let column: String?
        /// What "smallest" compares: the cell's count.
        public let size: Int

        public init(row: String?, column: String?, size: Int) { (self.row, self.column, self.size) = (row, column, size) }
    }

    public static func completing(_ hidden: Set<Int>, of cells: [Cell]) -> Set<Int> {
        var hidden = hidden
        // Each line: its cells and the index of its total.
        var lines: [(parts: [Int], total: Int?)] = []
        func total(row: String?, column: String?) -> Int? { cells.firstIndex { $0.row == row && $0.column == column } }
        for row in Set(cells.compactMap(\.row)).sorted() {
            lines.append((cells.indices.filter { cells[$0].row == row && cells[$0].column != nil }, total(row: row, column: nil)))
        }
        for column in Set(cells.compactMap(\.column)).sorted() {
            lines.append((cells.indices.filter { cells[$0].column == column && cells[$0].row != nil }, total(row: nil, column: column)))
        }
        lines.append((cells.indices.filter { cells[$0].row == nil && cells[$0].column != nil }, total(row: nil, column: nil)))
        lines.append((cells.indices.filter { cells[$0].column == nil && cells[$0].row != nil }, total(row: nil, column: nil)))
        // Lines in a fixed order (rows, then columns, then the totals'), so the same table hides the same cells.
        var changed = true
        while changed {
            changed = false
            for line in lines {
                guard let sum = line.total, !hidden.contains(sum), line.parts.filter(hidden.contains).count == 1 else { continue }
                let pick = line.parts.filter { !hidden.contains($0) && cells[$0].size > 0 }.min { cells[$0].size < cells[$1].size } ?? sum
                hidden.insert(pick)
                changed = true
            }
        }
        return hidden
    }
}
