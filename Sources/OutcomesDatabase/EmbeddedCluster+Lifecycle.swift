import Foundation
import PostgresClient

extension EmbeddedCluster {
    /// Starts the cluster, creating it first if needed. Starting a running cluster does nothing.
    /// Returns what it did, as sentences for the user.
    @discardableResult
    public func start() throws -> [String] {
        // Commands starting the same cluster at once take turns: the first starts it, the others find it running.
        let lock = try StartLock(beside: directory)
        defer { lock.release() }
        var notes: [String] = []
        let installation = try PostgresInstallation.locate()
        try checkExistingDirectory()
        if !isInitialized {
            try initialize(installation)
            notes.append("Created a PostgreSQL \(installation.version) cluster in \(directory.path).")
        }
        switch status() {
        case .running:
            try ensureDatabase()
            return notes + ["The embedded PostgreSQL server is already running (\(directory.path))."]
        case .stalePidFile(let pid):
            try FileManager.default.removeItem(at: pidFile)
            notes.append(
                "Found a stale postmaster.pid (process \(pid) is gone: the server crashed or was killed); "
                    + "removed it. PostgreSQL recovers from its write-ahead log on start.")
        case .untrustedPidFile(let pid):
            throw untrustedPidFileError(pid: pid, use: directoryUse(), doing: "start the server")
        case .stopped, .notInitialized:
            break
        }
        try prepareSocketDirectory()
        try writeConfiguration()  // rewritten on every start, so settings from a newer outcomes apply
        try launch(installation)
        try ensureDatabase()
        notes.append("Started the embedded PostgreSQL server (socket in \(socketDirectory.path)).")
        return notes
    }

    /// Stops the cluster if it runs (fast shutdown: sessions are ended, work is kept).
    @discardableResult
    public func stop() throws -> String {
        switch status() {
        case .notInitialized: return "There is no embedded cluster in \(directory.path)."
        case .stopped:
            let use = directoryUse()
            if use.inUse { throw inUseError(use, doing: "stop the server") }
            return "The embedded PostgreSQL server is not running."
        case .stalePidFile:
            try FileManager.default.removeItem(at: pidFile)
            return "The embedded PostgreSQL server was not running; removed its stale postmaster.pid."
        case .untrustedPidFile(let pid):
            throw untrustedPidFileError(pid: pid, use: directoryUse(), doing: "stop anything")
        case .running:
            let installation = try PostgresInstallation.locate()
            let result = try ProcessRunner.run(
                installation.program("pg_ctl"), ["-D", directory.path, "-m", "fast", "-w", "-t", "60", "stop"],
                as: serverUser)
            guard result.succeeded else { throw commandFailed("pg_ctl stop", result.output) }
            return "Stopped the embedded PostgreSQL server."
        }
    }

    /// Stops the cluster, deletes it with all its data, and creates and starts a new one. Refuses
    /// while any server still uses the directory (one whose pid file was lost or is not trusted).
    @discardableResult
    public func reset() throws -> [String] {
        switch status() {
        case .untrustedPidFile(let pid): throw untrustedPidFileError(pid: pid, use: directoryUse(), doing: "delete anything")
        case .running, .stalePidFile: _ = try stop()
        case .stopped, .notInitialized: break
        }
        let use = directoryUse()
        if use.inUse { throw inUseError(use, doing: "delete the embedded cluster") }
        if FileManager.default.fileExists(atPath: directory.path) {
            try FileManager.default.removeItem(at: directory)
        }
        return ["Deleted the embedded cluster in \(directory.path)."] + (try start())
    }

    // MARK: Steps

