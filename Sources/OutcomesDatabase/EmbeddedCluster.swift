import Foundation

/// A private PostgreSQL cluster that outcomes creates and starts itself when no database is named.
///
/// It listens on a unix socket only (no TCP port to collide with), inside its own data directory.
/// As root, the server runs as the unprivileged `postgres` OS user (`initdb` and `postgres`
/// refuse root); otherwise as the current user.
public struct EmbeddedCluster: Sendable {
    public static let superuser = "outcomes"
    public static let databaseName = "outcomes"
    public static let port = 5432

    /// The data directory (PGDATA).
    public let directory: URL
    /// The OS user that runs the server through `runuser`, or nil for the current user.
    public let serverUser: String?
    /// When false (test clusters), fsync is off: fast, and lost on a machine crash.
    public let durable: Bool
    /// Settings added to outcomes.conf (`name = value` lines), e.g. a Citus node's.
    public let settings: [String]

    public init(directory: URL, durable: Bool = true, settings: [String] = [],
                environment: [String: String] = ProcessInfo.processInfo.environment) throws
    {
        self.directory = directory.standardizedFileURL
        self.durable = durable
        self.settings = settings
        if geteuid() == 0 {
            let user = environment["OUTCOMES_SERVER_USER"] ?? "postgres"
            guard getpwnam(user) != nil else {
                throw DatabaseError(
                    .noServerUser,
                    "outcomes is running as root, and PostgreSQL refuses to run as root, but there is no '\(user)' "
                        + "OS user to run the embedded server as. Create one (`adduser --system --group \(user)`), set "
                        + "OUTCOMES_SERVER_USER to another unprivileged user, or run outcomes as an ordinary user.")
            }
            serverUser = user
        } else {
            serverUser = nil
        }
    }

    /// `OUTCOMES_DATA_DIR`, else `/var/lib/outcomes/cluster` as root (the server user must reach it),
    /// else `$XDG_DATA_HOME/outcomes/cluster` (default `~/.local/share/outcomes/cluster`).
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let explicit = environment["OUTCOMES_DATA_DIR"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        if geteuid() == 0 { return URL(fileURLWithPath: "/var/lib/outcomes/cluster") }
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return URL(fileURLWithPath: dataHome).appendingPathComponent("outcomes/cluster")
    }

    public var logFile: URL { directory.appendingPathComponent("server.log") }

    /// The socket lives in the data directory unless that path is too long for a unix socket
    /// (about 100 bytes); then in a per-cluster directory under /tmp.
    public var socketDirectory: URL {
        if directory.path.utf8.count + 16 < 100 { return directory }
        var hasher = FNV1a()
        hasher.add(directory.path)
        return URL(fileURLWithPath: "/tmp/outcomes-\(geteuid())-\(String(hasher.value, radix: 36))")
    }

    public func conninfo(database: String = EmbeddedCluster.databaseName) -> String {
        "host='\(socketDirectory.path)' port=\(EmbeddedCluster.port) user=\(EmbeddedCluster.superuser) dbname=\(database)"
    }

    public var isInitialized: Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("PG_VERSION").path)
    }

    // MARK: Status

    public enum Status: Equatable, Sendable {
        case notInitialized
        case stopped
        case running(pid: Int32)
        /// A pid file whose process is gone: left by a crash or a killed server.
        case stalePidFile(pid: Int32)
        /// A pid file naming a live process that does not serve this data directory (another
        /// cluster's server, a file copied from one, or a pid reused by an unrelated program). It is
        /// not trusted: outcomes neither stops that process nor takes the file for stale.
        case untrustedPidFile(pid: Int32)
    }

    public func status() -> Status {
        guard isInitialized else { return .notInitialized }
        guard let pid = pidFromFile() else { return .stopped }
        if isPostmaster(pid) { return .running(pid: pid) }
        return EmbeddedCluster.isLive(pid) ? .untrustedPidFile(pid: pid) : .stalePidFile(pid: pid)
    }
}

/// FNV-1a, 64-bit: a short stable name for a path, not a security hash.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ text: String) {
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value &*= 0x100_0000_01b3
        }
    }
}
