import Foundation
import OutcomesStatistics
import Testing
@testable import OutcomesDomain

/// EM recovers the model that made the data: pairs drawn (seeded) from known λ, m and u, with
/// nulls, counted by pattern as the linkage run counts them. The kernel lives in
/// OutcomesStatistics; the test is here for the house's SeededGenerator.
@Suite struct FellegiSunterRecoveryTests {
    static let truth = FellegiSunterParameters(
        lambda: 0.03,
        m: [[0.88, 0.08, 0.04], [0.82, 0.1, 0.05, 0.03], [0.9, 0.06, 0.04], [0.97, 0.03]],
        u: [[0.004, 0.02, 0.976], [0.002, 0.01, 0.05, 0.938], [0.001, 0.003, 0.996], [0.5, 0.5]])
    /// The share of pairs in which each comparison is null (either side without a value).
    static let nullRates = [0.02, 0.1, 0.35, 0.05]
    static let pairs = 400_000

    static let counts: AgreementPatternCounts = {
        var generator = SeededGenerator(seed: 23)
        var tally: [[Int?]: Double] = [:]
        for _ in 0..<pairs {
            let match = generator.bernoulli(truth.lambda)
            let pattern = truth.m.indices.map { comparison -> Int? in
                if generator.bernoulli(nullRates[comparison]) { return nil }
                return generator.weightedIndex(match ? truth.m[comparison] : truth.u[comparison])
            }
            tally[pattern, default: 0] += 1
        }
        let patterns = tally.keys.sorted { $0.map { $0 ?? -1 }.lexicographicallyPrecedes($1.map { $0 ?? -1 }) }
        return AgreementPatternCounts(levelCounts: truth.m.map(\.count), patterns: patterns, counts: patterns.map { tally[$0]! })
    }()

    /// Where a run starts: λ a guess, m "agreement likely among matches", u flat.
    static let start = FellegiSunterParameters(
        lambda: 0.1,
        m: truth.m.map { levels in levels.indices.map { $0 == 0 ? 0.7 : 0.3 / Double(levels.count - 1) } },
        u: truth.u.map { levels in levels.map { _ in 1 / Double(levels.count) } })

    /// With u fixed at the truth (as a run fixes it from random pairs) and with u estimated too, λ is
    /// within 0.002 and every m within 0.015 of the truth: with 12,000 matches the standard error of
    /// an m near 0.9 is about 0.003, and of λ about 0.0003.
    @Test(arguments: [true, false])
    func recoversLambdaAndM(fixU: Bool) {
        var start = Self.start
        if fixU { start.u = Self.truth.u }
        let fit = ExpectationMaximization.estimate(Self.counts, start: start, fixU: fixU, maxIterations: 500, tolerance: 1e-8)
        #expect(fit.converged && fit.unobservedLevels.isEmpty)
        #expect(abs(fit.parameters.lambda - Self.truth.lambda) <= 0.002, "λ \(fit.parameters.lambda)")
        for (k, (estimated, true_)) in zip(fit.parameters.m, Self.truth.m).enumerated() {
            for (l, (a, b)) in zip(estimated, true_).enumerated() {
                #expect(abs(a - b) <= 0.015, "m[\(k)][\(l)] \(a) vs \(b)")
            }
        }
        if !fixU {
            for (k, (estimated, true_)) in zip(fit.parameters.u, Self.truth.u).enumerated() {
                for (l, (a, b)) in zip(estimated, true_).enumerated() {
                    #expect(abs(a - b) <= 0.005, "u[\(k)][\(l)] \(a) vs \(b)")
                }
            }
        }
    }
}
