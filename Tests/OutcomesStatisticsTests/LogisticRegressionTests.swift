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
