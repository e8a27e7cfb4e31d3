import OutcomesDomain
import PostgresClient

/// Set-based checks of staged extract rows, run before anything is written. Each finds the
/// first offending line of its file.
struct ExtractChecks: Sendable {
    struct Failure: Sendable {
        let layout: ExtractLayout
        let line: Int
        let column: String?
        let code: ExtractError.Code
        let reason: String
    }

    let layout: ExtractLayout
    let column: String?
    /// Selects (line, detail) of offending staged rows; the first by line is reported.
    let query: PostgresQuery
    /// The kind of failure and its reason, from the offending row's detail.
    let code: @Sendable (String) -> ExtractError.Code
    let reason: @Sendable (String) -> String

    func firstFailure(on connection: PostgresConnection) throws -> Failure? {
        let rows = try connection.execute("SELECT * FROM (\(query)) AS f(line, detail) ORDER BY line LIMIT 1")
        guard rows.count == 1 else { return nil }
        let detail = try rows[0].decode(String?.self, at: 1) ?? ""
        return Failure(layout: layout, line: try rows[0].decode(at: 0), column: column, code: code(detail), reason: reason(detail))
    }

    /// Values that stand in for an empty optional column whose table column is NOT NULL.
    static let defaults: [String: PostgresQuery] = [
        "sex": "coalesce(sex, 'U')", "race_ethnicity": "coalesce(race_ethnicity, 'unknown')",
        "randomized": "coalesce(randomized::boolean, false)",
        "relationship_to_head": "relationship_to_head::smallint",
    ]

    /// What a staged column stores: its value, or the default that stands in for none. Identifiers
    /// keep what the source wrote: no sex is no value there, not 'U'.
    static func stored(_ column: String, of layout: ExtractLayout) -> PostgresQuery {
        layout.table == ExtractLayout.identifiers.table ? name(column) : defaults[column] ?? name(column)
    }

    static func stage(_ layout: ExtractLayout) -> PostgresQuery { "\(identifier: ExtractLoader.stage(layout))" }

    /// A column of the documented layouts (a fixed vocabulary).
    static func name(_ column: String) -> PostgresQuery { "\(identifier: .generated(column))" }


    static func duplicates(_ layout: ExtractLayout) -> ExtractChecks {
        let key = SQLIdentifier.list(layout.key)
        return ExtractChecks(
            layout: layout, column: nil,
            query: "SELECT max(line), min(line)::text || ': (' || \(layout.key.joined(separator: ", "))::text || ') = (' || concat_ws(', ', \(key)) || ')' FROM \(stage(layout)) GROUP BY \(key) HAVING count(*) > 1",
            code: { _ in .duplicateKey }, reason: { "duplicate key: the same as line \($0)." })
    }

    /// Rows whose `column` names nothing in `table` (existing rows or rows staged with this extract).
    /// The stored table is asked only for the staged values it holds, in a subquery of its own and
    /// not correlated with the staged rows: on Citus, where the stored table is distributed and the
    /// staged one is local to this session, the subquery runs on the workers and its few rows come back.
    static func unknown(
        _ layout: ExtractLayout, _ column: String, in target: ExtractLayout, _ targetColumn: String? = nil
    ) -> ExtractChecks {
        let (value, known) = (name(column), name(targetColumn ?? column))
        return ExtractChecks(
            layout: layout, column: column,
            query: """
                SELECT s.line, s.\(value)::text FROM \(stage(layout)) s
                LEFT JOIN (SELECT DISTINCT t.\(known) AS known FROM \(identifier: .generated(target.table)) t
                           WHERE t.\(known) IN (SELECT \(value) FROM \(stage(layout)))) stored ON stored.known = s.\(value)
                WHERE s.\(value) IS NOT NULL AND stored.known IS NULL
                  AND NOT EXISTS (SELECT 1 FROM \(stage(target)) t WHERE t.\(known) = s.\(value))
                """,
            code: { .unknownReference($0) }, reason: { "'\($0)' is unknown: it is neither in \(target.table) nor in \(target.file) of this extract." })
    }

    static let all: [ExtractChecks] = {
        var checks = ExtractLayout.extractFiles.map(duplicates)
        for layout in [ExtractLayout.sourceLinks, .enrollments, .events, .households, .relationships] {
            checks.append(unknown(layout, "person_id", in: .persons))
        }
        checks += [
            unknown(.relationships, "relative_id", in: .persons, "person_id"),
            unknown(.relationships, "source_system", in: .sourceSystems),
            unknown(.relationships, "relative_source_system", in: .sourceSystems, "source_system"),
            unknown(.households, "source_system", in: .sourceSystems),
            ExtractChecks(
                layout: .relationships, column: "relative_id",
                query: "SELECT line, person_id::text FROM stage_relationships WHERE person_id = relative_id",
                code: { _ in .ownRelative }, reason: { "the edge joins person \($0) to the same person; an edge joins two persons." }),
            unknown(.sourceLinks, "source_system", in: .sourceSystems),
            unknown(.identifiers, "source_system", in: .sourceSystems),
            unknown(.events, "domain", in: .eventDomains),
            unknown(.sourceSystems, "domain", in: .eventDomains),
            unknown(.events, "source_system", in: .sourceSystems),
            unknown(.providers, "program_id", in: .programs),
            unknown(.contracts, "program_id", in: .programs),
            unknown(.enrollments, "program_id", in: .programs),
            unknown(.enrollments, "provider_id", in: .providers),
            unknown(.enrollments, "contract_id", in: .contracts),
            ExtractChecks(
                layout: .enrollments, column: "provider_id",
                query: """
                    SELECT s.line, s.provider_id || ' delivers ' || p.program_id || ', not ' || s.program_id
                    FROM stage_enrollments s
                    JOIN (SELECT provider_id, program_id FROM ids.providers
                          WHERE provider_id NOT IN (SELECT provider_id FROM stage_providers)
                          UNION ALL SELECT provider_id, program_id FROM stage_providers) p USING (provider_id)
                    WHERE p.program_id <> s.program_id
                    """,
                code: { _ in .providerNotInProgram }, reason: { "the provider does not deliver this program: \($0)." }),
            ExtractChecks(
                layout: .persons, column: "birth_year",
                query: """
                    SELECT line, birth_year::text FROM stage_persons
                    WHERE birth_year NOT BETWEEN 1880 AND 2100
                       OR (birth_date IS NOT NULL AND birth_year IS NOT NULL AND extract(year FROM birth_date) <> birth_year)
                    """,
                code: { _ in .outOfRange }, reason: { "birth year \($0) is outside 1880–2100 or differs from the birth date's year." }),
            ExtractChecks(
                layout: .sourceLinks, column: "match_score",
                query: "SELECT line, match_score::text FROM stage_source_links WHERE match_score NOT BETWEEN 0 AND 1",
                code: { _ in .outOfRange }, reason: { "match score \($0) is not between 0 and 1." }),
        ]
        return checks
    }()
}
