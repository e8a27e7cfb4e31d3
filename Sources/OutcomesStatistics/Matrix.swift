/// A small dense matrix of `Double`s, row-major: the numeric kernel of the estimators (design
/// matrices have a few dozen columns; their cross-products are tiny).
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "a \(rows)×\(columns) matrix has \(rows * columns) values")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public static func zeros(_ rows: Int, _ columns: Int) -> Matrix {
        Matrix(rows: rows, columns: columns, values: Array(repeating: 0, count: rows * columns))
    }

    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// Xᵀ diag(w) X, the weighted cross-product (w nil: all ones).
    public func weightedGram(_ weights: [Double]? = nil) -> Matrix {
        var gram = Matrix.zeros(columns, columns)
        let (rows, columns) = (rows, columns)
        // Unchecked buffers: this sum over every row is the propensity model's inner loop.
        values.withUnsafeBufferPointer { x in
            gram.values.withUnsafeMutableBufferPointer { g in
                for row in 0..<rows {
                    let w = weights?[row] ?? 1
                    let base = row * columns
                    for i in 0..<columns {
                        let xi = x[base + i] * w
                        guard xi != 0 else { continue }
                        for j in i..<columns { g[i * columns + j] += xi * x[base + j] }
                    }
                }
            }
        }
        for i in 0..<columns { for j in 0..<i { gram[i, j] = gram[j, i] } }
        return gram
    }

    /// Xᵀ v.
    public func transposeTimes(_ vector: [Double]) -> [Double] {
        var result = Array(repeating: 0.0, count: columns)
        for row in 0..<rows {
            let v = vector[row]
            guard v != 0 else { continue }
            let base = row * columns
            for j in 0..<columns { result[j] += values[base + j] * v }
        }
        return result
    }

    /// X b.
    public func times(_ vector: [Double]) -> [Double] {
        (0..<rows).map { row in
            var sum = 0.0
            let base = row * columns
            for j in 0..<columns { sum += values[base + j] * vector[j] }
            return sum
        }
    }
}

/// The Cholesky factor of a symmetric positive-definite matrix, or the first column on which it
/// is not (collinear with the ones before it).
public struct Cholesky: Sendable {
    public let lower: Matrix

    public enum Failure: Error, Equatable { case notPositiveDefinite(column: Int) }

    /// A column is collinear with those before it when what remains of its squared norm, once
    /// they are projected out, is below `relativeTolerance` of its own (as R's QR judges a column
    /// by its own norm): a column of tiny weights, such as a category fitted at probability 0, is
    /// still estimable.
    public init(_ matrix: Matrix, relativeTolerance: Double = 1e-13) throws(Failure) {
        let n = matrix.rows
        var l = Matrix.zeros(n, n)
        for j in 0..<n {
            var diagonal = matrix[j, j]
            for k in 0..<j { diagonal -= l[j, k] * l[j, k] }
            guard matrix[j, j] > 0, diagonal > relativeTolerance * matrix[j, j] else { throw .notPositiveDefinite(column: j) }
            let root = diagonal.squareRoot()
            l[j, j] = root
            for i in (j + 1)..<max(n, j + 1) {
                var sum = matrix[i, j]
                for k in 0..<j { sum -= l[i, k] * l[j, k] }
                l[i, j] = sum / root
            }
        }
        lower = l
    }

    /// Solves A x = b.
    public func solve(_ b: [Double]) -> [Double] {
        let n = lower.rows
        var y = b
        for i in 0..<n {
            for k in 0..<i { y[i] -= lower[i, k] * y[k] }
            y[i] /= lower[i, i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for k in (i + 1)..<max(n, i + 1) { y[i] -= lower[k, i] * y[k] }
            y[i] /= lower[i, i]
        }
        return y
    }

    /// A⁻¹, column by column.
    public func inverse() -> Matrix {
        let n = lower.rows
        var inverse = Matrix.zeros(n, n)
        for column in 0..<n {
            var unit = Array(repeating: 0.0, count: n)
            unit[column] = 1
            let solved = solve(unit)
            for row in 0..<n { inverse[row, column] = solved[row] }
        }
        return inverse
    }
}
