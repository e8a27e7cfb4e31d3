import Foundation
import Testing
@testable import OutcomesStatistics

/// The Fellegi–Sunter EM kernel: a step worked by hand, its fixed point, the textbook EM of
/// reference/fellegi_sunter_em.py (numpy), and fastLink's unlabelled error estimates.
@Suite struct FellegiSunterTests {
    /// Two comparisons: A with levels (agree, else), B with (agree, close, else); the last pattern
    /// has B null. 42 pairs.
    static let hand = AgreementPatternCounts(
        levelCounts: [2, 3], patterns: [[0, 0], [0, 1], [1, 2], [1, nil]], counts: [9, 5, 18, 10])
    static let handStart = FellegiSunterParameters(
        lambda: 0.5, m: [[0.8, 0.2], [0.5, 0.25, 0.25]], u: [[0.2, 0.8], [0.25, 0.25, 0.5]])

    func near(_ a: Double, _ b: Double, _ what: String, tolerance: Double = 1e-12, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(abs(a - b) <= tolerance, "\(what): \(a) vs \(b)", sourceLocation: sourceLocation)
    }

    func near(_ a: FellegiSunterParameters, _ b: FellegiSunterParameters, tolerance: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        near(a.lambda, b.lambda, "lambda", tolerance: tolerance, sourceLocation: sourceLocation)
        #expect(a.m.map(\.count) == b.m.map(\.count) && a.u.map(\.count) == b.u.map(\.count), sourceLocation: sourceLocation)
        for (k, (x, y)) in zip(a.m, b.m).enumerated() {
            for (l, (p, q)) in zip(x, y).enumerated() { near(p, q, "m[\(k)][\(l)]", tolerance: tolerance, sourceLocation: sourceLocation) }
        }
        for (k, (x, y)) in zip(a.u, b.u).enumerated() {
            for (l, (p, q)) in zip(x, y).enumerated() { near(p, q, "u[\(k)][\(l)]", tolerance: tolerance, sourceLocation: sourceLocation) }
        }
    }

    /// One step from the start, by hand. E step, λ Π m against (1 − λ) Π u:
    ///   (0,0): 0.5·0.8·0.5  = 0.2   vs 0.5·0.2·0.25 = 0.025  → w = 0.2/0.225  = 8/9
    ///   (0,1): 0.5·0.8·0.25 = 0.1   vs 0.5·0.2·0.25 = 0.025  → w = 0.1/0.125  = 4/5
    ///   (1,2): 0.5·0.2·0.25 = 0.025 vs 0.5·0.8·0.5  = 0.2    → w = 1/9
    ///   (1,–): 0.5·0.2      = 0.1   vs 0.5·0.8      = 0.4    → w = 1/5
    /// Expected matches n·w: 9·8/9 = 8, 5·4/5 = 4, 18/9 = 2, 10/5 = 2; 16 in all; non-matches
    /// n·(1 − w): 1, 1, 16, 8; 26 in all.
    ///   λ = 16/42 = 8/21
    ///   m_A = (8 + 4, 2 + 2)/16 = (3/4, 1/4)         u_A = (1 + 1, 16 + 8)/26 = (1/13, 12/13)
    ///   m_B = (8, 4, 2)/14 = (4/7, 2/7, 1/7)         u_B = (1, 1, 16)/18 = (1/18, 1/18, 8/9)
    /// (B's sums leave out the pattern where B is null.)
    @Test func oneStepWorkedByHand() {
        let free = ExpectationMaximization.estimate(Self.hand, start: Self.handStart, fixU: false, maxIterations: 1, tolerance: 0)
        #expect(free.iterations == 1 && !free.converged && free.unobservedLevels.isEmpty)
        near(free.parameters, FellegiSunterParameters(lambda: 8.0 / 21, m: [[0.75, 0.25], [4.0 / 7, 2.0 / 7, 1.0 / 7]],
                                                      u: [[1.0 / 13, 12.0 / 13], [1.0 / 18, 1.0 / 18, 8.0 / 9]]), tolerance: 1e-15)
        let fixed = ExpectationMaximization.estimate(Self.hand, start: Self.handStart, fixU: true, maxIterations: 1, tolerance: 0)
        near(fixed.parameters, FellegiSunterParameters(lambda: 8.0 / 21, m: [[0.75, 0.25], [4.0 / 7, 2.0 / 7, 1.0 / 7]], u: Self.handStart.u),
             tolerance: 1e-15)
    }

    /// With u held at the start, EM on these 42 pairs puts every match on A's agreement: the fixed
    /// point is m_A = (1, 0), m_B = (67, 31, 0)/98, λ = 7/27 (w = 67/81 for (0,0) and 31/45 for (0,1),
    /// 0 for the rest: 9·67/81 + 5·31/45 = 98/9 matches of 42). The two levels no match falls into
    /// are held at the floor and reported; every weight stays finite.
    @Test func theFixedPointHoldsUnobservedLevelsAtTheFloor() {
        let fit = ExpectationMaximization.estimate(Self.hand, start: Self.handStart, fixU: true, maxIterations: 5000, tolerance: 1e-13)
        #expect(fit.converged && fit.iterations < 5000)
        #expect(fit.unobservedLevels == [UnobservedLevel(comparison: 0, level: 1), UnobservedLevel(comparison: 1, level: 2)])
        near(fit.parameters, FellegiSunterParameters(lambda: 7.0 / 27, m: [[1, 0], [67.0 / 98, 31.0 / 98, 0]], u: Self.handStart.u), tolerance: 1e-8)
        #expect(fit.parameters.m[0][1] == ExpectationMaximization.probabilityFloor)
        // A step from the fit stays there.
        let again = ExpectationMaximization.estimate(Self.hand, start: fit.parameters, fixU: true, maxIterations: 1, tolerance: 0)
        near(again.parameters, fit.parameters, tolerance: 1e-12)
        for pattern in Self.hand.patterns {
            #expect(fit.parameters.matchWeight(pattern, lambda: fit.parameters.lambda).isFinite)
        }
    }

