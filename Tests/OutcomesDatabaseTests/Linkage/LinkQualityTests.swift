import Foundation
import OutcomesDomain
import OutcomesStatistics
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// `outcomes link report`'s figures on a small hand-made index, each worked by hand.
///
/// 16 people (p0–p15), well separated (each born in a year of their own, 1950 + 2p):
/// - p0–p2: a record in S1, S2 and S3; S3's disagrees: p0's says M (p0 is F), p1's has day and
///   month swapped, p2's is a year later (blocked by SSN last four only);
/// - p3–p9: a record in S1 and S2;
/// - p10, p11: two records in S1 (a duplicate under two keys);
/// - p12–p14: one record in S3;
/// - p15: a record in S2, and one in S3 born a year later (year only) without an SSN: no blocking
///   rule proposes the pair, so the index keeps them apart — a true pair missed.
/// Race: p0–p5 "Black", p6–p11 "White", p12–p15 "Hispanic"; sex F for even p, M for odd.
/// 32 records, 18 candidate pairs (all true), 17 persons in the index.
@Suite(.serialized) struct LinkQualityTests {
    static func person(_ p: Int, source s: Int, key: String? = nil) -> [String?] {
        var first = LinkRunnerTests.firstNames[p]
        if s == 2 { first = String(first.dropLast()) + "X" }
        let ssn = String(format: "%03d%02d%04d", 100 + p, 10 + p, 1000 + p * 7)
        var birth = String(format: "19%02d-%02d-%02d", 50 + p * 2, 1 + p % 12, 3 + p)
        var sex = p % 2 == 0 ? "F" : "M"
        if s == 3 && p == 0 { sex = "M" }
        if s == 3 && p == 1 { birth = String(format: "1952-%02d-%02d", 4, 2) }
        if s == 3 && p == 2 { birth = "1955-03-05" }
        let race = p < 6 ? "Black" : p < 12 ? "White" : "Hispanic"
        var record: [String?] = ["S\(s)", key ?? "K\(p)-\(s)", first, LinkRunnerTests.lastNames[p], birth, ssn, sex, race]
        if p == 15 && s == 3 { (record[4], record[5]) = ("1981", nil) }
        return record
    }

    static let records: [[String?]] = {
        var records: [[String?]] = []
        for p in 0...2 { records += (1...3).map { person(p, source: $0) } }
        for p in 3...9 { records += (1...2).map { person(p, source: $0) } }
        for p in 10...11 { records += ["a", "b"].map { person(p, source: 1, key: "K\(p)-1\($0)") } }
        for p in 12...14 { records.append(person(p, source: 3)) }
        return records + [person(15, source: 2), person(15, source: 3)]
    }()

    static func load(_ records: [[String?]], on db: PostgresConnection) throws {
        try db.transaction { db in
            let load = try db.execute("INSERT INTO ids.data_loads (kind, description) VALUES ('extract', 'test identifiers') RETURNING load_id")
                .scalar(Int.self)
            try db.execute("SELECT set_config('outcomes.load_id', \(String(load)), true)")
            for source in ["S1", "S2", "S3"] {
                try db.execute("INSERT INTO ids.source_systems VALUES (\(source), \(source), 'test', NULL) ON CONFLICT DO NOTHING")
            }
            for r in records {
                let date = r[4]!.count == 10 ? LocalDate(iso: r[4]!) : nil
                let year = Int(r[4]!.prefix(4))!
                try db.execute("""
                    INSERT INTO linkage.identifiers (source_system, source_key, first_name, last_name, birth_date, birth_year, birth_month,
                                                     ssn, ssn_last4, sex, race_ethnicity)
                    VALUES (\(r[0]), \(r[1]), \(r[2]), \(r[3]), \(date), \(year), extract(month FROM \(date)::date), \(r[5]),
                            right(\(r[5])::text, 4), \(r[6]), \(r[7]))
                    """)
            }
            try db.execute("UPDATE ids.data_loads SET content_hash = repeat('0', 64), finished_at = now() WHERE load_id = \(load)")
        }
    }

