import Foundation
import OutcomesDomain
import OutcomesStatistics
import PostgresClient

/// The quality an IDS owes its users about one link run (`outcomes link report`), read by
/// set-based queries: link rates by source system and by person group, the distribution of match
/// weights, unlabelled error estimates, cluster sizes and clusters whose records disagree.
///
/// What comes from the run's own stored rows (the model, the pattern counts) is there for any run;
/// what comes from the index as it stands (ids.source_links, ids.persons, linkage.pairs) describes
/// the latest run only, so `index` is nil for an earlier one.
public struct LinkQuality: Sendable {
    public struct Run: Sendable, Equatable {
        public var runID: Int
        public var specID: String
        public var specSHA256: String
        /// The day the run started: ages are taken on it.
        public var runDate: LocalDate
        /// Match probabilities: pairs at or above `matchThreshold` link, at or above `reviewThreshold` are kept.
        public var matchThreshold: Double
        public var reviewThreshold: Double
        public var records: Int
        public var candidatePairs: Int
        public var latestRunID: Int
        public var isLatest: Bool { runID == latestRunID }
    }

    /// A breakdown of link rates.
    public enum Breakdown: String, Sendable, CaseIterable {
        case sourceSystem = "source_system", raceEthnicity = "race_ethnicity", sex, ageBand = "age_band"
    }

    /// Pairs whose match weight (log2 of the odds of a match) is in [lower, lower + width).
    public struct WeightBin: Sendable, Equatable {
        public var lower: Double
        public var pairs: Int
    }

    /// Persons by how many records (or source systems) they hold.
    public struct SizeCount: Sendable, Equatable {
        public var size: Int
        public var persons: Int
    }

    /// Records of one person that disagree: two birth years, two full dates of birth in one year, or F and M.
    public enum ConflictKind: String, Sendable, CaseIterable {
        case birthYear = "birth_year", birthDate = "birth_date", sex
    }

    public struct Conflict: Sendable, Equatable {
        public var personID: Int
        public var kind: ConflictKind
    }

    /// What the index as it stands says (the latest run's persons and pairs).
    public struct IndexQuality: Sendable {
        /// Per breakdown, each group's records by how far they are linked (in the breakdown's order).
        public var linkCounts: [Breakdown: [LinkRateTable.Counts]]
        /// Identifier records no source link holds (loaded after the run).
        public var recordsNotInIndex: Int
        /// The pairs at or above the review threshold, by match weight with term-frequency adjustments.
        public var scoredWeights: [WeightBin]
        public var personsByRecords: [SizeCount]
        public var personsBySources: [SizeCount]
        public var conflicts: [ConflictKind: Int]
        /// The first persons with a conflict, by person id (pseudonymous; at most `conflictListLength`).
        public var conflictExamples: [Conflict]
    }

    public var run: Run
    /// Every candidate pair, by the model's match weight without term-frequency adjustments.
    public var candidateWeights: [WeightBin]
    /// fastLink's estimates over the candidate pairs, at the run's match threshold.
    public var estimatedErrors: EstimatedClassificationErrors
    /// λ, the prior the estimates use: the model's probability that two records match.
    public var lambda: Double
    public var index: IndexQuality?

    /// The bins' width in bits.
    public static let weightBinWidth = 2.0
    public static let conflictListLength = 20
    /// Age bands at the run date, as (upper bound exclusive, name); older is "65 and over".
    static let ageBands = [(18, "0-17"), (25, "18-24"), (35, "25-34"), (45, "35-44"), (55, "45-54"), (65, "55-64")]
    public static let ageBandOrder = ageBands.map(\.1) + ["65 and over", "unknown"]

    /// The quality of `runID`, or of the latest run.
    public static func read(run runID: Int?, on connection: PostgresConnection) throws -> LinkQuality {
        let (run, model) = try readRun(runID, on: connection)
        var patterns: [[Int?]] = [], counts: [Double] = []
        for row in try connection.execute("SELECT pattern, pairs FROM linkage.pattern_counts WHERE run_id = \(run.runID) ORDER BY pattern") {
            patterns.append(unpack(try row.decode(Int64.self, at: 0), comparisons: model.comparisons.count))
            counts.append(Double(try row.decode(Int.self, at: 1)))
        }
        let parameters = model.parameters
        let weights = patterns.map { parameters.matchWeight($0, lambda: model.lambda) }
        let errors = OutcomesStatistics.estimatedErrors(
            counts: AgreementPatternCounts(levelCounts: model.comparisons.map(\.levels.count), patterns: patterns, counts: counts),
            parameters: parameters, lambda: model.lambda, threshold: run.matchThreshold)
        return LinkQuality(run: run, candidateWeights: histogram(zip(weights, counts.map { Int($0) }).map { ($0, $1) }),
                           estimatedErrors: errors, lambda: model.lambda,
                           index: run.isLatest ? try readIndex(run, on: connection) : nil)
    }

