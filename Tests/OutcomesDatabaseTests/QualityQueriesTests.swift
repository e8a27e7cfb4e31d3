import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

@Suite struct QualityQueriesTests {
    static let through = LocalDate(iso: "2024-12-31")!
    static let reviewScore = Decimal(string: "0.85")!

    /// The measurements computed naively from the generator's own records: what the SQL must find.
    static func oracle(_ ids: SyntheticIDS) -> QualityMeasurements {
        var m = QualityMeasurements(dataThrough: through)
        var sources = Dictionary(uniqueKeysWithValues: SourceSystem.all.map {
            ($0.code, QualityMeasurements.SourceLinkage(source: $0.code, name: $0.name))
        })
        var monthCounts: [String: [LocalDate: Int]] = [:]
        var programs: [String: (enrollments: Int, overlapping: Int)] = [:]
        let openEnd = LocalDate(year: 9999, month: 12, day: 31)!
        for id in ids.personIDs {
            let history = ids.history(of: ids.person(id))
            let participant = !history.enrollments.isEmpty
            m.persons += 1
            if participant { m.participants += 1 }
            if history.links.isEmpty { m.personsWithoutLinks += 1 }
            let keysBySource = Dictionary(grouping: history.links, by: \.source.code)
            if keysBySource.values.contains(where: { $0.count > 1 }) { m.personsWithSeveralKeys += 1 }
            for (code, links) in keysBySource {
                sources[code]!.personsLinked += 1
                if participant { sources[code]!.participantsLinked += 1 }
                if links.count > 1 { sources[code]!.personsWithSeveralKeys += 1 }
                sources[code]!.links += links.count
                sources[code]!.keys += links.count
                sources[code]!.probabilisticLinks += links.filter { $0.method == .probabilistic }.count
                sources[code]!.linksBelowReviewScore += links.filter { $0.score < 8_500 }.count
            }
            m.events += history.events.count
            for event in history.events {
                let (year, month, _) = event.start.components
                monthCounts[event.domain.rawValue, default: [:]][LocalDate(year: year, month: month, day: 1)!, default: 0] += 1
            }
            for (index, enrollment) in history.enrollments.enumerated() {
                let overlaps = history.enrollments.indices.contains { other in
                    let b = history.enrollments[other]
                    return other != index && b.programID == enrollment.programID
                        && b.start <= (enrollment.end ?? openEnd) && enrollment.start <= (b.end ?? openEnd)
                }
                programs[enrollment.programID, default: (0, 0)].enrollments += 1
                if overlaps { programs[enrollment.programID, default: (0, 0)].overlapping += 1 }
            }
        }
        m.sources = sources.values.sorted { $0.source < $1.source }
        m.programs = programs.keys.sorted().map {
            QualityMeasurements.ProgramEnrollments(program: $0, enrollments: programs[$0]!.enrollments, overlapping: programs[$0]!.overlapping)
        }
        m.months = monthCounts.keys.sorted().flatMap { domain in
            monthCounts[domain]!.keys.sorted().map {
                QualityMeasurements.MonthCount(domain: domain, shape: EventDomain(rawValue: domain)!.shape.rawValue,
                                               month: $0, events: monthCounts[domain]![$0]!)
            }
        }
        return m
    }

    @Test func measurementsMatchTheGeneratorsRecords() throws {
        let (db, _) = try TestDatabase.fresh()
        let ids = SyntheticIDS(persons: 2_000, seed: 11)
        _ = try SyntheticLoader(ids: ids).load(into: db)
        let measured = try QualityQueries.measure(on: db, dataThrough: nil, reviewScore: Self.reviewScore)
        let expected = Self.oracle(ids)
        #expect(measured.dataThrough == Self.through)
        #expect(measured.sources == expected.sources)
        #expect(measured.programs == expected.programs)
        #expect(measured.months.count == expected.months.count)
        for (sql, oracle) in zip(measured.months, expected.months) where sql != oracle {
            Issue.record("events by month: SQL \(sql), oracle \(oracle)")
            break
        }
        var scalars = measured
        (scalars.sources, scalars.programs, scalars.months) = (expected.sources, expected.programs, expected.months)
        #expect(scalars == expected, "persons, links, events and the problem counts")
        #expect(expected.programs.contains { $0.overlapping > 0 }, "the generator plants overlapping enrollments")
        #expect(QualityAssessment(measured, thresholds: .defaults).status != .fail)
    }

