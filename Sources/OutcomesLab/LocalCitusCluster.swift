import Foundation
import OutcomesDatabase
import PostgresClient

/// A Citus cluster on this machine: a coordinator and its workers, each a private cluster of its
/// own (`EmbeddedCluster`: a data directory, a unix socket inside it, the same port). Used by the
/// distributed tests and `outcomes-bench scale`; a real cluster is set up by its DBA.
public struct LocalCitusCluster: Sendable {
    public let directory: URL
    public let coordinator: EmbeddedCluster
    public let workers: [EmbeddedCluster]

    public init(directory: URL, workers: Int, durable: Bool = false) throws {
        let directory = directory.standardizedFileURL
        let settings = ["shared_preload_libraries = 'citus'", "max_connections = 200"]
        self.directory = directory
        coordinator = try EmbeddedCluster(directory: directory.appendingPathComponent("coordinator"), durable: durable,
                                          settings: settings)
        self.workers = try (1...max(workers, 1)).map {
            try EmbeddedCluster(directory: directory.appendingPathComponent("worker\($0)"), durable: durable, settings: settings)
        }
    }

    /// The coordinator's database, which commands connect to.
    public var conninfo: String { coordinator.conninfo() }

    /// Throws unless the PostgreSQL installation has Citus.
    public static func requireCitusInstalled() throws {
        let installation = try PostgresInstallation.locate()
        let library = installation.binDirectory.appendingPathComponent("../lib/citus.so").standardizedFileURL
        guard FileManager.default.fileExists(atPath: library.path) else {
            throw DatabaseError(
                .citusMissing,
                "Citus is not installed for PostgreSQL \(installation.version) (no \(library.path)). Debian ships no "
                    + "Citus package: build it from ../shared/vendor/citus with its build.sh (see its README).")
        }
    }

    /// Creates (if needed) and starts every node, and registers the workers with the coordinator.
    public func start() throws {
        try Self.requireCitusInstalled()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // The server user must reach each node's data directory inside this one.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        for node in workers + [coordinator] {
            try node.start()
            let connection = try PostgresConnection(conninfo: node.conninfo())
            try connection.execute("CREATE EXTENSION IF NOT EXISTS citus")
        }
        let connection = try PostgresConnection(conninfo: coordinator.conninfo())
        let registered = Set(try connection.execute("SELECT nodename FROM pg_dist_node").map { try $0.decode(String.self, at: 0) })
        if !registered.contains(coordinator.socketDirectory.path) {
            try connection.execute("SELECT citus_set_coordinator_host(\(coordinator.socketDirectory.path), \(EmbeddedCluster.port)::int)")
        }
        for worker in workers where !registered.contains(worker.socketDirectory.path) {
            try connection.execute("SELECT citus_add_node(\(worker.socketDirectory.path), \(EmbeddedCluster.port)::int)")
        }
    }

    /// Stops every node.
    public func stop() throws {
        for node in [coordinator] + workers { _ = try node.stop() }
    }

    /// Stops every node and deletes the cluster's directory.
    public func remove() throws {
        try stop()
        if FileManager.default.fileExists(atPath: directory.path) { try FileManager.default.removeItem(at: directory) }
    }
}
