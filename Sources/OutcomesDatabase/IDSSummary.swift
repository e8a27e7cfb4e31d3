import Foundation
import OutcomesDomain
import PostgresClient

/// Counts that describe the linked data: people, linkage by source, enrollments and events.
public struct IDSSummary: Sendable {
    public struct SourceLinkage: Sendable {
        public let source: String
        public let name: String
        public let linkedPersons: Int
        public let links: Int
        public let probabilisticLinks: Int
    }

    public struct EnrollmentCount: Sendable {
        public let program: String
        public let provider: String
        public let arm: String?
        public let enrollments: Int
        public let persons: Int
    }

    public struct DomainCount: Sendable {
        public let domain: String
        public let events: Int
        public let persons: Int
        public let openSpells: Int
        public let amount: Decimal?
    }

    /// The current data load (`DataLoads.current`).
    public let latestLoad: DataLoad?
    public let persons: Int
    public let personsInNoSource: Int
    public let linkage: [SourceLinkage]
    public let enrollments: [EnrollmentCount]
    public let events: [DomainCount]

    public static func read(from connection: PostgresConnection) throws -> IDSSummary {
        let load = try DataLoads.current(on: connection)
        let persons = try connection.execute("SELECT count(*) FROM ids.persons").scalar(Int.self)
        let unlinked = try connection.execute("""
            SELECT count(*) FROM ids.persons p
            WHERE NOT EXISTS (SELECT 1 FROM ids.source_links l WHERE l.person_id = p.person_id)
            """).scalar(Int.self)
        let linkage = try connection.execute("""
            SELECT s.source_system, s.name, count(DISTINCT l.person_id), count(l.person_id),
                   count(l.person_id) FILTER (WHERE l.match_method = 'probabilistic')
            FROM ids.source_systems s LEFT JOIN ids.source_links l USING (source_system)
            GROUP BY s.source_system, s.name ORDER BY s.source_system
            """).map {
            SourceLinkage(source: try $0.decode(at: 0), name: try $0.decode(at: 1), linkedPersons: try $0.decode(at: 2),
                          links: try $0.decode(at: 3), probabilisticLinks: try $0.decode(at: 4))
        }
        let enrollments = try connection.execute("""
            SELECT program_id, provider_id, study_arm, count(*), count(DISTINCT person_id)
            FROM ids.enrollments GROUP BY program_id, provider_id, study_arm
            ORDER BY program_id, provider_id, study_arm NULLS FIRST
            """).map {
            EnrollmentCount(program: try $0.decode(at: 0), provider: try $0.decode(at: 1), arm: try $0.decode(at: 2),
                            enrollments: try $0.decode(at: 3), persons: try $0.decode(at: 4))
        }
        let events = try connection.execute("""
            SELECT d.domain, count(e.person_id), count(DISTINCT e.person_id),
                   count(e.person_id) FILTER (WHERE e.end_date IS NULL), sum(e.amount)
            FROM ids.event_domains d LEFT JOIN ids.events e USING (domain)
            GROUP BY d.domain ORDER BY d.domain
            """).map {
            DomainCount(domain: try $0.decode(at: 0), events: try $0.decode(at: 1), persons: try $0.decode(at: 2),
                        openSpells: try $0.decode(at: 3), amount: try $0.decode(at: 4))
        }
        return IDSSummary(
            latestLoad: load, persons: persons, personsInNoSource: unlinked, linkage: linkage,
            enrollments: enrollments, events: events)
    }
}
