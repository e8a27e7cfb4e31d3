import OutcomesDomain
import PostgresClient

/// What an extract load does with relationships and households beyond the common checks: refuses
/// a parenthood cycle, writes every edge under both of its persons, and infers the edges between
/// members of one household.
enum FamilyLoad {
    static let parentCodes = RelationshipCode.selected(by: "parent")

    /// The first edge this load wrote (from relationships.csv, or inferred from households.csv)
    /// that closes a cycle of parenthood — a person their own ancestor — with the cycle; runs
    /// after the load's rows are written, in its transaction, so edges of both files and the
    /// stored ones are walked together. Each person's parents are read generation by generation
    /// into a local table (on Citus a recursive query cannot read a distributed table; every edge
    /// is stored under both persons, so a person's parents are on the person's own rows), then the
    /// walk from each new edge is a reachability query (a set, never a list of paths).
    static func firstParenthoodCycle(loadID: Int, on connection: PostgresConnection) throws -> ExtractChecks.Failure? {
        // A load without family files wrote no edges (and asks nothing of the stored ones).
        guard try connection.execute("""
            SELECT EXISTS (SELECT 1 FROM stage_relationships) OR EXISTS (SELECT 1 FROM stage_households)
            """).scalar(Bool.self) else { return nil }
        // The new edges as (child, parent), each with the file and line of the row it came from:
        // a household's edge, the line of a staged membership of its child or parent there.
        // This load's parenthood edges first, on their own (on Citus, a distributed table is not
        // joined with this session's local ones), then matched to the rows they came from.
        try connection.execute("""
            CREATE TEMP TABLE stage_new_parenthood ON COMMIT DROP AS
            SELECT person_id, relative_id, relation, source_system, valid_from, household_key FROM ids.relationships
            WHERE load_id = \(loadID) AND relation = ANY (\(parentCodes)::text[])
            """)
        try connection.execute("""
            CREATE TEMP TABLE stage_parenthood ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY file DESC, line, child, parent) AS id, * FROM (
                SELECT r.person_id AS child, r.relative_id AS parent, coalesce(s.line, least(hp.line, hr.line)) AS line,
                       CASE WHEN s.line IS NOT NULL THEN 'relationships' ELSE 'households' END AS file
                FROM stage_new_parenthood r
                -- Each staged row read both ways, so every join is on equalities (hash joins, not a loop per edge).
                LEFT JOIN (
                    SELECT person_id, relative_id, relation, source_system, valid_from, min(line) AS line FROM (
                        SELECT person_id, relative_id, relation, source_system, valid_from, line FROM stage_relationships
                        UNION ALL
                        SELECT s.relative_id, s.person_id, c.inverse, s.source_system, s.valid_from, s.line
                        FROM stage_relationships s JOIN ids.relationship_codes c USING (relation)) both_ways
                    GROUP BY person_id, relative_id, relation, source_system, valid_from) s
                  ON s.person_id = r.person_id AND s.relative_id = r.relative_id AND s.relation = r.relation
                 AND s.source_system = r.source_system AND s.valid_from = r.valid_from
                LEFT JOIN (SELECT source_system, household_key, person_id, min(line) AS line FROM stage_households
                           GROUP BY source_system, household_key, person_id) hp
                  ON hp.source_system = r.source_system AND hp.household_key = r.household_key AND hp.person_id = r.person_id
                LEFT JOIN (SELECT source_system, household_key, person_id, min(line) AS line FROM stage_households
                           GROUP BY source_system, household_key, person_id) hr
                  ON hr.source_system = r.source_system AND hr.household_key = r.household_key AND hr.person_id = r.relative_id
                WHERE s.line IS NOT NULL OR hp.line IS NOT NULL OR hr.line IS NOT NULL) edges
            """)
        guard try connection.execute("SELECT EXISTS (SELECT 1 FROM stage_parenthood)").scalar(Bool.self) else { return nil }
        try connection.execute("CREATE TEMP TABLE stage_ancestry (child bigint, parent bigint) ON COMMIT DROP")
        try connection.execute("CREATE TEMP TABLE stage_fetched (person bigint PRIMARY KEY) ON COMMIT DROP")
        try connection.execute("CREATE TEMP TABLE stage_frontier (person bigint) ON COMMIT DROP")
        try connection.execute("INSERT INTO stage_frontier SELECT DISTINCT parent FROM stage_parenthood")
        var generations = 0
        while try connection.execute("SELECT EXISTS (SELECT 1 FROM stage_frontier)").scalar(Bool.self) {
            guard generations < maximumGenerations else {
                let line = try connection.execute("SELECT min(line) FROM stage_parenthood").scalar(Int.self)
                let file = try connection.execute("SELECT file FROM stage_parenthood WHERE line = \(line) LIMIT 1").scalar(String.self)
                return ExtractChecks.Failure(
                    layout: file == "households" ? .households : .relationships, line: line, column: nil,
                    code: .ancestryTooDeep(generations: maximumGenerations),
                    reason: "the stored and loaded edges give this load's persons more than \(maximumGenerations) generations of ancestors; "
                        + "a family that deep is an error in the edges.")
            }
            generations += 1
            try connection.execute("""
                INSERT INTO stage_ancestry
                SELECT DISTINCT r.person_id, r.relative_id FROM ids.relationships r
                WHERE r.person_id IN (SELECT person FROM stage_frontier) AND r.relation = ANY (\(parentCodes)::text[])
                """)
            try connection.execute("INSERT INTO stage_fetched SELECT DISTINCT person FROM stage_frontier ON CONFLICT DO NOTHING")
            try connection.execute("TRUNCATE stage_frontier")
            try connection.execute("""
                INSERT INTO stage_frontier SELECT DISTINCT parent FROM stage_ancestry
                WHERE parent NOT IN (SELECT person FROM stage_fetched)
                """)
        }
        try connection.execute("ANALYZE stage_ancestry")
        let rows = try connection.execute("""
            WITH RECURSIVE reach (id, origin, person) AS (
                SELECT id, child, parent FROM stage_parenthood
                UNION
                SELECT r.id, r.origin, a.parent FROM reach r JOIN stage_ancestry a ON a.child = r.person WHERE r.person <> r.origin
            )
            SELECT s.line, s.child, s.parent, s.file FROM reach r JOIN stage_parenthood s USING (id)
            WHERE r.person = r.origin
            ORDER BY r.id LIMIT 1
            """)
        guard rows.count == 1 else { return nil }
        let (line, origin, first, file): (Int, Int, Int, String) =
            (try rows[0].decode(at: 0), try rows[0].decode(at: 1), try rows[0].decode(at: 2), try rows[0].decode(at: 3))
        let path = try cycle(from: origin, through: first, on: connection)
        return ExtractChecks.Failure(
            layout: file == "households" ? .households : .relationships, line: line, column: file == "households" ? "relationship_to_head" : "relation",
            code: .parenthoodCycle(path),
            reason: "the edge makes a person their own ancestor: \(path.map(String.init).joined(separator: " → ")) (each the child of the next).")
    }

