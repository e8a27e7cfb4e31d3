import Testing
@testable import OutcomesDomain

/// The published estimates' suppression, worked by hand at a threshold of 11.
struct EstimateSuppressionTests {
    let policy = SmallCellPolicy(threshold: 11)

    func row(_ provider: String?, _ treated: Int, _ controls: Int, _ meanTreated: Double?, _ meanControl: Double?,
             _ kind: EstimateSuppression.MeanKind = .share, comparison: String = "housed_12m difference") -> EstimateSuppression.Row {
        EstimateSuppression.Row(comparison: comparison, provider: provider, treated: treated, controls: controls, meanTreated: meanTreated,
                                meanControl: meanControl, kind: kind)
    }

    @Test func anArmUnderTheThresholdHidesItsSizesAndFigures() {
        // 11 and 11: shown, with none of the treated and all of the controls housed (0 and 11 are not small counts).
        let hidden = EstimateSuppression.hidden([row(nil, 10, 400, 0.5, 0.5), row(nil, 11, 11, 0, 1, comparison: "other"),
                                                 row(nil, 11, 11, 0.5, 0.5, comparison: "third")], policy: policy)
        #expect(hidden == [.init(sizes: true, figures: true), .init(sizes: false, figures: false), .init(sizes: false, figures: true)],
                "half of 11 is 6 (rounded) with the outcome and 5 without")
    }

    @Test func aShareGivesAwayThoseWithAndWithoutTheOutcome() {
        // 0.004 × 500 = 2 treated with the outcome; 0.98 × 500 = 490, so 10 without it; 0.1 × 300 = 30 and 270.
        let hidden = EstimateSuppression.hidden([
            row(nil, 500, 300, 0.004, 0.1, comparison: "a"), row(nil, 500, 300, 0.98, 0.1, comparison: "b"),
            row(nil, 500, 300, 0.5, 0.1, comparison: "c"), row(nil, 500, 300, 0.5, 0.03, comparison: "d"),
        ], policy: policy)
        #expect(hidden.map(\.figures) == [true, true, false, true], "d: 0.03 × 300 = 9 controls with the outcome")
        #expect(hidden.allSatisfy { !$0.sizes })
    }

    @Test func aMeanCountGivesAwayItsTotalButMoneyDoesNot() {
        // 0.02 entries × 400 = 8 entries; 0.05 × 400 = 20; none at all is shown (0 is not a small count).
        let hidden = EstimateSuppression.hidden([
            row(nil, 400, 400, 0.02, 1.0, .total, comparison: "a"), row(nil, 400, 400, 0.05, 1.0, .total, comparison: "b"),
            row(nil, 400, 400, 0, 0, .total, comparison: "c"), row(nil, 400, 400, 0.02, 0.001, .other, comparison: "d"),
        ], policy: policy)
        #expect(hidden.map(\.figures) == [true, false, false, false])
    }

    @Test func oneProviderHiddenAloneTakesTheSmallestOtherWithIt() {
        // A's 8 treated are hidden; the all row (8 + 40 + 90) would give them back from B and C:
        // B, the smaller of the others, is hidden too. C and the all row stay.
        let hidden = EstimateSuppression.hidden([row(nil, 138, 500, 0.5, 0.4), row("a", 8, 100, 0.5, 0.4), row("b", 40, 150, 0.5, 0.4),
                                                 row("c", 90, 250, 0.5, 0.4)], policy: policy)
        #expect(hidden.map(\.sizes) == [false, true, true, false])
        #expect(hidden.map(\.figures) == [false, true, true, false])
        // Figures alone: B's rate says 5 of 40 (hidden); A's figures (60 treated, fewer than C's 70) go with them, not its sizes.
        let figures = EstimateSuppression.hidden([row(nil, 170, 500, 0.5, 0.4), row("a", 60, 100, 0.5, 0.4), row("b", 40, 150, 0.125, 0.4),
                                                  row("c", 70, 250, 0.5, 0.4)], policy: policy)
        #expect(figures.map(\.sizes) == [false, false, false, false])
        #expect(figures.map(\.figures) == [false, true, true, false])
    }
}
