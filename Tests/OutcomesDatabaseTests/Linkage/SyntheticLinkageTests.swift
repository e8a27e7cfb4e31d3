import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// The synthetic agency extracts (`outcomes synth --persons 3000 --seed 7 --identifiers DIR --noise L`)
/// linked with scenarios/linkage/agencies.yaml at each noise level, against the truth and against
/// Splink 5 on the same files with the same model (reference/linkage/splink_synthetic.py, whose
/// JSON is committed): F1 by noise level, link rates by group, and λ, m and u.
@Suite(.serialized) struct SyntheticLinkageTests {
    static let persons = 3_000, seed: UInt64 = 7

    struct GroupRate: Sendable {
        var group: String
        var value: String
        var records: Int
        var linked: Double
        var truth: Double
    }

    struct Outcome: Sendable {
        var pairwise: FEBRLLinkageTests.Scores
        var clustered: FEBRLLinkageTests.Scores
        var model: LinkageModel
        var linkRates: [GroupRate]
    }

    /// Splink's numbers for one noise level, as splink_synthetic.py wrote them.
    struct SplinkReference: Decodable {
        struct Scores: Decodable { var f1: Double }
        struct Best: Decodable { var pairwise: Double; var clustered: Double }
        struct Comparison: Decodable { var name: String; var m: [Double?]; var u: [Double?] }
        var records: Int
        var pairwise: Scores
        var clustered: Scores
        var best: Best
        var lambda: Double
        var comparisons: [Comparison]

        static func of(_ level: IdentifierNoiseLevel) throws -> SplinkReference {
            let file = FEBRLLinkageTests.reference.appendingPathComponent("splink_synthetic_\(level.rawValue).json")
            return try JSONDecoder().decode(SplinkReference.self, from: Data(contentsOf: file))
        }
    }

    /// Every noise level linked once, in its own database.
    static let outcomes: Result<[IdentifierNoiseLevel: Outcome], Error> = Result {
        var result: [IdentifierNoiseLevel: Outcome] = [:]
        for level in IdentifierNoiseLevel.allCases { result[level] = try link(level) }
        return result
    }

    static func outcome(_ level: IdentifierNoiseLevel) throws -> Outcome {
        try #require(try outcomes.get()[level])
    }

    /// Writes the identifier extract and truth as `outcomes synth --identifiers` does.
    static func writeExtracts(_ level: IdentifierNoiseLevel) throws -> URL {
        let folder = TestDatabase.scratchDirectory("synthetic-\(level.rawValue)")
        var files: [SyntheticExtractFile: [UInt8]] = [:]
        try SyntheticExtractWriter(ids: SyntheticIDS(persons: persons, seed: seed), noise: .level(level))
            .write { file, bytes in files[file, default: []] += bytes }
        for file in [SyntheticExtractFile.identifierSourceSystems, .identifiers, .truth] {
            let url = folder.appendingPathComponent(file.rawValue)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(files[file] ?? []).write(to: url)
        }
        return folder
    }

