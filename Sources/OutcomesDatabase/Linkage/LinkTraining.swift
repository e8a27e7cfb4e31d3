import Foundation
import OutcomesDomain
import OutcomesStatistics
import PostgresClient

/// Trains the Fellegi–Sunter model as Splink does: λ from the pairs deterministic rules find,
/// divided by their stated recall, over all possible pairs; u from random pairs (seeded, so a run
/// is recomputable); m by EM over the candidate pairs' pattern counts with u held fixed.
struct LinkTraining {
    let spec: LinkageSpec
    let compiler: LinkageCompiler
    private(set) var warnings: [LinkageWarning] = []

    init(spec: LinkageSpec, compiler: LinkageCompiler) {
        self.spec = spec
        self.compiler = compiler
    }

    mutating func train(records: Int, on connection: PostgresConnection) throws -> LinkageModel {
        let possible = try possiblePairs(records: records, on: connection)
        let deterministic = try deterministicPairs(on: connection)
        var lambda = Double(deterministic) / spec.training.recall / possible
        if deterministic == 0 {
            warnings.append(.noDeterministicPairs)
            lambda = Double(records) / possible
        }
        lambda = min(max(lambda, 1e-12), 0.5)

        let (u, randomPairs) = try estimateU(records: records, on: connection)
        let start = FellegiSunterParameters(lambda: 0.5, m: compiler.levelCounts.map(Self.startingM), u: u)
        var sums = compiler.levelCounts.map { [Double](repeating: 0, count: $0) }
        var sessionsTraining = [Int](repeating: 0, count: spec.comparisons.count)
        var observed = compiler.levelCounts.map { [Bool](repeating: false, count: $0) }
        var sessions: [LinkageModel.Session] = []
        for rule in spec.trainingSessions {
            let excluded = Set(rule.keys.map(\.field))
            let trained = spec.comparisons.indices.filter { !excluded.contains(spec.comparisons[$0].field) }
            var counts = try sessionPatternCounts(rule, on: connection)
            counts.patterns = counts.patterns.map { pattern in
                pattern.enumerated().map { trained.contains($0.offset) ? $0.element : nil }
            }
            let total = counts.counts.reduce(0, +)
            guard total > 0, !trained.isEmpty else { continue }
            var sessionStart = start
            sessionStart.lambda = min(max(lambda * possible / total, 1e-6), 0.5)
            let estimate = ExpectationMaximization.estimate(counts, start: sessionStart, fixU: true,
                                                            maxIterations: spec.training.maxIterations, tolerance: spec.training.tolerance)
            let unobserved = Set(estimate.unobservedLevels.map { [$0.comparison, $0.level] })
            // Half an expected match: a level rarer among matches than the session can show is not
            // taken to be impossible (one mistyped sex would otherwise veto a match outright).
            let floor = 0.5 / max(estimate.parameters.lambda * total, 1)
            for c in trained {
                sessionsTraining[c] += 1
                let floored = estimate.parameters.m[c].map { max($0, floor) }
                let sum = floored.reduce(0, +)
                for level in sums[c].indices {
                    sums[c][level] += floored[level] / sum
                    if !unobserved.contains([c, level]) { observed[c][level] = true }
                }
            }
            if !estimate.converged { warnings.append(.emDidNotConverge(iterations: estimate.iterations)) }
            sessions.append(.init(rule: rule.keys.map(\.rawValue), pairs: Int(total), trained: trained.map { spec.comparisons[$0].name },
                                  lambda: estimate.parameters.lambda, iterations: estimate.iterations, converged: estimate.converged))
        }
        let comparisons = spec.comparisons.enumerated().map { index, comparison in
            let names = LinkageModel.levelNames(comparison)
            guard sessionsTraining[index] > 0 else {
                warnings.append(.comparisonNeverTrained(comparison: comparison.name))
                return LinkageModel.ComparisonModel(name: comparison.name, levels: names, m: start.m[index], u: u[index])
            }
            for level in names.indices where !observed[index][level] {
                warnings.append(.levelNeverObserved(comparison: comparison.name, level: names[level], among: "expected matches",
                                                    pairs: sessions.map(\.pairs).reduce(0, +)))
            }
            return LinkageModel.ComparisonModel(name: comparison.name, levels: names,
                                                m: sums[index].map { $0 / Double(sessionsTraining[index]) }, u: u[index])
        }
        return LinkageModel(lambda: lambda, comparisons: comparisons, deterministicPairs: deterministic, possiblePairs: possible,
                            randomPairs: randomPairs, sessions: sessions)
    }

    /// Starting m: most matches at the first (strongest) level, falling by half per level.
    static func startingM(levels: Int) -> [Double] {
        let raw = (0..<levels).map { pow(0.5, Double($0)) * ($0 == 0 ? 8 : 1) }
        let sum = raw.reduce(0, +)
        return raw.map { $0 / sum }
    }

