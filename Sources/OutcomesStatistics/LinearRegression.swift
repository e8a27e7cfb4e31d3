/// Weighted least squares with the covariance estimators evaluators use: classical, the
/// heteroskedasticity-consistent HC0–HC3 (as R's `sandwich::vcovHC` and statsmodels compute them;
/// HC2 for a difference in means equals Welch's standard error) and cluster-robust CR1 (as
/// `sandwich::vcovCL` with its default HC1 adjustment and statsmodels' `cov_type="cluster"`:
/// G/(G−1) · (n−1)/(n−p)).
public struct LinearRegression: Sendable {
    public enum Covariance: Sendable, Equatable {
        case classical, hc0, hc1, hc2, hc3
        /// Clusters given as one label per row.
        case cluster([Int])
    }

    public struct Fit: Sendable {
        public let coefficients: [Double]
        public let covariance: Matrix
        public let residuals: [Double]
        public var standardErrors: [Double] { (0..<coefficients.count).map { covariance[$0, $0].squareRoot() } }
    }

    public enum Failure: Error, Equatable, Sendable {
        /// A column is a linear combination of others.
        case collinear(column: Int)
        /// No more rows than columns, or (clustered) fewer than two clusters.
        case tooLittleData
        /// HC2/HC3 need every leverage below 1; a row fitted exactly by itself has none.
        case leverageOne(row: Int)
    }

    public var covariance: Covariance
    public init(covariance: Covariance) { self.covariance = covariance }

    public func fit(design: Matrix, outcome: [Double], weights: [Double]? = nil) throws(Failure) -> Fit {
        let (n, p) = (design.rows, design.columns)
        guard n > p else { throw .tooLittleData }
        let w = weights ?? Array(repeating: 1, count: n)
        let bread: Matrix
        do {
            bread = try Cholesky(design.weightedGram(w)).inverse()
        } catch {
            guard case .notPositiveDefinite(let column) = error else { throw .collinear(column: 0) }
            throw .collinear(column: column)
        }
        let beta = multiply(bread, design.transposeTimes((0..<n).map { w[$0] * outcome[$0] }))
        let fitted = design.times(beta)
        let residuals = (0..<n).map { outcome[$0] - fitted[$0] }
        var meat = Matrix.zeros(p, p)
        func addOuter(_ u: [Double], scale: Double) {
            for i in 0..<p where u[i] != 0 { for j in 0..<p { meat[i, j] += scale * u[i] * u[j] } }
        }
        func row(_ r: Int) -> [Double] { Array(design.values[(r * p)..<((r + 1) * p)]) }
        switch covariance {
        case .classical:
            let sigma2 = (0..<n).reduce(0.0) { $0 + w[$1] * residuals[$1] * residuals[$1] } / Double(n - p)
            return Fit(coefficients: beta, covariance: scaled(bread, sigma2), residuals: residuals)
        case .hc0, .hc1, .hc2, .hc3:
            for r in 0..<n {
                let x = row(r)
                var score = w[r] * residuals[r]
                score *= score
                if covariance == .hc2 || covariance == .hc3 {
                    let leverage = w[r] * dot(x, multiply(bread, x))
                    guard leverage < 1 - 1e-10 else { throw .leverageOne(row: r) }
                    score /= covariance == .hc2 ? 1 - leverage : (1 - leverage) * (1 - leverage)
                }
                addOuter(x, scale: score)
            }
            if covariance == .hc1 { meat = scaled(meat, Double(n) / Double(n - p)) }
        case .cluster(let labels):
            var sums: [Int: [Double]] = [:]
            for r in 0..<n {
                let x = row(r), s = w[r] * residuals[r]
                sums[labels[r], default: Array(repeating: 0, count: p)].withUnsafeMutableBufferPointer { u in
                    for j in 0..<p { u[j] += s * x[j] }
                }
            }
            let g = sums.count
            guard g > 1 else { throw .tooLittleData }
            for key in sums.keys.sorted() { addOuter(sums[key]!, scale: 1) }
            meat = scaled(meat, Double(g) / Double(g - 1) * Double(n - 1) / Double(n - p))
        }
        return Fit(coefficients: beta, covariance: sandwich(bread, meat), residuals: residuals)
    }

    private func multiply(_ a: Matrix, _ v: [Double]) -> [Double] { a.times(v) }
    private func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    private func scaled(_ a: Matrix, _ s: Double) -> Matrix { Matrix(rows: a.rows, columns: a.columns, values: a.values.map { $0 * s }) }
    private func sandwich(_ bread: Matrix, _ meat: Matrix) -> Matrix {
        let p = bread.rows
        var left = Matrix.zeros(p, p), result = Matrix.zeros(p, p)
        for i in 0..<p { for j in 0..<p { var s = 0.0; for k in 0..<p { s += bread[i, k] * meat[k, j] }; left[i, j] = s } }
        for i in 0..<p { for j in 0..<p { var s = 0.0; for k in 0..<p { s += left[i, k] * bread[k, j] }; result[i, j] = s } }
        return result
    }
}
