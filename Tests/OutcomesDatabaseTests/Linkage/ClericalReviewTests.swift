import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// The clerical review queue on a small hand-made index: LinkRunnerTests' twenty people under three
/// sources' keys (which train the model), and a few records made to fall between the thresholds.
@Suite(.serialized) struct ClericalReviewTests {
    /// source, key, first, last, birth (full or partial), ssn (nine digits or four).
    typealias Record = (source: String, key: String, first: String?, last: String?, birth: String?, ssn: String?)

    static var trainingRecords: [Record] {
        (0..<20).flatMap { p in
            (1...3).map { s in
                let r = LinkRunnerTests.record(person: p, source: s)
                return (r[0]!, r[1]!, r[2], r[3], r[4], r[5])
            }
        }
    }

    /// Person 0 again with another date of birth in the same year and no SSN; person 1 with a year
    /// of birth and the SSN's last four only; a stranger sharing person 2's last name and date of
    /// birth; and a new person under two keys, identical.
    static let madeRecords: [Record] = [
        ("S4", "K0-4", "Maria", "Garcia", "1950-05-20", nil),
        ("S4", "K1-4", "JAMES", "OKAFOR", "1952", "1007"),
        ("S4", "X2", "ZELDA", "LINDQVIST", "1954-03-05", "900112233"),
        ("S5", "T-1", "ULRICH", "VANCE", "1990-07-07", "555123456"),
        ("S6", "T-2", "ULRICH", "VANCE", "1990-07-07", "555123456"),
    ]

    static func spec(match: Double = 0.9, review: Double = 0.5) -> LinkageSpec {
        var spec = LinkRunnerTests.spec()
        spec.thresholds = .init(match: match, review: review)
        return spec
    }

    static func load(_ records: [Record], on db: PostgresConnection) throws {
        try db.transaction { db in
            let load = try db.execute("INSERT INTO ids.data_loads (kind, description) VALUES ('extract', 'test identifiers') RETURNING load_id")
                .scalar(Int.self)
            try db.execute("SELECT set_config('outcomes.load_id', \(String(load)), true)")
            for source in Set(records.map(\.source)).sorted() {
                try db.execute("INSERT INTO ids.source_systems VALUES (\(source), \(source), 'test', NULL) ON CONFLICT DO NOTHING")
            }
            for r in records {
                let parts = r.birth.map { $0.split(separator: "-").map { Int($0)! } } ?? []
                let date = parts.count == 3 ? LocalDate(iso: r.birth!) : nil
                let fullSSN = r.ssn?.count == 9 ? r.ssn : nil
                try db.execute("""
                    INSERT INTO linkage.identifiers (source_system, source_key, first_name, last_name, birth_date, birth_year, birth_month, ssn, ssn_last4)
                    VALUES (\(r.source), \(r.key), \(r.first), \(r.last), \(date), \(parts.first), \(parts.count > 1 ? parts[1] : nil),
                            \(fullSSN), \(r.ssn.map { String($0.suffix(4)) }))
                    """)
            }
            try db.execute("UPDATE ids.data_loads SET content_hash = repeat('0', 64), finished_at = now() WHERE load_id = \(load)")
        }
    }

    static func run(_ spec: LinkageSpec, on db: PostgresConnection) throws -> LinkRunReport {
        try LinkageFunctions.ensure(on: db)
        try db.execute("SET ROLE outcomes_linker")
        defer { _ = try? db.execute("RESET ROLE") }
        return try LinkRunner(spec: spec, specFile: "test.yaml").run(on: db)
    }

    static func linked() throws -> PostgresConnection {
        let (db, _) = try TestDatabase.fresh()
        try load(trainingRecords + madeRecords, on: db)
        return db
    }

    /// The band [0.5, 0.995) on this index: persons 9 and 19's pairs with the typo in the first name
    /// (0.974), and person 0's records against K0-4 (0.994); the stranger X2 (0.04) is below it.
    static let band = spec(match: 0.995, review: 0.5)

