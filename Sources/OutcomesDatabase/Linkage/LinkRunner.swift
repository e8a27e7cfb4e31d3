import Foundation
import OutcomesDomain
import OutcomesStatistics
import PostgresClient

/// What a link run did.
public struct LinkRunReport: Sendable {
    public var runID: Int
    public var loadID: Int
    public var records: Int
    /// Candidate pairs per blocking rule (each pair counted under the first rule that proposed it).
    public var pairsPerRule: [Int]
    /// Each blocking rule's keys, in the spec's order.
    public var ruleKeys: [[String]]
    public var candidatePairs: Int { pairsPerRule.reduce(0, +) }
    public var model: LinkageModel
    public var assignment: PersonAssignment.Outcome
    public var clustering: LinkClustering.Outcome
    public var warnings: [LinkageWarning]
}

/// Runs a linkage specification over `linkage.identifiers`, set-based in PostgreSQL: blocking,
/// comparison levels and pattern counts in SQL; EM in Swift over the counts; weights written back;
/// clustering and stable person ids in SQL. One transaction: a failed run leaves nothing.
public struct LinkRunner {
    public let spec: LinkageSpec
    /// The spec file's path, for errors that name a rule's line.
    public let specFile: String
    public var force = false
    /// Called with each step's name as it starts.
    public var step: (String) -> Void = { _ in }

    public init(spec: LinkageSpec, specFile: String) {
        self.spec = spec
        self.specFile = specFile
    }

    /// The steps `step` announces, for a progress bar.
    public static let steps = 7

    /// The advisory lock one link run holds at a time ("linkrun" in ASCII).
    static let lockKey: Int64 = 0x6C69_6E6B_7275_6E00

    var compiler: LinkageCompiler { LinkageCompiler(spec: spec) }

