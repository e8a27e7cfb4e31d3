/// Weighted least squares with the covariance estimators evaluators use: classical, the
/// heteroskedasticity-consistent HC0–HC3 (as R's `sandwich::vcovHC` and statsmodels compute them;
/// HC2 for a difference in means equals Welch's standard error) and cluster-robust ones as
/// `sandwich::vcovCL` computes them (see `StandardErrorConvention` for the R calls).
public struct LinearRegression: Sendable {
    public enum Covariance: Sendable, Equatable {
        case classical, hc0, hc1, hc2, hc3
        /// Clusters given as one label per row, without small-sample adjustment.
        case cr0([Int])
        /// Clusters given as one label per row, with `vcovCL`'s default adjustment (statsmodels'
        /// `cov_type="cluster"` too): G/(G−1) · (n−1)/(n−p).
        case cr1([Int])
        /// Two clusterings, one label per row each: the meats by the first and by the second added,
        /// the meat by their intersection subtracted, each times its G/(G−1), all times (n−1)/(n−p).
        case twoWay([Int], [Int])
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
        /// Cluster labels must come one per row.
        case clusterLabelCount(expected: Int, found: Int)
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
        case .cr0(let labels), .cr1(let labels):
            guard labels.count == n else { throw .clusterLabelCount(expected: n, found: labels.count) }
            let (sums, g) = clusterMeat(labels, design: design, scores: (0..<n).map { w[$0] * residuals[$0] })
            guard g > 1 else { throw .tooLittleData }
            meat = sums
            if case .cr1 = covariance { meat = scaled(meat, Double(g) / Double(g - 1) * Double(n - 1) / Double(n - p)) }
        case .twoWay(let first, let second):
            for labels in [first, second] where labels.count != n { throw .clusterLabelCount(expected: n, found: labels.count) }
            // The intersection: one label per distinct (first, second) pair.
            var pairs: [[Int]: Int] = [:]
            let both = (0..<n).map { r in
                let key = [first[r], second[r]]
                if let label = pairs[key] { return label }
                pairs[key] = pairs.count
                return pairs.count - 1
            }
            let scores = (0..<n).map { w[$0] * residuals[$0] }
            for (labels, sign) in [(first, 1.0), (second, 1.0), (both, -1.0)] {
                let (part, g) = clusterMeat(labels, design: design, scores: scores)
                guard g > 1 else { throw .tooLittleData }
                let scale = sign * Double(g) / Double(g - 1)
                for i in 0..<(p * p) { meat.values[i] += scale * part.values[i] }
            }
            meat = scaled(meat, Double(n - 1) / Double(n - p))
        }
        return Fit(coefficients: beta, covariance: sandwich(bread, meat), residuals: residuals)
    }

    /// Σ over clusters of (Σ rows' score · x)(Σ rows' score · x)ᵀ, clusters in label order; and their number.
    private func clusterMeat(_ labels: [Int], design: Matrix, scores: [Double]) -> (Matrix, Int) {
        let p = design.columns
        var sums: [Int: [Double]] = [:]
        for r in 0..<design.rows {
            let s = scores[r]
            sums[labels[r], default: Array(repeating: 0, count: p)].withUnsafeMutableBufferPointer { u in
                for j in 0..<p { u[j] += s * design.values[r * p + j] }
            }
        }
        var meat = Matrix.zeros(p, p)
        for key in sums.keys.sorted() {
            guard let u = sums[key] else { continue }
            for i in 0..<p where u[i] != 0 { for j in 0..<p { meat[i, j] += u[i] * u[j] } }
        }
        return (meat, sums.count)
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
