import OutcomesDatabase
import OutcomesDomain

extension ArmComputation {
    /// One line saying how a stored contract-period was computed, and why in full; the number of
    /// persons computed again is suppressed under `policy` like every published count.
    func note(_ policy: SmallCellPolicy) -> String {
        let what = "\(storedID), period \(period)"
        switch recomputation {
        case .incremental(let since):
            let persons = recomputedPersons ?? 0
            return since == loadID
                ? "\(what): no data loaded since it was computed from load \(loadID); nobody's results changed, the aggregates were computed again."
                : "\(what): computed incrementally from load \(since) to load \(loadID): \(policy.shown(persons)) person\(persons == 1 ? "" : "s") "
                    + "changed by the loads since, or with a relative they changed, computed again; everyone else's results kept."
        case .full(let reason):
            let why: String = switch reason {
            case .requested: "as asked (--full)"
            case .notComputed: "its first computation"
            case .trial: "a contract file tried out is always computed whole"
            case .contractChanged: "it was computed before from another version or text of the contract"
            case .engineChanged: "it was computed before by another version of outcomes' metric compiler"
            case .newerLoad(let load): "it was computed from load \(load), newer than the current load"
            case .loadNotLogged(let load): "load \(load) does not say whom it changed (a synthetic data set, an extract that "
                + "changed reference data, or a load before incremental runs)"
            case .replaced: "the IDS was emptied and loaded again since"
            }
            return "\(what): computed in full from load \(loadID): \(why)."
        }
    }
}
