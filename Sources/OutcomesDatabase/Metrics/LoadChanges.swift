import OutcomesDomain
import PostgresClient

/// Which persons data loads changed (migration 0028): written by a load in its own transaction,
/// read by an incremental metrics run.
enum LoadChanges {
    /// `, logged AS (…)`: a CTE that logs the persons of `rows` (a CTE with a `person_id` column)
    /// as changed by `loadID`; nothing when nil.
    static func logging(from rows: SQLIdentifier, to loadID: Int?) -> PostgresQuery {
        guard let loadID else { return "" }
        return """
            ,
            logged AS (INSERT INTO ids.load_changes (load_id, person_id) SELECT DISTINCT \(loadID)::integer, person_id FROM \(identifier: rows)
                       ON CONFLICT DO NOTHING)
            """
    }

    /// Ends the logging of `loadID`: when `complete` (every person it changed is logged), the load
    /// is listed as logged; otherwise its partial log is dropped, and a period computed before it
    /// is computed again in full.
    static func finish(loadID: Int, complete: Bool, on connection: PostgresConnection) throws {
        if complete {
            try connection.execute("""
                INSERT INTO ids.logged_loads (load_id, persons) SELECT \(loadID), count(*) FROM ids.load_changes WHERE load_id = \(loadID)
                """)
        } else {
            try connection.execute("DELETE FROM ids.load_changes WHERE load_id = \(loadID)")
        }
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

    /// The loads numbered up to `currentLoad` that have not finished (in flight, or rolled back):
    /// recorded with a run, whose next run takes in those that finish later.
    /// (`payments.stage_run`, migration 0030, records a staged run's the same way in plpgsql.)
    static func pending(through currentLoad: Int, on connection: PostgresConnection) throws -> [Int] {
        try connection.execute("""
            SELECT coalesce(array_agg(i ORDER BY i), '{}') FROM generate_series(1, \(currentLoad)) AS i
            WHERE NOT EXISTS (SELECT 1 FROM ids.data_loads d WHERE d.load_id = i AND d.finished_at IS NOT NULL)
            """).scalar([Int].self)
    }

    /// How a stored contract-period is to be computed on load `currentLoad`, and the loads it has
    /// not taken in yet (for an incremental run, whose persons it computes again).
    /// `kept`: whether the database keeps loads' changes (`isKept`); without them, in full.
    static func recomputation(of storedID: String, period: String, version: Int?, fileSHA256: String?, currentLoad: Int,
                              partition: SQLIdentifier, fullRequested: Bool, kept: Bool, on connection: PostgresConnection) throws
        -> (MetricsRecomputation, laterLoads: [Int])
    {
        func decide(_ history: MetricsRecomputation.History?, _ later: [MetricsRecomputation.LaterLoad], replaced: Bool) -> MetricsRecomputation {
            .decide(version: version, fileSHA256: fileSHA256, engine: MetricCompiler.engine, currentLoad: currentLoad, history: history,
                    laterLoads: later, replacedSince: replaced, fullRequested: fullRequested)
        }
        guard kept else { return (decide(nil, [], replaced: false), []) }
        let history = try connection.execute("""
            SELECT load_id, version, file_sha256, to_regclass(\(partition.quoted)) IS NOT NULL, coalesce(pending_loads, '{}'), engine
            FROM metrics.computed_periods WHERE contract_id = \(storedID) AND period = \(period)
            """).map {
            MetricsRecomputation.History(loadID: try $0.decode(at: 0), version: try $0.decode(at: 1), fileSHA256: try $0.decode(at: 2),
                                         resultsKept: try $0.decode(at: 3), pendingLoads: try $0.decode(at: 4), engine: try $0.decode(at: 5))
        }.first
        guard let history else { return (decide(nil, [], replaced: false), []) }
        // A link run's changes are its id changes and the attributes it set: always known.
        let later = try connection.execute("""
            SELECT d.load_id, d.kind = 'linkage' OR EXISTS (SELECT 1 FROM ids.logged_loads l WHERE l.load_id = d.load_id)
            FROM ids.data_loads d
            WHERE d.finished_at IS NOT NULL AND d.load_id <= \(currentLoad)
              AND (d.load_id > \(history.loadID) OR d.load_id = ANY (\(history.pendingLoads)::integer[]))
            ORDER BY d.load_id
            """).map { MetricsRecomputation.LaterLoad(id: try $0.decode(at: 0), logged: try $0.decode(at: 1)) }
        let replaced = try connection.execute("SELECT EXISTS (SELECT 1 FROM ids.replacements WHERE after_load >= \(history.loadID))")
            .scalar(Bool.self)
        return (decide(history, later, replaced: replaced), later.map(\.id))
    }

    /// The persons the `loads` changed, in order: those an extract load logged, those a link run
    /// merged or split (both sides), and those whose attributes either set. With `relatives`, also
    /// every person with an edge to one of them (whose metrics over relatives read the changed
    /// person's events, attributes or edges).
    static func persons(changedBy loads: [Int], relatives: Bool, on connection: PostgresConnection) throws -> [Int] {
        let changed: PostgresQuery = """
            SELECT person_id FROM ids.load_changes WHERE load_id = ANY (\(loads)::integer[])
            UNION SELECT c.person_id FROM linkage.id_changes c JOIN linkage.runs r USING (run_id) WHERE r.load_id = ANY (\(loads)::integer[])
            UNION SELECT c.other_person_id FROM linkage.id_changes c JOIN linkage.runs r USING (run_id)
                  WHERE r.load_id = ANY (\(loads)::integer[]) AND c.other_person_id IS NOT NULL
            UNION SELECT person_id FROM ids.persons WHERE load_id = ANY (\(loads)::integer[])
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
