import Foundation
import PostgresClient

/// Which processes a pid file may be trusted for, and who uses a data directory.
///
/// A pid file is trusted only when the process it names serves this data directory. A live process
/// that does not (another cluster's server, a file copied from a running cluster, a pid reused by
/// an unrelated program) is never stopped, and the file is not taken for stale either: the server
/// that does use the directory may still be running, and deleting its pid file would let `db reset`
/// delete the directory under it.
extension EmbeddedCluster {
    var pidFile: URL { directory.appendingPathComponent("postmaster.pid") }

    package func pidFromFile() -> Int32? {
        guard let text = try? String(contentsOf: pidFile, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first.flatMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// Whether `pid` is a PostgreSQL server of this data directory — not merely some PostgreSQL.
    func isPostmaster(_ pid: Int32) -> Bool {
        guard EmbeddedCluster.isPostgresProcess(pid) else { return false }
        // The server works in its data directory.
        if let cwd = EmbeddedCluster.workingDirectory(of: pid) { return isInside(cwd, exactly: true) }
        // Without /proc/PID/cwd (another user's process): its command line names the directory.
        if let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") {
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.contains(directory.path) || arguments.contains(resolvedDirectory)
        }
        return !EmbeddedCluster.hasProcfs  // no procfs at all: trust kill(2)
    }

    var resolvedDirectory: String { directory.resolvingSymlinksInPath().path }

    /// Whether `path` (resolved) is the data directory, or (unless `exactly`) inside it.
    private func isInside(_ path: String, exactly: Bool = false) -> Bool {
        let mine = resolvedDirectory
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        return resolved == mine || (!exactly && resolved.hasPrefix(mine + "/"))
    }

    static var hasProcfs: Bool { FileManager.default.fileExists(atPath: "/proc/self") }

    /// Alive, and not a zombie (a killed process nobody has reaped yet: state "Z" in /proc/PID/stat).
    static func isLive(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].hasPrefix(" Z")
        {
            return false
        }
        return true
    }

    static func isPostgresProcess(_ pid: Int32) -> Bool {
        guard isLive(pid) else { return false }
        guard let name = programName(of: pid) else { return !hasProcfs }  // no procfs: trust kill(2)
        return name.hasPrefix("postgres")
    }

    static func programName(of pid: Int32) -> String? {
        (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func workingDirectory(of pid: Int32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")
    }

    static func parent(of pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    /// What a live process named by the pid file is, for a message.
    func describe(_ pid: Int32) -> String {
        guard let name = EmbeddedCluster.programName(of: pid) else { return "a live process" }
        guard name.hasPrefix("postgres") else { return "a running '\(name)' program, not PostgreSQL" }
        return EmbeddedCluster.workingDirectory(of: pid).map { "a PostgreSQL server of \($0)" } ?? "a PostgreSQL process of another data directory"
    }

    // MARK: Who uses the directory

    /// The servers that use the data directory, whatever its pid file says.
    struct DirectoryUse: Equatable {
        /// PostgreSQL processes working in the directory (a server's postmaster and its children).
        var processes: [Int32] = []
        /// A server answers on this cluster's socket and says it serves this directory.
        var servedOnSocket = false

        var inUse: Bool { !processes.isEmpty || servedOnSocket }
    }

    /// Looks at every process's working directory (cheap: one readlink each) and asks whoever
    /// answers on the cluster's socket for its `data_directory`.
    func directoryUse() -> DirectoryUse {
        var use = DirectoryUse()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry), pid != getpid(), EmbeddedCluster.isPostgresProcess(pid),
                let cwd = EmbeddedCluster.workingDirectory(of: pid), isInside(cwd)
            else { continue }
            use.processes.append(pid)
        }
        use.processes.sort()
        if FileManager.default.fileExists(atPath: socketDirectory.appendingPathComponent(".s.PGSQL.\(EmbeddedCluster.port)").path),
            let connection = try? PostgresConnection(conninfo: conninfo(database: "postgres") + " connect_timeout=3"),
            let served = try? connection.execute("SHOW data_directory").scalar(String.self)
        {
            use.servedOnSocket = isInside(served, exactly: true)
        }
        return use
    }

    /// The postmaster among a server's processes: the one whose parent is not among them.
    static func postmaster(among processes: [Int32]) -> Int32? {
        processes.first { parent(of: $0).map { !processes.contains($0) } ?? true }
    }

    // MARK: Refusals

    /// The error for a pid file naming a live process that does not serve this directory.
    func untrustedPidFileError(pid: Int32, use: DirectoryUse, doing action: String) -> DatabaseError {
        let users = usersSentence(use)
        let advice = use.inUse
            ? "Yet " + users + " Stop that server yourself (`kill -INT` its postmaster), then run the command again."
            : "No PostgreSQL process works in \(directory.path) and none answers on its socket: if no server uses it, the file "
                + "is left from a crash and its pid has been reused; delete \(pidFile.path) and run the command again."
        return DatabaseError(
            .untrustedPidFile,
            "\(pidFile.path) names process \(pid), \(describe(pid)), which does not serve the embedded cluster in "
                + "\(directory.path). outcomes trusts a pid file only when its process serves this data directory, so it "
                + "did not \(action), and left that process and the file alone. " + advice)
    }

    /// The error for a server using the directory without a pid file naming it (`action`: "delete
    /// the embedded cluster", "stop the server").
    func inUseError(_ use: DirectoryUse, doing action: String) -> DatabaseError {
        DatabaseError(
            .clusterInUse,
            "outcomes did not \(action) in \(directory.path): there is no trusted postmaster.pid, but " + usersSentence(use)
                + " Stop that server yourself (`kill -INT` its postmaster), then run the command again.")
    }

    private func usersSentence(_ use: DirectoryUse) -> String {
        var parts: [String] = []
        if !use.processes.isEmpty {
            let postmaster = EmbeddedCluster.postmaster(among: use.processes).map { " (its postmaster is process \($0))" } ?? ""
            parts.append("PostgreSQL processes \(use.processes.map(String.init).joined(separator: ", ")) work in it\(postmaster)")
        }
        if use.servedOnSocket { parts.append("a server answers on its socket (\(socketDirectory.path)) for this directory") }
        return "a server uses this directory: " + parts.joined(separator: "; ") + "."
    }
}
