import Foundation
import Testing
@testable import OutcomesStatistics

/// The LaLonde (NSW) data MatchIt ships, against R's MatchIt 4.5.1 (reference/lalonde_matchit.R
/// wrote the data, MatchIt's propensity scores, weights and pairs): its pairs are reproduced with
/// `search: .matchIt451`, which takes the version's integer-`abs` search into account.
@Suite struct LalondeMatchItTests {
    func table(_ name: String) throws -> [[String]] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "reference"))
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst().map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
    }

    @Test func propensityScoresEqualMatchIts() throws {
        let rows = try table("lalonde.csv")  // id, treat, age, educ, race, married, nodegree, re74, re75, re78
        func numbers(_ column: Int) -> [Double] { rows.map { Double($0[column])! } }
        let design = DesignMatrix([
            .numeric("age", numbers(2)), .numeric("educ", numbers(3)), .categorical("race", rows.map { $0[4] }),
            .numeric("married", numbers(5)), .numeric("nodegree", numbers(6)), .numeric("re74", numbers(7)),
            .numeric("re75", numbers(8)),
        ], rows: rows.count)
        #expect(design.names == ["(Intercept)", "age", "educ", "race_hispan", "race_white", "married", "nodegree", "re74", "re75"])
        let treated = numbers(1)
        let fit = try LogisticRegression().fit(design: design.matrix, outcome: treated)
        let reference = try table("lalonde_matchit_weights.csv")  // id, distance, weights
        for (index, row) in reference.enumerated() {
            #expect(abs(fit.fitted[index] - Double(row[1])!) < 1e-8, "propensity of \(row[0])")
        }
        // MatchIt's own scores, so that no last-digit difference can move a match.
        let scores = reference.map { Double($0[1])! }
        let ids = rows.map { $0[0] }
        let pairs = Dictionary(uniqueKeysWithValues: try table("lalonde_matchit_nearest.csv").map { ($0[0], $0[1]) })
        let compatible = NearestNeighbourMatching(search: .matchIt451).match(distance: scores, treated: treated.map { $0 == 1 })
        let agree = compatible.matches.filter { pairs[ids[$0.key]] == $0.value.first.map { ids[$0] } }.count
        #expect(agree == 185, "\(agree) of 185 pairs as MatchIt 4.5.1 made them")
        for (index, row) in reference.enumerated() { #expect(compatible.weights[index] == Double(row[2])!, "weight of \(row[0])") }
        // That version's caliper never binds on propensity scores (MatchIt issue #163): the same pairs with a tight one.
        let calipered = NearestNeighbourMatching(caliper: 0.01, search: .matchIt451).match(distance: scores, treated: treated.map { $0 == 1 })
        #expect(calipered.matches == compatible.matches)
        #expect(NearestNeighbourMatching(caliper: 0.01).match(distance: scores, treated: treated.map { $0 == 1 }).matches
            .filter { $0.value.isEmpty }.count > 0, "the documented caliper leaves treated units unmatched")
        // The documented algorithm (true nearest) differs from that version on a handful of pairs.
        let nearest = NearestNeighbourMatching().match(distance: scores, treated: treated.map { $0 == 1 })
        #expect(nearest.matches.filter { pairs[ids[$0.key]] != $0.value.first.map { ids[$0] } }.count > 0)
    }
}
