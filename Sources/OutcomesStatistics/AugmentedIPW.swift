import Foundation

/// The doubly robust augmented inverse-probability-weighted (AIPW) estimate of a treatment effect:
/// a logistic propensity model e(x) and a linear outcome model fitted by OLS within each treatment
/// group, both on the columns of `design` (with its intercept, as `DesignMatrix` builds them). Its
/// standard error comes from the influence function of the whole stack of estimating equations —
/// the effect, each outcome model and the logit's score — so the estimation of the nuisance models
/// is accounted for (HC0 meat, no degrees-of-freedom correction).
///
/// - ATE: mean of [m₁(x) + T(y − m₁(x))/e(x)] − [m₀(x) + (1 − T)(y − m₀(x))/(1 − e(x))]. Equals
///   statsmodels 0.15 `TreatmentEffect(OLS(y, X), T, results_select=Logit(T, X).fit()).aipw()`:
///   its ATE and potential-outcome means exactly; its standard error as the sandwich of its own
///   stacked moment conditions with an exact Jacobian. statsmodels' printed `sd` differs (by 1.5%
///   on LaLonde): its GMM takes the Jacobian by finite differences with an absolute step of 1e-4
///   and clips propensities to [0.01, 0.99] (reference/lalonde_aipw.py).
/// - ATT (statsmodels' aipw has none): the estimator from Hahn's (1998) efficient influence
///   function (Mercatanti & Li 2014), Σᵢ [Tᵢ − (1 − Tᵢ) e/(1 − e)](yᵢ − m₀(xᵢ)) / n_treated; the
///   treated group's outcome model cancels, so only the controls' is fitted. Checked against the
///   same formula written in numpy in reference/lalonde_aipw.py, itself checked against a numerical
///   sandwich of the stacked moment functions.
public struct AugmentedIPW: Sendable {
    public enum Propensity: Sendable {
        /// Fitted here by `LogisticRegression` (R's glm) of the treatment on `design`, iterated to a
        /// relative change in deviance below 1e-12 rather than glm's 1e-8: the inverse weights
        /// carry the propensities' last digits into the estimate (2e-8 relative on LaLonde's ATE).
        case logistic
        /// Fitted elsewhere by logistic regression on the same columns (e.g. MatchIt's `distance`);
        /// the standard error still accounts for that fit.
        case given([Double])
    }

    public struct Result: Sendable, Equatable {
        public let estimate: Double
        public let standardError: Double
        public let treated: Int
        public let controls: Int
        /// The mean potential outcome under treatment over the target population (every unit for
        /// the ATE, the treated for the ATT).
        public let treatedMean: Double
        /// The mean potential outcome without treatment over the target population.
        public let controlMean: Double
    }

    public enum Failure: Error, Equatable, Sendable {
        /// The outcome, the treatment, the design's rows or the given propensities differ in number.
        case lengthMismatch
        /// An outcome or design value is NaN or infinite (the unit's index).
        case notFinite(unit: Int)
        /// A propensity within 1e-10 of 0 or 1 (or outside it, or not a number): its inverse
        /// weight has no useful value.
        case propensityAtBoundary(unit: Int, propensity: Double)
        /// The logistic propensity model could not be fitted.
        case propensityModel(LogisticRegression.Failure)
        /// A design column collinear with the ones before it in the propensity model's information.
        case collinearPropensityModel(column: Int)
        /// A group whose outcome model is needed has no more units than the design has columns.
        case tooFewUnits(treated: Bool, units: Int, columns: Int)
        /// A design column collinear with the ones before it within that group.
        case collinearOutcomeModel(treated: Bool, column: Int)
    }

    public var effect: Estimand
    public init(effect: Estimand = .ate) { self.effect = effect }

