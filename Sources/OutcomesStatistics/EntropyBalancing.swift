import Foundation

/// Entropy balancing (Hainmueller 2012) for a binary treatment: the weights closest to uniform, in
/// Kullback–Leibler divergence, whose weighted covariate means in each reweighted group equal the
/// target exactly. Equals R's WeightIt 1.4.0
/// `weightit(treat ~ x1 + x2 + …, data, method = "ebal", estimand = "ATT" | "ATE")` with its
/// defaults (moments = 1, no interactions, no base or sampling weights):
/// - a categorical covariate is balanced on every level (WeightIt splits a factor into all its
///   levels, then drops one as collinear with the others; the weights sum to a fixed total, so
///   balancing all levels is the same constraint);
/// - ATT: treated units weigh 1; the controls are reweighted to the treated means and sum to the
///   number of controls;
/// - ATE: each group is reweighted to the whole-sample means and sums to its own size.
///
/// Both solve the dual, min over λ of log Σᵢ exp(cᵢ·λ) with cᵢ the unit's covariates minus the
/// target; WeightIt stops optim's BFGS at reltol = 1e-10 (without rootSolve installed), with a
/// largest standardised imbalance near 1e-5. Here Newton's method with a backtracking line search
/// solves the same strictly convex dual to machine precision, so these are the exact weights that
/// WeightIt approaches: on LaLonde they are within 1.2e-4 relative of WeightIt's default weights
/// and within 3e-7 of WeightIt run to reltol = 1e-300 (which stops at an imbalance of 1e-8), and
/// balance is exact to 1e-13 where WeightIt's default leaves 9e-6 (reference/lalonde_ebal.R,
/// EntropyBalancingTests).
public struct EntropyBalancing: Sendable {
    public struct Result: Sendable {
        /// One weight per unit, in the order given.
        public let weights: [Double]
        /// Newton iterations, summed over the groups reweighted (the controls for the ATT, both groups for the ATE).
        public let iterations: Int
        /// The largest |weighted mean − target| over the columns and the groups reweighted, in
        /// standard deviations of the column (over the whole sample).
        public let largestImbalance: Double
        /// The balanced columns: a numeric covariate by its name, a categorical one as `name_level` for every level.
        public let columns: [String]
    }

    public enum Failure: Error, Equatable, Sendable {
        /// No positive weights balance the covariates — e.g. a target mean outside the range of the
        /// group reweighted — or not within `maximumIterations`. Names the column left most
        /// imbalanced (standardised, as `Result.largestImbalance`): its covariate's index among those
        /// given and the column's name.
        case notConverged(iterations: Int, largestImbalance: Double, covariate: Int, column: String)
        /// A target no positive weights reach: the column's target mean lies outside, or on the
        /// edge of, the values of the group reweighted (`low`…`high`), e.g. a category no
        /// participant has but some controls do. Found before solving.
        case unreachableTarget(covariate: Int, column: String, target: Double, low: Double, high: Double)
        /// No treated units or no controls.
        case emptyGroup(treated: Bool)
        /// A covariate with a number of values other than one per unit (its index).
        case wrongLength(covariate: Int)
        /// A covariate with a NaN or infinite value (its index).
        case notFinite(covariate: Int)
    }

    public var estimand: Estimand
    public var maximumIterations: Int
    /// The largest standardised imbalance accepted as balanced.
    public var tolerance: Double

    public init(estimand: Estimand = .att, maximumIterations: Int = 100, tolerance: Double = 1e-10) {
        self.estimand = estimand
        self.maximumIterations = maximumIterations
        self.tolerance = tolerance
    }

    private struct Column {
        let covariate: Int
        let name: String
        let values: [Double]
    }

