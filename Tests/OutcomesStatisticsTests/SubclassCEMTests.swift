import Foundation
import Testing
@testable import OutcomesStatistics

/// Subclassification and coarsened exact matching against R's MatchIt 4.7.2
/// (reference/lalonde_subclass_cem.R): on MatchIt's LaLonde data every unit's subclass equals
/// MatchIt's, its weight within 1e-12 relative, the design's counts exactly, and the weighted
/// difference in means within 1e-10 relative. Subclassification runs on MatchIt's propensity
/// scores, so only the subclassification is under test.
@Suite struct SubclassCEMTests {
    static let subclassDesigns: [(name: String, kernel: Subclassification)] = [
        ("sub_att", Subclassification()),
        ("sub_ate", Subclassification(estimand: .ate)),
        ("sub_att10", Subclassification(subclasses: 10)),
        ("sub_att_discard_both", Subclassification(discard: .both)),
        ("sub_ate10", Subclassification(subclasses: 10, estimand: .ate)),
        ("sub_ate20_min3", Subclassification(subclasses: 20, estimand: .ate, minimumPerGroup: 3)),
        ("sub_ate20_min0", Subclassification(subclasses: 20, estimand: .ate, minimumPerGroup: 0)),
    ]
    static let cemDesigns: [(name: String, kernel: CoarsenedExactMatching)] = [
        ("cem_att", CoarsenedExactMatching()),
        ("cem_ate", CoarsenedExactMatching(estimand: .ate)),
        ("cem_att_age4_re74_3", CoarsenedExactMatching(coarsening: ["age": .bins(4), "re74": .bins(3)])),
        ("cem_att_cuts", CoarsenedExactMatching(coarsening: ["age": .cuts([20, 25, 30, 40]), "educ": .cuts([9, 12])])),
    ]

    struct Lalonde {
        let rows: [[String]], treated: [Bool], scores: [Double], covariates: [DesignMatrix.Covariate], outcome: [Double]
    }

    func lalonde() throws -> Lalonde {
        let tables = LalondeMatchItTests()
        let rows = try tables.table("lalonde.csv")  // id, treat, age, educ, race, married, nodegree, re74, re75, re78
        func numbers(_ column: Int) -> [Double] { rows.map { Double($0[column])! } }
        let covariates: [DesignMatrix.Covariate] = [
            .numeric("age", numbers(2)), .numeric("educ", numbers(3)), .categorical("race", rows.map { $0[4] }),
            .numeric("married", numbers(5)), .numeric("nodegree", numbers(6)), .numeric("re74", numbers(7)),
            .numeric("re75", numbers(8)),
        ]
        let scores = try tables.table("lalonde_matchit_weights.csv").map { Double($0[1])! }  // MatchIt's propensity scores
        return Lalonde(rows: rows, treated: rows.map { $0[1] == "1" }, scores: scores, covariates: covariates, outcome: numbers(9))
    }

    /// Subclasses, weights, counts and estimate of one design against the reference files.
    func expectMatchIt(_ design: String, subclass: [Int?], weights: [Double], counts: [String: Int], data: Lalonde) throws {
        let tables = LalondeMatchItTests()
        let units = try tables.table("lalonde_subclass_cem_units.csv").filter { $0[0] == design }  // design, id, subclass, weight
        #expect(units.count == data.rows.count)
        #expect(units.map { $0[1] } == data.rows.map { $0[0] })
        let differing = units.indices.filter { subclass[$0] != Int(units[$0][2]) }
        #expect(differing.isEmpty, "\(differing.count) units in another subclass, e.g. \(differing.prefix(3).map { "\(units[$0][1]): \(subclass[$0].map(String.init) ?? "none") against \(units[$0][2])" })")
        for (index, unit) in units.enumerated() {
            let expected = Double(unit[3])!
            #expect(abs(weights[index] - expected) <= 1e-12 * max(1, expected), "weight of \(unit[1]): \(weights[index]) against \(expected)")
        }
        let expectedCounts = Dictionary(uniqueKeysWithValues: try tables.table("lalonde_subclass_cem_counts.csv")
            .filter { $0[0] == design }.map { ($0[1], Int($0[2])!) })
        #expect(counts == expectedCounts)

        let reference = try #require(try tables.table("lalonde_subclass_cem_estimates.csv").first { $0[0] == design })
        let estimate = try EffectEstimate.regression(outcome: data.outcome, treated: data.treated, weights: weights, convention: .hc3)
        #expect(estimate.treated == Int(reference[1])! && estimate.controls == Int(reference[2])!)
        let effect = Double(reference[3])!
        #expect(abs(estimate.estimate - effect) <= 1e-10 * abs(effect), "estimate \(estimate.estimate) against MatchIt's \(effect)")
    }

