import Foundation
import Testing
@testable import OutcomesStatistics

/// Doubly robust AIPW on the LaLonde data (re78; age, educ, race, married, nodegree, re74, re75)
/// against reference/lalonde_aipw.py: the ATE and its potential-outcome means are statsmodels 0.15's
/// `TreatmentEffect.aipw`, its standard error the sandwich of statsmodels' stacked moment
/// conditions with an exact Jacobian; the ATT and its standard error are Hahn's efficient
/// influence function written in numpy.
@Suite struct AugmentedIPWTests {
    static func reference() throws -> [String: [String: Double]] {
        let url = try #require(Bundle.module.url(forResource: "lalonde_aipw.json", withExtension: nil, subdirectory: "reference"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var out: [String: [String: Double]] = [:]
        for effect in ["ate", "att"] {
            let entries = try #require(json[effect] as? [String: Any])
            out[effect] = entries.compactMapValues { $0 as? Double }
        }
        return out
    }

    static func lalonde() throws -> (outcome: [Double], treated: [Bool], design: DesignMatrix, matchItScores: [Double]) {
        let (covariates, treated) = try EntropyBalancingTests.lalonde()
        let rows = try EntropyBalancingTests.table("lalonde.csv")
        let scores = try EntropyBalancingTests.table("lalonde_matchit_weights.csv").map { Double($0[1])! }
        return (rows.map { Double($0[9])! }, treated, DesignMatrix(covariates, rows: rows.count), scores)
    }

    static func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / abs(b) }

    @Test(arguments: [Estimand.ate, .att])
    func estimateAndStandardErrorEqualTheReference(_ effect: Estimand) throws {
        let (outcome, treated, design, scores) = try Self.lalonde()
        let expected = try #require(try Self.reference()[effect == .ate ? "ate" : "att"])
        let result = try AugmentedIPW(effect: effect).estimate(outcome: outcome, treated: treated, design: design.matrix)
        #expect(result.treated == 185 && result.controls == 429)
        #expect(Self.relative(result.estimate, expected["estimate"]!) <= 1e-12, "\(result.estimate) against \(expected["estimate"]!)")
        #expect(Self.relative(result.standardError, expected["se"]!) <= 1e-12, "\(result.standardError) against \(expected["se"]!)")
        #expect(Self.relative(result.treatedMean, expected["treated_mean"]!) <= 1e-12)
        #expect(Self.relative(result.controlMean, expected["control_mean"]!) <= 1e-12)

        // MatchIt's propensity scores are the same logistic fit, stopped at glm's tolerance (1e-8 in deviance).
        let given = try AugmentedIPW(effect: effect).estimate(outcome: outcome, treated: treated, design: design.matrix,
                                                             propensity: .given(scores))
        #expect(Self.relative(given.estimate, expected["estimate"]!) <= 1e-7)
        #expect(Self.relative(given.standardError, expected["se"]!) <= 1e-7)
    }

    static func failure(_ effect: Estimand, _ outcome: [Double], _ treated: [Bool], _ design: Matrix,
                        _ propensity: AugmentedIPW.Propensity = .logistic) -> AugmentedIPW.Failure? {
        do {
            _ = try AugmentedIPW(effect: effect).estimate(outcome: outcome, treated: treated, design: design, propensity: propensity)
            return nil
        } catch {
            return error
        }
    }

    @Test func propensitiesAtZeroOrOneAreTypedFailures() throws {
        let (outcome, treated, design, scores) = try Self.lalonde()
        for (unit, value) in [(3, 0.0), (10, 1.0), (20, 1 - 1e-12), (30, 5e-11), (40, Double.nan)] {
            var given = scores
            given[unit] = value
            for effect in [Estimand.ate, .att] {
                let failure = Self.failure(effect, outcome, treated, design.matrix, .given(given))
                guard case .propensityAtBoundary(unit, let reported) = failure, reported == value || (reported.isNaN && value.isNaN) else {
                    Issue.record("\(effect), \(value) at \(unit): \(String(describing: failure))")
                    continue
                }
            }
        }
        #expect(Self.failure(.ate, outcome, treated, design.matrix, .given(Array(scores.dropLast()))) == .lengthMismatch)
    }

    /// A column equal to the intercept among the treated (and age² among the controls): the treated
    /// group's outcome model cannot be fitted, which the ATE needs and the ATT does not.
    @Test func collinearOutcomeModelIsATypedFailure() throws {
        let (outcome, treated, design, scores) = try Self.lalonde()
        let k = design.matrix.columns
        var values: [Double] = []
        for row in 0..<design.matrix.rows {
            values += design.matrix.values[(row * k)..<((row + 1) * k)]
            values.append(treated[row] ? 1 : design.matrix[row, 1] * design.matrix[row, 1])
        }
        let extended = Matrix(rows: design.matrix.rows, columns: k + 1, values: values)
        #expect(Self.failure(.ate, outcome, treated, extended, .given(scores)) == .collinearOutcomeModel(treated: true, column: k))
        #expect(Self.failure(.att, outcome, treated, extended, .given(scores)) == nil)
        // Collinear in the whole sample: the propensity model fails first.
        var duplicated: [Double] = []
        for row in 0..<design.matrix.rows {
            duplicated += design.matrix.values[(row * k)..<((row + 1) * k)]
            duplicated.append(2 * design.matrix[row, 2])
        }
        let collinear = Matrix(rows: design.matrix.rows, columns: k + 1, values: duplicated)
        #expect(Self.failure(.ate, outcome, treated, collinear) == .propensityModel(.collinear(column: k)))
        #expect(Self.failure(.att, outcome, treated, collinear, .given(scores)) == .collinearPropensityModel(column: k))
    }

    @Test func groupSmallerThanTheModelIsATypedFailure() {
        // Four columns (intercept and three covariates); three treated units.
        let rows = 12
        let treated = (0..<rows).map { $0 < 3 }
        var values: [Double] = []
        for i in 0..<rows { values += [1, Double(i), Double((i * 7) % 5), Double((i * 3) % 4)] }
        let design = Matrix(rows: rows, columns: 4, values: values)
        let outcome = (0..<rows).map { Double($0 % 3) }
        let propensities = Array(repeating: 0.25, count: rows)
        #expect(Self.failure(.ate, outcome, treated, design, .given(propensities)) == .tooFewUnits(treated: true, units: 3, columns: 4))
        let reversed = treated.map { !$0 }
        #expect(Self.failure(.att, outcome, reversed, design, .given(propensities)) == .tooFewUnits(treated: false, units: 3, columns: 4))
        var broken = outcome
        broken[5] = .infinity
        #expect(Self.failure(.ate, broken, reversed, design, .given(propensities)) == .notFinite(unit: 5))
    }
}