    @Test func weightsAndProbabilities() {
        // log2(0.8/0.2) + log2(0.5/0.25) = 2 + 1; a null comparison adds nothing.
        #expect(Self.handStart.bayesFactorLog2([0, 0]) == 3)
        #expect(Self.handStart.bayesFactorLog2([1, nil]) == -2)
        // log2(0.2/0.8) = −2, so the weight is 1 and the probability 2/(1 + 2).
        #expect(Self.handStart.matchWeight([0, 0], lambda: 0.2) == 1)
        near(matchProbability(weight: 1), 2.0 / 3, "p(1)")
        #expect(matchProbability(weight: 0) == 0.5)
        #expect(matchProbability(weight: 5000) == 1 && matchProbability(weight: -5000) == 0)
    }

    /// At the start parameters the posteriors are 8/9, 4/5, 1/9, 1/5 (worked above). At 0.5 the
    /// first two patterns (14 pairs) are accepted, holding 9·1/9 + 5·1/5 = 2 false discoveries;
    /// below it 18·1/9 + 10·1/5 = 4 of the 16 expected matches are missed.
    @Test func unlabelledErrorEstimates() {
        let errors = estimatedErrors(counts: Self.hand, parameters: Self.handStart, lambda: 0.5, threshold: 0.5)
        near(errors.pairsAccepted, 14, "accepted")
        near(errors.expectedFalseDiscoveries, 2, "false discoveries")
        near(errors.expectedMatches, 16, "matches")
        near(errors.expectedFalseNegatives, 4, "false negatives")
        near(errors.falseDiscoveryRate, 1.0 / 7, "FDR")
        near(errors.falseNegativeRate, 0.25, "FNR")
        let none = estimatedErrors(counts: Self.hand, parameters: Self.handStart, lambda: 0.5, threshold: 0.95)
        #expect(none.pairsAccepted == 0 && none.falseDiscoveryRate == 0)
        near(none.falseNegativeRate, 1, "FNR when nothing is accepted")
    }

    /// A comparison null in every pair has nothing to learn from: its m and u stay as they started.
    @Test func aComparisonNullEverywhereKeepsItsStart() {
        let counts = AgreementPatternCounts(levelCounts: [2, 2], patterns: [[0, nil], [1, nil]], counts: [10, 90])
        let start = FellegiSunterParameters(lambda: 0.1, m: [[0.9, 0.1], [0.7, 0.3]], u: [[0.1, 0.9], [0.2, 0.8]])
        let fit = ExpectationMaximization.estimate(counts, start: start, fixU: false, maxIterations: 3, tolerance: 0)
        #expect(fit.parameters.m[1] == start.m[1] && fit.parameters.u[1] == start.u[1])
    }

    // MARK: The numpy reference

    struct Reference: Decodable {
        struct Parameters: Decodable {
            let lambda: Double
            let m: [[Double]]
            let u: [[Double]]
        }
        struct Run: Decodable {
            let lambda: Double
            let m: [[Double]]
            let u: [[Double]]
            let iterations: Int
            let converged: Bool
            let fix_u: Bool
            let max_iterations: Int
            let tolerance: Double
        }
        let level_counts: [Int]
        let patterns: [[Int?]]
        let counts: [Double]
        let start: Parameters
        let runs: [String: Run]
    }

    static let reference: Reference = {
        let url = Bundle.module.url(forResource: "fellegi_sunter_em.json", withExtension: nil, subdirectory: "reference")!
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    @Test(arguments: ["fixed_u_3_steps", "fixed_u_converged", "free_u_3_steps", "free_u_converged"])
    func agreesWithTheTextbookEM(run name: String) throws {
        let reference = Self.reference
        let run = try #require(reference.runs[name])
        let counts = AgreementPatternCounts(levelCounts: reference.level_counts, patterns: reference.patterns, counts: reference.counts)
        let start = FellegiSunterParameters(lambda: reference.start.lambda, m: reference.start.m, u: reference.start.u)
        let fit = ExpectationMaximization.estimate(counts, start: start, fixU: run.fix_u, maxIterations: run.max_iterations, tolerance: run.tolerance)
        #expect(fit.iterations == run.iterations && fit.converged == run.converged)
        #expect(fit.unobservedLevels.isEmpty)
        near(fit.parameters, FellegiSunterParameters(lambda: run.lambda, m: run.m, u: run.u), tolerance: 1e-9)
    }

    @Test func stoppingAtTheLimitIsNotConvergence() {
        let reference = Self.reference
        let counts = AgreementPatternCounts(levelCounts: reference.level_counts, patterns: reference.patterns, counts: reference.counts)
        let start = FellegiSunterParameters(lambda: reference.start.lambda, m: reference.start.m, u: reference.start.u)
        let fit = ExpectationMaximization.estimate(counts, start: start, fixU: false, maxIterations: 2, tolerance: 1e-4)
        #expect(fit.iterations == 2 && !fit.converged)
    }
}
