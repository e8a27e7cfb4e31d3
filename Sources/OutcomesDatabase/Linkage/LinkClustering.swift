import OutcomesDomain
import PostgresClient

/// Clusters records into persons in SQL: connected components over the links (pairs at or above
/// the match threshold, and clerical matches; never clerical non-matches), by minimum-label
/// propagation with pointer jumping. Then the guard against chains: a cluster holding two records
/// that were compared and scored below the contradiction threshold, or labelled non-matches, is
/// clustered again from its stronger links only (the threshold steps 0.95 → 0.995 → 0.9995 …),
/// until no contradiction remains or the steps run out.
public struct LinkClustering {
    let spec: LinkageSpec
    let runID: Int

    public struct Outcome: Sendable, Equatable {
        /// Clusters of all records (singletons included), and those of two or more.
        public var clusters: Int
        public var linkedClusters: Int
        public var guardSteps: Int
        public var contradictedClusters: Int
    }

    static let maximumGuardSteps = 6

    func cluster(on connection: PostgresConnection) throws -> Outcome {
        let edges = LinkageCompiler.edges, clusters = LinkageCompiler.clusters
        // Clerical labels as record pairs (l < r), for the records still present.
        let labels: PostgresQuery = """
            SELECT least(a.record_id, b.record_id) AS record_l, greatest(a.record_id, b.record_id) AS record_r, x.decision
            FROM linkage.labels x
            JOIN linkage.identifiers a ON a.source_system = x.source_system_l AND a.source_key = x.source_key_l
            JOIN linkage.identifiers b ON b.source_system = x.source_system_r AND b.source_key = x.source_key_r
            """
        try connection.execute("""
            CREATE UNLOGGED TABLE \(identifier: edges) AS
            SELECT p.record_l AS a, p.record_r AS b, p.match_probability AS p, false AS labelled
            FROM linkage.pairs p
            WHERE p.run_id = \(runID) AND p.match_probability >= \(spec.thresholds.match)
              AND NOT EXISTS (SELECT 1 FROM (\(labels)) x WHERE x.record_l = p.record_l AND x.record_r = p.record_r)
            UNION ALL
            SELECT record_l, record_r, 1, true FROM (\(labels)) x WHERE decision = 'match'
            """)
        // Each node starts at the least of itself and its neighbours; all of them are the first frontier.
        try connection.execute("""
            CREATE UNLOGGED TABLE \(identifier: clusters) AS
            SELECT node, least(node, min(neighbour)) AS cluster
            FROM (SELECT a AS node, b AS neighbour FROM \(identifier: edges) UNION ALL SELECT b, a FROM \(identifier: edges)) n
            GROUP BY node
            """)
        try connection.execute("CREATE UNIQUE INDEX ON \(identifier: clusters) (node)")
        // After the first rounds only a few nodes change: their neighbours and followers are looked up.
        try connection.execute("CREATE INDEX ON \(identifier: clusters) (cluster)")
        try connection.execute("CREATE INDEX ON \(identifier: edges) (a)")
        try connection.execute("CREATE INDEX ON \(identifier: edges) (b)")
        try connection.execute("ANALYZE \(identifier: edges)")
        try connection.execute("ANALYZE \(identifier: clusters)")
        try connection.execute("CREATE UNLOGGED TABLE \(identifier: LinkageCompiler.frontier) AS SELECT node FROM \(identifier: clusters)")
        try connection.execute("CREATE UNLOGGED TABLE \(identifier: LinkageCompiler.changed) (node bigint)")
        try connection.execute("CREATE UNLOGGED TABLE \(identifier: LinkageCompiler.jumping) (node bigint)")
        try propagate(on: connection)

        var threshold = spec.thresholds.match
        var steps = 0
        try collectContradictions(labels: labels, on: connection)
        var contradicted = try contradictedClusters(on: connection)
        while !contradicted.isEmpty, steps < Self.maximumGuardSteps {
            steps += 1
            threshold = 1 - (1 - threshold) / 10
            // Keep only the stronger links (and clerical matches) inside the contradicted clusters, and cluster them again.
            try connection.execute("""
                DELETE FROM \(identifier: edges) e USING \(identifier: clusters) c
                WHERE c.node = e.a AND c.cluster = ANY(\(contradicted)::bigint[]) AND NOT e.labelled AND e.p < \(threshold)
                """)
            // Only the contradicted clusters' records are labelled again (they are the frontier): the rest are settled.
            try connection.execute("""
                WITH reset AS (UPDATE \(identifier: clusters) SET cluster = node WHERE cluster = ANY(\(contradicted)::bigint[]) RETURNING node)
                INSERT INTO \(identifier: LinkageCompiler.frontier) SELECT node FROM reset
                """)
            try propagate(on: connection)
            contradicted = try contradictedClusters(on: connection)
        }
        try connection.execute("ANALYZE \(identifier: clusters)")
        let row = try connection.execute("""
            SELECT (SELECT count(*) FROM \(identifier: LinkageCompiler.records) r
                    WHERE NOT EXISTS (SELECT 1 FROM \(identifier: clusters) c WHERE c.node = r.record_id))
                   + (SELECT count(DISTINCT cluster) FROM \(identifier: clusters)),
                   (SELECT count(*) FROM (SELECT cluster FROM \(identifier: clusters) GROUP BY cluster HAVING count(*) > 1) s)
            """).first { _ in true }
        return Outcome(clusters: try row?.decode(Int.self, at: 0) ?? 0, linkedClusters: try row?.decode(Int.self, at: 1) ?? 0,
                       guardSteps: steps, contradictedClusters: contradicted.count)
    }

