import Foundation

/// Logistic regression by Newton–Raphson (iteratively reweighted least squares), as R's `glm`
/// and statsmodels' `Logit` fit it: the maximum-likelihood coefficients, their standard errors
/// from the inverse Fisher information, and what stopped it. What it cannot do — perfect
/// separation, collinear columns, no convergence — is reported as a value, never as a NaN.
public struct LogisticRegression: Sendable {
    public struct Fit: Sendable {
        public let coefficients: [Double]
        public let standardErrors: [Double]
        public let deviance: Double
        public let iterations: Int
        /// P(treatment | covariates) for each row.
        public let fitted: [Double]
        /// Rows fitted at 0 or 1 (within 1e-10): quasi-separation, e.g. a category found in one
        /// group only. R's glm warns "fitted probabilities numerically 0 or 1 occurred" and goes on.
        public let extremeFits: Int
    }

    public enum Failure: Error, Equatable, Sendable {
        /// A column is a linear combination of others (or constant, beside the intercept).
        case collinear(column: Int)
        /// The outcome is perfectly predicted: fitted probabilities reach 0 or 1.
        case separation
        case notConverged(iterations: Int)
        /// Fewer rows than columns, or one outcome class only.
        case tooLittleData
    }

    public var maximumIterations = 50
    /// Relative change of the deviance that counts as converged (R's glm default).
    public var tolerance = 1e-8

    public init() {}

    /// Fits `outcome` (0/1) on the columns of `design` (which carries its own intercept column).
    public func fit(design: Matrix, outcome: [Double]) throws(Failure) -> Fit {
        let (n, p) = (design.rows, design.columns)
        let positives = outcome.reduce(0, +)
        guard n > p, positives > 0, positives < Double(n) else { throw .tooLittleData }
        // The starting point R uses: mu = (y + 0.5) / 2, eta = logit(mu).
        var mu = outcome.map { ($0 + 0.5) / 2 }
        var eta = mu.map { log($0 / (1 - $0)) }
        var beta = Array(repeating: 0.0, count: p)
        var deviance = Self.deviance(outcome, mu)
        for iteration in 1...maximumIterations {
            let weights = mu.map { $0 * (1 - $0) }
            let working = (0..<n).map { eta[$0] + (outcome[$0] - mu[$0]) / weights[$0] }
            let information = design.weightedGram(weights)
            let cholesky: Cholesky
            do {
                cholesky = try Cholesky(information)
            } catch {
                guard case .notPositiveDefinite(let column) = error else { throw .collinear(column: 0) }
                throw mu.contains(where: { $0 < 1e-10 || $0 > 1 - 1e-10 }) ? .separation : .collinear(column: column)
            }
            beta = cholesky.solve(design.transposeTimes((0..<n).map { weights[$0] * working[$0] }))
            eta = design.times(beta)
            mu = eta.map { 1 / (1 + exp(-$0)) }
            let next = Self.deviance(outcome, mu)
            let converged = abs(next - deviance) / (abs(next) + 0.1) < tolerance
            deviance = next
            if converged {
                // Every probability at 0 or 1: the covariates separate the groups, the likelihood has no maximum.
                let extreme = mu.filter { $0 < 1e-10 || $0 > 1 - 1e-10 }.count
                if extreme == n { throw .separation }
                let covariance = try Self.covariance(design, mu)
                return Fit(coefficients: beta, standardErrors: (0..<p).map { covariance[$0, $0].squareRoot() }, deviance: deviance,
                           iterations: iteration, fitted: mu, extremeFits: extreme)
            }
        }
        if mu.allSatisfy({ $0 < 1e-10 || $0 > 1 - 1e-10 }) { throw .separation }
        throw .notConverged(iterations: maximumIterations)
    }

    static func deviance(_ y: [Double], _ mu: [Double]) -> Double {
        var sum = 0.0
        for i in y.indices {
            let m = min(max(mu[i], 1e-300), 1 - 1e-16)
            sum += y[i] == 1 ? -2 * log(m) : -2 * log(1 - m)
        }
        return sum
    }

    static func covariance(_ design: Matrix, _ mu: [Double]) throws(Failure) -> Matrix {
        do {
            return try Cholesky(design.weightedGram(mu.map { $0 * (1 - $0) })).inverse()
        } catch {
            guard case .notPositiveDefinite(let column) = error else { throw .collinear(column: 0) }
            throw .collinear(column: column)
        }
    }
}
