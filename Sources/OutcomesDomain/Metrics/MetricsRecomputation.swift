/// How a contract-period's metrics are computed: in full, or again only for the persons that loads
/// since its last computation changed (everyone else's results are kept).
public enum MetricsRecomputation: Sendable, Equatable {
    case full(FullReason)
    /// The persons changed by the loads after `since` (up to the current one) are computed again.
    case incremental(since: Int)

    /// Why a period is computed in full.
    public enum FullReason: Sendable, Equatable {
        /// Asked for (`outcomes metrics --full`).
        case requested
        /// Never computed before (or its results are gone).
        case notComputed
        /// A contract file tried out: kept apart and always computed whole.
        case trial
        /// Computed before from another version or text of the contract.
        case contractChanged
        /// Computed before by another version of the metric compiler (or one that did not say).
        case engineChanged
        /// Computed from a load newer than the current one (a load was undone since).
        case newerLoad(Int)
        /// A load since then whose changes are not known person by person: synthetic, from before
        /// they were logged, or one that changed reference data.
        case loadNotLogged(Int)
        /// The IDS was emptied since then outside a load (the demo's reset).
        case replaced
    }

    /// One data load after the period's last computation.
    public struct LaterLoad: Sendable, Equatable {
        public let id: Int
        /// Whether every person it changed is known (`ids.logged_loads`, or a link run's id changes).
        public let logged: Bool

        public init(id: Int, logged: Bool) {
            (self.id, self.logged) = (id, logged)
        }
    }

    /// What the period was last computed from (`metrics.computed_periods`) and what has happened since.
    public struct History: Sendable, Equatable {
        /// The load the stored results are current with.
        public let loadID: Int
        public let version: Int?
        public let fileSHA256: String?
        /// Whether the stored results are still there (their partition exists).
        public let resultsKept: Bool
        /// Loads numbered up to `loadID` that had not finished then (they commit in any order).
        public let pendingLoads: [Int]
        /// The metric compiler's version that computed them.
        public let engine: String?

        public init(loadID: Int, version: Int?, fileSHA256: String?, resultsKept: Bool, pendingLoads: [Int] = [], engine: String?) {
            (self.loadID, self.version, self.fileSHA256, self.resultsKept) = (loadID, version, fileSHA256, resultsKept)
            (self.pendingLoads, self.engine) = (pendingLoads, engine)
        }

        /// Whether `load` came after these results: numbered after them, or pending then.
        public func isLater(_ load: Int) -> Bool { load > loadID || pendingLoads.contains(load) }
    }

    /// Decides how to compute a stored contract version's period (`version`, `fileSHA256`; nil for a
    /// file tried out) by the metric compiler `engine` on the current load, given its `history` (nil
    /// when never computed), the finished loads, and whether the IDS was emptied since.
    public static func decide(version: Int?, fileSHA256: String?, engine: String, currentLoad: Int, history: History?,
                              laterLoads: [LaterLoad], replacedSince: Bool, fullRequested: Bool) -> MetricsRecomputation {
        if fullRequested { return .full(.requested) }
        guard let version, let fileSHA256 else { return .full(.trial) }
        guard let history, history.resultsKept else { return .full(.notComputed) }
        guard history.version == version, history.fileSHA256 == fileSHA256 else { return .full(.contractChanged) }
        guard history.engine == engine else { return .full(.engineChanged) }
        guard history.loadID <= currentLoad else { return .full(.newerLoad(history.loadID)) }
        if replacedSince { return .full(.replaced) }
        if let unlogged = laterLoads.filter({ history.isLater($0.id) && $0.id <= currentLoad && !$0.logged }).map(\.id).min() {
            return .full(.loadNotLogged(unlogged))
        }
        return .incremental(since: history.loadID)
    }
}