    static func readRun(_ runID: Int?, on connection: PostgresConnection) throws -> (Run, LinkageModel) {
        let latest = try connection.execute("SELECT max(run_id) FROM linkage.runs").scalar(Int?.self)
        guard let latest else { throw LinkReportError(.noLinkRun) }
        let chosen = runID ?? latest
        let row = try connection.execute("""
            SELECT run_id, spec_id, spec_sha256, started_at::date, (spec -> 'thresholds' ->> 'match')::float8,
                   (spec -> 'thresholds' ->> 'review')::float8, records, candidate_pairs, model
            FROM linkage.runs WHERE run_id = \(chosen)
            """).first { _ in true }
        guard let row else { throw LinkReportError(.noSuchRun(chosen, latest: latest)) }
        let run = Run(runID: try row.decode(at: 0), specID: try row.decode(at: 1), specSHA256: try row.decode(at: 2), runDate: try row.decode(at: 3),
                      matchThreshold: try row.decode(at: 4), reviewThreshold: try row.decode(at: 5), records: try row.decode(at: 6),
                      candidatePairs: try row.decode(at: 7), latestRunID: latest)
        return (run, try row.decode(PostgresJSON<LinkageModel>.self, at: 8).value)
    }

    /// A stored pattern as the kernel's levels (4 bits per comparison: 0 null, level + 1).
    static func unpack(_ pattern: Int64, comparisons: Int) -> [Int?] {
        (0..<comparisons).map { index in
            let digit = Int((pattern >> Int64(LinkageCompiler.bitsPerComparison * index)) & Int64((1 << LinkageCompiler.bitsPerComparison) - 1))
            return digit == 0 ? nil : digit - 1
        }
    }

    /// Pairs by bins of `weightBinWidth` bits, every bin from the lowest to the highest (empty ones too).
    static func histogram(_ weighted: [(weight: Double, pairs: Int)]) -> [WeightBin] {
        let binned = Dictionary(weighted.map { (Int(($0.weight / weightBinWidth).rounded(.down)), $0.pairs) }, uniquingKeysWith: +)
        guard let low = binned.keys.min(), let high = binned.keys.max() else { return [] }
        return (low...high).map { WeightBin(lower: Double($0) * weightBinWidth, pairs: binned[$0] ?? 0) }
    }

    static func readIndex(_ run: Run, on connection: PostgresConnection) throws -> IndexQuality {
        var linkCounts: [Breakdown: [LinkRateTable.Counts]] = [:]
        for row in try connection.execute(linkCountsQuery(runDate: run.runDate)) {
            guard let breakdown = Breakdown(rawValue: try row.decode(at: 0)) else { continue }
            linkCounts[breakdown, default: []].append(LinkRateTable.Counts(
                group: try row.decode(at: 1), acrossSources: try row.decode(at: 2), withinSourceOnly: try row.decode(at: 3), unlinked: try row.decode(at: 4)))
        }
        if let bands = linkCounts[.ageBand] {
            linkCounts[.ageBand] = bands.sorted { (ageBandOrder.firstIndex(of: $0.group) ?? .max) < (ageBandOrder.firstIndex(of: $1.group) ?? .max) }
        }
        let notInIndex = try connection.execute("""
            SELECT count(*) FROM linkage.identifiers i
            WHERE NOT EXISTS (SELECT 1 FROM ids.source_links l WHERE l.source_system = i.source_system AND l.source_key = i.source_key)
            """).scalar(Int.self)
        var scored: [(Double, Int)] = []
        for row in try connection.execute("""
            SELECT floor(match_weight / \(weightBinWidth)) * \(weightBinWidth), count(*) FROM linkage.pairs WHERE run_id = \(run.runID) GROUP BY 1
            """) {
            scored.append((try row.decode(Double.self, at: 0), try row.decode(Int.self, at: 1)))
        }
        var byRecords: [SizeCount] = [], bySources: [SizeCount] = []
        for row in try connection.execute("""
            WITH persons AS (\(linkedRecords)),
                 sizes AS (SELECT person_id, count(*) AS records, count(DISTINCT source_system) AS sources FROM persons GROUP BY person_id)
            SELECT 'records', records, count(*) FROM sizes GROUP BY records
            UNION ALL SELECT 'sources', sources, count(*) FROM sizes GROUP BY sources
            ORDER BY 1, 2
            """) {
            let count = SizeCount(size: try row.decode(at: 1), persons: try row.decode(at: 2))
            if try row.decode(String.self, at: 0) == "records" { byRecords.append(count) } else { bySources.append(count) }
        }
        var conflicts: [ConflictKind: Int] = [:], examples: [Conflict] = []
        for row in try connection.execute("SELECT kind, count(*) FROM (\(conflictsQuery)) c GROUP BY kind") {
            if let kind = ConflictKind(rawValue: try row.decode(at: 0)) { conflicts[kind] = try row.decode(at: 1) }
        }
        for row in try connection.execute("SELECT person_id, kind FROM (\(conflictsQuery)) c ORDER BY person_id, kind LIMIT \(conflictListLength)") {
            if let kind = ConflictKind(rawValue: try row.decode(at: 1)) { examples.append(Conflict(personID: try row.decode(at: 0), kind: kind)) }
        }
        return IndexQuality(linkCounts: linkCounts, recordsNotInIndex: notInIndex, scoredWeights: histogram(scored.map { ($0.0, $0.1) }),
                            personsByRecords: byRecords, personsBySources: bySources, conflicts: conflicts, conflictExamples: examples)
    }

