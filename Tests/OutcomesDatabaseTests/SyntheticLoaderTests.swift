import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

@Suite struct SyntheticLoaderTests {
    /// MD5 of every IDS row as stored, in key order, without load_id: what the database holds.
    static func databaseFingerprint(_ db: PostgresConnection) throws -> String {
        try db.execute("""
            SELECT md5(
              (SELECT string_agg(concat_ws('|', person_id, birth_date, birth_year, sex, race_ethnicity, county), ';'
                                 ORDER BY person_id) FROM ids.persons) ||
              (SELECT string_agg(concat_ws('|', person_id, source_system, source_key, match_method, match_score), ';'
                                 ORDER BY person_id, source_system, source_key) FROM ids.source_links) ||
              (SELECT string_agg(concat_ws('|', person_id, enrollment_id, program_id, provider_id, contract_id, start_date,
                                           end_date, exit_reason, study_arm), ';' ORDER BY person_id, enrollment_id)
                 FROM ids.enrollments) ||
              (SELECT string_agg(concat_ws('|', person_id, event_id, domain, event_type, source_system, source_record,
                                           start_date, end_date, amount), ';' ORDER BY person_id, event_id) FROM ids.events))
            """).scalar(String.self)
    }

    @Test func sameSeedSameContentOtherSeedOtherContent() throws {
        let (db, _) = try TestDatabase.fresh()
        let first = try SyntheticLoader(ids: SyntheticIDS(persons: 2_000, seed: 11)).load(into: db)
        let firstFingerprint = try Self.databaseFingerprint(db)
        let again = try SyntheticLoader(ids: SyntheticIDS(persons: 2_000, seed: 11)).load(into: db)
        #expect(again.loadID != first.loadID)
        #expect(again.contentHash == first.contentHash)
        #expect(try Self.databaseFingerprint(db) == firstFingerprint)
        let other = try SyntheticLoader(ids: SyntheticIDS(persons: 2_000, seed: 12)).load(into: db)
        #expect(other.contentHash != first.contentHash)
        #expect(try Self.databaseFingerprint(db) != firstFingerprint)
        // Every row carries the load that wrote it, and the load records its hash and counts.
        #expect(try db.execute("SELECT count(*) FROM ids.events WHERE load_id <> \(other.loadID)").scalar(Int.self) == 0)
        let recorded = try db.execute("""
            SELECT content_hash, (row_counts->>'events')::int FROM ids.data_loads WHERE load_id = \(other.loadID)
            """)[0]
        #expect(try recorded.decode(String.self, at: 0) == other.contentHash)
        #expect(try recorded.decode(Int.self, at: 1) == other.events)
    }

