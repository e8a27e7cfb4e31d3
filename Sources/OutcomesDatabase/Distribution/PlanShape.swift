import Foundation
import OutcomesDomain
import PostgresClient

/// How Citus runs a statement, from its EXPLAIN (FORMAT JSON): how many tasks go to the workers,
/// how many intermediate results pass through the coordinator (subplans), how many joins need
/// their rows re-partitioned between workers, and whether the joins run on the workers.
public struct PlanShape: Sendable, Equatable {
    public var tasks = 0
    public var subplans = 0
    public var repartitions = 0
    public var joinsOnWorkers = false

    public init(explainJSON text: String) throws {
        let plan = try JSONSerialization.jsonObject(with: Data(text.utf8))
        visit(plan, remote: false)
    }

    private mutating func visit(_ node: Any, remote: Bool) {
        if let list = node as? [Any] { for item in list { visit(item, remote: remote) } }
        guard let object = node as? [String: Any] else { return }
        if let count = object["Task Count"] as? Int { tasks += count }
        if let subplans = object["Subplans"] as? [Any] { self.subplans += subplans.count }
        if let jobs = object["Dependent Jobs"] as? [Any] { repartitions += jobs.count }
        if remote, let type = object["Node Type"] as? String, ["Nested Loop", "Hash Join", "Merge Join"].contains(type) {
            joinsOnWorkers = true
        }
        for (key, value) in object { visit(value, remote: remote || key == "Remote Plan") }
    }
}

extension MetricsRunner {
    /// EXPLAIN (FORMAT JSON) of the statement that computes the period's person-level results,
    /// as a run would send it (on Citus: one slice, the shards being the slices).
    public func explainPersonResults(period: ReportingPeriod, on connection: PostgresConnection) throws -> String {
        let loadID = try DataLoads.current(on: connection)?.id ?? 0
        let results = MetricCompiler(contract: contract, period: period, loadID: loadID).results(boundaries: [])
        return try connection.execute("EXPLAIN (FORMAT JSON) \(results)").map { try $0.decode(String.self, at: 0) }.joined(separator: "\n")
    }
}