    /// Each identifier record the index links, with its person.
    static let linkedRecords: PostgresQuery = """
        SELECT l.person_id, i.record_id, i.source_system, i.birth_date, i.birth_year, i.sex
        FROM linkage.identifiers i JOIN ids.source_links l ON l.source_system = i.source_system AND l.source_key = i.source_key
        """

    /// One row per group of each breakdown: records linked across sources, within their source only, not linked.
    /// Groups are the person's (ids.persons: the cluster's most common value); the source system is the record's.
    static func linkCountsQuery(runDate: LocalDate) -> PostgresQuery {
        let age: PostgresQuery = """
            (CASE WHEN p.birth_date IS NOT NULL THEN date_part('year', age(\(runDate)::date, p.birth_date))::int
                  WHEN p.birth_year IS NOT NULL THEN date_part('year', \(runDate)::date)::int - p.birth_year END)
            """
        let bands: [PostgresQuery] = ageBands.map { "WHEN \(age) < \($0.0) THEN \($0.1)::text " }
        return """
            WITH linked AS (\(linkedRecords)),
                 sizes AS (SELECT person_id, count(*) AS records, count(DISTINCT source_system) AS sources FROM linked GROUP BY person_id),
                 status AS (
                     SELECT k.source_system, p.race_ethnicity, p.sex,
                            CASE WHEN \(age) IS NULL THEN 'unknown' \(bands.joined())ELSE '65 and over' END AS age_band,
                            s.sources > 1 AS across, s.sources = 1 AND s.records > 1 AS within
                     FROM linked k JOIN sizes s USING (person_id) JOIN ids.persons p USING (person_id))
            SELECT g.breakdown, g.grp, count(*) FILTER (WHERE across), count(*) FILTER (WHERE within),
                   count(*) FILTER (WHERE NOT across AND NOT within)
            FROM status CROSS JOIN LATERAL (VALUES ('source_system', source_system), ('race_ethnicity', race_ethnicity),
                                                   ('sex', sex), ('age_band', age_band)) AS g(breakdown, grp)
            GROUP BY 1, 2 ORDER BY 1, 2
            """
    }

    /// Persons whose records disagree, one row per kind of disagreement.
    static let conflictsQuery: PostgresQuery = """
        WITH persons AS (
            SELECT person_id, count(DISTINCT birth_year) > 1 AS years, count(DISTINCT birth_date) > 1 AS dates,
                   bool_or(sex = 'F') AND bool_or(sex = 'M') AS sexes
            FROM (\(linkedRecords)) linked GROUP BY person_id)
        SELECT person_id, kind FROM persons
        CROSS JOIN LATERAL (VALUES ('birth_year', years), ('birth_date', dates AND NOT years), ('sex', sexes)) AS k(kind, holds)
        WHERE holds
        """
}

/// Why there is nothing to report on.
public struct LinkReportError: UserFacingError, Equatable {
    public enum Code: Sendable, Equatable {
        /// No link run has been made.
        case noLinkRun
        /// `--run` names no run (the latest one given).
        case noSuchRun(Int, latest: Int)
        /// Labels are measured against the index as it stands: the latest run only.
        case labelsNeedLatestRun(Int, latest: Int)
    }

    public let code: Code

    public init(_ code: Code) { self.code = code }

    public var message: String {
        switch code {
        case .noLinkRun: "There is no link run to report on: link the identifier records first (outcomes link run --spec FILE)."
        case .noSuchRun(let run, let latest): "There is no link run \(run); the latest is run \(latest)."
        case .labelsNeedLatestRun(let run, let latest):
            "Labels are measured against the persons and pairs the index holds now, which are run \(latest)'s, not run \(run)'s: "
                + "leave out --run, or --labels."
        }
    }

    public var exitStatus: ExitStatus { .dataError }
}
