import Foundation

/// Coarsened exact matching as MatchIt 4.7.2 does it:
/// `matchit(treat ~ covariates, data, method = "cem", estimand = "ATT" | "ATE", cutpoints = ...)`
/// with `k2k = FALSE`, no `grouping`, `normalize = TRUE` and no sampling weights.
///
/// The steps, as in `matchit2cem` / `cem_matchit`:
/// 1. Each numeric covariate is cut into bins: by default Sturges' number of bins,
///    ⌈log₂ n + 1⌉, of equal width between its minimum and maximum (breaks min + i·(max − min)/k,
///    the outer two replaced by −∞ and ∞); or a number of such bins; or bins between given cut
///    values. A value on a break goes to the bin above it (unlike the `cem` package).
///    Categorical covariates are matched exactly.
/// 2. Units with the same bins and categories form a stratum; strata without treated units or
///    without controls are dropped (their units get no subclass and weight 0).
/// 3. The strata kept are numbered 1, 2, … in the order they first appear, in data order, among
///    the units of the group the first unit belongs to (MatchIt's `intersect` order).
/// 4. Weights as `StrataWeights` describes.
///
/// A numeric 0/1 column is binned like any numeric one (as MatchIt bins R's numeric 0/1
/// columns); its two values always land in different bins.
public struct CoarsenedExactMatching: Sendable {
    /// How one numeric covariate is coarsened (an entry of MatchIt's `cutpoints`).
    public enum Coarsening: Sendable, Equatable {
        /// `"sturges"`, the default: ⌈log₂ n + 1⌉ equal-width bins over the range.
        case sturges
        /// A number k ≥ 1 of equal-width bins over the range (`cutpoints = list(x = k)`); 1 puts
        /// every unit in one bin, which drops the covariate as MatchIt's 1 does.
        case bins(Int)
        /// Cut values separating bins (`cutpoints = list(x = c(...))`, sorted and deduplicated
        /// by MatchIt). MatchIt needs two or more (one number is a bin count there); here a single
        /// cut value is a cut.
        case cuts([Double])
    }

    public var estimand: Estimand
    /// By covariate name; numeric covariates not named here get `.sturges`.
    public var coarsening: [String: Coarsening]

    public init(estimand: Estimand = .att, coarsening: [String: Coarsening] = [:]) {
        (self.estimand, self.coarsening) = (estimand, coarsening)
    }

    public struct Result: Sendable, Equatable {
        /// Each unit's stratum number among the strata kept (MatchIt's `subclass`); nil when its
        /// stratum lacks treated or control units.
        public let subclass: [Int?]
        /// MatchIt's `weights`; 0 for units without a subclass.
        public let weights: [Double]
        /// The inner breaks used for each numeric covariate (the outer ones are −∞ and ∞).
        public let breaks: [String: [Double]]
        /// Distinct strata among all units, and those kept (holding both groups).
        public let strataFormed: Int
        public let strataKept: Int
        /// Treated units dropped because their stratum has no control, and those strata.
        public let treatedDropped: Int
        public let strataWithoutControls: Int
        /// Controls dropped because their stratum has no treated unit, and those strata.
        public let controlsDropped: Int
        public let strataWithoutTreated: Int
    }

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case noCovariates
        case lengthMismatch(covariate: String, values: Int, units: Int)
        case nonFiniteValue(covariate: String, unit: Int)
        /// `coarsening` names a covariate that is not given, or one that is categorical.
        case unknownCovariate(String)
        case categoricalCoarsened(String)
        case invalidBins(covariate: String, bins: Int)
        case invalidCuts(covariate: String)
        case noUnits(treated: Bool)
        /// No stratum holds both treated and control units: coarsen further or match on fewer covariates.
        case noStratumWithBothGroups(strata: Int)

