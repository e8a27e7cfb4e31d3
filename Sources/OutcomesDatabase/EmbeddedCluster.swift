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
                        + "OUTCOMES_SERVER_USER to another unprivileged user, or run outcomes as an ordinary user.",
                    exitStatus: .configuration)
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
    }

    public func status() -> Status {
        guard isInitialized else { return .notInitialized }
        guard let pid = pidFromFile() else { return .stopped }
        return isPostmaster(pid) ? .running(pid: pid) : .stalePidFile(pid: pid)
    }

    /// Whether `pid` is a PostgreSQL server of this data directory — not merely some PostgreSQL:
    /// a pid file left behind may name another server's process, which must never be stopped.
    func isPostmaster(_ pid: Int32) -> Bool {
        guard EmbeddedCluster.isPostgresProcess(pid) else { return false }
        let mine = directory.resolvingSymlinksInPath().path
        // The server works in its data directory.
        if let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd") {
            return URL(fileURLWithPath: cwd).resolvingSymlinksInPath().path == mine
        }
        // Without /proc/PID/cwd (another user's process, no procfs): its command line names the directory.
        if let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") {
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.contains(directory.path) || arguments.contains(mine)
        }
        return !FileManager.default.fileExists(atPath: "/proc/self")  // no procfs at all: trust kill(2)
    }

    var pidFile: URL { directory.appendingPathComponent("postmaster.pid") }

    func pidFromFile() -> Int32? {
        guard let text = try? String(contentsOf: pidFile, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first.flatMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
    }

    static func isPostgresProcess(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        // A killed server nobody has reaped yet (a zombie) is gone too: state "Z" in /proc/PID/stat.
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].hasPrefix(" Z")
        {
            return false
        }
        guard let name = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else {
            return !FileManager.default.fileExists(atPath: "/proc/self")  // no procfs: trust kill(2)
        }
        return name.hasPrefix("postgres")
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
