import Foundation
import OutcomesDomain
import PostgresClient

/// Precision, recall and F1 of the latest link run against labels (`--labels FILE`), pairwise and
/// clustered, as linkage_metrics.py defines them.
///
/// Truth clusters: the true pairs are every pair of labelled records with the same entity, whether
/// or not a blocking rule proposed it (a pair blocking never proposed is a miss, not absent).
/// Pairwise, the predicted pairs are the run's scored pairs at or above its match threshold;
/// clustered, every pair of records the index gives one person. Only pairs of labelled records
/// count: a predicted pair with a record the labels do not name is left out.
/// Pair decisions: only the labelled pairs count; the true pairs are those decided `match`.
/// A label naming a record linkage.identifiers does not hold is an error at its line.
public struct LinkLabelEvaluation: Sendable, Equatable {
    public enum Form: String, Sendable { case truth, decisions }

    public var form: Form
    /// Labelled records (truth) or labelled pairs (decisions).
    public var labels: Int
    public var pairwise: LinkageScores
    public var clustered: LinkageScores

    public static func evaluate(_ labels: LinkageLabels, file: String, run: LinkQuality.Run,
                                on connection: PostgresConnection) throws -> LinkLabelEvaluation {
        guard run.isLatest else { throw LinkReportError(.labelsNeedLatestRun(run.runID, latest: run.latestRunID)) }
        switch labels {
        case .truth(let records): return try truth(records, file: file, run: run, on: connection)
        case .decisions(let pairs): return try decisions(pairs, file: file, run: run, on: connection)
        }
    }

    private static func truth(_ records: [LinkageLabels.TruthRecord], file: String, run: LinkQuality.Run,
                              on connection: PostgresConnection) throws -> LinkLabelEvaluation {
        let truth: PostgresQuery = """
            SELECT * FROM unnest(\(records.map(\.record.sourceSystem)), \(records.map(\.record.sourceKey)),
                                 \(records.map(\.entity)), \(records.map(\.line))) AS t(source_system, source_key, entity, line)
            """
        let unknown = try connection.execute("""
            SELECT min(t.line) FROM (\(truth)) t
            WHERE NOT EXISTS (SELECT 1 FROM linkage.identifiers i WHERE i.source_system = t.source_system AND i.source_key = t.source_key)
            """).scalar(Int?.self)
        if let line = unknown, let record = records.first(where: { $0.line == line }) {
            throw LinkageLabelsError(file: file, line: line, code: .unknownRecord(record.record))
        }
        let row = try connection.execute("""
            WITH labelled AS (
                     SELECT i.record_id, t.entity, l.person_id
                     FROM (\(truth)) t
                     JOIN linkage.identifiers i ON i.source_system = t.source_system AND i.source_key = t.source_key
                     LEFT JOIN ids.source_links l ON l.source_system = t.source_system AND l.source_key = t.source_key),
                 predicted AS (
                     SELECT a.entity = b.entity AS true_pair
                     FROM linkage.pairs p JOIN labelled a ON a.record_id = p.record_l JOIN labelled b ON b.record_id = p.record_r
                     WHERE p.run_id = \(run.runID) AND p.match_probability >= \(run.matchThreshold))
            SELECT (SELECT coalesce(sum(n * (n - 1) / 2), 0)::bigint FROM (SELECT count(*) AS n FROM labelled GROUP BY entity) e),
                   (SELECT count(*) FROM predicted),
                   (SELECT count(*) FROM predicted WHERE true_pair),
                   (SELECT coalesce(sum(n * (n - 1) / 2), 0)::bigint
                    FROM (SELECT count(*) AS n FROM labelled WHERE person_id IS NOT NULL GROUP BY person_id) c),
                   (SELECT coalesce(sum(n * (n - 1) / 2), 0)::bigint
                    FROM (SELECT count(*) AS n FROM labelled WHERE person_id IS NOT NULL GROUP BY person_id, entity) c)
            """).first { _ in true }!
        let truePairs: Int = try row.decode(at: 0)
        return LinkLabelEvaluation(
            form: .truth, labels: records.count,
            pairwise: LinkageScores(truePositives: try row.decode(at: 2), predictedPairs: try row.decode(at: 1), truePairs: truePairs),
            clustered: LinkageScores(truePositives: try row.decode(at: 4), predictedPairs: try row.decode(at: 3), truePairs: truePairs))
    }