    public func weights(covariates: [DesignMatrix.Covariate], treated: [Bool]) throws(Failure) -> Result {
        let n = treated.count
        var columns: [Column] = []
        for (index, covariate) in covariates.enumerated() {
            switch covariate {
            case .numeric(let name, let values):
                guard values.count == n else { throw .wrongLength(covariate: index) }
                guard values.allSatisfy(\.isFinite) else { throw .notFinite(covariate: index) }
                columns.append(Column(covariate: index, name: name, values: values))
            case .categorical(let name, let values):
                guard values.count == n else { throw .wrongLength(covariate: index) }
                for level in Set(values).sorted() {
                    columns.append(Column(covariate: index, name: "\(name)_\(level)", values: values.map { $0 == level ? 1 : 0 }))
                }
            }
        }
        let treatedUnits = treated.indices.filter { treated[$0] }
        let controlUnits = treated.indices.filter { !treated[$0] }
        guard !treatedUnits.isEmpty else { throw .emptyGroup(treated: true) }
        guard !controlUnits.isEmpty else { throw .emptyGroup(treated: false) }

        let targetUnits = estimand == .att ? treatedUnits : Array(treated.indices)
        let targets = columns.map { column in targetUnits.reduce(0.0) { $0 + column.values[$1] } / Double(targetUnits.count) }
        // Standardising changes the dual's coordinates, not its solution; it keeps the Newton system well scaled.
        let scales = columns.map { column -> Double in
            let mean = column.values.reduce(0, +) / Double(n)
            let variance = column.values.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(n - 1, 1))
            return variance > 0 ? variance.squareRoot() : 1
        }

