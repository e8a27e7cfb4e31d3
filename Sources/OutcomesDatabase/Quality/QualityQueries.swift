import Foundation
import OutcomesDomain
import PostgresClient

/// Gathers the data-quality counts with a handful of set-based queries in one read-only,
/// repeatable-read transaction, so every figure describes the same snapshot.
public enum QualityQueries {
    /// Measures the linked data in the database `connection` is open on.
    ///
    /// - Parameters:
    ///   - connection: the database whose `ids` schema is measured.
    ///   - dataThrough: the last day the data should cover; by default the latest event start
    ///     that is not in the future.
    ///   - reviewScore: links scoring below it are counted as low-score links, for clerical
    ///     review (`QualityThresholds.reviewScore`).
    ///   - step: called before each query with what it is doing (for progress display).
    public static func measure(
        on connection: PostgresConnection, dataThrough: LocalDate?, reviewScore: Decimal,
        step: (String) -> Void = { _ in }
    ) throws -> QualityMeasurements {
        try connection.transaction { connection in
            try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let through = try dataThrough ?? connection.execute("""
                SELECT coalesce(max(start_date) FILTER (WHERE start_date <= current_date), current_date)
                FROM ids.events
                """).scalar(LocalDate.self)
            var m = QualityMeasurements(dataThrough: through)
            step("persons and links")
            try measurePersons(&m, connection)
            try measureLinks(&m, reviewScore: reviewScore, connection)
            step("events by domain and month")
            try measureEvents(&m, connection)
            step("events without a source link")
            m.eventsWithoutSourceLink = try connection.execute("""
                SELECT count(*) FROM ids.events e
                WHERE NOT EXISTS (SELECT 1 FROM ids.source_links l
                                  WHERE l.person_id = e.person_id AND l.source_system = e.source_system)
                """).scalar(Int.self)
            step("overlapping enrollments")
            m.programs = try connection.execute("""
                SELECT e.program_id, count(*),
                       count(*) FILTER (WHERE EXISTS (
                           SELECT 1 FROM ids.enrollments o
                           WHERE o.person_id = e.person_id AND o.program_id = e.program_id
                             AND o.enrollment_id <> e.enrollment_id
                             AND daterange(o.start_date, o.end_date, '[]') && daterange(e.start_date, e.end_date, '[]')))
                FROM ids.enrollments e GROUP BY e.program_id ORDER BY e.program_id
                """).map {
                QualityMeasurements.ProgramEnrollments(
                    program: try $0.decode(at: 0), enrollments: try $0.decode(at: 1), overlapping: try $0.decode(at: 2))
            }
            step("relationships and households")
            try measureFamilies(&m, connection)
            return m
        }
    }

    /// Edges of one pair at overlapping times whose relations disagree, and persons in two
    /// households at once. Relations are compared by kind (`FamilyQuality.kind`): a natural child
    /// is a child, and so is a ward (a parent may be a guardian too); an other relative or a
    /// household member contradicts nothing. Every join is on person_id: on Citus each runs on the
    /// worker holding the person.
    private static func measureFamilies(_ m: inout QualityMeasurements, _ connection: PostgresConnection) throws {
        let kinds: [PostgresQuery] = RelationshipCode.all.compactMap { code in
            FamilyQuality.kind(of: code.code).map { "WHEN \(code.code)::text THEN \($0)::text " }
        }
        let edges: PostgresQuery = """
            SELECT person_id, relative_id, kind, span FROM (
                SELECT r.person_id, r.relative_id, CASE r.relation \(kinds.joined())END AS kind,
                       daterange(r.valid_from, r.valid_to, '[]') AS span
                FROM ids.relationships r
                WHERE r.person_id < r.relative_id) e
            WHERE kind IS NOT NULL
            """
        let disagreements = try connection.execute("""
            WITH e AS (\(edges))
            SELECT a.kind || '/' || b.kind, count(DISTINCT (a.person_id, a.relative_id))
            FROM e a JOIN e b ON b.person_id = a.person_id AND b.relative_id = a.relative_id AND b.kind > a.kind AND b.span && a.span
            GROUP BY 1 ORDER BY 1
            """)
        m.contradictions = try disagreements.map { .init(relations: try $0.decode(String.self, at: 0), pairs: try $0.decode(Int.self, at: 1)) }
        let row = try connection.execute("""
            WITH e AS (\(edges))
            SELECT (SELECT count(*) FROM (SELECT DISTINCT person_id, relative_id FROM e) pairs),
                   (SELECT count(*) FROM (SELECT DISTINCT a.person_id, a.relative_id FROM e a
                                          JOIN e b ON b.person_id = a.person_id AND b.relative_id = a.relative_id
                                           AND b.kind > a.kind AND b.span && a.span) contradicting),
                   (SELECT count(DISTINCT person_id) FROM ids.household_members),
                   (SELECT count(DISTINCT a.person_id) FROM ids.household_members a
                    JOIN ids.household_members b ON b.person_id = a.person_id AND b.source_system = a.source_system
                     AND b.household_key <> a.household_key
                     AND daterange(a.valid_from, a.valid_to, '[]') && daterange(b.valid_from, b.valid_to, '[]'))
            """)[0]
        (m.relatedPairs, m.contradictingPairs, m.personsInHouseholds, m.personsInTwoHouseholds) =
            (try row.decode(at: 0), try row.decode(at: 1), try row.decode(at: 2), try row.decode(at: 3))
    }

