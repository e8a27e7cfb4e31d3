import OutcomesDomain
import Testing
@testable import OutcomesDatabase

/// The bit strings of days covered and sustained runs have a fixed length per metric: it must
/// hold every window, whatever the anchor date (month ends, leap years), or days would be lost.
@Suite struct MetricCompilerBoundsTests {
    static let windows: [(String, String)] = [
        ("0 days", "24 months"), ("1 day", "12 months"), ("0 days", "364 days"), ("1 quarter", "5 quarters"),
        ("-6 months", "-1 day"), ("-12 months", "-1 day"), ("-1 year", "1 year"), ("1 month", "40 days"),
        ("0 days", "1 month"), ("-3 quarters", "2 quarters"),
    ]

    @Test func boundsHoldEveryWindowForEveryAnchorDate() throws {
        for (from, to) in Self.windows {
            let window = Window(anchor: .enrollmentStart, from: Offset(text: from)!, to: Offset(text: to)!)
            var anchor = try #require(LocalDate(iso: "2019-01-01"))
            var longest = 0, mostUnits: [Offset.Unit: Int] = [:]
            while anchor <= LocalDate(iso: "2026-12-31")! {
                if let range = window.range(anchoredAt: anchor) {
                    longest = max(longest, range.lowerBound.days(to: range.upperBound) + 1)
                    for unit in [Offset.Unit.months, .quarters] {
                        // Units from the window's start up to the one holding its last day.
                        var count = 0
                        while Offset(count, unit).applied(to: range.lowerBound) <= range.upperBound { count += 1 }
                        mostUnits[unit] = max(mostUnits[unit] ?? 0, count)
                    }
                }
                anchor = anchor.adding(days: 1)
            }
            #expect(MetricCompiler.maximumDays(window) >= longest, "days of \(from) … \(to)")
            #expect(MetricCompiler.maximumDays(window) <= longest + 31, "days of \(from) … \(to) stay close")
            for unit in [Offset.Unit.months, .quarters] {
                let bound = MetricCompiler.maximumUnits(window, unitMonths: Offset(1, unit).months)
                #expect(bound >= mostUnits[unit] ?? 0, "\(unit) of \(from) … \(to)")
            }
        }
    }
}
