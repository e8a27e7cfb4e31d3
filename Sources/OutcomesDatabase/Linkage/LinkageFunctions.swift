import OutcomesDomain
import PostgresClient

/// The string functions comparisons call: Levenshtein and Soundex from contrib fuzzystrmatch, and
/// Jaro–Winkler from pg_similarity (Debian's postgresql-NN-similarity), chosen by measurement
/// (docs/linkage.md): 1M pairs in 0.49 s and 0.76 s, against 1.9 s for pg_trgm's similarity.
/// Installed into the linkage schema on first use when the connecting user may (the embedded
/// cluster's owner may); a DBA installs them otherwise.
public enum LinkageFunctions {
    static let extensions = ["fuzzystrmatch", "pg_similarity"]

    /// Installs what is missing and available, as the connecting user, before the command takes its role.
    public static func ensure(on connection: PostgresConnection) throws {
        for name in extensions {
            let installed = try connection.execute("SELECT count(*) FROM pg_extension WHERE extname = \(name)").scalar(Int.self) > 0
            if installed { continue }
            let available = try connection.execute("SELECT count(*) FROM pg_available_extensions WHERE name = \(name)").scalar(Int.self) > 0
            let mayCreate = try connection.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar(Bool.self)
            guard available, mayCreate || name == "fuzzystrmatch" else { throw try missing(on: connection) }
            do {
                try connection.execute("CREATE EXTENSION IF NOT EXISTS \(escapedIdentifier: name) SCHEMA linkage")
            } catch {
                throw try missing(on: connection)
            }
        }
        try markParallelSafe(on: connection)
    }

    /// pg_similarity declares its C functions without PARALLEL SAFE (the default is unsafe), which
    /// keeps every query that calls Jaro–Winkler on one core. The function is pure (it reads its
    /// arguments and settings, which workers share), so its owner or a superuser marks it safe; a
    /// DBA does the same where outcomes may not (docs/linkage.md).
    static func markParallelSafe(on connection: PostgresConnection) throws {
        let unsafe = try connection.execute("""
            SELECT n.nspname::text FROM pg_proc p JOIN pg_extension e ON e.extnamespace = p.pronamespace
            JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'pg_similarity' AND p.proname = 'jarowinkler' AND p.proargtypes = '25 25'::oidvector AND p.proparallel <> 's'
              AND (pg_has_role(current_user, p.proowner, 'USAGE') OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))
            """).map { try $0.decode(String.self, at: 0) }
        for schema in unsafe {
            try connection.execute("ALTER FUNCTION \(escapedIdentifier: schema).jarowinkler(text, text) PARALLEL SAFE")
        }
    }

    private static func missing(on connection: PostgresConnection) throws -> LinkageError {
        let major = connection.serverVersion / 10000
        return LinkageError(.similarityFunctionsMissing(package: "postgresql-\(major)-similarity"), file: "")
    }

    /// The run's search path: the linkage schema and wherever the extensions live.
    static func setSearchPath(on connection: PostgresConnection) throws {
        try connection.execute("""
            SELECT set_config('search_path', string_agg(quote_ident(nspname), ', ' ORDER BY nspname <> 'linkage', nspname), true)
            FROM (SELECT 'linkage'::name AS nspname
                  UNION SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                        WHERE e.extname = ANY(\(extensions)::text[])) s
            """)
    }
}
