import PostgresClient

/// A payment run reads the participants' results, `metrics.person_results`, which the analyst role
/// owns with its partitions (a metrics run swaps them in). An owner can attach code that runs in its
/// readers' sessions: a row-security policy calling its own function, a column of its own type whose
/// implicit cast is one, an index or statistics object over one (the planner folds an immutable
/// function of an index predicate). The payments session could then be made to act for the analyst
/// (or, for a superuser's login, past its role).
///
/// The database refuses such code as it is made: an event trigger (migration 0032) undoes any DDL
/// statement that leaves `payments.results_code(false)` non-null, within the statement. A payment run
/// also refuses the table while it carries any (strictly: an invalid index too), before it reads and
/// again after (`confirm`): where no superuser could create the trigger, this is the check. Not
/// closed: an index left invalid by an interrupted CREATE INDEX CONCURRENTLY and made valid by a
/// REINDEX, TRUNCATE, VACUUM FULL or CLUSTER (which no event trigger sees) between the two checks
/// runs its function once in this session before the end check undoes the run's transaction; what
/// the function did outside it (a sequence, a superuser's server program) stays. Reading through a
/// role that owns nothing would close it.
enum ResultsReadGuard {
    static func hold(on connection: PostgresConnection) throws {
        // ACCESS SHARE on the parent excludes ALTER TABLE, policies and rules on it while the transaction lasts
        // (every reader holds one: a run, an approval, a projection, a recomputation's re-read).
        // (A table that is not there is the check's to refuse.)
        if connection.inTransaction, try connection.execute("SELECT to_regclass('metrics.person_results') IS NOT NULL").scalar(Bool.self) {
            try connection.execute("LOCK TABLE ONLY metrics.person_results IN ACCESS SHARE MODE")
        }
        try confirm(on: connection)
    }

    static func confirm(on connection: PostgresConnection) throws {
        // A database an earlier release migrated (as the upgrade tests build one; commands run only on a
        // current schema) has no such function yet; one that has lost it is refused.
        let (present, migrated) = try connection.execute("""
            SELECT to_regprocedure('payments.results_code(boolean)') IS NOT NULL,
                   EXISTS (SELECT 1 FROM public.schema_migrations WHERE version >= 32)
            """).map { (try $0.decode(Bool.self, at: 0), try $0.decode(Bool.self, at: 1)) }[0]
        guard present || migrated else { return }
        let found = present ? try connection.execute("SELECT payments.results_code(true)").scalar(String?.self)
                            : "no function payments.results_code(boolean) to check them with"
        guard let found else { return }
        throw DatabaseError(
            .resultsReshaped,
            "metrics.person_results or one of its partitions carries code that is not PostgreSQL's own (\(found)): it would "
                + "run in this session, so no payment is read from them. An administrator inspects the table and its "
                + "partitions and restores them (docs/database.md, Roles in detail); then run the command again.")
    }
}
