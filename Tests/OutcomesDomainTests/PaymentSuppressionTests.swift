import Testing
@testable import OutcomesDomain

/// A payments table's hidden cells, worked by hand at a threshold of 11.
struct PaymentSuppressionTests {
    typealias Cell = PaymentSuppression.Cell
    let policy = SmallCellPolicy(threshold: 11)

    /// 2022: providers a (30 paid: 26 on one line, 4 on another), b (40), c (60), and all (130); 2023: a (25), b (12), all (37).
    func cells(exposed: Set<Int> = []) -> [Cell] {
        let raw: [(String, String?, Int, [Int])] = [("2022", "a", 30, [26, 4]), ("2022", "b", 40, [40]), ("2022", "c", 60, [60]),
                                                    ("2022", nil, 130, [126, 4]), ("2023", "a", 25, [25]), ("2023", "b", 12, [12]),
                                                    ("2023", nil, 37, [37])]
        return raw.enumerated().map { Cell(period: $1.0, provider: $1.1, participants: $1.2, perLine: $1.3, exposed: exposed.contains($0)) }
    }

    @Test func aSmallLineHidesItsCellAndAllProvidersToo() {
        // a's 4 on one line hide a (0) and all providers' 4 on it hide the total (3); the line 2022 then has
        // one provider hidden beside a hidden total: nothing more. 2023 stands alone and shows all.
        #expect(PaymentSuppression.hidden(cells(), policy: policy) == [0, 3])
    }

    @Test func anExposedCellTakesTheFewestPaidOfItsPeriod() {
        // Without the small line: b in 2023 exposed (a metric it prices is hidden) takes a (25) with it,
        // since the total (37) is shown; 2022 is untouched by 2023.
        var cells = cells(exposed: [5])
        cells[0] = Cell(period: "2022", provider: "a", participants: 30, perLine: [30], exposed: false)
        cells[3] = Cell(period: "2022", provider: nil, participants: 130, perLine: [130], exposed: false)
        #expect(PaymentSuppression.hidden(cells, policy: policy) == [4, 5])
        // b in 2022 exposed: c (60) is larger than a (30): a goes with it.
        #expect(PaymentSuppression.hidden(cells.enumerated().map { index, cell in
            index == 1 ? Cell(period: "2022", provider: "b", participants: 40, perLine: [40], exposed: true) : cell
        }, policy: policy) == [0, 1, 4, 5])
    }
}
