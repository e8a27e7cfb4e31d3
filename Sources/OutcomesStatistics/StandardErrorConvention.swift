/// How a treatment effect's standard error is computed, by the names evaluators use. Each is the
/// covariance R's sandwich package gives for the weighted `fit <- lm(y ~ treat + …, weights = w)`
/// (n rows with weight, k coefficients, G clusters), as named here:
public enum StandardErrorConvention: String, CaseIterable, Codable, Sendable {
    /// `sandwich::vcovHC(fit, type = "HC0")`: White's, without adjustment.
    case hc0 = "HC0"
    /// `vcovHC(fit, type = "HC1")`: HC0 · n/(n−k).
    case hc1 = "HC1"
    /// `vcovHC(fit, type = "HC2")`: each squared residual over 1 − its leverage (for a difference
    /// in means, Welch's).
    case hc2 = "HC2"
    /// `vcovHC(fit, type = "HC3")`: over (1 − leverage)², MatchIt's advice when there are no pairs.
    case hc3 = "HC3"
    /// Clustered by matched set (subclass) without any small-sample adjustment, as
    /// `vcovCL(fit, cluster = ~subclass, type = "HC0", cadjust = FALSE)`. Note that
    /// `type = "HC0"` alone keeps sandwich's default `cadjust = TRUE`, which multiplies this by G/(G−1).
    case cr0 = "CR0"
    /// Clustered by matched set as `vcovCL(fit, cluster = ~subclass)` computes it (type HC1 with
    /// cadjust, as Stata adjusts): CR0 · G/(G−1) · (n−1)/(n−k); MatchIt's `vcov = ~subclass`.
    case cr1 = "CR1"
    /// Clustered both by matched set and by unit, on one row per unit per matched set (MatchIt's
    /// `get_matches()`, see `MatchedSetRows`), as `vcovCL(fit, cluster = ~subclass + id)` with
    /// sandwich's defaults (type HC1, cadjust, multi0 = FALSE): the meats by matched set and by
    /// unit added and the meat by their intersection (matched set and unit) subtracted, each times
    /// its own G/(G−1), all times (n−1)/(n−k). Its variance can come out negative.
    case cr1TwoWay = "CR1-two-way"
    /// Clustered by household as `vcovCL(fit, cluster = ~household)` computes it (CR1's
    /// adjustment), each unit labelled by its household on its index date: members of one family
    /// are not independent units.
    case cr1Household = "CR1-household"
    /// Not a regression's: the sandwich of an estimator's stacked estimating equations (AIPW's).
    case influenceFunction = "influence-function"

    /// How reports name it.
    public var label: String {
        switch self {
        case .hc0, .hc1, .hc2, .hc3: rawValue
        case .cr0: "CR0 by matched set"
        case .cr1: "CR1 by matched set"
        case .cr1TwoWay: "two-way CR1 by matched set and unit"
        case .cr1Household: "CR1 by household"
        case .influenceFunction: "influence function"
        }
    }

    /// Needs each row's matched set.
    public var clustersByMatchedSet: Bool { self == .cr0 || self == .cr1 || self == .cr1TwoWay }
    /// Needs each row's unit as well (a unit may stand in several matched sets).
    public var clustersByUnit: Bool { self == .cr1TwoWay }
    /// Needs each row's household (given as its cluster label).
    public var clustersByHousehold: Bool { self == .cr1Household }
}
