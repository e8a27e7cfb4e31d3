import Foundation
import Testing
@testable import OutcomesStatistics

/// Logistic regression against statsmodels on the same seeded data (reference/logistic_reference.py
/// wrote both the data and the fit).
@Suite struct LogisticRegressionTests {
    struct Reference: Decodable {
        let columns: [String]
        let coefficients: [Double]
        let standard_errors: [Double]
        let deviance: Double
    }

    func resource(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "reference"))
    }

    func data() throws -> (outcome: [Double], design: DesignMatrix) {
        let lines = try String(contentsOf: try resource("logistic_data.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        let rows = lines.map { $0.split(separator: ",").map(String.init) }
        let design = DesignMatrix([
            .numeric("age", rows.map { Double($0[1])! }), .numeric("jail_days", rows.map { Double($0[2])! }),
            .numeric("employed", rows.map { Double($0[3])! }), .categorical("county", rows.map { $0[4] }),
        ], rows: rows.count)
        return (rows.map { Double($0[0])! }, design)
    }

    @Test func coefficientsStandardErrorsAndDevianceMatchStatsmodels() throws {
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: try resource("logistic_statsmodels.json")))
        let (outcome, design) = try data()
        #expect(design.names == ["(Intercept)", "age", "jail_days", "employed", "county_birch", "county_cedar"])
        let fit = try LogisticRegression().fit(design: design.matrix, outcome: outcome)
        for (index, name) in reference.columns.enumerated() {
            #expect(abs(fit.coefficients[index] - reference.coefficients[index]) < 1e-6 * max(1, abs(reference.coefficients[index])), "\(name)")
            #expect(abs(fit.standardErrors[index] - reference.standard_errors[index]) < 1e-6, "\(name) SE")
        }
        #expect(abs(fit.deviance - reference.deviance) < 1e-6)
        #expect(fit.iterations < 10)
    }

    /// A county found among controls only: R's glm fits its rows at probability 0 and goes on; the
    /// other coefficients are then those of the fit without those rows (the oracle). This was a
    /// "collinear" error while collinearity was judged against the largest diagonal.
    @Test func aCategoryInOneGroupOnlyIsFittedAtZeroNotAnError() throws {
        let (outcome, design) = try data()
        let rows = outcome.count
        let column = { (c: Int) in (0..<rows).map { design.matrix[$0, c] } }
        let controls = (0..<rows).filter { outcome[$0] == 0 }.prefix(4)
        let county = (0..<rows).map { row -> String in
            if controls.contains(row) { return "zz_elsewhere" }
            return design.matrix[row, 4] == 1 ? "birch" : design.matrix[row, 5] == 1 ? "cedar" : "alder"
        }
        func covariates(_ keep: [Int]) -> DesignMatrix {
            let pick = { (values: [Double]) in keep.map { values[$0] } }
            return DesignMatrix([.numeric("age", pick(column(1))), .numeric("jail_days", pick(column(2))), .numeric("employed", pick(column(3))),
                                 .categorical("county", keep.map { county[$0] })], rows: keep.count)
        }
        let all = Array(0..<rows), rest = all.filter { !controls.contains($0) }
        let full = covariates(all)
        #expect(full.names.last == "county_zz_elsewhere")
        let fit = try LogisticRegression().fit(design: full.matrix, outcome: outcome)
        #expect(controls.allSatisfy { fit.fitted[$0] < 1e-5 } && fit.extremeFits == 0, "near 0, short of R's numerical-zero warning")
        let oracle = try LogisticRegression().fit(design: covariates(rest).matrix, outcome: rest.map { outcome[$0] })
        for index in oracle.coefficients.indices {
            #expect(abs(fit.coefficients[index] - oracle.coefficients[index]) < 1e-6 * max(1, abs(oracle.coefficients[index])), "\(full.names[index])")
        }
        #expect(fit.coefficients.last! < -10, "the category's units fitted at probability near 0")
    }

    @Test func aConstantOrCollinearCovariateAndSeparationAreReportedNotNaN() throws {
        let (outcome, design) = try data()
        let rows = outcome.count
        let age = (0..<rows).map { design.matrix[$0, 1] }
        let constant = DesignMatrix([.numeric("age", age), .numeric("everyone", Array(repeating: 3, count: rows))], rows: rows)
        #expect(throws: LogisticRegression.Failure.collinear(column: 2)) {
            _ = try LogisticRegression().fit(design: constant.matrix, outcome: outcome)
        }
        let twice = DesignMatrix([.numeric("age", age), .numeric("age_months", age.map { $0 * 12 })], rows: rows)
        #expect(throws: LogisticRegression.Failure.collinear(column: 2)) {
            _ = try LogisticRegression().fit(design: twice.matrix, outcome: outcome)
        }
        // The outcome itself as a covariate predicts it perfectly.
        let separated = DesignMatrix([.numeric("age", age), .numeric("the_outcome", outcome)], rows: rows)
        #expect(throws: LogisticRegression.Failure.separation) {
            _ = try LogisticRegression().fit(design: separated.matrix, outcome: outcome)
        }
        #expect(throws: LogisticRegression.Failure.tooLittleData) {
            _ = try LogisticRegression().fit(design: constant.matrix, outcome: Array(repeating: 1, count: rows))
        }
    }
}