    private static func decisions(_ pairs: [LinkageLabels.PairDecision], file: String, run: LinkQuality.Run,
                                  on connection: PostgresConnection) throws -> LinkLabelEvaluation {
        let decided: PostgresQuery = """
            SELECT * FROM unnest(\(pairs.map(\.left.sourceSystem)), \(pairs.map(\.left.sourceKey)), \(pairs.map(\.right.sourceSystem)),
                                 \(pairs.map(\.right.sourceKey)), \(pairs.map(\.isMatch)), \(pairs.map(\.line)))
                          AS d(system_l, key_l, system_r, key_r, is_match, line)
            """
        let leftKnown: PostgresQuery = "EXISTS (SELECT 1 FROM linkage.identifiers i WHERE i.source_system = d.system_l AND i.source_key = d.key_l)"
        let rightKnown: PostgresQuery = "EXISTS (SELECT 1 FROM linkage.identifiers i WHERE i.source_system = d.system_r AND i.source_key = d.key_r)"
        let unknown = try connection.execute("""
            SELECT line, NOT \(leftKnown) FROM (\(decided)) d WHERE NOT \(leftKnown) OR NOT \(rightKnown) ORDER BY line LIMIT 1
            """).first { _ in true }
        if let unknown {
            let line: Int = try unknown.decode(at: 0), leftUnknown: Bool = try unknown.decode(at: 1)
            let pair = pairs.first { $0.line == line }!
            throw LinkageLabelsError(file: file, line: line, code: .unknownRecord(leftUnknown ? pair.left : pair.right))
        }
        let row = try connection.execute("""
            WITH labelled AS (
                     SELECT d.is_match, least(li.record_id, ri.record_id) AS record_l, greatest(li.record_id, ri.record_id) AS record_r,
                            pl.person_id IS NOT NULL AND pl.person_id = pr.person_id AS same_person
                     FROM (\(decided)) d
                     JOIN linkage.identifiers li ON li.source_system = d.system_l AND li.source_key = d.key_l
                     JOIN linkage.identifiers ri ON ri.source_system = d.system_r AND ri.source_key = d.key_r
                     LEFT JOIN ids.source_links pl ON pl.source_system = d.system_l AND pl.source_key = d.key_l
                     LEFT JOIN ids.source_links pr ON pr.source_system = d.system_r AND pr.source_key = d.key_r),
                 judged AS (
                     SELECT is_match, same_person,
                            EXISTS (SELECT 1 FROM linkage.pairs p WHERE p.run_id = \(run.runID) AND p.record_l = labelled.record_l
                                    AND p.record_r = labelled.record_r AND p.match_probability >= \(run.matchThreshold)) AS scored_match
                     FROM labelled)
            SELECT count(*) FILTER (WHERE is_match), count(*) FILTER (WHERE scored_match), count(*) FILTER (WHERE scored_match AND is_match),
                   count(*) FILTER (WHERE same_person), count(*) FILTER (WHERE same_person AND is_match)
            FROM judged
            """).first { _ in true }!
        let truePairs: Int = try row.decode(at: 0)
        return LinkLabelEvaluation(
            form: .decisions, labels: pairs.count,
            pairwise: LinkageScores(truePositives: try row.decode(at: 2), predictedPairs: try row.decode(at: 1), truePairs: truePairs),
            clustered: LinkageScores(truePositives: try row.decode(at: 4), predictedPairs: try row.decode(at: 3), truePairs: truePairs))
    }
}
