import Foundation
import Testing
@testable import OutcomesStatistics

/// The standard-error conventions and MatchIt's pair distances on MatchIt's LaLonde data against
/// R's sandwich and MatchIt 4.7.2 (reference/lalonde_se_conventions.R), on matches found by our
/// MatchIt 4.7 search from MatchIt's own propensity scores (they equal R's, see
/// LalondeMatchIt47Tests). Tolerance: 1e-9 relative throughout.
@Suite struct StandardErrorConventionTests {
    static let designs: [String: NearestNeighbourMatching] = [
        "nearest": NearestNeighbourMatching(search: .matchIt47),
        "ratio2": NearestNeighbourMatching(ratio: 2, search: .matchIt47),
        "replace": NearestNeighbourMatching(replace: true, search: .matchIt47),
        "replace_ratio3": NearestNeighbourMatching(ratio: 3, replace: true, search: .matchIt47),
    ]

    struct LaLonde {
        let rows: [[String]]  // id, treat, age, educ, race, married, nodegree, re74, re75, re78
        let ids: [String]
        let treated: [Bool]
        let scores: [Double]
        func numbers(_ column: Int) -> [Double] { rows.map { Double($0[column])! } }
        var outcome: [Double] { numbers(9) }
        /// The adjusted model's covariates as lm's model matrix has them (race: hispan and white against black).
        var adjustment: [[Double]] {
            [numbers(2), numbers(3), rows.map { $0[4] == "hispan" ? 1 : 0 }, rows.map { $0[4] == "white" ? 1 : 0 },
             numbers(5), numbers(6), numbers(7), numbers(8)]
        }
    }

    static func lalonde() throws -> LaLonde {
        let tests = LalondeMatchItTests()
        let rows = try tests.table("lalonde.csv")
        return LaLonde(rows: rows, ids: rows.map { $0[0] }, treated: rows.map { $0[1] == "1" },
                       scores: try tests.table("lalonde_matchit_weights.csv").map { Double($0[1])! })
    }

    static func close(_ found: Double, _ expected: Double, _ what: String) {
        #expect(abs(found - expected) <= 1e-9 * abs(expected), "\(what): \(found) against R's \(expected)")
    }

    /// Each unit's matched set (numbered by its treated unit), nil when unmatched.
    static func subclass(_ matches: [Int: [Int]], count: Int) -> [Int?] {
        var subclass = [Int?](repeating: nil, count: count)
        for (treated, controls) in matches where !controls.isEmpty {
            for unit in [treated] + controls { subclass[unit] = treated }
        }
        return subclass
    }

    /// R's rows (lalonde_se_rows.csv) of one design and source: id, subclass (nil: NA), weight.
    static func rRows(_ design: String, _ source: String) throws -> [(id: String, subclass: Int?, weight: Double)] {
        try LalondeMatchItTests().table("lalonde_se_rows.csv").filter { $0[0] == design && $0[1] == source }
            .map { ($0[2], Int($0[3]), Double($0[4])!) }
    }

    @Test(arguments: ["nearest", "ratio2", "replace", "replace_ratio3"])
    func standardErrorsEqualSandwich(_ design: String) throws {
        let data = try Self.lalonde()
        let matching = try #require(Self.designs[design])
        let result = matching.match(distance: data.scores, treated: data.treated)
        let subclass = Self.subclass(result.matches, count: data.rows.count)
        let reference = try LalondeMatchItTests().table("lalonde_se_conventions.csv").filter { $0[0] == design }
        #expect(reference.count == (matching.replace ? 10 : 14))

        if !matching.replace {
            // Our matched sets are R's subclasses (one to one, whatever their numbers).
            let r = try Self.rRows(design, "match_data")
            let ours = Dictionary(uniqueKeysWithValues: data.ids.indices.compactMap { i in subclass[i].map { (data.ids[i], $0) } })
            #expect(r.count == ours.count)
            let pairs = Set(r.map { "\($0.subclass ?? -1) \(ours[$0.id] ?? -1)" })
            #expect(pairs.count == Set(r.map(\.subclass)).count && pairs.count == Set(ours.values).count)
        }
        let rows = try MatchedSetRows(matches: result.matches, unitCount: data.rows.count)
        for line in reference {
            let (model, name, estimate, standardError) = (line[1], line[2], Double(line[3])!, Double(line[4])!)
            let adjustment = model == "adjusted" ? data.adjustment : []
            let found: EffectEstimate
            if name == "CR1-two-way" {
                found = try EffectEstimate.regression(outcome: rows.onRows(data.outcome), treated: rows.onRows(data.treated), weights: rows.weights,
                                                      adjustment: adjustment.map { rows.onRows($0) }, convention: .cr1TwoWay,
                                                      clusters: rows.subclass, units: rows.units)
            } else {
                let convention = try #require(StandardErrorConvention(rawValue: name == "vcovCL-HC0" ? "CR0" : name))
                found = try EffectEstimate.regression(outcome: data.outcome, treated: data.treated, weights: result.weights, adjustment: adjustment,
                                                      convention: convention, clusters: subclass.map { $0 ?? -1 })
            }
            Self.close(found.estimate, estimate, "\(design) \(model) estimate")
            if name == "vcovCL-HC0" {
                // sandwich's type = "HC0" keeps cadjust: CR0 times G/(G−1).
                let g = Double(Set(subclass.compactMap { $0 }).count)
                Self.close(found.standardError * (g / (g - 1)).squareRoot(), standardError, "\(design) \(model) vcovCL HC0 with cadjust")
            } else {
                #expect(found.kind.rawValue == name)
                Self.close(found.standardError, standardError, "\(design) \(model) \(name)")
            }
        }
    }

