import PostgresClient

/// A payment run reads the participants' results, `metrics.person_results`, which the analyst role
/// owns with its partitions (a metrics run swaps them in). An owner can attach code that runs in its
/// readers' sessions: a row-security policy calling its own function, a column of its own type whose
/// implicit cast is one, an index or statistics object over one (the planner folds an immutable
/// function of an index predicate). The payments session could then be made to act for the analyst
/// (or, for a superuser's login, past its role). So a payment run refuses the table while it carries
/// any of these, before it reads and again after (`confirm`): a change the owner makes meanwhile, which
/// the payments role's share lock does not exclude, undoes the run's transaction with all it did.
/// Not closed: a statistics object the owner creates and drops between the two checks (neither
/// conflicts with the share lock) runs once unseen. Reading through a role that owns nothing would
/// close it; the boundary meanwhile is the login (run commands as ordinary logins).
enum ResultsReadGuard {
    static func hold(on connection: PostgresConnection) throws {
        // ACCESS SHARE on the parent excludes ALTER TABLE, policies and rules on it while the transaction lasts
        // (every reader holds one: a run, an approval, a projection, a recomputation's re-read).
        if connection.inTransaction { try connection.execute("LOCK TABLE ONLY metrics.person_results IN ACCESS SHARE MODE") }
        try confirm(on: connection)
    }

    static func confirm(on connection: PostgresConnection) throws {
        let reshaped = try connection.execute("""
            WITH RECURSIVE tree AS (
                SELECT 'metrics.person_results'::regclass::oid AS relid
                UNION ALL
                SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.relid)
            SELECT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = 'metrics.person_results'::regclass
                           AND (c.relrowsecurity OR c.relhasrules
                                OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
                                OR EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                                           WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                                             AND t.typnamespace <> 'pg_catalog'::regnamespace)))
                -- One level of plain partitions, as a metrics run makes them (a partition key of its own is code).
                OR EXISTS (SELECT 1 FROM tree t JOIN pg_class c ON c.oid = t.relid
                           WHERE c.relkind <> 'r' AND c.oid <> 'metrics.person_results'::regclass)
                OR EXISTS (SELECT 1 FROM pg_partitioned_table k WHERE k.partrelid = 'metrics.person_results'::regclass
                           AND k.partexprs IS NOT NULL)
                OR EXISTS (SELECT 1 FROM pg_index x JOIN tree t ON x.indrelid = t.relid
                           WHERE x.indexprs IS NOT NULL OR x.indpred IS NOT NULL)
                OR EXISTS (SELECT 1 FROM pg_statistic_ext s JOIN tree t ON s.stxrelid = t.relid)
                -- Constraints (the planner folds them) over anything but PostgreSQL's own functions, operators and types.
                OR EXISTS (SELECT 1 FROM pg_constraint k JOIN tree t ON k.conrelid = t.relid
                           JOIN pg_depend d ON d.classid = 'pg_constraint'::regclass AND d.objid = k.oid
                           WHERE (d.refclassid = 'pg_proc'::regclass
                                  AND (SELECT pronamespace FROM pg_proc WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace)
                              OR (d.refclassid = 'pg_operator'::regclass
                                  AND (SELECT oprnamespace FROM pg_operator WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace)
                              OR (d.refclassid = 'pg_type'::regclass
                                  AND (SELECT typnamespace FROM pg_type WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace))
            """).scalar(Bool.self)
        guard !reshaped else {
            throw DatabaseError(
                .resultsReshaped,
                "metrics.person_results or one of its partitions has row-level security, a column of a type that is not "
                    + "PostgreSQL's own, or an index, statistics object or constraint over a function: code of its owner's "
                    + "would run in this session, so no payment is read from it. An administrator inspects the table and its "
                    + "partitions and restores them; then run the command again.")
        }
    }
}