    /// Every pair the spec allows: n(n−1)/2, or across sources only for link_only.
    private func possiblePairs(records: Int, on connection: PostgresConnection) throws -> Double {
        switch spec.linkType {
        case .dedupe:
            return Double(records) * Double(records - 1) / 2
        case .linkOnly:
            let squares = try connection.execute("""
                SELECT coalesce(sum(n * n), 0)::float8 FROM (SELECT count(*)::float8 AS n FROM \(identifier: LinkageCompiler.records) GROUP BY source_system) s
                """).scalar(Double.self)
            return max((Double(records) * Double(records) - squares) / 2, 1)
        }
    }

    private func deterministicPairs(on connection: PostgresConnection) throws -> Int {
        let rules = spec.training.deterministicRules
        var total = 0
        for index in rules.indices {
            total += try connection.execute("""
                SELECT count(*) FROM \(identifier: LinkageCompiler.records) l JOIN \(identifier: LinkageCompiler.records) r
                  ON \(compiler.proposedOnlyBy(index, rules: rules))
                """).scalar(Int.self)
        }
        return total
    }

    /// u per comparison level: the level's share among random pairs where the comparison is not null.
    /// The sample is the records first by a seeded hash of their ids, and every pair among them.
    private mutating func estimateU(records: Int, on connection: PostgresConnection) throws -> ([[Double]], Int) {
        let sampleRecords = min(records, Int((2 * Double(spec.training.uSamplePairs)).squareRoot().rounded(.up)) + 1)
        let seed = Int64(bitPattern: spec.training.seed)
        try connection.execute("""
            CREATE UNLOGGED TABLE \(identifier: LinkageCompiler.sample) AS
            SELECT * FROM \(identifier: LinkageCompiler.records) ORDER BY hashint8(record_id # \(seed)), record_id LIMIT \(sampleRecords)
            """)
        let from: PostgresQuery = """
            FROM \(identifier: LinkageCompiler.sample) l JOIN \(identifier: LinkageCompiler.sample) r ON \(compiler.pairCondition)
            """
        var tallies = compiler.levelCounts.map { [Double](repeating: 0, count: $0) }
        var pairs = 0
        for row in try connection.execute("SELECT pattern, count(*) FROM (\(compiler.compared(from: from))) s GROUP BY pattern") {
            let n = try row.decode(Int.self, at: 1)
            pairs += n
            for (comparison, level) in compiler.unpack(try row.decode(Int64.self, at: 0)).enumerated() {
                if let level { tallies[comparison][level] += Double(n) }
            }
        }
        return (tallies.enumerated().map { comparison, counts in
            let total = counts.reduce(0, +)
            return counts.enumerated().map { level, count in
                if count == 0 {
                    let spec = self.spec.comparisons[comparison]
                    warnings.append(.levelNeverObserved(comparison: spec.name, level: LinkageModel.levelNames(spec)[level],
                                                        among: "random pairs", pairs: pairs))
                    // Half a pair: the level is rarer among non-matches than the sample can show.
                    return 0.5 / max(total, 1)
                }
                return count / total
            }
        }, pairs)
    }

    /// The pattern counts of the pairs a session's rule proposes: from the candidates when the rule
    /// is one of the blocking rules (its bit in `rules`), else from its own join.
    private func sessionPatternCounts(_ rule: LinkageSpec.BlockingRule, on connection: PostgresConnection) throws -> AgreementPatternCounts {
        let query: PostgresQuery
        if let index = spec.blocking.prefix(LinkageCompiler.maskedRules).firstIndex(where: { Set($0.keys) == Set(rule.keys) }) {
            query = """
                SELECT pattern, count(*) FROM \(identifier: LinkageCompiler.candidates)
                WHERE rules & \(Int64(1) << Int64(index)) <> 0 GROUP BY pattern ORDER BY pattern
                """
        } else {
            let from: PostgresQuery = """
                FROM \(identifier: LinkageCompiler.records) l JOIN \(identifier: LinkageCompiler.records) r
                  ON \(LinkageCompiler.holds(rule)) AND \(compiler.pairCondition)
                """
            query = "SELECT pattern, count(*) FROM (\(compiler.compared(from: from))) s GROUP BY pattern ORDER BY pattern"
        }
        var patterns: [[Int?]] = [], counts: [Double] = []
        for row in try connection.execute(query) {
            patterns.append(compiler.unpack(try row.decode(Int64.self, at: 0)))
            counts.append(Double(try row.decode(Int.self, at: 1)))
        }
        return AgreementPatternCounts(levelCounts: compiler.levelCounts, patterns: patterns, counts: counts)
    }
}