    static func link(_ level: IdentifierNoiseLevel) throws -> Outcome {
        let folder = try writeExtracts(level)
        let (db, _) = try TestDatabase.fresh()
        _ = try ExtractLoader(directory: folder.appendingPathComponent("identifiers")).load(into: db)
        try db.execute("CREATE TEMP TABLE truth (source_system text, source_key text, entity text)")
        var reader = try CSVReader(path: folder.appendingPathComponent("truth.csv").path)
        _ = try reader.next()
        var truth: [[String]] = []
        while let record = try reader.next() { truth.append(record.fields) }
        try db.execute("""
            INSERT INTO truth SELECT * FROM unnest(\(truth.map { $0[0] })::text[], \(truth.map { $0[1] })::text[], \(truth.map { $0[2] })::text[])
            """)
        let spec = try LinkageSpec.read(path: Checkout.scenarios.appendingPathComponent("linkage/agencies.yaml").path)
        try LinkageFunctions.ensure(on: db)
        try db.execute("SET ROLE outcomes_linker")
        let run = try LinkRunner(spec: spec, specFile: "agencies.yaml").run(on: db)
        try db.execute("RESET ROLE")
        let truePairs = try db.execute("SELECT coalesce(sum(n * (n - 1) / 2), 0)::bigint FROM (SELECT count(*) AS n FROM truth GROUP BY entity) g")
            .scalar(Int.self)
        let pairwise = try #require(try db.execute("""
            SELECT count(*) FILTER (WHERE ta.entity = tb.entity), count(*)
            FROM linkage.pairs p
            JOIN linkage.identifiers a ON a.record_id = p.record_l JOIN linkage.identifiers b ON b.record_id = p.record_r
            JOIN truth ta ON ta.source_system = a.source_system AND ta.source_key = a.source_key
            JOIN truth tb ON tb.source_system = b.source_system AND tb.source_key = b.source_key
            WHERE p.run_id = \(run.runID) AND p.match_probability >= \(spec.thresholds.match)
            """).first { _ in true })
        let clustered = try #require(try db.execute("""
            SELECT count(*) FILTER (WHERE ta.entity = tb.entity), count(*)
            FROM ids.source_links a JOIN ids.source_links b
              ON b.person_id = a.person_id AND (a.source_system, a.source_key) < (b.source_system, b.source_key)
            JOIN truth ta ON ta.source_system = a.source_system AND ta.source_key = a.source_key
            JOIN truth tb ON tb.source_system = b.source_system AND tb.source_key = b.source_key
            """).first { _ in true })
        // A record is linked when its person holds another record; in the truth, when its entity does.
        var rates: [GroupRate] = []
        for row in try db.execute("""
            WITH ours AS (SELECT source_system, source_key, count(*) OVER (PARTITION BY person_id) > 1 AS linked FROM ids.source_links),
                 real AS (SELECT source_system, source_key, count(*) OVER (PARTITION BY entity) > 1 AS linked FROM truth)
            SELECT g.grp, g.value, count(*)::bigint, avg(o.linked::int)::float8, avg(t.linked::int)::float8
            FROM linkage.identifiers i
            JOIN ours o USING (source_system, source_key) JOIN real t USING (source_system, source_key)
            CROSS JOIN LATERAL (VALUES ('source_system', i.source_system), ('race_ethnicity', coalesce(i.race_ethnicity, '(none)')),
                                       ('sex', coalesce(i.sex, '(none)'))) g(grp, value)
            GROUP BY 1, 2 ORDER BY 1, 2
            """) {
            rates.append(GroupRate(group: try row.decode(String.self, at: 0), value: try row.decode(String.self, at: 1),
                                   records: try row.decode(Int.self, at: 2), linked: try row.decode(Double.self, at: 3),
                                   truth: try row.decode(Double.self, at: 4)))
        }
        return Outcome(
            pairwise: .init(truePositives: try pairwise.decode(Int.self, at: 0), predicted: try pairwise.decode(Int.self, at: 1), truePairs: truePairs),
            clustered: .init(truePositives: try clustered.decode(Int.self, at: 0), predicted: try clustered.decode(Int.self, at: 1), truePairs: truePairs),
            model: run.model, linkRates: rates)
    }

    @Test(arguments: IdentifierNoiseLevel.allCases)
    func linksAsWellAsSplink(_ level: IdentifierNoiseLevel) throws {
        let ours = try Self.outcome(level), splink = try SplinkReference.of(level)
        #expect(ours.linkRates.filter { $0.group == "source_system" }.map(\.records).reduce(0, +) == splink.records)
        #expect(ours.pairwise.f1 >= splink.best.pairwise - 0.005, "pairwise \(ours.pairwise) against Splink's best \(splink.best.pairwise)")
        #expect(ours.clustered.f1 >= splink.best.clustered - 0.005, "clustered \(ours.clustered) against Splink's best \(splink.best.clustered)")
    }

    @Test func f1DoesNotRiseWithNoise() throws {
        let levels: [IdentifierNoiseLevel] = [.low, .medium, .high]
        let pairwise = try levels.map { try Self.outcome($0).pairwise.f1 }
        let clustered = try levels.map { try Self.outcome($0).clustered.f1 }
        #expect(pairwise == pairwise.sorted(by: >), "pairwise F1 low, medium, high: \(pairwise)")
        #expect(clustered == clustered.sorted(by: >), "clustered F1 low, medium, high: \(clustered)")
    }

    /// Uneven linkage biases what is built on it, so each group's link rate must be the truth's
    /// within `linkRateTolerance` (groups of 100 records or more; smaller ones are too few to say).
    static let linkRateTolerance = 0.02

    @Test(arguments: IdentifierNoiseLevel.allCases)
    func linkRatesByGroupMatchTheTruth(_ level: IdentifierNoiseLevel) throws {
        let rates = try Self.outcome(level).linkRates
        #expect(Set(rates.map(\.group)) == ["source_system", "race_ethnicity", "sex"])
        for rate in rates where rate.records >= 100 {
            #expect(abs(rate.linked - rate.truth) <= Self.linkRateTolerance,
                    "\(level) \(rate.group)=\(rate.value): linked \(rate.linked), truth \(rate.truth) of \(rate.records) records")
        }
    }

    /// λ comes from the same deterministic rules over the same records: equal but for rounding.
    /// m comes from EM over the same sessions, starting from u that differ by sampling: within 0.02.
    /// u comes from different random samples of a million pairs (ours: every pair among seeded
    /// records; Splink's: its own sampler): within four binomial standard errors of a million
    /// pairs, sqrt(u(1−u)/10⁶), plus 10% of u for the pairs a sample of records shares (levels
    /// Splink never observed hold no value to compare).
    static let mTolerance = 0.02

    @Test(arguments: IdentifierNoiseLevel.allCases)
    func lambdaMAndUAgreeWithSplink(_ level: IdentifierNoiseLevel) throws {
        let model = try Self.outcome(level).model, splink = try SplinkReference.of(level)
        #expect(abs(model.lambda - splink.lambda) <= 1e-6 * splink.lambda, "λ \(model.lambda) against \(splink.lambda)")
        #expect(model.comparisons.map(\.name) == splink.comparisons.map(\.name))
        for (ours, theirs) in zip(model.comparisons, splink.comparisons) {
            #expect(ours.m.count == theirs.m.count && ours.u.count == theirs.u.count, "\(ours.name) levels")
            for (level, (m, u)) in zip(ours.m, ours.u).enumerated() where level < theirs.m.count {
                if let theirM = theirs.m[level] {
                    #expect(abs(m - theirM) <= Self.mTolerance, "\(ours.name) level \(ours.levels[level]): m \(m) against \(theirM)")
                }
                if let theirU = theirs.u[level] {
                    let tolerance = 4 * (theirU * (1 - theirU) / 1e6).squareRoot() + 0.1 * theirU
                    #expect(abs(u - theirU) <= tolerance, "\(ours.name) level \(ours.levels[level]): u \(u) against \(theirU)")
                }
            }
        }
    }
}