    /// The shortest chain of parents from `origin` through its parent `first` back to `origin`.
    private static func cycle(from origin: Int, through first: Int, on connection: PostgresConnection) throws -> [Int] {
        var parents: [Int: [Int]] = [:]
        for row in try connection.execute("""
            WITH RECURSIVE reach (person) AS (
                SELECT \(first)::bigint UNION SELECT a.parent FROM reach r JOIN stage_ancestry a ON a.child = r.person
            )
            SELECT DISTINCT a.child, a.parent FROM stage_ancestry a WHERE a.child IN (SELECT person FROM reach)
            """) {
            parents[try row.decode(Int.self, at: 0), default: []].append(try row.decode(at: 1))
        }
        var previous: [Int: Int] = [first: origin], queue = [first], index = 0
        while index < queue.count {
            let person = queue[index]
            index += 1
            if person == origin { break }
            for parent in (parents[person] ?? []).sorted() where previous[parent] == nil {
                previous[parent] = person
                queue.append(parent)
            }
        }
        var path = [origin], step = previous[origin] ?? first
        while step != origin, path.count <= maximumGenerations + 1 {
            path.append(step)
            step = previous[step] ?? origin
        }
        return [origin] + path.dropFirst().reversed() + [origin]
    }

    static let maximumGenerations = 64