    @Test(arguments: subclassDesigns.map(\.name))
    func subclassificationEqualsMatchIt(_ design: String) throws {
        let data = try lalonde()
        let kernel = try #require(Self.subclassDesigns.first { $0.name == design }).kernel
        let result = try kernel.subclassify(distance: data.scores, treated: data.treated)
        try expectMatchIt(design, subclass: result.subclass, weights: result.weights, counts: [
            "discarded": result.discarded.filter { $0 }.count, "subclasses_formed": result.subclassesFormed,
            "units_reassigned": result.unitsReassigned, "subclasses_dropped": result.subclassesDropped,
            "units_dropped": result.unitsDropped,
        ], data: data)
    }

    @Test(arguments: cemDesigns.map(\.name))
    func coarsenedExactMatchingEqualsMatchIt(_ design: String) throws {
        let data = try lalonde()
        let kernel = try #require(Self.cemDesigns.first { $0.name == design }).kernel
        let result = try kernel.match(data.covariates, treated: data.treated)
        try expectMatchIt(design, subclass: result.subclass, weights: result.weights, counts: [
            "strata_formed": result.strataFormed, "strata_kept": result.strataKept,
            "treated_dropped": result.treatedDropped, "strata_without_controls": result.strataWithoutControls,
            "controls_dropped": result.controlsDropped, "strata_without_treated": result.strataWithoutTreated,
        ], data: data)
    }

    @Test func sturgesBreaksAreEqualWidthOverTheRange() throws {
        let data = try lalonde()
        let result = try CoarsenedExactMatching().match(data.covariates, treated: data.treated)
        // 614 units: ⌈log₂ 614 + 1⌉ = 11 bins; age runs from 16 to 55.
        let age = try #require(result.breaks["age"])
        #expect(age.count == 10)
        #expect(age.enumerated().allSatisfy { $0.element == 16 + Double($0.offset + 1) * (39.0 / 11) })
        #expect(result.breaks["race"] == nil)
    }

    // Worked by hand (and checked against MatchIt 4.7.2 when written).
    //
    // Units 0–5 treated at 0.2, 0.4, 0.5, 0.6, 0.8, 0.9; units 6–11 controls at 0.1, 0.15, 0.3,
    // 0.35, 0.45, 0.95. ATT, 3 subclasses: breaks are the treated units' type-7 quantiles at 0, 1/3,
    // 2/3, 1, at positions 1 + 5p = 1, 8/3, 13/3, 6: 0.2, 0.4 + ⅔·0.1 ≈ 0.4667, 0.6 + ⅓·0.2 ≈ 0.6667,
    // 0.9. Treated fall in subclasses 1, 1, 2, 2, 3, 3. Controls 0.1 and 0.15 lie below the first
    // break and 0.95 above the last, so stay in the end subclasses: 1, 1, 1, 1, 1, 3. Subclass 2 has
    // no control: it lies in the middle, and the surplus score, (5 − 1)/(1 − 2) = −4 (subclass 3
    // has no surplus), is ≤ 0, so it takes from the left: subclass 1's control nearest to it, the
    // one at 0.45 (unit 10). Weights: subclass 1 has 2 treated and 4 controls, 2/4 = 0.5 each;
    // subclasses 2 and 3 have 2 and 1, 2/1 = 2. The controls' weights add up to 6, their number,
    // so the normalisation leaves them.
    static let handDistance = [0.2, 0.4, 0.5, 0.6, 0.8, 0.9, 0.1, 0.15, 0.3, 0.35, 0.45, 0.95]
    static let handTreated = (0..<12).map { $0 < 6 }

    @Test func subclassificationByHandMergesTheSubclassWithoutControls() throws {
        let result = try Subclassification(subclasses: 3).subclassify(distance: Self.handDistance, treated: Self.handTreated)
        #expect(result.subclass == [1, 1, 2, 2, 3, 3, 1, 1, 1, 1, 2, 3])
        #expect(result.weights == [1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 2, 2])
        #expect(zip(result.quantileBreaks, [0.2, 0.4 + 0.2 / 3, 0.6 + 0.2 / 3, 0.9]).allSatisfy { abs($0 - $1) < 1e-15 })
        #expect(result.unitsReassigned == 1 && result.subclassesFormed == 3 && result.subclassesDropped == 0)
        #expect(result.discarded == Array(repeating: false, count: 12))
    }

