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
                FROM (SELECT DISTINCT cluster FROM records) c WHERE NOT EXISTS (SELECT 1 FROM kept k WHERE k.cluster = c.cluster))
            SELECT r.record_id, r.source_system, r.source_key, r.cluster, r.earlier,
                   coalesce(k.person_id, f.person_id) AS person_id, k.person_id IS NOT NULL AS kept_id
            FROM records r LEFT JOIN kept k USING (cluster) LEFT JOIN fresh f USING (cluster)
            """)
        try connection.execute("ANALYZE \(identifier: assignments)")
        try recordChanges(on: connection)
        try writePersons(on: connection)
        let moved = try writeLinks(on: connection)
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

    /// New ids, earlier persons merged into the cluster that kept another's id, records split from
    /// their earlier person.
    private func recordChanges(on connection: PostgresConnection) throws {
        let assignments = LinkageCompiler.assignments
        try connection.execute("""
            INSERT INTO linkage.id_changes (run_id, person_id, change, other_person_id, records)
            SELECT \(runID), person_id, 'new', NULL, count(*) FROM \(identifier: assignments)
            WHERE NOT kept_id GROUP BY person_id HAVING count(earlier) = 0
            UNION ALL
            -- An earlier person whose records mostly went to a cluster that kept another id.
            SELECT \(runID), a.earlier, 'merged_into', a.person_id, count(*) FROM \(identifier: assignments) a
            WHERE a.earlier IS NOT NULL AND a.earlier <> a.person_id
              AND NOT EXISTS (SELECT 1 FROM \(identifier: assignments) k WHERE k.person_id = a.earlier)
            GROUP BY a.earlier, a.person_id
            UNION ALL
            -- Records now under another person while their earlier person lives on elsewhere.
            SELECT \(runID), a.person_id, 'split_from', a.earlier, count(*) FROM \(identifier: assignments) a
            WHERE a.earlier IS NOT NULL AND a.earlier <> a.person_id
              AND EXISTS (SELECT 1 FROM \(identifier: assignments) k WHERE k.person_id = a.earlier)
            GROUP BY a.person_id, a.earlier
            """)
    }

    /// Persons get the demographics most of their records agree on; only new or changed rows are written.
    private func writePersons(on connection: PostgresConnection) throws {
        try connection.execute("""
            WITH members AS (
                SELECT a.person_id, i.birth_date, i.birth_year, nullif(i.sex, 'U') AS sex,
                       nullif(i.race_ethnicity, '') AS race_ethnicity, nullif(i.county, '') AS county
                FROM \(identifier: LinkageCompiler.assignments) a JOIN linkage.identifiers i USING (record_id)),
            consensus AS (
                SELECT person_id,
                       mode() WITHIN GROUP (ORDER BY birth_date) AS birth_date,
                       mode() WITHIN GROUP (ORDER BY birth_year) AS birth_year,
                       coalesce(mode() WITHIN GROUP (ORDER BY sex), 'U') AS sex,
                       coalesce(mode() WITHIN GROUP (ORDER BY race_ethnicity), 'unknown') AS race_ethnicity,
                       mode() WITHIN GROUP (ORDER BY county) AS county
                FROM members GROUP BY person_id)
            INSERT INTO ids.persons (person_id, birth_date, birth_year, sex, race_ethnicity, county)
            SELECT person_id, birth_date, coalesce(extract(year FROM birth_date)::smallint, birth_year), sex, race_ethnicity, county
            FROM consensus
            ON CONFLICT (person_id) DO UPDATE SET
                birth_date = excluded.birth_date, birth_year = excluded.birth_year, sex = excluded.sex,
                race_ethnicity = excluded.race_ethnicity, county = excluded.county, load_id = excluded.load_id
            WHERE (ids.persons.birth_date, ids.persons.birth_year, ids.persons.sex, ids.persons.race_ethnicity, ids.persons.county)
                  IS DISTINCT FROM (excluded.birth_date, excluded.birth_year, excluded.sex, excluded.race_ethnicity, excluded.county)
            """)
    }

    /// Replaces the links of the linked keys, moves their content to the new person, and removes
    /// earlier persons nothing refers to any more. Returns the content rows moved.
    private func writeLinks(on connection: PostgresConnection) throws -> Int {
        let assignments = LinkageCompiler.assignments
        try connection.execute("""
            CREATE TEMP TABLE link_scores ON COMMIT DROP AS
            SELECT record_id, max(p) AS score
            FROM (SELECT a AS record_id, p FROM \(identifier: LinkageCompiler.edges)
                  UNION ALL SELECT b, p FROM \(identifier: LinkageCompiler.edges)) e
            GROUP BY record_id
            """)
        try connection.execute("""
            DELETE FROM ids.source_links l USING \(identifier: assignments) a
            WHERE l.source_system = a.source_system AND l.source_key = a.source_key AND l.person_id <> a.person_id
            """)
        try connection.execute("""
            INSERT INTO ids.source_links (person_id, source_system, source_key, match_method, match_score)
            SELECT a.person_id, a.source_system, a.source_key,
                   CASE WHEN s.score IS NULL THEN 'deterministic' ELSE 'probabilistic' END,
                   round(coalesce(s.score, 1)::numeric, 4)
            FROM \(identifier: assignments) a LEFT JOIN link_scores s USING (record_id)
            ON CONFLICT (person_id, source_system, source_key) DO UPDATE SET
                match_method = excluded.match_method, match_score = excluded.match_score, load_id = excluded.load_id
            WHERE (ids.source_links.match_method, ids.source_links.match_score) IS DISTINCT FROM (excluded.match_method, excluded.match_score)
            """)
        // Through the schema owner's function: the linker moves content without reading it (the
        // function reads the run's assignments, which the linker owns and lets it read). Called only
        // when a key changed person (on Citus a function running as another user may not touch
        // placements this transaction modified: moving content there is not supported yet).
        var moved = 0
        let changes = try connection.execute(
            "SELECT count(*) FROM \(identifier: assignments) WHERE earlier IS NOT NULL AND earlier <> person_id").scalar(Int.self)
        if changes > 0 {
            let mover = try connection.execute(
                "SELECT r.rolname::text FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner WHERE p.oid = 'linkage.move_content()'::regprocedure")
                .scalar(String.self)
            try connection.execute("GRANT SELECT ON \(identifier: assignments) TO \(escapedIdentifier: mover)")
            moved = try connection.execute("SELECT linkage.move_content()").scalar(Int.self)
        }
        try connection.execute("""
            DELETE FROM ids.persons p
            WHERE p.person_id IN (SELECT earlier FROM \(identifier: assignments) WHERE earlier IS NOT NULL
                                  EXCEPT SELECT person_id FROM \(identifier: assignments))
              AND NOT EXISTS (SELECT 1 FROM ids.source_links l WHERE l.person_id = p.person_id)
              AND NOT EXISTS (SELECT 1 FROM ids.enrollments e WHERE e.person_id = p.person_id)
              AND NOT EXISTS (SELECT 1 FROM ids.events e WHERE e.person_id = p.person_id)
            """)
        return moved
    }
}