        public var description: String {
            switch self {
            case .noCovariates: return "coarsened exact matching needs at least one covariate"
            case .lengthMismatch(let name, let values, let units): return "\(name) has \(values) values for \(units) units"
            case .nonFiniteValue(let name, let unit): return "\(name) of unit \(unit) is not a finite number"
            case .unknownCovariate(let name): return "cut points are given for \(name), which is not a covariate"
            case .categoricalCoarsened(let name): return "cut points are given for \(name), which is categorical"
            case .invalidBins(let name, let bins): return "\(name) cannot be cut into \(bins) bins"
            case .invalidCuts(let name): return "the cut values for \(name) must be finite and at least one"
            case .noUnits(let t): return "no \(t ? "treated" : "control") units"
            case .noStratumWithBothGroups(let strata):
                return "none of the \(strata) strata holds both treated and control units; coarsen further or match on fewer covariates"
            }
        }
    }

    public func match(_ covariates: [DesignMatrix.Covariate], treated: [Bool]) throws(Failure) -> Result {
        let n = treated.count
        guard !covariates.isEmpty else { throw .noCovariates }
        for name in coarsening.keys.sorted() {
            guard let covariate = covariates.first(where: { $0.name == name }) else { throw .unknownCovariate(name) }
            if case .categorical = covariate { throw .categoricalCoarsened(name) }
        }
        for group in [true, false] where !treated.contains(group) { throw .noUnits(treated: group) }

        // Each covariate as integer codes; a unit's stratum is its row of codes.
        var codes: [[Int]] = []
        var breaks: [String: [Double]] = [:]
        for covariate in covariates {
            switch covariate {
            case .numeric(let name, let values):
                guard values.count == n else { throw .lengthMismatch(covariate: name, values: values.count, units: n) }
                if let unit = values.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteValue(covariate: name, unit: unit) }
                let inner = try Self.innerBreaks(values, name: name, coarsening: coarsening[name] ?? .sturges)
                breaks[name] = inner
                let all = [-Double.infinity] + inner + [Double.infinity]
                codes.append(values.map { RQuantiles.findInterval($0, all) })
            case .categorical(let name, let values):
                guard values.count == n else { throw .lengthMismatch(covariate: name, values: values.count, units: n) }
                var level: [String: Int] = [:]
                codes.append(values.map { value in
                    if let code = level[value] { return code }
                    level[value] = level.count
                    return level.count - 1
                })
            }
        }

        var stratumOf: [[Int]: Int] = [:]
        var stratum = Array(repeating: 0, count: n)
        for unit in 0..<n {
            let key = codes.map { $0[unit] }
            if let s = stratumOf[key] { stratum[unit] = s } else { stratum[unit] = stratumOf.count; stratumOf[key] = stratumOf.count }
        }
        let formed = stratumOf.count
        var treatedIn = Array(repeating: 0, count: formed), controlsIn = treatedIn
        for unit in 0..<n { if treated[unit] { treatedIn[stratum[unit]] += 1 } else { controlsIn[stratum[unit]] += 1 } }
        let kept = (0..<formed).map { treatedIn[$0] > 0 && controlsIn[$0] > 0 }
        guard kept.contains(true) else { throw .noStratumWithBothGroups(strata: formed) }

        // Number kept strata by first appearance among the units of the first unit's group.
        var number = Array(repeating: 0, count: formed), next = 0
        for unit in 0..<n where treated[unit] == treated[0] && kept[stratum[unit]] && number[stratum[unit]] == 0 {
            next += 1
            number[stratum[unit]] = next
        }
        let subclass: [Int?] = stratum.map { kept[$0] ? number[$0] : nil }
        let weights = StrataWeights.weights(subclass: subclass, treated: treated, estimand: estimand, subclasses: next)
        let withoutControls = (0..<formed).filter { controlsIn[$0] == 0 }, withoutTreated = (0..<formed).filter { treatedIn[$0] == 0 }
        return Result(subclass: subclass, weights: weights, breaks: breaks, strataFormed: formed, strataKept: next,
                      treatedDropped: withoutControls.reduce(0) { $0 + treatedIn[$1] },
                      strataWithoutControls: withoutControls.count,
                      controlsDropped: withoutTreated.reduce(0) { $0 + controlsIn[$1] },
                      strataWithoutTreated: withoutTreated.count)
    }

    /// The breaks between bins, without the outer −∞ and ∞. Equal-width bins as R's
    /// `seq(min, max, length = k + 1)` computes them: min + i · ((max − min) / k).
    static func innerBreaks(_ values: [Double], name: String, coarsening: Coarsening) throws(Failure) -> [Double] {
        let bins: Int
        switch coarsening {
        case .cuts(let cuts):
            guard !cuts.isEmpty, cuts.allSatisfy(\.isFinite) else { throw .invalidCuts(covariate: name) }
            return Set(cuts).sorted()
        case .bins(let k):
            guard k >= 1 else { throw .invalidBins(covariate: name, bins: k) }
            bins = k
        case .sturges:
            bins = Int((log2(Double(values.count)) + 1).rounded(.up))  // nclass.Sturges
        }
        guard let low = values.min(), let high = values.max(), bins >= 2 else { return [] }
        let width = (high - low) / Double(bins)
        return (1..<bins).map { low + Double($0) * width }
    }
}
