import OutcomesDomain
import PostgresClient

/// Which persons data loads changed (migration 0028): written by a load in its own transaction,
/// read by an incremental metrics run.
public enum LoadChanges {
    /// Records the persons `loadID` changed. `complete`: every person it changed is among them (an
    /// extract load that changed no reference data); otherwise the load is not logged, and a
    /// period computed before it is computed again in full.
    static func record(loadID: Int, persons: Set<Int>, complete: Bool, on connection: PostgresConnection) throws {
        guard complete, try isKept(on: connection) else { return }
        try connection.execute("""
            INSERT INTO ids.load_changes (load_id, person_id) SELECT \(loadID), p FROM unnest(\(persons.sorted())::bigint[]) AS p
            """)
        try connection.execute("INSERT INTO ids.logged_loads (load_id, persons) VALUES (\(loadID), \(persons.count))")
    }

    /// Records that the IDS was emptied outside a load: periods computed before are computed in full.
    static func recordReplacement(on connection: PostgresConnection) throws {
        guard try isKept(on: connection) else { return }
        try connection.execute("INSERT INTO ids.replacements (after_load) SELECT coalesce(max(load_id), 0) FROM ids.data_loads")
    }

    /// Whether the database keeps loads' changes (migration 0028; the upgrade tests use this
    /// version's code on a database an earlier release migrated, which is computed in full).
    static func isKept(on connection: PostgresConnection) throws -> Bool {
        try connection.execute("SELECT to_regclass('ids.logged_loads') IS NOT NULL").scalar(Bool.self)
    }

    /// How a stored contract-period is to be computed on load `currentLoad`.
    static func recomputation(of storedID: String, period: String, version: Int?, fileSHA256: String?, currentLoad: Int,
                              partition: SQLIdentifier, fullRequested: Bool, on connection: PostgresConnection) throws
        -> MetricsRecomputation
    {
        guard try isKept(on: connection) else {
            return .decide(version: version, fileSHA256: fileSHA256, currentLoad: currentLoad, history: nil, laterLoads: [],
                           replacedSince: false, fullRequested: fullRequested)
        }
        let history = try connection.execute("""
            SELECT load_id, version, file_sha256, to_regclass(\(partition.description)) IS NOT NULL
            FROM metrics.computed_periods WHERE contract_id = \(storedID) AND period = \(period)
            """).map {
            MetricsRecomputation.History(loadID: try $0.decode(at: 0), version: try $0.decode(at: 1), fileSHA256: try $0.decode(at: 2),
                                         resultsKept: try $0.decode(at: 3))
        }.first
        var later: [MetricsRecomputation.LaterLoad] = []
        var replaced = false
        if let history {
            // A link run's changes are its id changes and the attributes it set: always known.
            later = try connection.execute("""
                SELECT d.load_id, d.kind = 'linkage' OR EXISTS (SELECT 1 FROM ids.logged_loads l WHERE l.load_id = d.load_id)
                FROM ids.data_loads d WHERE d.load_id > \(history.loadID) AND d.load_id <= \(currentLoad) AND d.finished_at IS NOT NULL
                ORDER BY d.load_id
                """).map { MetricsRecomputation.LaterLoad(id: try $0.decode(at: 0), logged: try $0.decode(at: 1)) }
            replaced = try connection.execute("SELECT EXISTS (SELECT 1 FROM ids.replacements WHERE after_load >= \(history.loadID))")
                .scalar(Bool.self)
        }
        return MetricsRecomputation.decide(version: version, fileSHA256: fileSHA256, currentLoad: currentLoad, history: history,
                                           laterLoads: later, replacedSince: replaced, fullRequested: fullRequested)
    }

    /// The persons the loads after `since` up to `through` changed, in order: those an extract load
    /// logged, those a link run merged or split (both sides), and those whose attributes either
    /// set. With `relatives`, also every person with an edge to one of them (whose metrics over
    /// relatives read the changed person's events, attributes or edges).
    static func persons(since: Int, through: Int, relatives: Bool, on connection: PostgresConnection) throws -> [Int] {
        let changed: PostgresQuery = """
            SELECT person_id FROM ids.load_changes WHERE load_id > \(since) AND load_id <= \(through)
            UNION SELECT c.person_id FROM linkage.id_changes c JOIN linkage.runs r USING (run_id)
                  WHERE r.load_id > \(since) AND r.load_id <= \(through)
            UNION SELECT c.other_person_id FROM linkage.id_changes c JOIN linkage.runs r USING (run_id)
                  WHERE r.load_id > \(since) AND r.load_id <= \(through) AND c.other_person_id IS NOT NULL
            UNION SELECT person_id FROM ids.persons WHERE load_id > \(since) AND load_id <= \(through)
            """
        let persons = try connection.execute("SELECT coalesce(array_agg(person_id ORDER BY person_id), '{}') FROM (\(changed)) c")
            .scalar([Int].self)
        guard relatives, !persons.isEmpty else { return persons }
        return try connection.execute("""
            SELECT coalesce(array_agg(person_id ORDER BY person_id), '{}') FROM (
                SELECT unnest(\(persons)::bigint[]) AS person_id
                UNION SELECT r.person_id FROM ids.relationships r WHERE r.relative_id = ANY (\(persons)::bigint[])) c
            """).scalar([Int].self)
    }
}