    public func run(on connection: PostgresConnection) throws -> LinkRunReport {
        try connection.transaction { connection in
            try connection.execute("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
            try LoadLock.holdForLoad("link \(spec.id)", on: connection)
            // On Citus: the run writes distributed tables after reading reference ones (one connection per node).
            try TableLayout.prepareLoadTransaction(on: connection)
            try LinkageFunctions.setSearchPath(on: connection)
            // Compiling the comparison expressions with LLVM costs seconds per statement and gains
            // nothing: the time goes to the string functions they call (measured, BENCHMARKS.md).
            try connection.execute("SET LOCAL jit = off")
            var warnings: [LinkageWarning] = []

            step("Normalising records")
            try connection.execute(compiler.createRecords)
            let records = try connection.execute("SELECT count(*) FROM \(identifier: LinkageCompiler.records)").scalar(Int.self)
            guard records > 0 else {
                if let purge = try LinkPurge.latestWithNothingLoadedSince(on: connection) {
                    throw LinkageError(.identifiersPurged(by: purge.by, at: purge.at), file: specFile)
                }
                throw LinkageError(.noIdentifierRecords, file: specFile)
            }
            try connection.execute("ANALYZE \(identifier: LinkageCompiler.records)")

            step("Estimating the blocking rules")
            try checkBlocking(on: connection)

            step("Comparing candidate pairs")
            let pairsPerRule = try createCandidates(on: connection)
            for (index, pairs) in pairsPerRule.enumerated() where pairs == 0 {
                warnings.append(.ruleProposedNoPairs(ruleLine: spec.blocking[index].line))
            }
            guard pairsPerRule.reduce(0, +) > 0 else { throw LinkageError(.noCandidatePairs, file: specFile) }

            step("Training: λ, u from random pairs, m by EM")
            var training = LinkTraining(spec: spec, compiler: compiler)
            let model = try training.train(records: records, on: connection)
            warnings += training.warnings

            // The run's data load, opened by the owner's function (which sets outcomes.load_id): from here
            // on every write to the IDS is the owner's (PersonAssignment says why).
            let loadID = try connection.execute("SELECT linkage.open_link_load(\(spec.id))").scalar(Int.self)
            let runID = try connection.execute("""
                INSERT INTO linkage.runs (load_id, spec_id, spec, spec_sha256, records, candidate_pairs, model)
                VALUES (\(loadID), \(spec.id), \(try spec.canonicalJSON())::jsonb, \(try spec.sha256()),
                        \(records), \(pairsPerRule.reduce(0, +)), \(try PostgresJSON(model))::jsonb)
                RETURNING run_id
                """).scalar(Int.self)

            step("Scoring pairs")
            try score(model: model, runID: runID, on: connection)

            step("Clustering")
            let clustering = try LinkClustering(spec: spec, runID: runID).cluster(on: connection)
            if clustering.contradictedClusters > 0 { warnings.append(.contradictionsRemain(clusters: clustering.contradictedClusters)) }

            step("Assigning person ids")
            let assignment = try PersonAssignment(runID: runID).assign(on: connection)

            let report = LinkRunReport(runID: runID, loadID: loadID, records: records, pairsPerRule: pairsPerRule,
                                       ruleKeys: spec.blocking.map { $0.keys.map(\.rawValue) }, model: model,
                                       assignment: assignment, clustering: clustering, warnings: warnings)
            try finish(report, on: connection)
            return report
        }
    }

    /// Refuses rules with nothing to block on, and runs whose upper-bound pair count is over the limit.
    private func checkBlocking(on connection: PostgresConnection) throws {
        var estimate = 0
        for rule in spec.blocking {
            let row = try connection.execute(LinkageCompiler.estimatedPairs(rule)).first { _ in true }
            let pairs = try row?.decode(Int.self, at: 0) ?? 0, groups = try row?.decode(Int.self, at: 1) ?? 0
            guard groups > 0 else {
                throw LinkageError(.nothingToBlockOn(ruleLine: rule.line, keys: rule.keys.map(\.rawValue)), file: specFile)
            }
            estimate += pairs
        }
        if estimate > spec.limits.maxPairs, !force {
            throw LinkageError(.tooManyPairs(estimate: estimate, limit: spec.limits.maxPairs), file: specFile)
        }
    }

    /// Every pair any rule proposes, once, with its pattern: one statement, so PostgreSQL may run it in parallel.
    private func createCandidates(on connection: PostgresConnection) throws -> [Int] {
        let selects = spec.blocking.indices.map { index -> PostgresQuery in
            let from: PostgresQuery = """
                FROM \(identifier: LinkageCompiler.records) l JOIN \(identifier: LinkageCompiler.records) r
                  ON \(compiler.proposedOnlyBy(index, rules: spec.blocking))
                """
            return "SELECT \(index)::smallint AS rule, * FROM (\(compiler.compared(from: from, proposedBy: index))) proposed"
        }
        try connection.execute("CREATE UNLOGGED TABLE \(identifier: LinkageCompiler.candidates) AS \(selects.joined(separator: " UNION ALL "))")
        // Statistics for every later join on the pattern: without them the planner guesses few
        // patterns and sorts millions of pairs for a merge join (4 s of the 250k run).
        try connection.execute("ANALYZE \(identifier: LinkageCompiler.candidates)")
        var counts = [Int](repeating: 0, count: spec.blocking.count)
        for row in try connection.execute("SELECT rule, count(*) FROM \(identifier: LinkageCompiler.candidates) GROUP BY rule") {
            counts[try row.decode(Int.self, at: 0)] = try row.decode(Int.self, at: 1)
        }
        return counts
    }

    /// Pattern weights into a work table and linkage.pattern_counts; pairs at or above the review
    /// threshold into linkage.pairs (the previous run's pairs are replaced).
    private func score(model: LinkageModel, runID: Int, on connection: PostgresConnection) throws {
        var patterns: [Int64] = [], weights: [Double] = [], counts: [Int64] = []
        for row in try connection.execute("SELECT pattern, count(*) FROM \(identifier: LinkageCompiler.candidates) GROUP BY pattern ORDER BY pattern") {
            let pattern = try row.decode(Int64.self, at: 0)
            patterns.append(pattern)
            counts.append(try row.decode(Int64.self, at: 1))
            weights.append(model.weight(compiler.unpack(pattern), termFrequencyLevels: compiler.termFrequencyComparisons))
        }
        try connection.execute("""
            CREATE UNLOGGED TABLE \(identifier: LinkageCompiler.patterns) AS
            SELECT * FROM unnest(\(patterns)::bigint[], \(weights)::float8[]) AS p(pattern, weight)
            """)
        try connection.execute("ANALYZE \(identifier: LinkageCompiler.patterns)")
        try connection.execute("""
            INSERT INTO linkage.pattern_counts (run_id, pattern, pairs, match_weight)
            SELECT \(runID), * FROM unnest(\(patterns)::bigint[], \(counts)::bigint[], \(weights)::float8[])
            """)
        try connection.execute("DELETE FROM linkage.pairs")
        try connection.execute("""
            INSERT INTO linkage.pairs (run_id, record_l, record_r, pattern, match_weight, match_probability)
            SELECT \(runID), c.record_l, c.record_r, c.pattern, p.weight + c.tf_bits, 1 / (1 + power(2::float8, -(p.weight + c.tf_bits)))
            FROM \(identifier: LinkageCompiler.candidates) c JOIN \(identifier: LinkageCompiler.patterns) p USING (pattern)
            WHERE p.weight + c.tf_bits >= \(MatchWeight.of(probability: spec.thresholds.review))
            """)
    }

    /// The run's summary, and its work tables dropped (its data load was finished, and its audit
    /// entry written, by `linkage.write_index`).
    private func finish(_ report: LinkRunReport, on connection: PostgresConnection) throws {
        let summary = LinkRunSummary(report)
        try connection.execute("""
            UPDATE linkage.runs SET summary = \(try PostgresJSON(summary))::jsonb, finished_at = clock_timestamp()
            WHERE run_id = \(report.runID)
            """)
        for table in LinkageCompiler.workTables {
            try connection.execute("DROP TABLE IF EXISTS \(identifier: table)")
        }
    }
}

/// A run's counts as stored in linkage.runs.summary and the audit log.
struct LinkRunSummary: Codable {
    var records: Int
    var candidatePairs: Int
    var pairsPerRule: [Int]
    var clusters: Int
    var linkedClusters: Int
    var guardSteps: Int
    var contradictedClusters: Int
    var persons: Int
    var personsKept: Int
    var personsNew: Int
    var personsMerged: Int
    var personsSplit: Int
    var contentRowsMoved: Int
    var warnings: [LinkageWarning]

    init(_ report: LinkRunReport) {
        records = report.records
        candidatePairs = report.candidatePairs
        pairsPerRule = report.pairsPerRule
        clusters = report.clustering.clusters
        linkedClusters = report.clustering.linkedClusters
        guardSteps = report.clustering.guardSteps
        contradictedClusters = report.clustering.contradictedClusters
        persons = report.assignment.persons
        personsKept = report.assignment.kept
        personsNew = report.assignment.new
        personsMerged = report.assignment.merged
        personsSplit = report.assignment.split
        contentRowsMoved = report.assignment.contentRowsMoved
        warnings = report.warnings
    }
}
