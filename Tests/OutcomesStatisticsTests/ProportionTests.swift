import Testing
@testable import OutcomesStatistics

/// Wilson intervals equal statsmodels' `proportion_confint(method="wilson")` (reference/wilson_statsmodels.py).
@Suite struct ProportionTests {
    static let reference: [(Int, Int, Double, Double)] = [
        (8, 10, 0.49016247153664183, 0.9433178485456247),
        (0, 25, 0.0, 0.13319225093904855),
        (137, 400, 0.29769101850421636, 0.3903053542110871),
        (25, 25, 0.8668077490609515, 1.0),
    ]

    @Test func wilsonIntervalsEqualStatsmodels() throws {
        for (successes, trials, low, high) in Self.reference {
            let interval = try #require(Proportion.wilson(successes: successes, of: trials))
            #expect(abs(interval.lower - low) < 1e-9 && abs(interval.upper - high) < 1e-9, "\(successes)/\(trials): \(interval)")
        }
        #expect(Proportion.wilson(successes: 0, of: 0) == nil)
    }
}