    /// Rows of the family files whose source records the index links to one person: an edge
    /// between two records of one person, or the same edge or household membership from another
    /// record of a person (the first line of the key stays). A false link, or a person a source
    /// holds twice, not an error in the file: they are set aside (not stored) and reported with
    /// the first one's line and records, for the linker to review. Rows that repeat the same
    /// records are still the file's duplicates, and a row naming a person by id twice its error.
    /// Window functions, not a subquery per row: a family file of a million rows is read once.
    static func setAsideRecordsOfOnePerson(on connection: PostgresConnection) throws -> [String: SetAsideRows] {
        let edges = try connection.execute("""
            WITH keyed AS (
                SELECT line, person_id = relative_id AS one_person,
                       line > min(line) OVER edge AS later,
                       (source_key, coalesce(relative_source_system, source_system), relative_source_key)
                           IS DISTINCT FROM first_value((source_key, coalesce(relative_source_system, source_system), relative_source_key)) OVER edge_by_line AS other_records,
                       count(*) OVER (PARTITION BY person_id, relative_id, relation, source_system, valid_from,
                                      source_key, coalesce(relative_source_system, source_system), relative_source_key) AS copies,
                       source_system || '/' || source_key || ' and ' || coalesce(relative_source_system, source_system) || '/' || relative_source_key AS records
                FROM stage_relationships
                WHERE source_key IS NOT NULL AND relative_source_key IS NOT NULL
                WINDOW edge AS (PARTITION BY person_id, relative_id, relation, source_system, valid_from),
                       edge_by_line AS (edge ORDER BY line)),
            gone AS (
                DELETE FROM stage_relationships s USING keyed k
                WHERE s.line = k.line AND (k.one_person OR (k.later AND k.other_records AND k.copies = 1))
                RETURNING k.line, k.records)
            SELECT count(*), min(line), (SELECT records FROM gone ORDER BY line LIMIT 1) FROM gone
            """)[0]
        let memberships = try connection.execute("""
            WITH keyed AS (
                SELECT line, line > min(line) OVER membership AS later,
                       source_key IS DISTINCT FROM first_value(source_key) OVER (membership ORDER BY line) AS other_record,
                       count(*) OVER (PARTITION BY person_id, source_system, household_key, valid_from, source_key) AS copies,
                       source_system || '/' || source_key || ' in household ' || household_key AS records
                FROM stage_households
                WHERE source_key IS NOT NULL
                WINDOW membership AS (PARTITION BY person_id, source_system, household_key, valid_from)),
            gone AS (
                DELETE FROM stage_households s USING keyed k
                WHERE s.line = k.line AND k.later AND k.other_record AND k.copies = 1
                RETURNING k.line, k.records)
            SELECT count(*), min(line), (SELECT records FROM gone ORDER BY line LIMIT 1) FROM gone
            """)[0]
        var result: [String: SetAsideRows] = [:]
        for (file, row) in [(ExtractLayout.relationships.file, edges), (ExtractLayout.households.file, memberships)] {
            let rows = try row.decode(Int.self, at: 0)
            guard rows > 0 else { continue }
            result[file] = SetAsideRows(rows: rows, firstLine: try row.decode(Int.self, at: 1), records: try row.decode(String.self, at: 2))
        }
        return result
    }

    /// Every staged edge under its person, and read the other way under its relative; returns
    /// (inserted, updated, rows) of the stated edges.
    static func upsertRelationships(loggingChangesTo loadID: Int?, on connection: PostgresConnection) throws -> (Int, Int, Int) {
        let row = try connection.execute("""
            WITH edges AS (
                SELECT s.person_id, s.relative_id, s.relation, s.source_system, s.valid_from, s.valid_to,
                       coalesce(s.evidence, 'declared') AS evidence, true AS stated,
                       CASE WHEN s.source_key IS NOT NULL THEN s.source_system END AS person_key_system, s.source_key AS person_key,
                       s.relative_source_system AS relative_key_system, s.relative_source_key AS relative_key, s.line
                FROM stage_relationships s
                UNION ALL
                SELECT s.relative_id, s.person_id, c.inverse, s.source_system, s.valid_from, s.valid_to,
                       coalesce(s.evidence, 'declared'), false,
                       s.relative_source_system, s.relative_source_key,
                       CASE WHEN s.source_key IS NOT NULL THEN s.source_system END, s.source_key, s.line
                FROM stage_relationships s JOIN ids.relationship_codes c USING (relation)
            ),
            upserted AS (
                INSERT INTO ids.relationships AS t (person_id, relative_id, relation, source_system, valid_from, valid_to, evidence,
                                                    stated, person_key_system, person_key, relative_key_system, relative_key)
                SELECT person_id, relative_id, relation, source_system, valid_from, valid_to, evidence, stated,
                       person_key_system, person_key, relative_key_system, relative_key
                FROM edges ORDER BY line, stated DESC
                ON CONFLICT (person_id, relative_id, relation, source_system, valid_from, stated) DO UPDATE
                SET valid_to = excluded.valid_to, evidence = excluded.evidence, person_key_system = excluded.person_key_system,
                    person_key = excluded.person_key, relative_key_system = excluded.relative_key_system,
                    relative_key = excluded.relative_key, household_key = NULL, load_id = excluded.load_id
                WHERE (t.valid_to, t.evidence, t.person_key_system, t.person_key, t.relative_key_system, t.relative_key, t.household_key)
                      IS DISTINCT FROM (excluded.valid_to, excluded.evidence, excluded.person_key_system, excluded.person_key,
                                        excluded.relative_key_system, excluded.relative_key, NULL::text)
                RETURNING (xmax = 0) AS inserted, stated, person_id)\(LoadChanges.logging(from: "upserted", to: loadID))
            SELECT count(*) FILTER (WHERE inserted AND stated), count(*) FILTER (WHERE NOT inserted AND stated),
                   (SELECT count(*) FROM stage_relationships)
            FROM upserted
            """)[0]
        // (Each edge is written under both of its persons, so both are logged.)
        return (try row.decode(at: 0), try row.decode(at: 1), try row.decode(at: 2))
    }