    @Test(arguments: ["replace", "replace_ratio3"])
    func rowsEqualGetMatches(_ design: String) throws {
        let data = try Self.lalonde()
        let result = try #require(Self.designs[design]).match(distance: data.scores, treated: data.treated)
        let rows = try MatchedSetRows(matches: result.matches, unitCount: data.rows.count)
        let r = try Self.rRows(design, "get_matches")
        try #require(rows.units.count == r.count && r.count == (design == "replace" ? 370 : 740))
        let differing = r.indices.filter { i in
            data.ids[rows.units[i]] != r[i].id || rows.subclass[i] != r[i].subclass || abs(rows.weights[i] - r[i].weight) > 1e-15
        }
        #expect(differing.isEmpty, "\(differing.count) rows differ from get_matches()'s, the first its row \((differing.first ?? 0) + 1)")
    }

    @Test func rowsByHand() throws {
        // Treated 4 takes 1 then 0; treated 2 takes 0 then 3; treated 5 none: sets 1 (unit 2) and 2 (unit 4).
        // Set 2 lists 0 before 1: 0 was first taken (by set 1).
        let rows = try MatchedSetRows(matches: [4: [1, 0], 2: [0, 3], 5: []], unitCount: 6)
        #expect(rows.units == [2, 0, 3, 4, 0, 1] && rows.subclass == [1, 1, 1, 2, 2, 2])
        #expect(rows.weights == [1, 0.5, 0.5, 1, 0.5, 0.5])
        #expect(rows.onRows(["a", "b", "c", "d", "e", "f"]) == ["c", "a", "d", "e", "a", "b"])
        #expect(throws: MatchedSetRows.Failure.unitOutOfRange(6)) { try MatchedSetRows(matches: [1: [6]], unitCount: 6) }
    }