    /// Links the index and pins the run's date (ages are taken on it) to 2026-06-30.
    static func linked() throws -> (PostgresConnection, LinkRunReport) {
        let (db, _) = try TestDatabase.fresh()
        try load(records, on: db)
        let report = try LinkRunnerTests.run(on: db)
        // A finished run's record is immutable (linkage.finish_once): the test's superuser lifts that for the fixture.
        try db.execute("ALTER TABLE linkage.runs DISABLE TRIGGER runs_finish_once")
        try db.execute("UPDATE linkage.runs SET started_at = '2026-06-30 12:00+00' WHERE run_id = \(report.runID)")
        try db.execute("ALTER TABLE linkage.runs ENABLE TRIGGER runs_finish_once")
        return (db, report)
    }

    static func person(ofKey key: String, on db: PostgresConnection) throws -> Int {
        try db.execute("SELECT person_id FROM ids.source_links WHERE source_key = \(key)").scalar(Int.self)
    }

    static func counts(_ group: String, _ across: Int, _ within: Int, _ unlinked: Int) -> LinkRateTable.Counts {
        LinkRateTable.Counts(group: group, acrossSources: across, withinSourceOnly: within, unlinked: unlinked)
    }

    @Test func linkRatesClustersAndConflictsOfTheLatestRun() throws {
        let (db, report) = try Self.linked()
        #expect(report.records == 32 && report.candidatePairs == 18 && report.assignment.persons == 17)
        try db.execute("SET ROLE outcomes_linker")
        let quality = try LinkQuality.read(run: nil, on: db)
        #expect(quality.run.runID == report.runID && quality.run.isLatest && quality.run.matchThreshold == 0.9 && quality.run.reviewThreshold == 0.5)
        #expect(quality.run.runDate == LocalDate(iso: "2026-06-30"))
        let index = try #require(quality.index)
        #expect(index.recordsNotInIndex == 0)
        // S1: p0–p9 across, p10–p11's four within; S2: p0–p9 across, p15 alone; S3: p0–p2 across, p12–p14 and p15 alone.
        #expect(index.linkCounts[.sourceSystem] == [Self.counts("S1", 10, 4, 0), Self.counts("S2", 10, 0, 1), Self.counts("S3", 3, 0, 4)])
        #expect(index.linkCounts[.raceEthnicity] == [Self.counts("Black", 15, 0, 0), Self.counts("Hispanic", 0, 0, 5), Self.counts("White", 8, 4, 0)])
        // p0's S3 record says M, but two of its three say F: the person is F.
        #expect(index.linkCounts[.sex] == [Self.counts("F", 12, 2, 2), Self.counts("M", 11, 2, 3)])
        // On 2026-06-30: p0–p5 are 66–76; p6 (born 1962-07-09) is 63 … p10 (1970-11-13) 55; p11 (1972-12-14) is 53,
        // p12–p14 48–52, p15 46 (S2, 1980-04-18) and 45 (S3, born 1981).
        #expect(index.linkCounts[.ageBand] == [Self.counts("45-54", 0, 2, 5), Self.counts("55-64", 8, 2, 0), Self.counts("65 and over", 15, 0, 0)])
        #expect(index.personsByRecords == [.init(size: 1, persons: 5), .init(size: 2, persons: 9), .init(size: 3, persons: 3)])
        #expect(index.personsBySources == [.init(size: 1, persons: 7), .init(size: 2, persons: 7), .init(size: 3, persons: 3)])
        #expect(index.conflicts == [.sex: 1, .birthDate: 1, .birthYear: 1])
        let expected: [LinkQuality.Conflict] = [
            .init(personID: try Self.person(ofKey: "K0-1", on: db), kind: .sex),
            .init(personID: try Self.person(ofKey: "K1-1", on: db), kind: .birthDate),
            .init(personID: try Self.person(ofKey: "K2-1", on: db), kind: .birthYear),
        ].sorted { $0.personID < $1.personID }
        #expect(index.conflictExamples == expected)
        // Every candidate pair is binned once; the scored pairs are linkage.pairs.
        #expect(quality.candidateWeights.map(\.pairs).reduce(0, +) == 18)
        #expect(index.scoredWeights.map(\.pairs).reduce(0, +) == (try db.execute("SELECT count(*) FROM linkage.pairs").scalar(Int.self)))
        _ = try db.execute("RESET ROLE")
    }

