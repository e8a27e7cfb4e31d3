/// Why a payment run posts nothing and stops: a typed value carrying its details. The CLI gives
/// each case one message and one exit status, in one place; tests assert the case.
public enum PaymentRefusal: Error, Sendable, Equatable {
    /// The contract version has no `payments` part.
    case noPaymentTerms(contract: String, version: Int)
    case unknownPeriod(contract: String, period: String, periods: [String])
    /// An interim run of a contract whose terms give no interim share.
    case noInterimShare(contract: String, version: Int)
    /// Interim runs come before the period's final run.
    case interimAfterFinal(contract: String, period: String)
    /// The stored metrics a run would read were not computed from its contract version and the current data.
    case metricsNotCurrent(contract: String, version: Int, period: String, currentLoad: Int, problems: [MetricsProblem])
    /// A provider has participants but the comparison it is measured against has no one.
    case noComparison(contract: String, line: String, provider: String, cohort: String, basis: ComparisonBasis)
    /// Amounts beyond what the exact arithmetic holds.
    case arithmeticOverflow(what: String)
    /// The contract's runs are posted by a second login's approval (maker–checker), and this login staged it.
    case approverStagedIt(staged: Int, login: String)
    /// The staged run is not the latest for its period, or the ledger or the metrics changed since it was staged.
    case stagedRunStale(staged: Int, reason: StaleStaging)
    /// No staged run with this number awaits approval.
    case nothingToApprove(staged: Int)
    /// The staged lines are not what the engine computes from the staged snapshot.
    case stagedRunDiffers(staged: Int, discrepancies: Int)
    /// The staged inputs are not what the stored results give, read again at approval.
    case stagedInputsDiffer(staged: Int)

    public enum StaleStaging: String, Sendable, Equatable {
        case superseded, ledgerChanged = "ledger_changed", metricsChanged = "metrics_changed", alreadyApproved = "already_approved"
    }
}

/// Why one contract-period's stored metrics cannot be paid on.
public struct MetricsProblem: Sendable, Equatable {
    public enum Arm: String, Sendable { case participants, controlArm = "control_arm", matchedGroup = "matched_group" }
    public enum Kind: Sendable, Equatable {
        case notComputed
        /// Computed from a file tried out, or before versions were recorded.
        case unversioned
        case otherVersion(Int)
        /// The same version number with other text: only possible if the store was bypassed.
        case otherText
        case olderLoad(Int)
        /// Computed from the current load while this load, numbered before it, had not finished;
        /// it has since (loads finish in any order), so the results do not hold its data.
        case missedLoad(Int)
    }

    public let period: String
    public let arm: Arm
    public let kind: Kind

    public init(period: String, arm: Arm, kind: Kind) {
        self.period = period
        self.arm = arm
        self.kind = kind
    }
}

/// One row of `metrics.computed_periods`: which contract version and data load a stored
/// contract-period (`id`, `id@control`, `id@matched`) was computed from.
public struct ComputedPeriod: Sendable, Equatable {
    public let storedID: String
    public let period: String
    public let loadID: Int
    public let version: Int?
    public let fileSHA256: String?
    /// Loads that had not finished when it was computed and have since (`pending_loads`).
    public var missedLoads: [Int] = []

    public init(storedID: String, period: String, loadID: Int, version: Int?, fileSHA256: String?) {
        self.storedID = storedID
        self.period = period
        self.loadID = loadID
        self.version = version
        self.fileSHA256 = fileSHA256
    }
}