    /// Minimum-label propagation to a fixed point, visiting only the neighbours of the nodes whose
    /// label changed (the frontier, which the caller fills); each round also jumps labels to their
    /// label's label, so long chains settle in a logarithmic number of rounds. Labels only fall, so a
    /// node whose neighbours did not change has nothing new to learn from them.
    private func propagate(on connection: PostgresConnection) throws {
        let edges = LinkageCompiler.edges, clusters = LinkageCompiler.clusters
        let frontier = LinkageCompiler.frontier, changed = LinkageCompiler.changed, jumping = LinkageCompiler.jumping
        // The frontier and the jumping nodes are few after the first rounds: with their statistics
        // (fresh each round) the planner looks them up by index instead of scanning every edge.
        try connection.execute("ANALYZE \(identifier: frontier)")
        while try connection.execute("SELECT count(*) FROM \(identifier: frontier)").scalar(Int.self) > 0 {
            try connection.execute("""
                WITH hooked AS (
                    UPDATE \(identifier: clusters) w SET cluster = s.cluster
                    FROM (SELECT e.node, min(c.cluster) AS cluster
                          FROM (SELECT a AS node, b AS neighbour FROM \(identifier: edges) WHERE b IN (SELECT node FROM \(identifier: frontier))
                                UNION ALL
                                SELECT b, a FROM \(identifier: edges) WHERE a IN (SELECT node FROM \(identifier: frontier))) e
                          JOIN \(identifier: clusters) c ON c.node = e.neighbour
                          GROUP BY e.node) s
                    WHERE w.node = s.node AND s.cluster < w.cluster
                    RETURNING w.node)
                INSERT INTO \(identifier: changed) SELECT node FROM hooked
                """)
            // Only a node that changed, or one whose label did, can have a label whose label fell:
            // only those jump (the others learn of it from their neighbours in the next rounds).
            try connection.execute("TRUNCATE \(identifier: jumping)")
            try connection.execute("INSERT INTO \(identifier: jumping) SELECT DISTINCT node FROM \(identifier: changed)")
            try connection.execute("ANALYZE \(identifier: jumping)")
            while try connection.execute("""
                WITH jumped AS (
                    UPDATE \(identifier: clusters) w SET cluster = p.cluster FROM \(identifier: clusters) p
                    WHERE p.node = w.cluster AND p.cluster < w.cluster
                      AND w.node IN (SELECT node FROM \(identifier: jumping)
                                     UNION SELECT f.node FROM \(identifier: clusters) f WHERE f.cluster IN (SELECT node FROM \(identifier: jumping)))
                    RETURNING w.node)
                INSERT INTO \(identifier: changed) SELECT node FROM jumped
                """).affectedRows ?? 0 > 0 {
                try connection.execute("TRUNCATE \(identifier: jumping)")
                try connection.execute("INSERT INTO \(identifier: jumping) SELECT DISTINCT node FROM \(identifier: changed)")
                try connection.execute("ANALYZE \(identifier: jumping)")
            }
            try connection.execute("TRUNCATE \(identifier: frontier)")
            try connection.execute("INSERT INTO \(identifier: frontier) SELECT DISTINCT node FROM \(identifier: changed)")
            try connection.execute("ANALYZE \(identifier: frontier)")
            try connection.execute("TRUNCATE \(identifier: changed)")
        }
    }

    /// The pairs that contradict their cluster: compared and scored below the contradiction
    /// threshold, or clerical non-matches, inside one cluster. The guard only splits clusters, so
    /// these are the only pairs it need look at again.
    private func collectContradictions(labels: PostgresQuery, on connection: PostgresConnection) throws {
        let clusters = LinkageCompiler.clusters
        try connection.execute("""
            CREATE UNLOGGED TABLE \(identifier: LinkageCompiler.contradictions) AS
            SELECT c.record_l, c.record_r
            FROM \(identifier: LinkageCompiler.candidates) c
            JOIN \(identifier: clusters) ca ON ca.node = c.record_l
            JOIN \(identifier: clusters) cb ON cb.node = c.record_r AND cb.cluster = ca.cluster
            JOIN \(identifier: LinkageCompiler.patterns) p USING (pattern)
            WHERE p.weight + c.tf_bits < \(MatchWeight.of(probability: spec.clustering.contradiction))
            UNION
            SELECT x.record_l, x.record_r FROM (\(labels)) x
            JOIN \(identifier: clusters) ca ON ca.node = x.record_l
            JOIN \(identifier: clusters) cb ON cb.node = x.record_r AND cb.cluster = ca.cluster
            WHERE x.decision = 'non_match'
            """)
    }

    /// Clusters that still hold a contradicting pair.
    private func contradictedClusters(on connection: PostgresConnection) throws -> [Int64] {
        let clusters = LinkageCompiler.clusters
        return try connection.execute("""
            SELECT DISTINCT ca.cluster
            FROM \(identifier: LinkageCompiler.contradictions) x
            JOIN \(identifier: clusters) ca ON ca.node = x.record_l
            JOIN \(identifier: clusters) cb ON cb.node = x.record_r AND cb.cluster = ca.cluster
            ORDER BY 1
            """).map { try $0.decode(Int64.self, at: 0) }
    }
}