    static func shown(_ row: LinkRateTable.Row) -> [String] {
        [row.group ?? "(all)"] + [row.records, row.linkedAcrossSources, row.linked].map { $0.map(String.init) ?? "-" }
    }

    /// Rows with a count of 1 or 2 are hidden at threshold 3, and the smallest other row with them when the total would give it away.
    @Test func linkRateSuppression() {
        let policy = SmallCellPolicy(threshold: 3)
        let bySource = LinkRateTable(groups: [Self.counts("S1", 10, 4, 0), Self.counts("S2", 10, 0, 1), Self.counts("S3", 3, 0, 4)], policy: policy)
        // S2's one unlinked record (11 − 10) is small; with S2 hidden, (all) − S1 − S3 would give it: S3 (the smaller) goes too.
        #expect(bySource.rows.map(\.suppressed) == [false, true, true, false])
        #expect(Self.shown(bySource.rows[0]) == ["S1", "14", "10", "14"])
        #expect(Self.shown(bySource.rows[1]) == ["S2", "-", "-", "-"])
        #expect(Self.shown(bySource.rows[3]) == ["(all)", "32", "23", "27"])
        #expect(bySource.rows[0].rateAcrossSources == 10.0 / 14)
        let byRace = LinkRateTable(groups: [Self.counts("Black", 15, 0, 0), Self.counts("Hispanic", 0, 0, 5), Self.counts("White", 8, 4, 0)], policy: policy)
        #expect(byRace.rows.map(\.suppressed) == [false, false, false, false])
        #expect(byRace.rows[1].rate == 0 && byRace.rows[2].rate == 1)
        // Both sexes hold a small count; their sum in (all) does not give either away.
        let bySex = LinkRateTable(groups: [Self.counts("F", 12, 2, 2), Self.counts("M", 11, 2, 3)], policy: policy)
        #expect(bySex.rows.map(\.suppressed) == [true, true, false])
        #expect(LinkRateTable(groups: [Self.counts("F", 12, 2, 2), Self.counts("M", 11, 2, 3)], policy: .none).rows.map(\.suppressed) == [false, false, false])
    }

    /// fastLink's estimates, worked from the stored pattern counts and the stored model's λ, m and u.
    @Test func estimatedErrorsFromTheStoredPatternCounts() throws {
        let (db, report) = try Self.linked()
        let model = try JSONSerialization.jsonObject(with: Data(try db.execute("SELECT model::text FROM linkage.runs").scalar(String.self).utf8)) as! [String: Any]
        let lambda = model["lambda"] as! Double
        let comparisons = model["comparisons"] as! [[String: Any]]
        var falseDiscoveries = 0.0, accepted = 0.0, matches = 0.0, missed = 0.0
        for row in try db.execute("SELECT pattern, pairs FROM linkage.pattern_counts WHERE run_id = \(report.runID)") {
            let pattern = try row.decode(Int.self, at: 0), pairs = Double(try row.decode(Int.self, at: 1))
            var weight = log2(lambda / (1 - lambda))
            for (index, comparison) in comparisons.enumerated() {
                let level = (pattern >> (4 * index)) & 15
                guard level > 0 else { continue }
                weight += log2((comparison["m"] as! [Double])[level - 1] / (comparison["u"] as! [Double])[level - 1])
            }
            let p = pow(2, weight) / (1 + pow(2, weight))
            matches += pairs * p
            if p >= 0.9 { (accepted, falseDiscoveries) = (accepted + pairs, falseDiscoveries + pairs * (1 - p)) } else { missed += pairs * p }
        }
        let errors = try LinkQuality.read(run: nil, on: db).estimatedErrors
        #expect(errors.pairsAccepted == accepted && accepted > 0)
        #expect(abs(errors.falseDiscoveryRate - falseDiscoveries / accepted) < 1e-12)
        #expect(abs(errors.falseNegativeRate - missed / matches) < 1e-12)
    }