    // The same with no minimum per group (min.n = 0): subclass 2 lacks a control, so it is dropped
    // (units 2 and 3 get no subclass) and subclass 3 becomes 2. Controls: 2 treated / 5 controls =
    // 0.4 in subclass 1 and 2/1 = 2 in subclass 2, adding up to 4 for 6 controls, so scaled by 6/4:
    // 0.6 and 3.
    @Test func subclassificationByHandDropsTheSubclassWithoutControlsWhenNoMinimum() throws {
        let result = try Subclassification(subclasses: 3, minimumPerGroup: 0).subclassify(distance: Self.handDistance,
                                                                                         treated: Self.handTreated)
        #expect(result.subclass == [1, 1, nil, nil, 2, 2, 1, 1, 1, 1, 1, 2])
        let expected = [1, 1, 0, 0, 1, 1, 0.6, 0.6, 0.6, 0.6, 0.6, 3]
        #expect(zip(result.weights, expected).allSatisfy { abs($0 - $1) <= 1e-15 * max(1, $1) })
        #expect(result.subclassesFormed == 2 && result.subclassesDropped == 1 && result.unitsDropped == 2 && result.unitsReassigned == 0)
    }

    @Test func subclassificationFailsRatherThanLeaveASubclassWithoutAGroup() {
        // Treated at 0.2 and 0.8 give breaks 0.2, 0.4, 0.6, 0.8; the controls occupy all three
        // subclasses; two treated units cannot fill three (MatchIt's scoot would never end).
        #expect(throws: Subclassification.Failure.tooFewUnitsToFillSubclasses(treated: true, units: 2, needed: 3)) {
            try Subclassification(subclasses: 3).subclassify(distance: [0.2, 0.8, 0.3, 0.5, 0.7],
                                                             treated: [true, true, false, false, false])
        }
        // ATE median 0.5: controls all below, treated all above.
        let apart = (distance: [0.8, 0.9, 0.1, 0.2], treated: [true, true, false, false])
        #expect(throws: Subclassification.Failure.noSubclassWithBothGroups) {
            try Subclassification(subclasses: 2, estimand: .ate, minimumPerGroup: 0).subclassify(distance: apart.distance,
                                                                                                  treated: apart.treated)
        }
        #expect(throws: Subclassification.Failure.noUnits(treated: true)) {  // no common support at all
            try Subclassification(discard: .both).subclassify(distance: apart.distance, treated: apart.treated)
        }
        #expect(throws: Subclassification.Failure.nonFiniteDistance(unit: 1)) {
            try Subclassification().subclassify(distance: [0.2, .nan, 0.4], treated: [true, false, false])
        }
        #expect(throws: Subclassification.Failure.tooFewSubclasses(1)) {
            try Subclassification(subclasses: 1).subclassify(distance: apart.distance, treated: apart.treated)
        }
    }

    // Ten units, age numeric and sex categorical. Sturges: ⌈log₂ 10 + 1⌉ = 5 bins of width
    // (70 − 20)/5 = 10, inner breaks 30, 40, 50, 60; a value on a break goes to the bin above.
    //   unit  0 T 30 F → bin 2 (on the break: with 35, not with 25, which the cem package would do)
    //   unit  1 C 35 F → bin 2      unit 2 C 25 F → bin 1
    //   unit  3 T 45 M → bin 3      unit 4 C 49 M → bin 3      unit 5 C 41 M → bin 3
    //   unit  6 T 70 F → bin 5 (alone: a treated unit dropped, a stratum without controls)
    //   unit  7 C 20 M → bin 1      unit 8 T 38 F → bin 2      unit 9 C 59 F → bin 4
    // Six strata: (2,F) {0,1,8}, (1,F) {2}, (3,M) {3,4,5}, (5,F) {6}, (1,M) {7}, (4,F) {9}. Kept:
    // (2,F) and (3,M), numbered 1 and 2 in the order the treated (unit 0's group) reach them.
    // ATT: (2,F) has 2 treated and 1 control, weight 2; (3,M) 1 and 2, weight 0.5 each; the
    // controls' weights add up to 3, their number. ATE: treated 1 + 1/2 = 1.5 in (2,F) and
    // 1 + 2/1 = 3 in (3,M), adding to 6 for 3 treated, so halved: 0.75, 1.5; controls
    // 1 + 2/1 = 3 and 1 + 1/2 = 1.5, adding to 6 for 3, halved: 1.5, 0.75.
    static let handAge: [Double] = [30, 35, 25, 45, 49, 41, 70, 20, 38, 59]
    static let handSex = ["F", "F", "F", "M", "M", "M", "F", "M", "F", "F"]
    static let handCEMTreated = [true, false, false, true, false, false, true, false, true, false]
    static var handCovariates: [DesignMatrix.Covariate] { [.numeric("age", handAge), .categorical("sex", handSex)] }

    @Test func coarsenedExactMatchingByHandPutsAUnitOnABreakInTheBinAbove() throws {
        let att = try CoarsenedExactMatching().match(Self.handCovariates, treated: Self.handCEMTreated)
        #expect(att.breaks["age"] == [30, 40, 50, 60])
        #expect(att.subclass == [1, 1, nil, 2, 2, 2, nil, nil, 1, nil])
        #expect(att.weights == [1, 2, 0, 1, 0.5, 0.5, 0, 0, 1, 0])
        #expect(att.strataFormed == 6 && att.strataKept == 2)
        #expect(att.treatedDropped == 1 && att.strataWithoutControls == 1 && att.controlsDropped == 3 && att.strataWithoutTreated == 3)

        let ate = try CoarsenedExactMatching(estimand: .ate).match(Self.handCovariates, treated: Self.handCEMTreated)
        #expect(ate.subclass == att.subclass)
        #expect(ate.weights == [0.75, 1.5, 0, 1.5, 0.75, 0.75, 0, 0, 0.75, 0])
    }

    // Two bins: inner break 20 + 50/2 = 45, so unit 3 (treated, 45, M) joins unit 4 (49) in bin 2,
    // leaving unit 5 (41, M) with unit 7 (20, M), controls only. Strata, numbered as the treated
    // reach them: (1,F) {0,1,2,8} = 1, (2,M) {3,4} = 2, (2,F) {6,9} = 3; (1,M) {5,7} dropped.
    // ATT weights: 2/2, 1/1, 1/1 — all 1.
    @Test func coarsenedExactMatchingByHandWithTwoBins() throws {
        let result = try CoarsenedExactMatching(coarsening: ["age": .bins(2)]).match(Self.handCovariates, treated: Self.handCEMTreated)
        #expect(result.breaks["age"] == [45])
        #expect(result.subclass == [1, 1, 1, 2, 2, nil, 3, nil, 1, 3])
        #expect(result.weights == [1, 1, 1, 1, 1, 0, 1, 0, 1, 1])
        // Cut values given instead: the same bins.
        let cut = try CoarsenedExactMatching(coarsening: ["age": .cuts([45])]).match(Self.handCovariates, treated: Self.handCEMTreated)
        #expect(cut.subclass == result.subclass)
    }

    // With unit 5 (a control) moved to the front, strata are numbered in the order the controls
    // reach them: (3,M) first, then (2,F).
    @Test func coarsenedExactMatchingNumbersStrataByTheFirstUnitsGroup() throws {
        let order = [5, 0, 1, 2, 3, 4, 6, 7, 8, 9]
        let covariates: [DesignMatrix.Covariate] = [.numeric("age", order.map { Self.handAge[$0] }),
                                                    .categorical("sex", order.map { Self.handSex[$0] })]
        let result = try CoarsenedExactMatching().match(covariates, treated: order.map { Self.handCEMTreated[$0] })
        #expect(result.subclass == [1, 2, 2, nil, 1, 1, nil, nil, 2, nil])
    }

    @Test func coarsenedExactMatchingFailsOnBadInput() {
        // Treated all women, controls all men: no stratum holds both groups.
        let apart: [DesignMatrix.Covariate] = [.categorical("sex", ["F", "F", "M", "M"])]
        #expect(throws: CoarsenedExactMatching.Failure.noStratumWithBothGroups(strata: 2)) {
            try CoarsenedExactMatching().match(apart, treated: [true, true, false, false])
        }
        #expect(throws: CoarsenedExactMatching.Failure.unknownCovariate("income")) {
            try CoarsenedExactMatching(coarsening: ["income": .bins(3)]).match(Self.handCovariates, treated: Self.handCEMTreated)
        }
        #expect(throws: CoarsenedExactMatching.Failure.categoricalCoarsened("sex")) {
            try CoarsenedExactMatching(coarsening: ["sex": .bins(3)]).match(Self.handCovariates, treated: Self.handCEMTreated)
        }
        #expect(throws: CoarsenedExactMatching.Failure.invalidBins(covariate: "age", bins: 0)) {
            try CoarsenedExactMatching(coarsening: ["age": .bins(0)]).match(Self.handCovariates, treated: Self.handCEMTreated)
        }
        #expect(throws: CoarsenedExactMatching.Failure.nonFiniteValue(covariate: "age", unit: 1)) {
            try CoarsenedExactMatching().match([.numeric("age", [30, .infinity, 40])], treated: [true, false, false])
        }
        #expect(throws: CoarsenedExactMatching.Failure.lengthMismatch(covariate: "age", values: 2, units: 3)) {
            try CoarsenedExactMatching().match([.numeric("age", [30, 40])], treated: [true, false, false])
        }
    }
}
