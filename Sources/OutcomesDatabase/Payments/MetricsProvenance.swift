import OutcomesDomain
import PostgresClient

/// The one source of truth of a payment run: the metrics it reads must have been computed from the
/// stored text of the contract version it runs under, from the current data load. Anything else —
/// metrics of another version, of an edited file, of a replaced IDS — is refused with what to re-run.
enum MetricsProvenance {
    /// Why one contract-period's stored metrics cannot be paid on.
    enum Problem: Equatable {
        case notComputed
        /// Computed before versions were recorded, or from a file tried out.
        case unversioned
        case otherVersion(Int)
        /// The same version number with other text: only possible if the store was bypassed.
        case otherText
        case olderLoad(Int)
    }

    /// Checks every period up to the one paid, for the contract's results and (when its lines
    /// compare with it) its control arm's; returns the current data load.
    static func requireCurrent(_ stored: StoredContract, periods: [String], on connection: PostgresConnection) throws -> Int {
        let contract = stored.contract
        let matchedID = contract.id + OutcomeContract.matchedSuffix
        let storedIDs = [contract.id] + (contract.needsComparisonArm ? [contract.id + OutcomeContract.comparisonSuffix] : [])
            + (contract.needsMatchedGroup ? [matchedID] : [])
        let currentLoad = try connection.execute(
            "SELECT coalesce(max(load_id), 0) FROM ids.data_loads WHERE finished_at IS NOT NULL").scalar(Int.self)
        struct Key: Hashable { let storedID, period: String }
        var computed: [Key: (load: Int, version: Int?, hash: String?)] = [:]
        for row in try connection.execute("""
            SELECT contract_id, period, load_id, version, file_sha256 FROM metrics.computed_periods
            WHERE contract_id = ANY (\(PostgresArrayLiteral.text(storedIDs))::text[])
              AND period = ANY (\(PostgresArrayLiteral.text([OutcomeContract.priorPeriodLabel] + periods))::text[])
            """) {
            computed[Key(storedID: try row.decode(at: 0), period: try row.decode(at: 1))] =
                (try row.decode(at: 2), try row.decode(at: 3), try row.decode(at: 4))
        }
        var problems: [(period: String, arm: String, problem: Problem)] = []
        // What came before the first period is computed with the first, for the contract's own participants.
        let prior = contract.needsPriorPeriod ? [OutcomeContract.priorPeriodLabel] : []
        for storedID in storedIDs {
            for period in (storedID == contract.id ? prior : []) + periods {
                let arm = storedID == contract.id ? "" : storedID == matchedID ? " (matched comparison group)" : " (control arm)"
                guard let found = computed[Key(storedID: storedID, period: period)] else {
                    // A period without participants has no matched group to store: its cohorts pay nothing.
                    if storedID == matchedID, try !hasParticipants(contract.id, period, on: connection) { continue }
                    problems.append((period, arm, .notComputed))
                    continue
                }
                let problem: Problem? = switch (found.version, found.hash) {
                case (nil, _): .unversioned
                case (let version?, _) where version != stored.version: .otherVersion(version)
                case (_, let hash) where hash != stored.fileSHA256: .otherText
                default: found.load == currentLoad ? nil : .olderLoad(found.load)
                }
                if let problem { problems.append((period, arm, problem)) }
            }
        }
        guard !problems.isEmpty else { return currentLoad }
        let missing = problems.filter { $0.problem == .notComputed }.map { $0.period + $0.arm }
        var reasons: [String] = []
        if !missing.isEmpty { reasons.append("are not computed for \(unique(missing))") }
        for problem in problems where problem.problem != .notComputed {
            let what = "\(problem.period)\(problem.arm)"
            switch problem.problem {
            case .unversioned: reasons.append("for \(what) were computed from a file tried out or before versions were recorded")
            case .otherVersion(let version): reasons.append("for \(what) were computed from version \(version)")
            case .otherText: reasons.append("for \(what) were computed from other text under version \(stored.version)")
            case .olderLoad(let load): reasons.append("for \(what) come from data load \(load), not the current load \(currentLoad)")
            case .notComputed: break
            }
        }
        if problems.contains(where: { $0.arm == " (matched comparison group)" }) {
            throw DatabaseError(
                .staleMetrics,
                "the outcome metrics of contract \(contract.id) \(reasons.joined(separator: "; ")). A line pays against a matched "
                    + "comparison group, which `outcomes compare --store-comparison` builds and stores for a contract version; "
                    + "store one for version \(stored.version) and every period up to \(periods.last ?? "") first. Nothing was posted.",
                exitStatus: .dataError)
        }
        let stale = unique(problems.map { $0.period == OutcomeContract.priorPeriodLabel ? contract.periods[0].label : $0.period })
        throw DatabaseError(
            problems.allSatisfy { $0.problem == .notComputed } ? .noData : .staleMetrics,
            "the outcome metrics of contract \(contract.id) \(reasons.joined(separator: "; ")); a payment run under version "
                + "\(stored.version) reads every period up to the one it pays, computed from that version and the current data. "
                + "Run `outcomes metrics --contract \(contract.id)@\(stored.version) --period P` for \(stale) first"
                + (contract.needsComparisonArm ? " (it computes the control arm too)." : "."),
            exitStatus: .dataError)
    }

    /// Whether the contract's own stored results of a period have anyone in them.
    private static func hasParticipants(_ contract: String, _ period: String, on connection: PostgresConnection) throws -> Bool {
        try connection.execute("""
            SELECT EXISTS (SELECT 1 FROM metrics.person_results WHERE contract_id = \(contract) AND period = \(period))
            """).scalar(Bool.self)
    }

    private static func unique(_ items: [String]) -> String {
        var seen: Set<String> = []
        return items.filter { seen.insert($0).inserted }.joined(separator: ", ")
    }
}