    @Test func plantedProblemsAreFoundExactly() throws {
        let (db, _) = try TestDatabase.fresh()
        let ids = SyntheticIDS(persons: 3_000, seed: 5)
        _ = try SyntheticLoader(ids: ids).load(into: db)
        let clean = try QualityQueries.measure(on: db, dataThrough: Self.through, reviewScore: Self.reviewScore)
        try db.transaction { db in
            try db.runScript("""
                SELECT set_config('outcomes.load_id', (SELECT max(load_id)::text FROM ids.data_loads), true);
                -- a person linked to nothing
                INSERT INTO ids.persons (person_id, birth_year) VALUES (900001, 1980);
                -- one JMS key on a second person
                INSERT INTO ids.source_links (person_id, source_system, source_key, match_method, match_score)
                SELECT 900001, source_system, source_key, 'probabilistic', 0.9
                FROM ids.source_links WHERE source_system = 'JMS' ORDER BY person_id LIMIT 1;
                -- three ER visits before the person's birth (by birth date, or 1 January of the birth year)
                UPDATE ids.events e SET start_date = make_date(p.birth_year - 1, 6, 1), end_date = make_date(p.birth_year - 1, 6, 1)
                FROM ids.persons p
                WHERE p.person_id = e.person_id AND (e.person_id, e.event_id) IN (
                    SELECT person_id, event_id FROM ids.events WHERE domain = 'er_visit' ORDER BY person_id, event_id LIMIT 3);
                -- two jail spells after the data-through date, four ending before they start
                UPDATE ids.events SET start_date = '2025-03-01', end_date = '2025-03-05' WHERE (person_id, event_id) IN (
                    SELECT person_id, event_id FROM ids.events WHERE domain = 'jail' ORDER BY person_id DESC, event_id LIMIT 2);
                UPDATE ids.events SET end_date = start_date - 1 WHERE (person_id, event_id) IN (
                    SELECT person_id, event_id FROM ids.events
                    WHERE domain = 'jail' AND start_date < '2024-01-01' ORDER BY person_id, event_id LIMIT 4);
                -- five child-welfare spells of people with no CWS link
                INSERT INTO ids.events (person_id, event_id, domain, source_system, source_record, start_date, end_date)
                SELECT person_id, 900000, 'child_welfare', 'CWS', 'CWS-planted', '2022-05-01', '2022-06-01'
                FROM ids.persons p
                WHERE person_id < 900000
                  AND NOT EXISTS (SELECT 1 FROM ids.source_links l WHERE l.person_id = p.person_id AND l.source_system = 'CWS')
                ORDER BY person_id LIMIT 5;
                -- no wage records for 2023Q2 and no shelter entries in July 2022: missing feed periods
                DELETE FROM ids.events WHERE domain = 'wages' AND start_date = '2023-04-01';
                DELETE FROM ids.events WHERE domain = 'shelter' AND start_date BETWEEN '2022-07-01' AND '2022-07-31';
                """)
            // a second housing enrollment overlapping one that overlapped nothing
            try db.execute("""
                INSERT INTO ids.enrollments (person_id, enrollment_id, program_id, provider_id, contract_id, start_date, end_date)
                SELECT person_id, 900000, program_id, provider_id, contract_id, start_date + 10, end_date
                FROM ids.enrollments e WHERE program_id = 'housing' AND end_date > start_date + 10
                  AND NOT EXISTS (SELECT 1 FROM ids.enrollments o WHERE o.person_id = e.person_id AND o.enrollment_id <> e.enrollment_id)
                ORDER BY person_id LIMIT 1;
                """)
        }
        let m = try QualityQueries.measure(on: db, dataThrough: Self.through, reviewScore: Self.reviewScore)
        #expect(m.persons == clean.persons + 1 && m.personsWithoutLinks == clean.personsWithoutLinks)
        #expect(m.sources.first { $0.source == "JMS" }?.keysOnSeveralPersons == 1)
        #expect(m.sources.filter { $0.source != "JMS" }.allSatisfy { $0.keysOnSeveralPersons == 0 })
        #expect(m.eventsBeforeBirth == 3 && m.eventsAfterDataThrough == 2)
        #expect(m.spellsEndingBeforeStart == 4)
        #expect(m.eventsWithoutSourceLink == 5)
        let housing = { (m: QualityMeasurements) in m.programs.first { $0.program == "housing" }! }
        #expect(housing(m).overlapping == housing(clean).overlapping + 2)

        // Limits set just under what was planted: exactly the spoiled checks fail.
        var limits = QualityThresholds.defaults
        limits.limits[.eventsWithoutSourceLink] = QualityLimit(maxCount: 4)
        limits.limits[.overlappingEnrollments] = QualityLimit(maxCount: clean.programs.reduce(0) { $0 + $1.overlapping } + 1)
        let assessment = QualityAssessment(m, thresholds: limits)
        #expect(assessment.quarterGaps.map(\.period.quarterLabel) == ["2023Q2"])
        #expect(assessment.monthGaps.map { "\($0.domain) \($0.period)" } == ["shelter 2022-07-01"])
        let failed = Set(assessment.findings.filter { $0.status == .fail }.map(\.check))
        #expect(failed == [.keysOnSeveralPersons, .eventsOutsideLifetime, .spellsEndingBeforeStart, .eventsWithoutSourceLink,
                           .overlappingEnrollments, .wageQuarterGaps, .eventMonthGaps])
        #expect(assessment.status == .fail)
    }
}
