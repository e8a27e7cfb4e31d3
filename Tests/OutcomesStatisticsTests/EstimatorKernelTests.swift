import Foundation
import Testing
@testable import OutcomesStatistics

/// The small kernels, against values worked by hand (or R's qnorm).
@Suite struct EstimatorKernelTests {
    @Test func normalQuantilesAndPValues() {
        #expect(abs(Normal.quantile(0.975) - 1.959963984540054) < 1e-14)  // qnorm(0.975)
        #expect(abs(Normal.quantile(0.8) - 0.8416212335729143) < 1e-14)
        #expect(abs(Normal.quantile(0.001) + 3.090232306167813) < 1e-12)
        #expect(abs(Normal.twoSidedP(1.959963984540054) - 0.05) < 1e-14)
        #expect(abs(Normal.cdf(0) - 0.5) < 1e-16)
    }

    @Test func weightsTrimmingAndEffectiveSampleSize() {
        let treated = [true, false, false, false, false]
        let w = PropensityWeights.weights(propensity: [0.5, 0.5, 0.2, 0.8, 0.75], treated: treated, estimand: .att)
        #expect(zip(w, [1, 1, 0.25, 4, 3]).allSatisfy { abs($0 - $1) < 1e-12 })
        // Controls' weights 1, 0.25, 4, 3: the type-7 0.75 quantile is 3 + 0.25·(4 − 3) = 3.25.
        let trimmed = PropensityWeights.trimmed(w, treated: treated, estimand: .att, at: 0.75)
        #expect(zip(trimmed, [1, 1, 0.25, 3.25, 3]).allSatisfy { abs($0 - $1) < 1e-12 })
        // (1 + 0.25 + 4 + 3)² / (1 + 0.0625 + 16 + 9) = 68.0625 / 26.0625
        #expect(abs(PropensityWeights.effectiveSampleSize([1, 0.25, 4, 3]) - 68.0625 / 26.0625) < 1e-12)
        #expect(PropensityWeights.weights(propensity: [0.25, 0.25], treated: [true, false], estimand: .ate) == [4, 4.0 / 3])
    }

    @Test func balanceByHand() {
        // Treated 1, 2, 3 (mean 2, sd 1); controls 2, 4 (mean 3). SMD = (2 − 3) / 1.
        let row = Balance.row(name: "x", values: [1, 2, 3, 2, 4], treated: [true, true, true, false, false], weights: nil, estimand: .att)
        #expect(row.meanTreated == 2 && row.meanControl == 3 && abs(row.standardizedMeanDifference! + 1) < 1e-12)
        #expect(abs(row.varianceRatio! - 0.5) < 1e-12)  // 1 / 2
        // eCDF gaps after 1, 2, 3, 4: |1/3|, |2/3 − 1/2|, |1 − 1/2|, 0.
        #expect(abs(row.eCDFMax! - 0.5) < 1e-15 && abs(row.eCDFMean! - (1.0 / 3 + 1.0 / 6 + 0.5) / 4) < 1e-15)
        // A 0/1 column: √(p(1−p)) of the treated, p = 2/3; weights halve the second control.
        let binary = Balance.row(name: "b", values: [1, 1, 0, 1, 0], treated: [true, true, true, false, false], weights: [1, 1, 1, 1, 3],
                                 estimand: .att)
        #expect(abs(binary.meanControl - 0.25) < 1e-15)
        #expect(abs(binary.standardizedMeanDifference! - (2.0 / 3 - 0.25) / (2.0 / 9).squareRoot()) < 1e-12)
        #expect(binary.varianceRatio == nil && binary.eCDFMax == abs(2.0 / 3 - 0.25))
    }

    @Test func welchEqualsHC2AndClustersNeedTwo() throws {
        let y = [1.0, 2, 4, 2, 3, 7, 9]
        let treated = [true, true, true, false, false, false, false]
        let e = try EffectEstimate.regression(outcome: y, treated: treated, weights: Array(repeating: 1, count: 7), convention: .hc2)
        // Welch: var(t) = 7/3 over 3, var(c) = 32.75/3 over 4 (means 7/3 and 21/4).
        #expect(abs(e.estimate - (7.0 / 3 - 21.0 / 4)) < 1e-12)
        #expect(abs(e.standardError - (7.0 / 9 + 32.75 / 3 / 4).squareRoot()) < 1e-12)
        #expect(throws: EffectEstimate.Failure.tooLittleData) {
            try EffectEstimate.regression(outcome: y, treated: treated, weights: Array(repeating: 1, count: 7), convention: .cr1,
                                          clusters: Array(repeating: 1, count: 7))
        }
    }
}