    /// Replaces the inferred edges of every household this load touched with those its members'
    /// memberships now imply (keyed by the memberships' source records, so a re-link moves them): each two members at the same time are `household_member`s; the head
    /// (3.15 code 1) and a member the head's child (2) or partner (3) are parent and child, or partners.
    /// Every member of a touched household (whose edges it replaced) is logged under `loggingChangesTo`.
    static func inferHouseholdEdges(loggingChangesTo loadID: Int?, on connection: PostgresConnection) throws {
        guard try connection.execute("SELECT EXISTS (SELECT 1 FROM stage_households)").scalar(Bool.self) else { return }
        // The touched households' memberships, read once into a local table (on Citus the
        // memberships are distributed by person, and the members of one household are on several workers).
        try connection.execute("""
            CREATE TEMP TABLE stage_household_members ON COMMIT DROP AS
            SELECT person_id, source_system, household_key, relationship_to_head, valid_from, valid_to, source_key FROM ids.household_members
            WHERE household_key IN (SELECT household_key FROM stage_households)
              AND (source_system, household_key) IN (SELECT source_system, household_key FROM stage_households)
            """)
        try connection.execute("""
            DELETE FROM ids.relationships WHERE household_key IS NOT NULL
              AND household_key IN (SELECT household_key FROM stage_households)
              AND (source_system, household_key) IN (SELECT source_system, household_key FROM stage_households)
            """)
        try connection.execute("""
            WITH together AS (
                SELECT a.person_id AS a, b.person_id AS b, a.source_system, a.household_key, a.source_key AS a_key, b.source_key AS b_key,
                       a.relationship_to_head AS a_role, b.relationship_to_head AS b_role,
                       greatest(a.valid_from, b.valid_from) AS valid_from,
                       CASE WHEN a.valid_to IS NULL THEN b.valid_to WHEN b.valid_to IS NULL THEN a.valid_to
                            ELSE least(a.valid_to, b.valid_to) END AS valid_to
                FROM stage_household_members a
                JOIN stage_household_members b
                  ON b.source_system = a.source_system AND b.household_key = a.household_key AND b.person_id <> a.person_id
                 AND b.valid_from <= coalesce(a.valid_to, 'infinity') AND a.valid_from <= coalesce(b.valid_to, 'infinity')
            )
            INSERT INTO ids.relationships (person_id, relative_id, relation, source_system, valid_from, valid_to, evidence, stated,
                                           household_key, person_key_system, person_key, relative_key_system, relative_key)
            SELECT a, b, relation, source_system, valid_from, valid_to, 'inferred',
                   CASE WHEN relation IN ('child', 'parent') THEN relation = 'child' ELSE a < b END,
                   household_key, CASE WHEN a_key IS NOT NULL THEN source_system END, a_key,
                   CASE WHEN b_key IS NOT NULL THEN source_system END, b_key
            FROM (
                SELECT *, 'household_member' AS relation FROM together
                UNION ALL
                SELECT *, CASE WHEN a_role = 1 AND b_role = 2 THEN 'child' WHEN a_role = 2 AND b_role = 1 THEN 'parent'
                               WHEN 3 IN (a_role, b_role) AND 1 IN (a_role, b_role) THEN 'partner' END
                FROM together
            ) inferred
            WHERE relation IS NOT NULL
            ON CONFLICT DO NOTHING
            """)
        if let loadID {
            try connection.execute("""
                INSERT INTO ids.load_changes (load_id, person_id) SELECT DISTINCT \(loadID)::integer, person_id FROM stage_household_members
                ON CONFLICT DO NOTHING
                """)
        }
    }
}

/// What a load set aside of one family file: how many rows, and the first (its line and records).
public struct SetAsideRows: Sendable, Equatable {
    public let rows: Int
    public let firstLine: Int
    public let records: String
}
