import Foundation
import Testing
@testable import OutcomesDomain

/// Equity tables: a metric by provider and by a person attribute, with every margin. An attacker
/// who knows the table's layout works out what it can from the published margins — any row or
/// column equation with one unknown cell, over and over, and the people without a value (or who
/// did not achieve it) from two published counts — and never recovers a suppressed cell or a
/// small count.
@Suite struct EquityTableTests {
    typealias Count = EquityTable.Count

    /// Counts of one kind in the (provider or all) × (group or all) layout; nil where not published.
    struct Grid {
        var cells: [[Int?]]  // rows: providers then all; columns: groups then all

        /// Row and column equations solved while one cell is unknown; returns the cells it recovered.
        mutating func attack() -> [(Int, Int)] {
            var recovered: [(Int, Int)] = []
            let (rows, columns) = (cells.count, cells[0].count)
            var progress = true
            while progress {
                progress = false
                for r in 0..<rows {  // a row's margin is its last column
                    let unknown = (0..<columns).filter { cells[r][$0] == nil }
                    guard unknown.count == 1 else { continue }
                    let u = unknown[0], known = (0..<columns - 1).filter { $0 != u }.reduce(0) { $0 + cells[r][$1]! }
                    cells[r][u] = u == columns - 1 ? known : cells[r][columns - 1]! - known
                    recovered.append((r, u))
                    progress = true
                }
                for c in 0..<columns {
                    let unknown = (0..<rows).filter { cells[$0][c] == nil }
                    guard unknown.count == 1 else { continue }
                    let u = unknown[0], known = (0..<rows - 1).filter { $0 != u }.reduce(0) { $0 + cells[$1][c]! }
                    cells[u][c] = u == rows - 1 ? known : cells[rows - 1][c]! - known
                    recovered.append((u, c))
                    progress = true
                }
            }
            return recovered
        }
    }

    func grids(_ table: EquityTable) -> (participants: Grid, withValue: Grid, total: Grid) {
        func grid(_ value: (EquityTable.Row) -> Int?) -> Grid {
            Grid(cells: (table.providers.map { Optional($0) } + [nil]).map { p in
                (table.groups.map { Optional($0) } + [nil]).map { g in value(table.rows.first { $0.provider == p && $0.group == g }!) }
            })
        }
        return (grid(\.participants), grid(\.withValue), grid { $0.total.map { NSDecimalNumber(decimal: $0).intValue } })
    }

    /// Publishes the table, attacks it, and checks that nothing small or suppressed comes out.
    func expectSafe(_ table: EquityTable, _ policy: SmallCellPolicy, sourceLocation: SourceLocation = #_sourceLocation) {
        var (participants, withValue, total) = grids(table)
        for row in table.rows {
            for count in [row.participants, row.withValue, table.binary ? row.total.map { NSDecimalNumber(decimal: $0).intValue } : nil].compactMap({ $0 }) {
                #expect(!policy.suppresses(count), "published \(count) in \(row)", sourceLocation: sourceLocation)
            }
        }
        let recovered = (participants.attack(), withValue.attack(), table.binary ? total.attack() : [])
        #expect(recovered.0.isEmpty && recovered.1.isEmpty && recovered.2.isEmpty, "recovered \(recovered)", sourceLocation: sourceLocation)
        // Differences of two published counts of one cell are counts of people too.
        for r in participants.cells.indices {
            for c in participants.cells[r].indices {
                if let p = participants.cells[r][c], let w = withValue.cells[r][c] {
                    #expect(!policy.suppresses(p - w), "people without a value: \(p - w)", sourceLocation: sourceLocation)
                }
                if table.binary, let w = withValue.cells[r][c], let a = total.cells[r][c] {
                    #expect(!policy.suppresses(w - a), "people who did not achieve it: \(w - a)", sourceLocation: sourceLocation)
                }
            }
        }
    }

    @Test func oneSmallCellTakesItsRowAndColumnWithIt() throws {
        let policy = SmallCellPolicy(threshold: 11)
        let counts = [Count(provider: "a", group: "x", participants: 30, withValue: 30, total: 600),
                      Count(provider: "a", group: "y", participants: 5, withValue: 5, total: 80),
                      Count(provider: "b", group: "x", participants: 40, withValue: 40, total: 900),
                      Count(provider: "b", group: "y", participants: 25, withValue: 25, total: 400)]
        let table = EquityTable(counts: counts, binary: false, policy: policy)
        let small = try #require(table.rows.first { $0.provider == "a" && $0.group == "y" })
        #expect(small.participants == nil && small.figure == nil && small.suppressedParticipants)
        // Its row and its column each hide a second cell (else the margin minus the rest shows it), and
        // where they meet a fourth: the inner cells go, every margin stays.
        #expect(table.rows.filter { $0.participants == nil }.map { "\($0.provider ?? "all")/\($0.group ?? "all")" } == ["a/x", "a/y", "b/x", "b/y"])
        // Everyone: 100 people, a mean of 19.8; b's 65 people in all, a mean of 20.
        let all = try #require(table.rows.first { $0.provider == nil && $0.group == nil })
        #expect(all.participants == 100 && all.figure == Decimal(1980) / 100)
        expectSafe(table, policy)
    }

    @Test(arguments: 1...60)
    func noSuppressedCellIsRecoverableFromTheMargins(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed))
        let policy = SmallCellPolicy(threshold: random.bernoulli(0.5) ? 11 : 6)
        let binary = random.bernoulli(0.5)
        let providers = (0..<random.int(in: 1...4)).map { "p\($0)" }, groups = (0..<random.int(in: 2...5)).map { "g\($0)" }
        var counts: [Count] = []
        for provider in providers {
            for group in groups where random.bernoulli(0.9) {
                // Many small cells: the hard case.
                let participants = random.bernoulli(0.4) ? random.int(in: 0...12) : random.int(in: 10...80)
                let withValue = max(0, participants - (random.bernoulli(0.5) ? random.int(in: 0...3) : 0))
                let total = binary ? random.int(in: 0...withValue) : random.int(in: 0...(withValue * 30))
                counts.append(Count(provider: provider, group: group, participants: participants, withValue: withValue, total: Decimal(total)))
            }
        }
        let table = EquityTable(counts: counts, binary: binary, policy: policy)
        #expect(table.rows.count == (Set(counts.map(\.provider)).count + 1) * (Set(counts.map(\.group)).count + 1))
        expectSafe(table, policy)
        // What is published is true: each shown count is the sum of its cells.
        for row in table.rows {
            let members = counts.filter { (row.provider == nil || $0.provider == row.provider) && (row.group == nil || $0.group == row.group) }
            if let shown = row.participants { #expect(shown == members.reduce(0) { $0 + $1.participants }) }
            if let shown = row.withValue { #expect(shown == members.reduce(0) { $0 + $1.withValue }) }
        }
    }
}
