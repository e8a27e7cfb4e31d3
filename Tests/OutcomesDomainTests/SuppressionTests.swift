import Foundation
import Testing
@testable import OutcomesDomain

/// Complementary suppression, attacked: whatever is published, nobody can work out a count of
/// 1–10 — a suppressed cell, or a group such as "participants without a value" — by adding and
/// subtracting published cells.
@Suite struct SuppressionTests {
    /// What a person with a spreadsheet can derive: every published cell is an equation (its atoms
    /// sum to its value); subtracting an equation from one whose atoms include it gives another;
    /// an equation left with one atom reveals it, and one whose atoms are a suppressed cell's reveals that.
    func recovered(_ table: CountTable, hidden: [Bool]) -> (atoms: Set<Int>, cells: Set<Int>) {
        var equations: [Set<Int>: Int] = [:]
        for cell in table.cells.indices where !hidden[cell] { equations[Set(table.cells[cell])] = table.value(of: cell) }
        var changed = true
        while changed {
            changed = false
            for (big, bigValue) in equations {
                for (small, smallValue) in equations where small != big && small.isSubset(of: big) {
                    let rest = big.subtracting(small)
                    if !rest.isEmpty, equations[rest] == nil {
                        equations[rest] = bigValue - smallValue
                        changed = true
                    }
                }
            }
        }
        let atoms = Set(equations.keys.filter { $0.count == 1 }.map { $0.first! })
        let cells = Set(table.cells.indices.filter { hidden[$0] && equations[Set(table.cells[$0])] != nil })
        return (atoms, cells)
    }

    /// A metric's table as the metrics report builds it: per provider, atoms (without a value,
    /// achieved, not achieved); cells participants, with value, achieved; then the (all) row.
    func metricTable(_ providers: [(without: Int, achieved: Int, notAchieved: Int)]) -> CountTable {
        var atoms: [Int] = [], cells: [[Int]] = []
        for provider in providers {
            let base = atoms.count
            atoms += [provider.without, provider.achieved, provider.notAchieved]
            cells += [[base, base + 1, base + 2], [base + 1, base + 2], [base + 1]]
        }
        let all = atoms.indices
        cells += [Array(all), all.filter { $0 % 3 != 0 }, all.filter { $0 % 3 == 1 }]
        return CountTable(atoms: atoms, cells: cells)
    }

    @Test func aSmallTotalIsSuppressedWithWhatWouldRevealIt() {
        let policy = SmallCellPolicy(threshold: 11)
        // Provider A: 40 participants, 3 of them achieved the outcome; B: 55, 20 achieved. Everyone has a value.
        let table = metricTable([(0, 3, 37), (0, 20, 35)])
        let hidden = policy.suppressed(table)
        #expect(hidden[2], "A's total of 3 people")
        #expect(hidden[5] || hidden[8], "B's total, or the (all) total, hides A's by subtraction")
        let found = recovered(table, hidden: hidden)
        #expect(found.cells.isEmpty && !found.atoms.contains(1))
        // Nothing small: nothing hidden.
        #expect(policy.suppressed(metricTable([(0, 30, 37), (12, 20, 35)])).allSatisfy { !$0 })
    }

    @Test func aSmallGroupWithoutAValueIsNotRevealedByParticipantsMinusWithValue() {
        let policy = SmallCellPolicy(threshold: 11)
        let table = metricTable([(4, 30, 37), (15, 20, 35)])
        let hidden = policy.suppressed(table)
        #expect(!recovered(table, hidden: hidden).atoms.contains(0), "the 4 participants without a value")
        #expect(hidden[0] || hidden[1])
    }

    @Test func noSuppressedCountIsEverRecoveredFromWhatIsPublished() {
        var generator = SeededGenerator(seed: 2026)
        let policy = SmallCellPolicy(threshold: 11)
        var checked = 0
        for _ in 0..<300 {
            let providers = (0..<Int.random(in: 1...4, using: &generator)).map { _ in
                let pick = { () -> Int in
                    [0, Int.random(in: 1...10, using: &generator), Int.random(in: 11...300, using: &generator)]
                        .randomElement(using: &generator)!
                }
                return (without: pick(), achieved: pick(), notAchieved: pick())
            }
            let table = metricTable(providers)
            let hidden = policy.suppressed(table)
            for cell in table.cells.indices { if policy.suppresses(table.value(of: cell)) { #expect(hidden[cell]) } }
            let found = recovered(table, hidden: hidden)
            #expect(found.cells.isEmpty, "\(providers): suppressed cells \(found.cells) recovered")
            #expect(found.atoms.allSatisfy { !policy.suppresses(table.atoms[$0]) }, "\(providers): small groups recovered")
            checked += hidden.filter { $0 }.count
        }
        #expect(checked > 100, "the generator makes small cells")
    }
}