    @Test(arguments: ["nearest", "ratio2", "subclass"])
    func standardizedPairDistancesEqualMatchIt(_ design: String) throws {
        let data = try Self.lalonde()
        let subclass: [Int?], weights: [Double]
        if let matching = Self.designs[design] {
            let result = matching.match(distance: data.scores, treated: data.treated)
            (subclass, weights) = (Self.subclass(result.matches, count: data.rows.count), result.weights)
        } else {
            let r = try Self.rRows(design, "match_data")
            #expect(r.map(\.id) == data.ids)  // subclassification keeps every unit
            (subclass, weights) = (r.map(\.subclass), r.map(\.weight))
        }
        let numeric = ["age": 2, "educ": 3, "married": 5, "nodegree": 6, "re74": 7, "re75": 8]
        let reference = try LalondeMatchItTests().table("lalonde_pair_distances.csv").filter { $0[0] == design }
        #expect(reference.map { $0[1] } == ["distance", "age", "educ", "raceblack", "racehispan", "racewhite", "married", "nodegree", "re74", "re75"])
        for line in reference {
            let values: [Double], name: String
            if line[1] == "distance" {
                (values, name) = (data.scores, "distance")
            } else if line[1].hasPrefix("race") {
                let level = String(line[1].dropFirst(4))
                (values, name) = (data.rows.map { $0[4] == level ? 1 : 0 }, "race_\(level)")
            } else {
                (values, name) = (data.numbers(try #require(numeric[line[1]])), line[1])
            }
            let row = Balance.row(name: name, values: values, treated: data.treated, weights: weights, estimand: .att, subclass: subclass)
            Self.close(try #require(row.standardizedPairDistance), Double(line[2])!, "\(design) \(name)")
            #expect(Balance.row(name: name, values: values, treated: data.treated, weights: weights, estimand: .att).standardizedPairDistance == nil)
        }
    }

    @Test func pairDistancesByHand() {
        // Set 1: treated 1 against controls 2, 4 (1 + 3); set 2: treated 5, 7 against control 6 (1 + 1).
        // Unit 3 (no set) is left out: 6 / 4 pairs.
        let values = [1.0, 2, 4, 5, 7, 6, 3], treated = [true, false, false, true, true, false, true]
        let subclass: [Int?] = [1, 1, 1, 2, 2, 2, nil]
        #expect(Balance.pairDistance(values: values, treated: treated, subclass: subclass) == 1.5)
        // No set with both groups: none (MatchIt would say 0).
        #expect(Balance.pairDistance(values: values, treated: treated, subclass: [1, 2, 2, nil, 1, 3, nil]) == nil)
        // Means equal (weighted): left unstandardized, as MatchIt does.
        let equal = Balance.standardizedPairDistance(values: [1, 3, 2, 2], treated: [true, true, false, false], subclass: [1, 2, 1, 2],
                                                     weights: [1, 1, 1, 1], estimand: .att)
        #expect(equal == 1)
        // Means differ and each group has one unit with weight: none.
        #expect(Balance.standardizedPairDistance(values: [1, 3, 2, 2], treated: [true, true, false, false], subclass: [1, 2, 1, 2],
                                                 weights: [1, 0, 1, 0], estimand: .att) == nil)
    }

    @Test func conventionsNamesAndLabels() {
        #expect(StandardErrorConvention.allCases.map(\.rawValue) == ["HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR1-two-way", "CR1-household", "influence-function"])
        #expect(StandardErrorConvention.allCases.map(\.label) == ["HC0", "HC1", "HC2", "HC3", "CR0 by matched set", "CR1 by matched set",
                                                                 "two-way CR1 by matched set and unit", "CR1 by household", "influence function"])
    }

    @Test func clusteredConventionsNeedTheirLabels() {
        let y = [1.0, 2, 4, 2, 3, 7, 9], treated = [true, true, true, false, false, false, false], w = [Double](repeating: 1, count: 7)
        #expect(throws: EffectEstimate.Failure.clusterLabelsMissing(.cr0)) {
            try EffectEstimate.regression(outcome: y, treated: treated, weights: w, convention: .cr0)
        }
        #expect(throws: EffectEstimate.Failure.clusterLabelsMissing(.cr1)) {
            try EffectEstimate.regression(outcome: y, treated: treated, weights: w, convention: .cr1, clusters: [1, 2, 3])
        }
        #expect(throws: EffectEstimate.Failure.clusterLabelsMissing(.cr1TwoWay)) {
            try EffectEstimate.regression(outcome: y, treated: treated, weights: w, convention: .cr1TwoWay, clusters: [1, 1, 2, 2, 3, 3, 1])
        }
        #expect(throws: LinearRegression.Failure.clusterLabelCount(expected: 7, found: 6)) {
            let design = Matrix(rows: 7, columns: 2, values: treated.flatMap { [1, $0 ? 1 : 0] })
            _ = try LinearRegression(covariance: .twoWay([1, 1, 2, 2, 3, 3, 1], [1, 2, 3, 4, 5, 6])).fit(design: design, outcome: y)
        }
    }

    /// Two-way's variance below zero, as R gives it for these rows (vcovCL(lm(y ~ treat),
    /// cluster = ~s + id)["treat", "treat"] = -1.4680555555555441; pairs (s, id) repeat, so the
    /// intersection has fewer clusters than rows): a typed failure, not a NaN.
    @Test func negativeTwoWayVarianceIsAFailure() throws {
        let y = [0.0, -8, 5, -7, -2, -4, -3, 8], treated = [true, true, true, true, false, false, false, false]
        let s = [3, 1, 2, 1, 1, 3, 1, 3], id = [1, 2, 2, 2, 4, 3, 1, 3]
        let design = Matrix(rows: 8, columns: 2, values: treated.flatMap { [1, $0 ? 1 : 0] })
        let fit = try LinearRegression(covariance: .twoWay(s, id)).fit(design: design, outcome: y)
        Self.close(fit.covariance[1, 1], -1.4680555555555441, "two-way variance")
        #expect(throws: EffectEstimate.Failure.negativeVariance) {
            try EffectEstimate.regression(outcome: y, treated: treated, weights: [Double](repeating: 1, count: 8), convention: .cr1TwoWay,
                                          clusters: s, units: id)
        }
    }
}
