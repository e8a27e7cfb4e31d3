import Foundation
import Testing
@testable import OutcomesStatistics

/// Matching against an independent implementation of MatchIt's documented algorithm
/// (reference/matching_reference.py; Debian's MatchIt 4.5.1 ignores calipers, MatchIt issue #163),
/// on the same propensity scores, for each option MatchIt users set.
@Suite struct NearestNeighbourMatchingTests {
    struct Reference: Decodable {
        struct Case: Decodable {
            let matches: [String: [Int]]
            let weights: [Double]
            let discarded: [Bool]
        }
        let distance: [Double]
        let treated: [Bool]
        let cases: [String: Case]
    }

    func reference() throws -> Reference {
        let url = try #require(Bundle.module.url(forResource: "matching_reference.json", withExtension: nil, subdirectory: "reference"))
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    func county() throws -> [String] {
        let url = try #require(Bundle.module.url(forResource: "logistic_data.csv", withExtension: nil, subdirectory: "reference"))
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[4]) }
    }

    @Test(arguments: ["one_to_one", "ratio_2", "with_replacement_ratio_3", "caliper_0.05", "exact_county", "discard_both_caliper_0.2"])
    func matchesEqualTheReference(_ name: String) throws {
        let reference = try reference()
        let expected = try #require(reference.cases[name])
        let options: NearestNeighbourMatching = switch name {
        case "ratio_2": NearestNeighbourMatching(ratio: 2)
        case "with_replacement_ratio_3": NearestNeighbourMatching(ratio: 3, replace: true)
        case "caliper_0.05": NearestNeighbourMatching(caliper: 0.05)
        case "discard_both_caliper_0.2": NearestNeighbourMatching(caliper: 0.2, discard: .both)
        default: NearestNeighbourMatching()
        }
        let result = options.match(distance: reference.distance, treated: reference.treated,
                                   exact: name == "exact_county" ? try county() : nil)
        let matches = Dictionary(uniqueKeysWithValues: result.matches.map { (String($0.key), $0.value) })
        #expect(matches == expected.matches)
        #expect(result.discarded == expected.discarded)
        #expect(zip(result.weights, expected.weights).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(expected.matches.values.contains { !$0.isEmpty }, "the case matches someone")
    }

    @Test func tiesGoByDataOrder() {
        // Two controls at the same distance from the treated unit: the first in data order is taken.
        let result = NearestNeighbourMatching().match(distance: [0.5, 0.4, 0.6, 0.5], treated: [true, false, false, true])
        #expect(result.matches[0] == [1] && result.matches[3] == [2])
    }
}