    /// Truth clusters: 19 true pairs (p0–p2 three each, p3–p11 one each, p15's one never proposed); the index's clusters hold the
    /// 18 proposed ones. Pair decisions count the labelled pairs only.
    @Test func precisionAndRecallAgainstLabels() throws {
        let (db, _) = try Self.linked()
        let folder = TestDatabase.scratchDirectory("link-labels")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let truthFile = folder.appendingPathComponent("truth.csv")
        // Columns in another order than truth.csv's: the header names them.
        let truth = ["entity,source_system,source_key"] + Self.records.map { r in "p\(r[1]!.dropFirst().prefix { $0 != "-" }),\(r[0]!),\(r[1]!)" }
        try Data(truth.joined(separator: "\n").utf8).write(to: truthFile)
        let run = try LinkQuality.read(run: nil, on: db).run
        let evaluation = try LinkLabelEvaluation.evaluate(try LinkageLabels.read(path: truthFile.path), file: truthFile.path, run: run, on: db)
        #expect(evaluation.form == .truth && evaluation.labels == 32)
        #expect(evaluation.clustered == LinkageScores(truePositives: 18, predictedPairs: 18, truePairs: 19))
        #expect(evaluation.clustered.f1 == 36.0 / 37)
        let scored = try db.execute("SELECT count(*) FROM linkage.pairs WHERE match_probability >= 0.9").scalar(Int.self)
        #expect(scored == 18, "every proposed pair of this index scores a match")
        #expect(evaluation.pairwise == LinkageScores(truePositives: 18, predictedPairs: 18, truePairs: 19))

        let decisionsFile = folder.appendingPathComponent("decisions.csv")
        try Data("""
            source_system_l,source_key_l,source_system_r,source_key_r,decision
            S2,K3-2,S1,K3-1,match
            S2,K15-2,S3,K15-3,match
            S1,K3-1,S1,K4-1,non_match
            S1,K10-1a,S1,K10-1b,non_match
            """.utf8).write(to: decisionsFile)
        let decided = try LinkLabelEvaluation.evaluate(try LinkageLabels.read(path: decisionsFile.path), file: decisionsFile.path, run: run, on: db)
        // Predicted among the labelled: p3's pair (a match) and p10's (labelled non_match); p15's match is missed.
        #expect(decided.labels == 4)
        #expect(decided.pairwise == LinkageScores(truePositives: 1, predictedPairs: 2, truePairs: 2))
        #expect(decided.clustered == LinkageScores(truePositives: 1, predictedPairs: 2, truePairs: 2))

        let unknownFile = folder.appendingPathComponent("unknown.csv")
        try Data("source_system,source_key,entity\nS1,K0-1,a\nS9,nope,a\n".utf8).write(to: unknownFile)
        #expect(throws: LinkageLabelsError(file: unknownFile.path, line: 3, code: .unknownRecord(.init("S9", "nope")))) {
            try LinkLabelEvaluation.evaluate(try LinkageLabels.read(path: unknownFile.path), file: unknownFile.path, run: run, on: db)
        }
    }

    /// The same scores as reference/linkage/linkage_metrics.py computes from the run's pairs and clusters, on a truth that
    /// disagrees with the index (p3's records said to be two people, p12 and p13 one): false positives and misses both ways.
    @Test func scoresMatchTheReferenceDefinition() throws {
        let python = try #require(Checkout.python, "Python is needed: set OUTCOMES_PYTHON or run .ci/run's venv step")
        let (db, _) = try Self.linked()
        let folder = TestDatabase.scratchDirectory("link-labels-reference")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let entities = Self.records.map { r -> [String] in
            let key = r[1]!
            let entity = key == "K3-2" ? "p3b" : key == "K13-3" ? "p12" : "p\(key.dropFirst().prefix { $0 != "-" })"
            return [r[0]!, key, entity]
        }
        let truthFile = folder.appendingPathComponent("truth.csv")
        try Data((["source_system,source_key,entity"] + entities.map { $0.joined(separator: ",") }).joined(separator: "\n").utf8).write(to: truthFile)
        let run = try LinkQuality.read(run: nil, on: db).run
        let ours = try LinkLabelEvaluation.evaluate(try LinkageLabels.read(path: truthFile.path), file: truthFile.path, run: run, on: db)

        var predicted: [[[String]]] = [], clusters: [[String]] = []
        for row in try db.execute("""
            SELECT a.source_system, a.source_key, b.source_system, b.source_key FROM linkage.pairs p
            JOIN linkage.identifiers a ON a.record_id = p.record_l JOIN linkage.identifiers b ON b.record_id = p.record_r
            WHERE p.match_probability >= \(run.matchThreshold)
            """) {
            predicted.append([[try row.decode(at: 0), try row.decode(at: 1)], [try row.decode(at: 2), try row.decode(at: 3)]])
        }
        for row in try db.execute("SELECT source_system, source_key, person_id::text FROM ids.source_links") {
            clusters.append([try row.decode(at: 0), try row.decode(at: 1), try row.decode(at: 2)])
        }
        let input = folder.appendingPathComponent("input.json")
        try JSONSerialization.data(withJSONObject: ["entities": entities, "predicted": predicted, "clusters": clusters]).write(to: input)
        let script = """
            import json, sys
            sys.path.insert(0, sys.argv[1])
            import linkage_metrics as m
            data = json.load(open(sys.argv[2]))
            entity_of = {(s, k): e for s, k, e in data["entities"]}
            cluster_of = {(s, k): c for s, k, c in data["clusters"]}
            pairs = [(tuple(a), tuple(b)) for a, b in data["predicted"]]
            print(json.dumps({"pairwise": m.pairwise_scores(pairs, entity_of).as_dict(), "clustered": m.clustered_scores(cluster_of, entity_of).as_dict()}))
            """
        let result = try ProcessRunner.run(python, ["-c", script, FEBRLLinkageTests.reference.path, input.path],
                                           environment: ["HOME": NSTemporaryDirectory()], separateErrors: true)
        #expect(result.status == 0, "\(result.errors)")
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: [String: Any]])
        for (name, scores) in [("pairwise", ours.pairwise), ("clustered", ours.clustered)] {
            let theirs = try #require(reference[name])
            #expect(theirs["true_positives"] as? Int == scores.truePositives && theirs["predicted_pairs"] as? Int == scores.predictedPairs
                    && theirs["true_pairs"] as? Int == scores.truePairs, "\(name): \(theirs) against \(scores)")
            // Foundation's JSON reader may round a double's last bit differently from Python's writer.
            for (key, value) in [("precision", scores.precision), ("recall", scores.recall), ("f1", scores.f1)] {
                #expect(abs(((theirs[key] as? NSNumber)?.doubleValue ?? -1) - value) < 1e-12, "\(name) \(key): \(theirs) against \(value)")
            }
        }
        // By hand: true pairs 19 − p3's 1 + p12–p13's 1 = 19; the index's 18 pairs hold 17 of them.
        #expect(ours.clustered == LinkageScores(truePositives: 17, predictedPairs: 18, truePairs: 19))
    }

    @Test func anEarlierRunHasNoIndexTablesAndNoRunIsAnError() throws {
        let (db, _) = try TestDatabase.fresh()
        #expect(throws: LinkReportError(.noLinkRun)) { try LinkQuality.read(run: nil, on: db) }
        try Self.load(Self.records, on: db)
        let first = try LinkRunnerTests.run(on: db)
        let second = try LinkRunnerTests.run(on: db)
        let earlier = try LinkQuality.read(run: first.runID, on: db)
        #expect(earlier.index == nil && earlier.run.latestRunID == second.runID)
        #expect(earlier.candidateWeights.map(\.pairs).reduce(0, +) == 18)
        #expect(throws: LinkReportError(.noSuchRun(99, latest: second.runID))) { try LinkQuality.read(run: 99, on: db) }
    }
}
