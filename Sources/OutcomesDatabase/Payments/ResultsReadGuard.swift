import PostgresClient

/// A payment run reads the participants' results, `metrics.person_results`, which the analyst role
/// owns (a metrics run swaps its partitions in). A table's owner can attach code that runs in its
/// readers' sessions — a row-security policy calling its own function, a column of its own type
/// whose implicit cast is one — and the payments session could then be made to act for the
/// analyst (or, for a superuser's login, past its role). So before reading, a payment run holds the
/// table against change until its transaction ends and refuses it if it carries either.
enum ResultsReadGuard {
    static func hold(on connection: PostgresConnection) throws {
        // ACCESS SHARE conflicts with every ALTER TABLE, policy and rule: what is checked stays so while the
        // transaction lasts. (A reader outside one, a projection or a recomputation, is checked as it starts.)
        if connection.inTransaction { try connection.execute("LOCK TABLE ONLY metrics.person_results IN ACCESS SHARE MODE") }
        let reshaped = try connection.execute("""
            SELECT c.relrowsecurity OR c.relhasrules
                   OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
                   OR EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                                AND t.typnamespace <> 'pg_catalog'::regnamespace)
            FROM pg_class c WHERE c.oid = 'metrics.person_results'::regclass
            """).scalar(Bool.self)
        guard !reshaped else {
            throw DatabaseError(
                .resultsReshaped,
                "metrics.person_results has row-level security or a column of a type that is not PostgreSQL's own: code of its "
                    + "owner's would run in this session, so no payment is read from it. An administrator inspects the table "
                    + "(policies, column types) and restores it; then run the command again.")
        }
    }
}
