import Foundation
import OutcomesDatabase
import PostgresClient

/// A throwaway PostgreSQL cluster for one test process, and fresh databases cloned from a migrated
/// template. Tests that need PostgreSQL call `TestDatabase.fresh()`: if the cluster cannot start,
/// that throws and the test fails — it never skips.
public enum TestDatabase {
    /// The cluster, started on first use (in /tmp/outcomes-test-PID) and deleted at process exit.
    public static func cluster() throws -> EmbeddedCluster {
        try shared.get()
    }

    /// A new database with the current schema, e.g. for one test; named `t_<random>`.
    public static func fresh(migrated: Bool = true) throws -> (connection: PostgresConnection, conninfo: String) {
        let cluster = try cluster()
        let name = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try PostgresConnection(conninfo: cluster.conninfo(database: "postgres"))
        try admin.execute("CREATE DATABASE \(escapedIdentifier: name) TEMPLATE \(escapedIdentifier: migrated ? templateName : "template0")")
        let conninfo = cluster.conninfo(database: name)
        return (try PostgresConnection(conninfo: conninfo), conninfo)
    }

    static let templateName = "outcomes_template"

    private static let shared: Result<EmbeddedCluster, Error> = Result {
        removeAbandonedClusters()
        let cluster = try EmbeddedCluster(directory: directory(for: getpid()), durable: false)
        atexit {
            let directory = TestDatabase.directory(for: getpid())
            if let cluster = try? EmbeddedCluster(directory: directory) { _ = try? cluster.stop() }
            try? FileManager.default.removeItem(at: directory)
            try? FileManager.default.removeItem(atPath: directory.path + ".start-lock")
        }
        try cluster.start()
        let admin = try PostgresConnection(conninfo: cluster.conninfo(database: "postgres"))
        try admin.execute("CREATE DATABASE \(escapedIdentifier: templateName)")
        do {
            let template = try PostgresConnection(conninfo: cluster.conninfo(database: templateName))
            try Migrator().migrate(template)
        }
        try admin.execute("ALTER DATABASE \(escapedIdentifier: templateName) WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
        return cluster
    }

    static func directory(for pid: Int32) -> URL {
        URL(fileURLWithPath: "/tmp/outcomes-test-\(pid)")
    }

    /// Stops and deletes clusters left by test processes that died without cleaning up.
    private static func removeAbandonedClusters() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []
        for name in names where name.hasPrefix("outcomes-test-") {
            guard let pid = Int32(name.dropFirst("outcomes-test-".count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            let directory = directory(for: pid)
            // A cluster that cannot be stopped safely (its pid file not trusted) is left alone.
            guard let cluster = try? EmbeddedCluster(directory: directory), (try? cluster.stop()) != nil else { continue }
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// A scratch directory under /tmp that the server user can reach, for tests with their own cluster.
    public static func scratchDirectory(_ label: String) -> URL {
        URL(fileURLWithPath: "/tmp/outcomes-\(label)-\(getpid())-\(UUID().uuidString.prefix(6))")
    }
}