        var weights = Array(repeating: 1.0, count: n)
        var iterations = 0
        var largestImbalance = 0.0
        for group in estimand == .att ? [controlUnits] : [controlUnits, treatedUnits] {
            for (j, column) in columns.enumerated() {
                let values = group.map { column.values[$0] }
                let (low, high) = (values.min()!, values.max()!)
                if targets[j] < low || targets[j] > high || (low < high && (targets[j] == low || targets[j] == high)) {
                    throw .unreachableTarget(covariate: column.covariate, column: column.name, target: targets[j], low: low, high: high)
                }
            }
            var centred: [Double] = []
            centred.reserveCapacity(group.count * columns.count)
            for unit in group {
                for (j, column) in columns.enumerated() { centred.append((column.values[unit] - targets[j]) / scales[j]) }
            }
            let solution = solveDual(centred: centred, units: group.count, columns: columns.count)
            iterations += solution.iterations
            let worst = solution.imbalance.indices.max { abs(solution.imbalance[$0]) < abs(solution.imbalance[$1]) }
            let groupImbalance = worst.map { abs(solution.imbalance[$0]) } ?? 0
            if let worst, !(groupImbalance <= tolerance) {
                throw .notConverged(iterations: iterations, largestImbalance: groupImbalance,
                                    covariate: columns[worst].covariate, column: columns[worst].name)
            }
            largestImbalance = max(largestImbalance, groupImbalance)
            for (row, unit) in group.enumerated() { weights[unit] = solution.probabilities[row] * Double(group.count) }
        }
        return Result(weights: weights, iterations: iterations, largestImbalance: largestImbalance, columns: columns.map(\.name))
    }

    private struct DualState {
        /// log Σ exp(cᵢ·λ), the dual objective.
        var objective: Double
        /// exp(cᵢ·λ) normalised to sum to 1: the weights, up to their total.
        var probabilities: [Double]
        /// Σ pᵢ cᵢ, the gradient: weighted mean minus target of each standardised column.
        var imbalance: [Double]
    }

    private struct DualSolution {
        let probabilities: [Double]
        let imbalance: [Double]
        let iterations: Int
    }

    /// Newton's method on the dual for one group: `centred` holds each unit's standardised columns minus the target (row-major).
    private func solveDual(centred: [Double], units: Int, columns k: Int) -> DualSolution {
        func evaluate(_ lambda: [Double]) -> DualState {
            var exponents = Array(repeating: 0.0, count: units)
            for i in 0..<units {
                var s = 0.0
                for j in 0..<k { s += centred[i * k + j] * lambda[j] }
                exponents[i] = s
            }
            // Shifted by the largest exponent, so no exp overflows however far λ goes.
            let largest = exponents.max() ?? 0
            var probabilities = exponents.map { exp($0 - largest) }
            let total = probabilities.reduce(0, +)
            var imbalance = Array(repeating: 0.0, count: k)
            for i in 0..<units {
                probabilities[i] /= total
                for j in 0..<k { imbalance[j] += probabilities[i] * centred[i * k + j] }
            }
            return DualState(objective: largest + log(total), probabilities: probabilities, imbalance: imbalance)
        }
        func largestAbsolute(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }

        var lambda = Array(repeating: 0.0, count: k)
        var state = evaluate(lambda)
        var iterations = 0
        while iterations < maximumIterations, largestAbsolute(state.imbalance) > 0 {
            // Hessian: the weighted covariance of the columns (from their second moments, kept to judge what is rounding).
            var hessian = Array(repeating: 0.0, count: k * k)
            for i in 0..<units where state.probabilities[i] > 0 {
                let p = state.probabilities[i]
                for a in 0..<k {
                    let pa = p * centred[i * k + a]
                    guard pa != 0 else { continue }
                    for b in a..<k { hessian[a * k + b] += pa * centred[i * k + b] }
                }
            }
            let secondMoments = (0..<k).map { hessian[$0 * k + $0] }
            for a in 0..<k {
                for b in a..<k { hessian[a * k + b] -= state.imbalance[a] * state.imbalance[b]; hessian[b * k + a] = hessian[a * k + b] }
            }
            let step = Self.solveSkippingDependent(hessian, state.imbalance, size: k, scales: secondMoments).map { -$0 }
            let decrement = -zip(step, state.imbalance).reduce(0.0) { $0 + $1.0 * $1.1 }
            guard decrement > 0, step.allSatisfy(\.isFinite) else { break }
            var length = 1.0
            var next = evaluate(zip(lambda, step).map { $0 + length * $1 })
            // The objective resolves changes down to rounding of its own size; below that a step
            // is judged by the imbalance (the gradient), which Newton's full step still reduces.
            if decrement > 1e-12 * max(1, abs(state.objective)) {
                // Backtracking (Armijo) while the objective is still resolvable.
                var halvings = 0
                while !(next.objective <= state.objective - 1e-4 * length * decrement), halvings < 60 {
                    length /= 2
                    halvings += 1
                    next = evaluate(zip(lambda, step).map { $0 + length * $1 })
                }
                guard halvings < 60 else { break }
            } else if !(largestAbsolute(next.imbalance) < largestAbsolute(state.imbalance)) {
                break  // At rounding level: a full Newton step no longer reduces the imbalance.
            }
            iterations += 1
            lambda = zip(lambda, step).map { $0 + length * $1 }
            state = next
        }
        return DualSolution(probabilities: state.probabilities, imbalance: state.imbalance, iterations: iterations)
    }

    /// Solves H x = b by Cholesky, leaving out (x = 0) each column whose remaining diagonal is
    /// negligible against its `scales` entry (its second moment: a variance of rounding noise, as
    /// a column constant in the group has, is negligible): a level collinear with the other levels,
    /// or a column constant in the group.
    static func solveSkippingDependent(_ h: [Double], _ b: [Double], size k: Int, scales: [Double]) -> [Double] {
        var lower = Array(repeating: 0.0, count: k * k)
        var kept = Array(repeating: false, count: k)
        for j in 0..<k {
            var diagonal = h[j * k + j]
            for m in 0..<j where kept[m] { diagonal -= lower[j * k + m] * lower[j * k + m] }
            guard diagonal > 1e-10 * scales[j], diagonal > 0 else { continue }
            kept[j] = true
            let root = diagonal.squareRoot()
            lower[j * k + j] = root
            for i in (j + 1)..<max(k, j + 1) {
                var sum = h[i * k + j]
                for m in 0..<j where kept[m] { sum -= lower[i * k + m] * lower[j * k + m] }
                lower[i * k + j] = sum / root
            }
        }
        var y = Array(repeating: 0.0, count: k)
        for i in 0..<k where kept[i] {
            var sum = b[i]
            for m in 0..<i where kept[m] { sum -= lower[i * k + m] * y[m] }
            y[i] = sum / lower[i * k + i]
        }
        var x = Array(repeating: 0.0, count: k)
        for i in stride(from: k - 1, through: 0, by: -1) where kept[i] {
            var sum = y[i]
            for m in (i + 1)..<max(k, i + 1) where kept[m] { sum -= lower[m * k + i] * x[m] }
            x[i] = sum / lower[i * k + i]
        }
        return x
    }
}