    static func asLinker<T>(_ db: PostgresConnection, _ body: () throws -> T) throws -> T {
        try db.execute("SET ROLE outcomes_linker")
        defer { _ = try? db.execute("RESET ROLE") }
        return try body()
    }

    /// Each stored pair's probability, by its two source keys (left to right as record ids go).
    static func probabilities(on db: PostgresConnection) throws -> [String: Double] {
        var result: [String: Double] = [:]
        for row in try db.execute("""
            SELECT a.source_key, b.source_key, p.match_probability FROM linkage.pairs p
            JOIN linkage.identifiers a ON a.record_id = p.record_l JOIN linkage.identifiers b ON b.record_id = p.record_r
            """) {
            let a = try row.decode(String.self, at: 0), b = try row.decode(String.self, at: 1), p = try row.decode(Double.self, at: 2)
            result[a + "|" + b] = p
            result[b + "|" + a] = p
        }
        return result
    }

    @Test func exportsTheBandMostUncertainFirstWithLevelsAndOnlyDifferingValues() throws {
        let db = try Self.linked()
        _ = try Self.run(Self.band, on: db)
        let queue = try Self.asLinker(db) { try ClericalReview.queue(runID: nil, limit: nil, on: db) }
        #expect(queue.comparisons == ["first_name", "last_name", "birth_date", "ssn"])
        #expect(queue.pairsInBand == 7)
        let same = ("=", "=")
        let person0Birth = ("1950-01-03", "1950-05-20")
        // Hand-worked: the level of each comparison and the values only where they differ. Person 9
        // and 19's source 2 has the first name's last letter typed X; source 3's SSN has its first
        // two digits swapped (the same digits for person 19); K0-4 has no SSN.
        let expected: [(left: [String], right: [String], levels: [String], values: [(String, String)])] = [
            (["S1", "K9-1"], ["S2", "K9-2"], ["else", "exact (term frequency)", "exact", "exact"], [("OWEN", "OWEX"), same, same, same]),
            (["S1", "K19-1"], ["S2", "K19-2"], ["else", "exact (term frequency)", "exact", "exact"], [("ZANE", "ZANX"), same, same, same]),
            (["S2", "K19-2"], ["S3", "K19-3"], ["else", "exact (term frequency)", "exact", "exact"], [("ZANX", "ZANE"), same, same, same]),
            (["S2", "K9-2"], ["S3", "K9-3"], ["else", "exact (term frequency)", "exact", "ssn_transposition"], [("OWEX", "OWEN"), same, same, same]),
            (["S1", "K0-1"], ["S4", "K0-4"], ["exact", "exact (term frequency)", "same_year", "null"], [same, same, person0Birth, ("", "")]),
            (["S3", "K0-3"], ["S4", "K0-4"], ["exact", "exact (term frequency)", "same_year", "null"], [same, same, person0Birth, ("", "")]),
            (["S2", "K0-2"], ["S4", "K0-4"], ["jaro_winkler ≥ 0.9", "exact (term frequency)", "same_year", "null"],
             [("MARIX", "Maria"), same, person0Birth, ("", "")]),
        ]
        let probabilities = try Self.probabilities(on: db)
        #expect(queue.rows.count == expected.count)
        for (row, want) in zip(queue.rows, expected) {
            #expect([row.left.sourceSystem, row.left.sourceKey] == want.left && [row.right.sourceSystem, row.right.sourceKey] == want.right)
            #expect(row.levels == want.levels, "\(want.left) \(want.right)")
            #expect(row.values.map(\.left) == want.values.map(\.0) && row.values.map(\.right) == want.values.map(\.1), "\(want.left) \(want.right)")
            #expect(row.matchProbability == probabilities[row.left.sourceKey + "|" + row.right.sourceKey])
            #expect(row.matchProbability >= 0.5 && row.matchProbability < 0.995)
        }
        let distances = queue.rows.map { abs($0.matchProbability - 0.5) }
        #expect(distances == distances.sorted())

        // The file's header and first row exactly.
        let csv = queue.csvRows
        #expect(csv[0] == ["source_system_l", "source_key_l", "source_system_r", "source_key_r", "match_probability", "match_weight",
                           "first_name_level", "first_name_left", "first_name_right", "last_name_level", "last_name_left", "last_name_right",
                           "birth_date_level", "birth_date_left", "birth_date_right", "ssn_level", "ssn_left", "ssn_right", "decision", "note"])
        let first = queue.rows[0]
        #expect(csv[1] == ["S1", "K9-1", "S2", "K9-2", String(format: "%.4f", first.matchProbability), String(format: "%.2f", first.matchWeight),
                           "else", "OWEN", "OWEX", "exact (term frequency)", "=", "=", "exact", "=", "=", "exact", "=", "=", "", ""])

        let limited = try Self.asLinker(db) { try ClericalReview.queue(runID: nil, limit: 2, on: db) }
        #expect(limited.rows == Array(queue.rows.prefix(2)) && limited.pairsInBand == 7)
    }

    /// Over every scored pair (a band from almost 0 to almost 1): no SSN but its last four, and no
    /// value where the two records agree.
    @Test func theFileHoldsNoFullSSNAndNoAgreeingValue() throws {
        let db = try Self.linked()
        _ = try Self.run(Self.spec(match: 0.999999, review: 0.000001), on: db)
        let queue = try Self.asLinker(db) { try ClericalReview.queue(runID: nil, limit: nil, on: db) }
        #expect(queue.rows.count > 10)
        var text = CSVTextBuffer()
        for row in queue.csvRows { text.row(row) }
        let file = String(decoding: text.bytes, as: UTF8.self)
        for record in Self.trainingRecords + Self.madeRecords {
            guard let ssn = record.ssn, ssn.count == 9 else { continue }
            #expect(!file.contains(ssn) && !file.contains(ssn.prefix(5)), "\(record.key)'s SSN")
        }
        #expect(file.firstMatch(of: /[0-9]{5}/) == nil)
        #expect(queue.rows.contains { $0.values[3].left.hasPrefix("XXX-XX-") }, "some pair shows SSNs that differ")
        for row in queue.rows {
            for (level, value) in zip(row.levels, row.values) {
                let agreeing = value == ("=", "=")
                if level == ClericalReview.nullLevel {
                    #expect(value == ("", ""))
                } else {
                    #expect(agreeing || value.left != value.right, "\(row.left) \(row.right) \(level)")
                }
                if level.hasPrefix("exact") { #expect(agreeing) }
            }
        }
    }

    @Test func aRunOtherThanTheLatestOrNoRunIsRefused() throws {
        let db = try Self.linked()
        #expect(throws: ReviewQueueError(.noLinkRun)) { try Self.asLinker(db) { try ClericalReview.queue(runID: nil, limit: nil, on: db) } }
        let first = try Self.run(Self.band, on: db)
        let second = try Self.run(Self.band, on: db)
        #expect(throws: ReviewQueueError(.pairsNotKept(run: first.runID, latest: second.runID))) {
            try Self.asLinker(db) { try ClericalReview.queue(runID: first.runID, limit: nil, on: db) }
        }
        #expect(throws: ReviewQueueError(.noSuchRun(second.runID + 1))) {
            try Self.asLinker(db) { try ClericalReview.queue(runID: second.runID + 1, limit: nil, on: db) }
        }
    }

    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString).csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Person ids by source key.
    static func persons(on db: PostgresConnection) throws -> [String: Int] {
        try LinkRunnerTests.persons(on: db)
    }

    @Test func labelsOverrideTheModelAndPersistAcrossRuns() throws {
        let db = try Self.linked()
        _ = try Self.run(Self.band, on: db)
        var ids = try Self.persons(on: db)
        // Before: K0-4 stays apart from person 0 (0.994 < 0.995); T-1 and T-2 are one person.
        #expect(ids["K0-4"] != ids["K0-1"] && ids["T-1"] == ids["T-2"])

        // A pair in the band labelled match; a linked pair, written right to left, labelled non_match.
        let path = try Self.write("""
            source_system_l,source_key_l,source_system_r,source_key_r,decision,note
            S1,K0-1,S4,K0-4,match,same DOB year; name agrees
            S6,T-2,S5,T-1,non_match,
            S1,K9-1,S2,K9-2,,

            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try ClericalReviewImport.read(path: path)
        let imported = try Self.asLinker(db) { try ClericalReview.importLabels(file, path: path, on: db) }
        #expect(imported == .init(matches: 1, nonMatches: 1, inserted: 2, updated: 0, undecidedRows: 1))
        let labels = try db.execute("""
            SELECT source_system_l || '/' || source_key_l, source_system_r || '/' || source_key_r, decision, note, decided_by = session_user
            FROM linkage.labels ORDER BY 1
            """).map { [try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1), try $0.decode(String.self, at: 2),
                        try $0.decode(String?.self, at: 3) ?? "-", String(try $0.decode(Bool.self, at: 4))] }
        #expect(labels == [["S1/K0-1", "S4/K0-4", "match", "same DOB year; name agrees", "true"], ["S5/T-1", "S6/T-2", "non_match", "-", "true"]])
        let audit = try db.execute("SELECT details->>'matches', details->>'non_matches', details->>'inserted' FROM linkage.audit_log WHERE action = 'labels'")
            .map { [try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1), try $0.decode(String.self, at: 2)] }
        #expect(audit == [["1", "1", "2"]])

        // The labelled pair leaves the queue.
        let queue = try Self.asLinker(db) { try ClericalReview.queue(runID: nil, limit: nil, on: db) }
        #expect(queue.rows.count == 6 && !queue.rows.contains { $0.left.sourceKey == "K0-1" && $0.right.sourceKey == "K0-4" })

        // The next runs follow the labels, and keep following them.
        for _ in 1...2 {
            _ = try Self.run(Self.band, on: db)
            ids = try Self.persons(on: db)
            #expect(ids["K0-4"] == ids["K0-1"] && ids["K0-4"] == ids["K0-3"])
            #expect(ids["T-1"] != nil && ids["T-2"] != nil && ids["T-1"] != ids["T-2"])
        }

        // Importing the other decision replaces the label.
        let again = try Self.write("source_system_l,source_key_l,source_system_r,source_key_r,decision\nS4,K0-4,S1,K0-1,non_match\n")
        defer { try? FileManager.default.removeItem(atPath: again) }
        let replaced = try Self.asLinker(db) { try ClericalReview.importLabels(try ClericalReviewImport.read(path: again), path: again, on: db) }
        #expect(replaced == .init(matches: 0, nonMatches: 1, inserted: 0, updated: 1, undecidedRows: 0))
        #expect(try db.execute("SELECT decision FROM linkage.labels WHERE source_key_r = 'K0-4'").scalar(String.self) == "non_match")
    }

    @Test func aRecordTheIndexDoesNotHoldIsAnErrorAtItsLineAndNothingIsImported() throws {
        let db = try Self.linked()
        let path = try Self.write("""
            source_system_l,source_key_l,source_system_r,source_key_r,decision
            S1,K0-1,S4,K0-4,match
            S2,K0-2,S9,NOPE,non_match

            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try ClericalReviewImport.read(path: path)
        #expect(throws: ClericalReviewError(file: path, line: 3, code: .unknownRecord("S9/NOPE"))) {
            try Self.asLinker(db) { try ClericalReview.importLabels(file, path: path, on: db) }
        }
        #expect(try db.execute("SELECT count(*) FROM linkage.labels").scalar(Int.self) == 0)
        #expect(try db.execute("SELECT count(*) FROM linkage.audit_log WHERE action = 'labels'").scalar(Int.self) == 0)
    }
}
