import OutcomesDomain
import PostgresClient

/// What a link run's merges and splits leave stale downstream: metrics periods whose stored person
/// results name a changed person id, and payment runs whose participants merged or split. Read from
/// pseudonymous tables only (linkage.id_changes, the runs' headers, metrics, the ledger), so the
/// analyst reads it; nothing is recomputed or edited.
///
/// A changed id is either side of a 'merged_into' or 'split_from' change: the person that lost
/// records and the one that gained them (a 'new' id had no results before). Periods computed and
/// payment runs posted from the link run's data load or a later one already used the new ids, and
/// are not listed.
public struct DownstreamChanges: Sendable, Equatable {
    /// A stored contract-period to compute again (`outcomes metrics`).
    public struct Period: Sendable, Equatable {
        public var contractID: String
        /// The loaded version computed (nil for a trial run of a file).
        public var version: Int?
        public var period: String
        /// The data load its results were computed from.
        public var loadID: Int
        /// Changed person ids among its stored person results.
        public var changedPersons: Int
    }

    /// A posted payment run to review for an adjustment (never edited: a later run posts it).
    public struct PaymentRun: Sendable, Equatable {
        public var runID: Int
        public var contractID: String
        public var version: Int
        public var period: String
        public var kind: String
        /// Changed person ids its ledger lines name.
        public var changedParticipants: Int
        /// Whether it paid a contract-period listed to compute again (also for lines owed per provider).
        public var paidAPeriodToRecompute: Bool
    }

    public var linkRunID: Int
    public var loadID: Int
    public var merged: Int
    public var split: Int
    public var changedPersons: Int
    public var periods: [Period]
    public var paymentRuns: [PaymentRun]

    /// The changes of link run `runID`, or of the latest run when nil.
    public static func of(linkRun runID: Int?, on connection: PostgresConnection) throws -> DownstreamChanges {
        let which: PostgresQuery = runID.map { "run_id = \($0)" } ?? "true"
        let header = try connection.execute("""
            SELECT run_id, load_id FROM linkage.runs WHERE \(which)
            ORDER BY run_id DESC LIMIT 1
            """).first { _ in true }
        guard let header else { throw runID.map { DownstreamChangesError.noSuchLinkRun($0) } ?? .noLinkRun }
        let run = try header.decode(Int.self, at: 0), loadID = try header.decode(Int.self, at: 1)
        let changed: PostgresQuery = """
            SELECT person_id FROM linkage.id_changes WHERE run_id = \(run) AND change <> 'new'
            UNION SELECT other_person_id FROM linkage.id_changes WHERE run_id = \(run) AND change <> 'new'
            """
        let counts = try connection.execute("""
            SELECT count(DISTINCT person_id) FILTER (WHERE change = 'merged_into'),
                   count(DISTINCT other_person_id) FILTER (WHERE change = 'split_from'),
                   (SELECT count(*) FROM (\(changed)) c)
            FROM linkage.id_changes WHERE run_id = \(run)
            """).first { _ in true }
        let periodsQuery: PostgresQuery = """
            SELECT c.contract_id, c.version, c.period, c.load_id, count(DISTINCT r.person_id) AS changed
            FROM metrics.computed_periods c
            JOIN metrics.person_results r ON r.contract_id = c.contract_id AND r.period = c.period
            WHERE c.load_id < \(loadID) AND r.person_id IN (\(changed))
            GROUP BY c.contract_id, c.version, c.period, c.load_id
            """
        let periods = try connection.execute("\(periodsQuery) ORDER BY c.contract_id, c.period").map { row in
            Period(contractID: try row.decode(at: 0), version: try row.decode(at: 1), period: try row.decode(at: 2),
                   loadID: try row.decode(at: 3), changedPersons: try row.decode(at: 4))
        }
        let paymentRuns = try connection.execute("""
            WITH stale AS (\(periodsQuery)),
            runs AS (
                SELECT r.run_id, r.contract_id, r.version, r.period, r.kind,
                       (SELECT count(DISTINCT l.person_id) FROM payments.ledger l
                        WHERE l.run_id = r.run_id AND l.person_id IN (\(changed))) AS participants,
                       EXISTS (SELECT 1 FROM stale s WHERE s.contract_id = r.contract_id AND s.period = r.period) AS stale_period
                FROM payments.runs r WHERE r.load_id < \(loadID))
            SELECT * FROM runs WHERE participants > 0 OR stale_period ORDER BY run_id
            """).map { row in
            PaymentRun(runID: try row.decode(at: 0), contractID: try row.decode(at: 1), version: try row.decode(at: 2),
                       period: try row.decode(at: 3), kind: try row.decode(at: 4), changedParticipants: try row.decode(at: 5),
                       paidAPeriodToRecompute: try row.decode(at: 6))
        }
        return DownstreamChanges(linkRunID: run, loadID: loadID, merged: try counts?.decode(Int.self, at: 0) ?? 0,
                                 split: try counts?.decode(Int.self, at: 1) ?? 0, changedPersons: try counts?.decode(Int.self, at: 2) ?? 0,
                                 periods: periods, paymentRuns: paymentRuns)
    }
}

/// Why `link changes` has nothing to read (exit 65).
public enum DownstreamChangesError: UserFacingError, Equatable {
    case noLinkRun
    case noSuchLinkRun(Int)

    public var message: String {
        switch self {
        case .noLinkRun: "No link run has been made, so no person id has changed (outcomes link run --spec FILE links identifiers)."
        case .noSuchLinkRun(let run): "--run \(run): there is no link run \(run) (linkage.runs lists them)."
        }
    }

    public var exitStatus: ExitStatus { .dataError }
}