    /// The summary SQL against counts taken straight from the generator in Swift.
    @Test(arguments: [true, false]) func loadedCountsMatchTheGenerator(families: Bool) throws {
        let (db, _) = try TestDatabase.fresh()
        let ids = SyntheticIDS(persons: 1_500, seed: 4, families: families)
        let report = try SyntheticLoader(ids: ids).load(into: db)
        var links = 0, linkedPersons: [String: Int] = [:], eventsByDomain: [String: Int] = [:]
        var enrollmentsByProvider: [String: Int] = [:], openSpells = 0, unlinked = 0, persons = 0
        var relationshipRows = 0, householdRows = 0
        for (root, members) in ids.personIDs.map({ ($0, ids.histories(ofRoot: $0)) }) {
            if let family = ids.family(ofRoot: ids.person(root)) {
                let records = SyntheticFamilyRecords(family: family, histories: members)
                (relationshipRows, householdRows) = (relationshipRows + records.relationships.count, householdRows + records.households.count)
            }
            for (_, history) in members {
            persons += 1
            links += history.links.count
            if history.links.isEmpty { unlinked += 1 }
            for source in Set(history.links.map(\.source.code)) { linkedPersons[source, default: 0] += 1 }
            for event in history.events {
                eventsByDomain[event.domain.rawValue, default: 0] += 1
                if event.end == nil { openSpells += 1 }
            }
            for enrollment in history.enrollments {
                enrollmentsByProvider["\(enrollment.providerID)/\(enrollment.arm?.rawValue ?? "-")", default: 0] += 1
            }
            }
        }
        #expect(families ? persons > 2_000 : persons == 1_500)
        #expect(report.persons == persons)
        #expect(report.links == links)
        #expect(report.events == eventsByDomain.values.reduce(0, +))
        // The families' rows as the generator wrote them, every stated edge stored once more read the other way.
        #expect(families ? relationshipRows > 500 : relationshipRows == 0)
        #expect(report.relationships == relationshipRows && report.householdMembers == householdRows)
        #expect(try db.execute("SELECT count(*) FROM ids.relationships WHERE evidence = 'declared'").scalar(Int.self) == 2 * relationshipRows)
        #expect(try db.execute("SELECT count(*) FROM ids.household_members").scalar(Int.self) == householdRows)
        let summary = try IDSSummary.read(from: db)
        #expect(summary.persons == persons)
        #expect(summary.personsInNoSource == unlinked)
        #expect(Dictionary(uniqueKeysWithValues: summary.events.filter { $0.events > 0 }.map { ($0.domain, $0.events) }) == eventsByDomain)
        #expect((eventsByDomain["school"] ?? 0 > 0) == families)
        #expect(summary.events.map(\.openSpells).reduce(0, +) == openSpells)
        #expect(Dictionary(uniqueKeysWithValues: summary.linkage.filter { $0.linkedPersons > 0 }
            .map { ($0.source, $0.linkedPersons) }) == linkedPersons)
        #expect(Dictionary(uniqueKeysWithValues: summary.enrollments.map { ("\($0.provider)/\($0.arm ?? "-")", $0.enrollments) })
            == enrollmentsByProvider)
    }

    @Test func aFailedLoadLeavesThePreviousDataUntouched() throws {
        let (db, _) = try TestDatabase.fresh()
        let kept = try SyntheticLoader(ids: SyntheticIDS(persons: 400, seed: 1)).load(into: db)
        let fingerprint = try Self.databaseFingerprint(db)
        // Make the next load fail halfway through its events.
        try db.execute("ALTER TABLE ids.events ADD CONSTRAINT fail_late CHECK (person_id < 300) NOT VALID")
        #expect { _ = try SyntheticLoader(ids: SyntheticIDS(persons: 400, seed: 2)).load(into: db) } throws: {
            ($0 as? PostgresError)?.sqlState == .checkViolation
        }
        #expect(try Self.databaseFingerprint(db) == fingerprint)
        #expect(try db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self) == kept.loadID)
        try db.execute("ALTER TABLE ids.events DROP CONSTRAINT fail_late")
        #expect(try SyntheticLoader(ids: SyntheticIDS(persons: 400, seed: 1)).existingLoad(on: db) == kept.loadID)
        #expect(try SyntheticLoader(ids: SyntheticIDS(persons: 400, seed: 9)).existingLoad(on: db) == nil)
        #expect(try SyntheticLoader(ids: SyntheticIDS(persons: 401, seed: 1)).existingLoad(on: db) == nil)
    }

    @Test func realExtractsAreNeverReplacedBySyntheticData() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 50, seed: 1)).load(into: db)
        let extract = try db.execute("""
            INSERT INTO ids.data_loads (kind, description, content_hash, finished_at)
            VALUES ('extract', 'county extract', repeat('a', 64), now()) RETURNING load_id
            """).scalar(Int.self)
        try db.execute("UPDATE ids.persons SET load_id = \(extract) WHERE person_id = \(1)")
        #expect {
            _ = try SyntheticLoader(ids: SyntheticIDS(persons: 50, seed: 2)).load(into: db)
        } throws: { ($0 as? DatabaseError)?.code == .wouldReplaceExtract }
        #expect(try db.execute("SELECT count(*) FROM ids.persons").scalar(Int.self) == 50)
    }

    @Test func theDataKeepsItsPromises() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 3_000, seed: 8)).load(into: db)
        func count(_ query: PostgresQuery) throws -> Int { try db.execute(query).scalar(Int.self) }
        // Events come only from sources the person is linked to.
        #expect(try count("""
            SELECT count(*) FROM ids.events e WHERE NOT EXISTS (
              SELECT 1 FROM ids.source_links l WHERE l.person_id = e.person_id AND l.source_system = e.source_system)
            """) == 0)
        // Providers deliver their own program; only the randomized program has study arms.
        #expect(try count("""
            SELECT count(*) FROM ids.enrollments e JOIN ids.providers p USING (provider_id)
            JOIN ids.programs g ON g.program_id = e.program_id
            WHERE p.program_id <> e.program_id OR (e.study_arm IS NOT NULL) <> g.randomized
            """) == 0)
        // Incomplete linkage: some people have two keys in one source, some links are probabilistic.
        #expect(try count("""
            SELECT count(*) FROM (SELECT person_id FROM ids.source_links GROUP BY person_id, source_system
                                  HAVING count(*) > 1) d
            """) > 0)
        #expect(try count("SELECT count(*) FROM ids.source_links WHERE match_method = 'probabilistic'") > 0)
        // Randomization balances the pre-period: control and treatment shelter histories are alike,
        // while the people enrolled anywhere differ from those who were not.
        let balance = try db.execute("""
            WITH pre AS (
              SELECT p.person_id, count(e.event_id) FILTER (WHERE e.domain = 'jail') AS bookings,
                     count(e.event_id) FILTER (WHERE e.domain = 'shelter') AS stays
              FROM ids.persons p LEFT JOIN ids.events e ON e.person_id = p.person_id AND e.start_date < date '2021-01-01'
              GROUP BY p.person_id)
            SELECT avg(stays) FILTER (WHERE n.study_arm = 'treatment'), avg(stays) FILTER (WHERE n.study_arm = 'control'),
                   avg(bookings) FILTER (WHERE n.person_id IS NOT NULL), avg(bookings) FILTER (WHERE n.person_id IS NULL)
            FROM pre LEFT JOIN (SELECT DISTINCT person_id, study_arm FROM ids.enrollments) n USING (person_id)
            """)[0]
        let treated = try balance.decode(Double.self, at: 0), control = try balance.decode(Double.self, at: 1)
        #expect(abs(treated - control) / control < 0.25)
        #expect(try balance.decode(Double.self, at: 2) > 1.5 * balance.decode(Double.self, at: 3))
    }

    /// The planted effects are in the data: in the randomized program, Hearth's participants enter
    /// shelter at about 0.40 of the control arm's rate after randomization (Keystone about 0.65).
    @Test func plantedEffectsShowInTheRandomizedProgram() throws {
        let (db, _) = try TestDatabase.fresh()
        let report = try SyntheticLoader(ids: SyntheticIDS(persons: 20_000, seed: 5)).load(into: db)
        let ratios = try db.execute("""
            WITH arms AS (
              SELECT person_id, provider_id, study_arm, min(start_date) AS start
              FROM ids.enrollments WHERE program_id = 'housing' GROUP BY 1, 2, 3),
            rates AS (
              SELECT a.provider_id, a.study_arm,
                     count(e.event_id)::float8 AS entries,
                     (SELECT sum(date '2024-12-31' - b.start)::float8 FROM arms b
                      WHERE b.provider_id = a.provider_id AND b.study_arm = a.study_arm) AS exposure_days
              FROM arms a LEFT JOIN ids.events e
                ON e.person_id = a.person_id AND e.domain = 'shelter' AND e.start_date >= a.start
              GROUP BY a.provider_id, a.study_arm)
            SELECT t.provider_id, (t.entries / t.exposure_days) / (c.entries / c.exposure_days)
            FROM rates t JOIN rates c ON c.provider_id = t.provider_id AND c.study_arm = 'control'
            WHERE t.study_arm = 'treatment' ORDER BY t.provider_id
            """).map { (try $0.decode(String.self, at: 0), try $0.decode(Double.self, at: 1)) }
        let truth = try db.execute("""
            SELECT provider_id, value FROM ids.synthetic_truth
            WHERE load_id = \(report.loadID) AND outcome = 'shelter_entry_rate' ORDER BY provider_id
            """).map { (try $0.decode(String.self, at: 0), try $0.decode(Double.self, at: 1)) }
        #expect(ratios.map(\.0) == ["hearth", "keystone"])
        #expect(truth.map(\.0) == ["hearth", "keystone"])
        for ((_, estimate), (_, planted)) in zip(ratios, truth) {
            #expect(abs(estimate - planted) < 0.12, "estimated \(estimate), planted \(planted)")
        }
    }
}