    public func estimate(outcome y: [Double], treated: [Bool], design x: Matrix,
                         propensity: Propensity = .logistic) throws(Failure) -> Result {
        let (n, k) = (y.count, x.columns)
        guard treated.count == n, x.rows == n else { throw .lengthMismatch }
        if let unit = (0..<n).first(where: { i in !y[i].isFinite || (0..<k).contains { j in !x[i, j].isFinite } }) {
            throw .notFinite(unit: unit)
        }
        let t = treated.map { $0 ? 1.0 : 0.0 }
        let nTreated = treated.filter { $0 }.count, nControls = n - nTreated
        for (group, units) in [(false, nControls), (true, nTreated)] where effect == .ate || !group {
            guard units > k else { throw .tooFewUnits(treated: group, units: units, columns: k) }
        }
        guard nTreated > 0 else { throw .tooFewUnits(treated: true, units: 0, columns: k) }

        let p: [Double]
        switch propensity {
        case .logistic:
            do {
                var logistic = LogisticRegression()
                logistic.tolerance = 1e-12
                p = try logistic.fit(design: x, outcome: t).fitted
            } catch {
                throw .propensityModel(error)
            }
        case .given(let given):
            guard given.count == n else { throw .lengthMismatch }
            p = given
        }
        if let unit = p.indices.first(where: { !(p[$0] >= 1e-10 && p[$0] <= 1 - 1e-10) }) {
            throw .propensityAtBoundary(unit: unit, propensity: p[unit])
        }
        let fisher: Cholesky
        do {
            fisher = try Cholesky(x.weightedGram(p.map { $0 * (1 - $0) }))
        } catch {
            guard case .notPositiveDefinite(let column) = error else { throw .collinearPropensityModel(column: 0) }
            throw .collinearPropensityModel(column: column)
        }

        // The linear outcome model of one group: its Gram matrix's factor and its fitted values on every unit.
        func outcomeModel(treated group: Bool) throws(Failure) -> (gram: Cholesky, fitted: [Double]) {
            let inGroup = treated.map { $0 == group ? 1.0 : 0.0 }
            let gram: Cholesky
            do {
                gram = try Cholesky(x.weightedGram(inGroup))
            } catch {
                guard case .notPositiveDefinite(let column) = error else { throw .collinearOutcomeModel(treated: group, column: 0) }
                throw .collinearOutcomeModel(treated: group, column: column)
            }
            let beta = gram.solve(x.transposeTimes((0..<n).map { inGroup[$0] * y[$0] }))
            return (gram, x.times(beta))
        }
        // Σᵢ xᵢ cᵢ: how the summed estimating equation moves with a nuisance model's coefficients.
        func sensitivity(_ coefficient: (Int) -> Double) -> [Double] { x.transposeTimes((0..<n).map(coefficient)) }
        func row(_ i: Int, dot a: [Double]) -> Double { (0..<k).reduce(0.0) { $0 + x[i, $1] * a[$1] } }

        let control = try outcomeModel(treated: false)
        let r0 = (0..<n).map { y[$0] - control.fitted[$0] }
        switch effect {
        case .ate:
            let treatedModel = try outcomeModel(treated: true)
            let r1 = (0..<n).map { y[$0] - treatedModel.fitted[$0] }
            let m1 = (0..<n).map { i -> Double in treatedModel.fitted[i] + t[i] * r1[i] / p[i] }
            let m0 = (0..<n).map { i -> Double in control.fitted[i] + (1 - t[i]) * r0[i] / (1 - p[i]) }
            let treatedMean = m1.reduce(0, +) / Double(n), controlMean = m0.reduce(0, +) / Double(n)
            let ate = treatedMean - controlMean
            let a1 = treatedModel.gram.solve(sensitivity { i -> Double in 1 - t[i] / p[i] })
            let a0 = control.gram.solve(sensitivity { i -> Double in (1 - t[i]) / (1 - p[i]) - 1 })
            let aPropensity = fisher.solve(sensitivity { i -> Double in
                let treatedPart: Double = -t[i] * r1[i] * (1 - p[i]) / p[i]
                let controlPart: Double = (1 - t[i]) * r0[i] * p[i] / (1 - p[i])
                return treatedPart - controlPart
            })
            var sumOfSquares = 0.0
            for i in 0..<n {
                let nuisance: Double = t[i] * r1[i] * row(i, dot: a1) + (1 - t[i]) * r0[i] * row(i, dot: a0)
                    + (t[i] - p[i]) * row(i, dot: aPropensity)
                let influence: Double = m1[i] - m0[i] - ate + nuisance
                sumOfSquares += influence * influence
            }
            return Result(estimate: ate, standardError: sumOfSquares.squareRoot() / Double(n), treated: nTreated,
                          controls: nControls, treatedMean: treatedMean, controlMean: controlMean)
        case .att:
            let odds = p.map { $0 / (1 - $0) }
            let att = (0..<n).reduce(0.0) { sum, i in sum + (t[i] - (1 - t[i]) * odds[i]) * r0[i] } / Double(nTreated)
            let a0 = control.gram.solve(sensitivity { i -> Double in (1 - t[i]) * odds[i] - t[i] })
            let aPropensity = fisher.solve(sensitivity { i -> Double in -(1 - t[i]) * odds[i] * r0[i] })
            var sumOfSquares = 0.0
            for i in 0..<n {
                let nuisance: Double = (1 - t[i]) * r0[i] * row(i, dot: a0) + (t[i] - p[i]) * row(i, dot: aPropensity)
                let influence: Double = (t[i] - (1 - t[i]) * odds[i]) * r0[i] - t[i] * att + nuisance
                sumOfSquares += influence * influence
            }
            let treatedMean = (0..<n).reduce(0.0) { $0 + t[$1] * y[$1] } / Double(nTreated)
            return Result(estimate: att, standardError: sumOfSquares.squareRoot() / Double(nTreated), treated: nTreated,
                          controls: nControls, treatedMean: treatedMean, controlMean: treatedMean - att)
        }
    }
}
