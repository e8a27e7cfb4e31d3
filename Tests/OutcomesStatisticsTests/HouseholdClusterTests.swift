import Foundation
import Testing
@testable import OutcomesStatistics

/// CR1 clustered by household against statsmodels' `cov_type="cluster"` (sandwich's vcovCL with
/// its defaults) on the LaLonde data in households of three rows
/// (reference/lalonde_household_clusters.py writes the figures).
@Suite struct HouseholdClusterTests {
    @Test func householdClustersEqualStatsmodels() throws {
        let url = try #require(Bundle.module.url(forResource: "lalonde_household_clusters.json", withExtension: nil, subdirectory: "reference"))
        let reference = try JSONDecoder().decode([String: [String: Double]].self, from: Data(contentsOf: url))
        let rows = try EntropyBalancingTests.table("lalonde.csv")  // id, treat, age, educ, race, married, nodegree, re74, re75, re78
        func numbers(_ column: Int) -> [Double] { rows.map { Double($0[column])! } }
        let treated = rows.map { $0[1] == "1" }, outcome = numbers(9)
        let households = rows.indices.map { $0 / 3 }
        let weights = rows.indices.map { treated[$0] ? 1.0 : 1.0 + Double($0 % 4) / 2 }
        let adjustment = [numbers(2), numbers(3), rows.map { $0[4] == "hispan" ? 1.0 : 0 }, rows.map { $0[4] == "white" ? 1.0 : 0 },
                          numbers(5), numbers(6), numbers(7), numbers(8)]
        for (key, columns, weighted) in [("difference", [[Double]](), false), ("difference_weighted", [], true),
                                         ("adjusted", adjustment, false), ("adjusted_weighted", adjustment, true)] {
            let expected = try #require(reference[key])
            let effect = try EffectEstimate.regression(outcome: outcome, treated: treated, weights: weighted ? weights : rows.map { _ in 1 },
                                                       adjustment: columns, convention: .cr1Household, clusters: households)
            #expect(abs(effect.estimate - expected["estimate"]!) <= 1e-9 * abs(expected["estimate"]!), "\(key) estimate")
            #expect(abs(effect.standardError - expected["std_error"]!) <= 1e-9 * expected["std_error"]!, "\(key) standard error")
        }
        // Without each row's household there is no such standard error.
        #expect(throws: EffectEstimate.Failure.clusterLabelsMissing(.cr1Household)) {
            try EffectEstimate.regression(outcome: outcome, treated: treated, weights: weights, convention: .cr1Household)
        }
    }
}
