import Testing
@testable import OutcomesDomain

/// Hidden cells completed over a two-way table's lines, worked by hand.
struct TwoWayComplementTests {
    typealias Cell = TwoWayComplement.Cell

    /// Providers a, b, c by periods 2021 and 2022, with totals: indices in reading order.
    static let cells: [Cell] = [
        Cell(row: "2021", column: "a", size: 40), Cell(row: "2021", column: "b", size: 15), Cell(row: "2021", column: "c", size: 90),
        Cell(row: "2021", column: nil, size: 145),
        Cell(row: "2022", column: "a", size: 30), Cell(row: "2022", column: "b", size: 60), Cell(row: "2022", column: "c", size: 20),
        Cell(row: "2022", column: nil, size: 110),
        Cell(row: nil, column: "a", size: 70), Cell(row: nil, column: "b", size: 75), Cell(row: nil, column: "c", size: 110),
        Cell(row: nil, column: nil, size: 255),
    ]

    @Test func oneHiddenCellTakesTheSmallestOfItsRowAndColumn() {
        // a in 2021 (0): its row's smallest other is b (1, 15); then column a has one hidden: a in 2022 (4);
        // column b has one (1): b in 2022 (5). Rows 2021 and 2022 and columns a and b then hide two each.
        let hidden = TwoWayComplement.completing([0], of: Self.cells)
        #expect(hidden == [0, 1, 4, 5])
        #expect(TwoWayComplement.completing([], of: Self.cells).isEmpty)
    }

    @Test func aLineWithoutAnotherCellHidesItsTotal() {
        let cells = [Cell(row: "2022", column: "a", size: 30), Cell(row: "2022", column: nil, size: 30), Cell(row: nil, column: "a", size: 30),
                     Cell(row: nil, column: nil, size: 30)]
        // Alone in its row and column: the totals go, and the grand total with them.
        #expect(TwoWayComplement.completing([0], of: cells) == [0, 1, 2, 3])
    }
}
