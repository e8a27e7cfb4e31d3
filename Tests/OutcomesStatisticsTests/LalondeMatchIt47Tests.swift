import Foundation
import Testing
@testable import OutcomesStatistics

/// MatchIt's LaLonde data against R's MatchIt 4.7.2, the version evaluators run
/// (reference/lalonde_matchit47.R): with `search: .matchIt47` every design's matched sets — each
/// treated unit's controls, in MatchIt's order — its weights and its ATT are MatchIt's, on
/// MatchIt's own propensity scores.
@Suite struct LalondeMatchIt47Tests {
    static let designs: [(name: String, matching: NearestNeighbourMatching, exactOnRace: Bool)] = [
        ("nearest", NearestNeighbourMatching(search: .matchIt47), false),
        ("caliper", NearestNeighbourMatching(caliper: 0.2, search: .matchIt47), false),
        ("ratio2", NearestNeighbourMatching(ratio: 2, search: .matchIt47), false),
        ("exact_caliper", NearestNeighbourMatching(caliper: 0.2, search: .matchIt47), true),
        ("replace", NearestNeighbourMatching(replace: true, search: .matchIt47), false),
        ("replace_ratio3", NearestNeighbourMatching(ratio: 3, replace: true, search: .matchIt47), false),
    ]

    @Test(arguments: designs.map(\.name))
    func matchedSetsWeightsAndEstimateEqualMatchIt(_ design: String) throws {
        let tests = LalondeMatchItTests()
        let rows = try tests.table("lalonde.csv")  // id, treat, age, educ, race, married, nodegree, re74, re75, re78
        let ids = rows.map { $0[0] }
        let treated = rows.map { $0[1] == "1" }
        let scores = try tests.table("lalonde_matchit_weights.csv").map { Double($0[1])! }  // MatchIt's propensity scores
        let (_, matching, exactOnRace) = try #require(Self.designs.first { $0.name == design })
        let result = matching.match(distance: scores, treated: treated, exact: exactOnRace ? rows.map { $0[4] } : nil)

        let expected = Dictionary(uniqueKeysWithValues: try tests.table("lalonde_matchit47_matches.csv").filter { $0[0] == design }
            .map { ($0[1], $0.count > 2 ? $0[2].split(separator: ";").map(String.init) : []) })
        #expect(expected.count == 185)
        let found = Dictionary(uniqueKeysWithValues: treated.indices.filter { treated[$0] }.map { unit in
            (ids[unit], (result.matches[unit] ?? []).map { ids[$0] })
        })
        let differing = expected.keys.sorted().filter { found[$0] != expected[$0] }
        #expect(differing.isEmpty, "\(differing.count) treated units matched otherwise, e.g. \(differing.prefix(3).map { "\($0): \(found[$0]!) against \(expected[$0]!)" })")

        let weights = try tests.table("lalonde_matchit47_weights.csv").filter { $0[0] == design }.map { Double($0[2])! }
        #expect(weights.count == rows.count)
        for index in rows.indices where abs(result.weights[index] - weights[index]) > 1e-12 * max(1, weights[index]) {
            Issue.record("weight of \(ids[index]): \(result.weights[index]) against \(weights[index])")
        }
        let reference = try #require(try tests.table("lalonde_matchit47_estimates.csv").first { $0[0] == design })
        let estimate = try EffectEstimate.regression(outcome: rows.map { Double($0[9])! }, treated: treated, weights: result.weights,
                                                     convention: .hc2)
        #expect(estimate.treated == Int(reference[1])! && estimate.controls == Int(reference[2])!)
        let att = Double(reference[3])!
        #expect(abs(estimate.estimate - att) <= 1e-9 * abs(att), "ATT \(estimate.estimate) against MatchIt's \(att)")
    }

    /// libstdc++'s partial_sort keeps, of equal keys, the ones its heap keeps — not the first ones
    /// (reference/partial_sort_reference.cpp, run with g++ 12, the compiler R's packages are built with).
    @Test func partialSortKeepsWhatLibstdcxxKeeps() {
        let cases: [(keys: [Double], middle: Int, expected: [Int])] = [
            ([1, 1, 2, 2, 0.5, 1], 3, [4, 1, 0]), ([3, 3, 3, 3, 3, 3, 3], 2, [0, 1]),
            ([2, 1, 2, 1, 2, 1, 0, 0], 3, [6, 7, 1]), ([5, 4, 4, 4, 1, 1, 1, 2, 2], 4, [6, 5, 4, 7]),
        ]
        for (keys, middle, expected) in cases {
            var indices = Array(keys.indices)
            LibstdcxxHeap.partialSort(&indices, middle: middle) { keys[$0] < keys[$1] }
            #expect(Array(indices.prefix(middle)) == expected, "\(keys)")
        }
    }
}