    private func initialize(_ installation: PostgresInstallation) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        try giveToServerUser(directory)
        try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
        var arguments = ["-D", directory.path, "-U", EmbeddedCluster.superuser, "-A", "trust", "-E", "UTF8", "--no-locale"]
        if !durable { arguments.append("--no-sync") }
        let result = try ProcessRunner.run(installation.program("initdb"), arguments, as: serverUser)
        guard result.succeeded else { throw commandFailed("initdb", result.output) }
        let conf = directory.appendingPathComponent("postgresql.conf")
        let handle = try FileHandle(forWritingTo: conf)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\ninclude = 'outcomes.conf'\n".utf8))
        try handle.close()
        try writeConfiguration()
    }

    /// Writes outcomes.conf, the settings outcomes owns (ALTER SYSTEM settings still override them).
    private func writeConfiguration() throws {
        let outcomesConf = directory.appendingPathComponent("outcomes.conf")
        try Data(configuration().utf8).write(to: outcomesConf)
        try giveToServerUser(outcomesConf)
    }

    /// Settings for a private analytics cluster: socket only, minimal WAL (bulk loads into tables
    /// truncated in the same transaction skip WAL), memory sized for set-based work on 1M people.
    func configuration() -> String {
        var lines = [
            "# Written by outcomes for its embedded cluster.",
            "listen_addresses = ''",
            "unix_socket_directories = '\(socketDirectory.path)'",
            "unix_socket_permissions = 0700",
            "port = \(EmbeddedCluster.port)",
            "wal_level = minimal",
            "max_wal_senders = 0",
            "max_wal_size = 4GB",
            "checkpoint_timeout = 15min",
            "shared_buffers = \(durable ? Self.sharedBuffersMegabytes() : 128)MB",
            "work_mem = 64MB",
            "maintenance_work_mem = 512MB",
            "timezone = 'UTC'",
            "datestyle = 'iso, ymd'",
            "log_min_messages = warning",
        ]
        if !durable { lines += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"] }
        lines += settings
        return lines.joined(separator: "\n") + "\n"
    }

    /// A quarter of the machine's memory, as PostgreSQL's documentation suggests for a dedicated
    /// server, within 128 MB to 2 GB: 2 GB keeps the events index of a 1M-person IDS cached. More
    /// costs more than it saves here: every parallel worker is a new process that maps shared
    /// memory page by page (the metrics benchmark ran 10% slower with 6 GB).
    static func sharedBuffersMegabytes(physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory) -> Int {
        let quarter = Int(physicalMemory / 4 / 1_048_576)
        return min(max(quarter, 128), 2_048)
    }

    /// An existing directory must be a cluster (or empty) and belong to the server user. Checked
    /// before anything reads it: someone else's directory may not even be readable to us.
    private func checkExistingDirectory() throws {
        let manager = FileManager.default
        guard manager.fileExists(atPath: directory.path) else { return }
        let contents = try? manager.contentsOfDirectory(atPath: directory.path)
        if contents?.isEmpty == true { return }  // an empty directory is taken over by initdb
        if let contents, !contents.contains("PG_VERSION") {
            throw DatabaseError(
                .notADataDirectory,
                "\(directory.path) exists and is not empty, but it is not a PostgreSQL data directory (no PG_VERSION). "
                    + "outcomes will not write into it: choose another directory with OUTCOMES_DATA_DIR, or empty it.")
        }
        try checkOwnership()
    }

    private func checkOwnership() throws {
        let expected = serverUser.flatMap { getpwnam($0)?.pointee.pw_uid } ?? geteuid()
        if let problem = try EmbeddedCluster.ownershipProblem(of: directory, expectedOwner: expected) { throw problem }
    }

    /// The error to report when `directory` is not owned by `expectedOwner`, else nil.
    static func ownershipProblem(of directory: URL, expectedOwner expected: uid_t) throws -> DatabaseError? {
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.path)
        let owner = (attributes[.ownerAccountID] as? NSNumber)?.uint32Value
        guard owner != expected else { return nil }
        func name(_ uid: uid_t?) -> String {
            uid.flatMap { getpwuid($0) }.map { String(cString: $0.pointee.pw_name) } ?? "uid \(uid.map(String.init) ?? "?")"
        }
        return DatabaseError(
            .dataDirectoryOwnership,
            "The data directory \(directory.path) belongs to \(name(owner)), but the embedded server runs as "
                + "\(name(expected)), and PostgreSQL only starts on a data directory its own user owns. Use another "
                + "directory (OUTCOMES_DATA_DIR=…), or, if this one is meant for the server, "
                + "`chown -R \(name(expected)) \(directory.path)`.")
    }

    private func prepareSocketDirectory() throws {
        guard socketDirectory != directory else { return }
        try FileManager.default.createDirectory(
            at: socketDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try giveToServerUser(socketDirectory)
    }

    private func launch(_ installation: PostgresInstallation) throws {
        // A server killed with SIGKILL may leave children holding shared memory for a moment.
        for attempt in 1...10 {
            let result = try ProcessRunner.run(
                installation.program("pg_ctl"),
                ["-D", directory.path, "-l", logFile.path, "-w", "-t", "60", "start"], as: serverUser)
            if result.succeeded { return }
            let log = logTail()
            if attempt < 10, log.contains("pre-existing shared memory block") || log.contains("lock file") {
                Thread.sleep(forTimeInterval: 0.5)
                continue
            }
            throw DatabaseError(
                .clusterStartFailed,
                "The embedded PostgreSQL server in \(directory.path) did not start. pg_ctl said: \(result.output). "
                    + "The end of \(logFile.path) reads: \(log) — fix what it names, or start afresh with "
                    + "`outcomes db reset` (this deletes the embedded cluster's data).")
        }
    }

    /// Creates the `outcomes` database on a new cluster.
    private func ensureDatabase() throws {
        let connection = try PostgresConnection(conninfo: conninfo(database: "postgres"))
        let exists = try connection.execute(
            "SELECT count(*) FROM pg_database WHERE datname = \(EmbeddedCluster.databaseName)"
        ).scalar(Int.self)
        if exists == 0 { try connection.execute("CREATE DATABASE \(escapedIdentifier: EmbeddedCluster.databaseName)") }
    }

    func logTail(lines: Int = 5) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? "(no log)"
        return text.split(separator: "\n").suffix(lines).joined(separator: " / ")
    }

    private func giveToServerUser(_ url: URL) throws {
        guard let serverUser, let account = getpwnam(serverUser) else { return }
        guard chown(url.path, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
            throw commandFailed("chown \(serverUser) \(url.path)", String(cString: strerror(errno)))
        }
    }

    private func commandFailed(_ command: String, _ output: String) -> DatabaseError {
        DatabaseError(
            .clusterCommandFailed,
            "\(command) failed for the embedded cluster in \(directory.path): \(output)")
    }
}

/// An exclusive lock on a file beside the data directory (which may not exist yet), held while a
/// command starts the cluster.
struct StartLock {
    private let descriptor: Int32

    init(beside directory: URL) throws {
        let path = directory.standardizedFileURL.path + ".start-lock"
        try? FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                 withIntermediateDirectories: true)
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw DatabaseError(.clusterStartFailed, "Cannot create the lock file \(path) that serializes starting the embedded "
                                + "cluster: \(String(cString: strerror(errno))).")
        }
        while flock(descriptor, LOCK_EX) != 0 && errno == EINTR {}
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
