import OutcomesDomain
import PostgresClient

/// Content rows (enrollments, events, household memberships, relationships) that name a source
/// record — `(source_system, source_key)` — instead of a person: the person is the one
/// `ids.source_links` links that record to, among the stored links and those staged with the same
/// extract. An edge's relative is resolved the same way, from `(relative_source_system,
/// relative_source_key)` (the edge's source system when the first is empty). Runs after staging
/// and before the other checks, which then see `person_id` (and `relative_id`) as if the file had
/// given them; the row keeps its keys, so a re-link can move it.
enum SourceKeyResolution {
    static let layouts = ExtractLayout.extractFiles.filter { !$0.sourceKey.isEmpty }
    static let links = SQLIdentifier.generated("stage_key_links")

    /// One way a staged row names a person by a source record.
    struct Reference {
        let layout: ExtractLayout
        let personColumn: String
        let systemColumn: String
        let keyColumn: String
    }

    static let references: [Reference] = layouts.flatMap { layout -> [Reference] in
        [Reference(layout: layout, personColumn: "person_id", systemColumn: "source_system", keyColumn: "source_key")]
            + (layout.relative.map { _ in
                [Reference(layout: layout, personColumn: "relative_id", systemColumn: "relative_source_system", keyColumn: "relative_source_key")]
            } ?? [])
    }

    /// The first row (file by file) whose key no link holds or two persons hold; otherwise nil,
    /// and every keyed row has its person.
    static func resolve(on connection: PostgresConnection) throws -> ExtractChecks.Failure? {
        for reference in references where reference.systemColumn != "source_system" {
            // A relative's record is in the edge's own source system unless the row says otherwise.
            try connection.execute("""
                UPDATE \(ExtractChecks.stage(reference.layout)) SET \(ExtractChecks.name(reference.systemColumn)) = source_system
                WHERE \(ExtractChecks.name(reference.keyColumn)) IS NOT NULL AND \(ExtractChecks.name(reference.systemColumn)) IS NULL
                """)
        }
        let keys = references.map {
            "SELECT \(ExtractChecks.name($0.keyColumn)) FROM \(ExtractChecks.stage($0.layout)) WHERE \(ExtractChecks.name($0.keyColumn)) IS NOT NULL" as PostgresQuery
        }.joined(separator: " UNION ")
        // Pre-linked content asks nothing of the links (on Citus, a query to every shard).
        guard try connection.execute("SELECT EXISTS (\(keys))").scalar(Bool.self) else { return nil }
        // The stored links are asked only for the staged keys, in a subquery of their own: on
        // Citus ids.source_links is distributed and the staged tables are local to this session.
        try connection.execute("""
            CREATE TEMP TABLE \(identifier: links) ON COMMIT DROP AS
            SELECT source_system, source_key, person_id FROM ids.source_links WHERE source_key IN (\(keys))
            """)
        try connection.execute("""
            INSERT INTO \(identifier: links)
            SELECT source_system, source_key, person_id FROM \(ExtractChecks.stage(.sourceLinks)) WHERE source_key IN (\(keys))
            """)
        try connection.execute("ANALYZE \(identifier: links)")
        for reference in references {
            if let failure = try unresolved(reference).firstFailure(on: connection) { return failure }
        }
        for reference in references {
            let (person, system, key) = (ExtractChecks.name(reference.personColumn), ExtractChecks.name(reference.systemColumn),
                                         ExtractChecks.name(reference.keyColumn))
            try connection.execute("""
                UPDATE \(ExtractChecks.stage(reference.layout)) s SET \(person) = l.person_id
                FROM (SELECT DISTINCT source_system, source_key, person_id FROM \(identifier: links)) l
                WHERE s.\(key) IS NOT NULL AND l.source_system = s.\(system) AND l.source_key = s.\(key)
                """)
        }
        return nil
    }

    /// Rows whose key no link holds, or more than one person's: the first by line. The detail is
    /// the number of persons, a space, then the key (which may hold spaces).
    static func unresolved(_ reference: Reference) -> ExtractChecks {
        let (system, key) = (ExtractChecks.name(reference.systemColumn), ExtractChecks.name(reference.keyColumn))
        return ExtractChecks(
            layout: reference.layout, column: reference.keyColumn,
            query: """
                SELECT s.line, coalesce(l.persons, 0) || ' ' || s.\(system) || '/' || s.\(key)
                FROM \(ExtractChecks.stage(reference.layout)) s
                LEFT JOIN (SELECT source_system, source_key, count(DISTINCT person_id) AS persons FROM \(identifier: links)
                           GROUP BY source_system, source_key) l
                  ON l.source_system = s.\(system) AND l.source_key = s.\(key)
                WHERE s.\(key) IS NOT NULL AND coalesce(l.persons, 0) <> 1
                """,
            code: { detail in
                let (persons, key) = split(detail)
                return persons == 0 ? .unlinkedSourceKey(key) : .ambiguousSourceKey(key, persons: persons)
            },
            reason: { detail in
                let (persons, key) = split(detail)
                return persons == 0
                    ? "source record \(key) is linked to no person (neither in ids.source_links nor in source_links.csv of this extract): "
                        + "link the identifier extract first (outcomes link run), or correct the key."
                    : "source record \(key) is linked to \(persons) persons; a source record is one person's: correct its links."
            })
    }

    private static func split(_ detail: String) -> (persons: Int, key: String) {
        let parts = detail.split(separator: " ", maxSplits: 1)
        return (Int(parts.first ?? "") ?? 0, parts.count > 1 ? String(parts[1]) : "")
    }
}