    private static func measurePersons(_ m: inout QualityMeasurements, _ connection: PostgresConnection) throws {
        let row = try connection.execute("""
            SELECT count(*),
                   count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM ids.source_links l WHERE l.person_id = p.person_id)),
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ids.enrollments e WHERE e.person_id = p.person_id))
            FROM ids.persons p
            """)[0]
        (m.persons, m.personsWithoutLinks, m.participants) = (try row.decode(at: 0), try row.decode(at: 1), try row.decode(at: 2))
        m.personsWithSeveralKeys = try connection.execute("""
            SELECT count(DISTINCT person_id)
            FROM (SELECT person_id FROM ids.source_links GROUP BY person_id, source_system HAVING count(*) > 1) several
            """).scalar(Int.self)
    }

    private static func measureLinks(
        _ m: inout QualityMeasurements, reviewScore: Decimal, _ connection: PostgresConnection
    ) throws {
        m.sources = try connection.execute("""
            SELECT s.source_system, s.name, count(l.person_id),
                   count(*) FILTER (WHERE l.match_method = 'probabilistic'),
                   count(*) FILTER (WHERE l.match_score < \(reviewScore))
            FROM ids.source_systems s LEFT JOIN ids.source_links l USING (source_system)
            GROUP BY s.source_system, s.name ORDER BY s.source_system
            """).map {
            QualityMeasurements.SourceLinkage(
                source: try $0.decode(at: 0), name: try $0.decode(at: 1), links: try $0.decode(at: 2),
                probabilisticLinks: try $0.decode(at: 3), linksBelowReviewScore: try $0.decode(at: 4))
        }
        func fill(_ query: PostgresQuery, _ assign: (inout QualityMeasurements.SourceLinkage, PostgresRow) throws -> Void) throws {
            for row in try connection.execute(query) {
                let source: String = try row.decode(at: 0)
                if let index = m.sources.firstIndex(where: { $0.source == source }) { try assign(&m.sources[index], row) }
            }
        }
        try fill("""
            SELECT source_system, count(*), count(*) FILTER (WHERE keys > 1), count(*) FILTER (WHERE participant)
            FROM (SELECT l.source_system, l.person_id, count(*) AS keys,
                         EXISTS (SELECT 1 FROM ids.enrollments e WHERE e.person_id = l.person_id) AS participant
                  FROM ids.source_links l GROUP BY l.source_system, l.person_id) per_person
            GROUP BY source_system
            """) {
            ($0.personsLinked, $0.personsWithSeveralKeys, $0.participantsLinked) = (try $1.decode(at: 1), try $1.decode(at: 2), try $1.decode(at: 3))
        }
        try fill("""
            SELECT source_system, count(*), count(*) FILTER (WHERE persons > 1)
            FROM (SELECT source_system, source_key, count(DISTINCT person_id) AS persons
                  FROM ids.source_links GROUP BY source_system, source_key) per_key
            GROUP BY source_system
            """) {
            ($0.keys, $0.keysOnSeveralPersons) = (try $1.decode(at: 1), try $1.decode(at: 2))
        }
    }

    /// One pass over the events: counts by domain and month of plausible events (inside the
    /// person's lifetime and not after the data-through date), and the implausible ones.
    private static func measureEvents(_ m: inout QualityMeasurements, _ connection: PostgresConnection) throws {
        let rows = try connection.execute("""
            WITH judged AS (
                SELECT e.domain, d.shape, e.start_date, e.end_date,
                       e.start_date < coalesce(p.birth_date, make_date(p.birth_year, 1, 1)) AS before_birth,
                       e.start_date > \(m.dataThrough) AS after_through
                FROM ids.events e
                JOIN ids.persons p USING (person_id)
                JOIN ids.event_domains d USING (domain)
            )
            SELECT domain, shape, date_trunc('month', start_date)::date,
                   count(*) FILTER (WHERE before_birth IS NOT TRUE AND NOT after_through),
                   count(*) FILTER (WHERE before_birth), count(*) FILTER (WHERE after_through),
                   count(*) FILTER (WHERE end_date < start_date),
                   count(*) FILTER (WHERE shape = 'quarterly_amount' AND (
                       start_date <> date_trunc('quarter', start_date)::date
                       OR end_date IS DISTINCT FROM (date_trunc('quarter', start_date) + interval '3 months - 1 day')::date)),
                   count(*)
            FROM judged GROUP BY 1, 2, 3 ORDER BY 1, 3
            """)
        for row in rows {
            let plausible: Int = try row.decode(at: 3)
            if plausible > 0 {
                m.months.append(QualityMeasurements.MonthCount(
                    domain: try row.decode(at: 0), shape: try row.decode(at: 1), month: try row.decode(at: 2), events: plausible))
            }
            m.eventsBeforeBirth += try row.decode(Int.self, at: 4)
            m.eventsAfterDataThrough += try row.decode(Int.self, at: 5)
            m.spellsEndingBeforeStart += try row.decode(Int.self, at: 6)
            m.wageRecordsOffQuarter += try row.decode(Int.self, at: 7)
            m.events += try row.decode(Int.self, at: 8)
        }
    }
}
