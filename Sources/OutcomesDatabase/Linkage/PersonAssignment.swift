import OutcomesDomain
import PostgresClient

/// Gives every cluster a person id that stays stable across runs, and writes the index.
///
/// The previous assignment is ids.source_links (a key's person before this run, from an earlier run
/// or a pre-linked extract). Each earlier person follows the most of its records (ties: the lowest
/// cluster); a cluster keeps the id of the earlier person, among those following it, with the most
/// records there (ties: the lowest id). Every other earlier person that followed the cluster is
/// merged into it; records that did not follow their earlier person are split from it; a cluster
/// with no id gets a new one, above every id ever used, in the order of its lowest record. Content
/// loaded by source key moves with its record.
///
/// The linker decides all of it in its own work table (the assignment) after reading the index as it
/// was; the schema owner's `linkage.write_index` then checks and writes it: ids.persons,
/// ids.source_links, the content moves, the persons retired, the id changes and the audit entry,
/// the run's data load finished. Through
/// the owner, because the linker moves content it may not read; and every write, because on Citus a
/// transaction may not touch placements another user modified in it ("cannot perform query on
/// placements that were modified in this transaction by a different user"): a function running as
/// the owner could not move content beside links the linker had written, nor could the linker read
/// the links back after it. So the run's writes to distributed and reference tables are all the
/// owner's (its data load too: `linkage.open_link_load`), and the linker reads them only before.
public struct PersonAssignment {
    let runID: Int

    public struct Outcome: Sendable, Equatable {
        public var persons: Int
        public var kept: Int
        public var new: Int
        public var merged: Int
        public var split: Int
        public var contentRowsMoved: Int
    }

    func assign(on connection: PostgresConnection) throws -> Outcome {
        let assignments = LinkageCompiler.assignments
        // New ids start above every id ever used (read first: Citus plans no subquery of a
        // distributed table in a target list).
        let persons = try connection.execute("SELECT coalesce(max(person_id), 0) FROM ids.persons").scalar(Int.self)
        let changed = try connection.execute(
            "SELECT coalesce(max(greatest(person_id, coalesce(other_person_id, 0))), 0) FROM linkage.id_changes").scalar(Int.self)
        let highest = max(persons, changed)
        try connection.execute("""
            CREATE UNLOGGED TABLE \(identifier: assignments) AS
            WITH records AS (
                SELECT r.record_id, r.source_system, r.source_key, coalesce(c.cluster, r.record_id) AS cluster, old.person_id AS earlier
                FROM \(identifier: LinkageCompiler.records) r
                LEFT JOIN \(identifier: LinkageCompiler.clusters) c ON c.node = r.record_id
                LEFT JOIN (SELECT DISTINCT ON (source_system, source_key) source_system, source_key, person_id
                           FROM ids.source_links ORDER BY source_system, source_key, person_id) old
                  ON old.source_system = r.source_system AND old.source_key = r.source_key),
            overlap AS (
                SELECT earlier, cluster, count(*) AS n FROM records WHERE earlier IS NOT NULL GROUP BY earlier, cluster),
            followed AS (  -- each earlier person's cluster
                SELECT DISTINCT ON (earlier) earlier, cluster, n FROM overlap ORDER BY earlier, n DESC, cluster),
            kept AS (      -- each cluster's kept id
                SELECT DISTINCT ON (cluster) cluster, earlier AS person_id FROM followed ORDER BY cluster, n DESC, earlier),
            fresh AS (
                SELECT cluster, \(highest)::bigint + row_number() OVER (ORDER BY cluster) AS person_id
                FROM (SELECT DISTINCT cluster FROM records) c WHERE NOT EXISTS (SELECT 1 FROM kept k WHERE k.cluster = c.cluster)),
            scores AS (    -- each record's strongest link
                SELECT record_id, max(p) AS link_score
                FROM (SELECT a AS record_id, p FROM \(identifier: LinkageCompiler.edges)
                      UNION ALL SELECT b, p FROM \(identifier: LinkageCompiler.edges)) e
                GROUP BY record_id)
            SELECT r.record_id, r.source_system, r.source_key, r.cluster, r.earlier,
                   coalesce(k.person_id, f.person_id) AS person_id, k.person_id IS NOT NULL AS kept_id, s.link_score
            FROM records r LEFT JOIN kept k USING (cluster) LEFT JOIN fresh f USING (cluster) LEFT JOIN scores s USING (record_id)
            """)
        try connection.execute("ANALYZE \(identifier: assignments)")
        let moved = try writeIndex(on: connection)
        let counts = try connection.execute("""
            SELECT count(DISTINCT person_id),
                   count(DISTINCT person_id) FILTER (WHERE kept_id),
                   (SELECT count(*) FROM linkage.id_changes WHERE run_id = \(runID) AND change = 'new'),
                   (SELECT count(*) FROM linkage.id_changes WHERE run_id = \(runID) AND change = 'merged_into'),
                   (SELECT count(DISTINCT other_person_id) FROM linkage.id_changes WHERE run_id = \(runID) AND change = 'split_from')
            FROM \(identifier: assignments)
            """).first { _ in true }
        return Outcome(persons: try counts?.decode(Int.self, at: 0) ?? 0, kept: try counts?.decode(Int.self, at: 1) ?? 0,
                       new: try counts?.decode(Int.self, at: 2) ?? 0, merged: try counts?.decode(Int.self, at: 3) ?? 0,
                       split: try counts?.decode(Int.self, at: 4) ?? 0, contentRowsMoved: moved)
    }

    /// Has the schema owner's `linkage.write_index` write the index as the assignment says, record
    /// the id changes, move the content of the keys that changed person and finish the run's data
    /// load (the migration says how). The linker reads no content.
    private func writeIndex(on connection: PostgresConnection) throws -> Int {
        do {
            return try connection.execute(writeIndexCall).scalar(Int.self)
        } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            // The function's own refusals: "linkage.write_index: <table> <count>" (source_links: records
            // linked to two persons; events, enrollments: content that would collide).
            let words = error.message.split(separator: " ")
            guard words.count == 3, words[0] == "linkage.write_index:", let rows = Int(words[2]) else { throw error }
            if words[1] == "source_links" { throw LinkageError(.sourceRecordsLinkedTwice(records: rows), file: "") }
            throw LinkageError(.contentWouldCollide(table: String(words[1]), rows: rows), file: "")
        }
    }

    /// The call, with the run's assignment as values (read here, as the linker): the owner's function
    /// reads nothing the linker owns or could define.
    var writeIndexCall: PostgresQuery {
        """
        SELECT linkage.write_index(\(runID)::integer, coalesce(array_agg(record_id ORDER BY record_id), '{}'),
                                   coalesce(array_agg(person_id ORDER BY record_id), '{}'),
                                   coalesce(array_agg(link_score ORDER BY record_id), '{}'))
        FROM \(identifier: LinkageCompiler.assignments)
        """
    }
}
