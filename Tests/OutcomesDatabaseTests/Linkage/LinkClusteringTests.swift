import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Clustering in SQL (label propagation over a frontier, pointer jumping restricted to the nodes
/// that changed, the guard against chains) against a naive oracle: union–find over the links, and
/// the guard's documented rule applied to it step by step. Random graphs of long chains (which take
/// many rounds and jumps), cross links and contradicting pairs, on several seeds.
@Suite(.serialized) struct LinkClusteringTests {
    struct Graph {
        var nodes: [Int64] = []
        var links: [(a: Int64, b: Int64, p: Double)] = []
        var contradictions: [(a: Int64, b: Int64)] = []
    }

    static func randomGraph(seed: UInt64) -> Graph {
        var random = SeededGenerator(seed: seed)
        var graph = Graph()
        graph.nodes = (1...1_500).map { Int64($0) }.shuffled(using: &random)
        let strengths = [0.95, 0.995, 0.9995, 0.999_999]
        var rest = graph.nodes[...]
        while !rest.isEmpty {
            let size = min(rest.count, [1, 2, 5, 40, 300].randomElement(using: &random)!)
            let group = Array(rest.prefix(size))
            rest = rest.dropFirst(size)
            for (a, b) in zip(group, group.dropFirst()) {  // a chain in random id order
                graph.links.append((min(a, b), max(a, b), strengths.randomElement(using: &random)!))
            }
            guard size > 2 else { continue }
            for _ in 0..<(size / 10) {
                let (a, b) = (group.randomElement(using: &random)!, group.randomElement(using: &random)!)
                if a != b, !graph.links.contains(where: { $0.a == min(a, b) && $0.b == max(a, b) }) {
                    if Bool.random(using: &random) {
                        graph.links.append((min(a, b), max(a, b), strengths.randomElement(using: &random)!))
                    } else {
                        graph.contradictions.append((min(a, b), max(a, b)))
                    }
                }
            }
        }
        return graph
    }

    /// Each node's cluster as the oracle sees it: the least node of its component, after the guard.
    static func oracle(_ graph: Graph, match: Double, steps maximum: Int) -> (labels: [Int64: Int64], steps: Int, contradicted: Int) {
        var links = graph.links
        var threshold = match
        var steps = 0
        while true {
            var parent = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0, $0) })
            func root(_ x: Int64) -> Int64 {
                var x = x
                while parent[x]! != x { x = parent[x]! }
                return x
            }
            for link in links {
                let (ra, rb) = (root(link.a), root(link.b))
                if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
            }
            var least: [Int64: Int64] = [:]
            for node in graph.nodes { least[root(node)] = min(least[root(node)] ?? node, node) }
            let labels = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0, least[root($0)]!) })
            let contradicted = Set(graph.contradictions.filter { labels[$0.a] == labels[$0.b] }.map { labels[$0.a]! })
            if contradicted.isEmpty || steps == maximum { return (labels, steps, contradicted.count) }
            steps += 1
            threshold = 1 - (1 - threshold) / 10
            links.removeAll { contradicted.contains(labels[$0.a]!) && $0.p < threshold }
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64]) func clustersAsUnionFindWithTheGuard(seed: UInt64) throws {
        let graph = Self.randomGraph(seed: seed)
        let (db, _) = try TestDatabase.fresh()
        let spec = LinkRunnerTests.spec()  // match 0.9, contradiction 0.01
        try db.transaction { db in
            try db.execute("CREATE UNLOGGED TABLE \(identifier: LinkageCompiler.records) (record_id bigint)")
            try db.execute("INSERT INTO \(identifier: LinkageCompiler.records) SELECT unnest(\(graph.nodes)::bigint[])")
            // Pattern 0 links; pattern 1 contradicts (a weight far below the contradiction threshold).
            try db.execute("CREATE UNLOGGED TABLE \(identifier: LinkageCompiler.patterns) AS SELECT * FROM (VALUES (0::bigint, 30::float8), (1, -30)) p(pattern, weight)")
            try db.execute("""
                CREATE UNLOGGED TABLE \(identifier: LinkageCompiler.candidates) AS
                SELECT a AS record_l, b AS record_r, 0::bigint AS pattern, 0::float8 AS tf_bits
                FROM unnest(\(graph.links.map(\.a))::bigint[], \(graph.links.map(\.b))::bigint[]) AS l(a, b)
                UNION ALL
                SELECT a, b, 1, 0 FROM unnest(\(graph.contradictions.map(\.a))::bigint[], \(graph.contradictions.map(\.b))::bigint[]) AS c(a, b)
                """)
            try db.execute("""
                INSERT INTO linkage.pairs (run_id, record_l, record_r, pattern, match_weight, match_probability)
                SELECT 1, a, b, 0, ln(p / (1 - p)) / ln(2), p
                FROM unnest(\(graph.links.map(\.a))::bigint[], \(graph.links.map(\.b))::bigint[], \(graph.links.map(\.p))::float8[]) AS l(a, b, p)
                """)
            let outcome = try LinkClustering(spec: spec, runID: 1).cluster(on: db)
            let expected = Self.oracle(graph, match: spec.thresholds.match, steps: LinkClustering.maximumGuardSteps)
            var labels = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0, $0) })
            for row in try db.execute("SELECT node, cluster FROM \(identifier: LinkageCompiler.clusters)") {
                labels[try row.decode(Int64.self, at: 0)] = try row.decode(Int64.self, at: 1)
            }
            let wrong = graph.nodes.filter { labels[$0] != expected.labels[$0] }
            #expect(wrong.count == 0, "seed \(seed): \(wrong.count) nodes labelled otherwise, e.g. \(wrong.prefix(3).map { "\($0): \(labels[$0]!) not \(expected.labels[$0]!)" })")
            #expect(outcome.guardSteps == expected.steps)
            #expect(outcome.contradictedClusters == expected.contradicted)
            #expect(outcome.clusters == Set(expected.labels.values).count)
            #expect(expected.steps > 0, "the graph exercises the guard")
        }
    }
}
