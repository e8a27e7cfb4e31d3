import Foundation
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

@Suite struct EmbeddedClusterTests {
    @Test func startStopRestartAndStalePidRecovery() throws {
        let cluster = try EmbeddedCluster(directory: TestDatabase.scratchDirectory("lifecycle"), durable: false)
        defer {
            _ = try? cluster.stop()
            try? FileManager.default.removeItem(at: cluster.directory)
        }
        #expect(cluster.status() == .notInitialized)
        try cluster.start()
        #expect(Self.isDataDirectory(cluster.directory), "start created the cluster")
        guard case .running(let firstPID) = cluster.status() else { Issue.record("not running after start"); return }

        // Starting again is a no-op: the same server keeps running.
        try cluster.start()
        #expect(cluster.status() == .running(pid: firstPID))
        let db = try PostgresConnection(conninfo: cluster.conninfo())
        try db.execute("CREATE TABLE kept (x int)")
        try db.execute("INSERT INTO kept VALUES (\(7))")

        try cluster.stop()
        #expect(cluster.status() == .stopped)
        #expect(throws: PostgresError.self) { try db.execute("SELECT 1") }

        // Restart keeps the data.
        try cluster.start()
        let reopened = try PostgresConnection(conninfo: cluster.conninfo())
        #expect(try reopened.execute("SELECT x FROM kept").scalar(Int.self) == 7)

        // A killed server leaves its pid file behind; start recovers.
        guard case .running(let pid) = cluster.status() else { Issue.record("not running"); return }
        kill(pid, SIGKILL)
        for _ in 0..<200 where EmbeddedCluster.isPostgresProcess(pid) { usleep(50_000) }
        #expect(cluster.status() == .stalePidFile(pid: pid))
        try cluster.start()
        guard case .running(let newPID) = cluster.status(), newPID != pid else { Issue.record("not restarted: \(cluster.status())"); return }
        let recovered = try PostgresConnection(conninfo: cluster.conninfo())
        #expect(try recovered.execute("SELECT x FROM kept").scalar(Int.self) == 7)
    }

    /// A pid file naming another live PostgreSQL server is not trusted, and not taken for stale
    /// either: nothing is stopped or deleted, and the command says so (exit 69).
    @Test func aPidFileNamingAnotherServerIsNotTrusted() throws {
        let other = try TestDatabase.cluster()
        guard case .running(let otherPID) = other.status() else { Issue.record("the test cluster is not running"); return }
        let directory = TestDatabase.scratchDirectory("foreign-pid")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("15\n".utf8).write(to: directory.appendingPathComponent("PG_VERSION"))
        let pidFile = directory.appendingPathComponent("postmaster.pid")
        try Data("\(otherPID)\n\(directory.path)\n".utf8).write(to: pidFile)
        let cluster = try EmbeddedCluster(directory: directory, durable: false)
        #expect(cluster.status() == .untrustedPidFile(pid: otherPID))
        for command in [{ _ = try cluster.stop() }, { _ = try cluster.reset() }] {
            #expect { try command() } throws: { error in
                (error as? DatabaseError)?.code == .untrustedPidFile && (error as? DatabaseError)?.exitStatus == .unavailable
            }
        }
        #expect(FileManager.default.fileExists(atPath: pidFile.path), "the pid file is left alone")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("PG_VERSION").path), "reset deleted nothing")
        #expect(other.status() == .running(pid: otherPID))
        let (db, _) = try TestDatabase.fresh(migrated: false)
        #expect(try db.execute("SELECT 1").scalar(Int.self) == 1, "the other server still serves")
    }

    /// The reported case: a running cluster whose pid file was made to name another live
    /// PostgreSQL server (or an unrelated live process). `db stop` must not delete the pid file,
    /// and `db reset` must not delete the directory under the server that still serves it.
    @Test func aRunningClustersPidFileNamingAnotherProcessStopsNothingAndDeletesNothing() throws {
        let other = try TestDatabase.cluster()
        guard case .running(let otherPID) = other.status() else { Issue.record("the test cluster is not running"); return }
        let cluster = try EmbeddedCluster(directory: TestDatabase.scratchDirectory("hijacked-pid"), durable: false)
        defer {
            _ = try? cluster.stop()
            try? FileManager.default.removeItem(at: cluster.directory)
            try? FileManager.default.removeItem(atPath: cluster.directory.path + ".start-lock")
        }
        try cluster.start()
        guard case .running(let ownPID) = cluster.status() else { Issue.record("not running after start"); return }
        let db = try PostgresConnection(conninfo: cluster.conninfo())
        try db.execute("CREATE TABLE kept (x int)")
        let pidFile = cluster.directory.appendingPathComponent("postmaster.pid")
        let original = try String(contentsOf: pidFile, encoding: .utf8)
        let rest = original.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n")

        for stranger in [otherPID, getpid()] {  // another server; a live process that is not PostgreSQL
            try Data(("\(stranger)\n" + rest).utf8).write(to: pidFile)
            #expect(cluster.status() == .untrustedPidFile(pid: stranger))
            let use = cluster.directoryUse()
            #expect(use.processes.contains(ownPID) && use.servedOnSocket)
            #expect(EmbeddedCluster.postmaster(among: use.processes) == ownPID)
            for command in [{ _ = try cluster.stop() }, { _ = try cluster.reset() }, { _ = try cluster.start() }] {
                #expect { try command() } throws: { error in
                    (error as? DatabaseError)?.code == .untrustedPidFile && (error as? DatabaseError)?.exitStatus == .unavailable
                }
            }
            #expect(try String(contentsOf: pidFile, encoding: .utf8) == "\(stranger)\n" + rest, "the pid file is left as it was")
            #expect(try db.execute("SELECT count(*) FROM kept").scalar(Int.self) == 0, "the cluster still serves its data")
            #expect(EmbeddedCluster.isLive(stranger))
        }
        #expect(other.status() == .running(pid: otherPID))

        // Without any pid file, the server still using the directory keeps reset (and stop) away.
        try FileManager.default.removeItem(at: pidFile)
        #expect(cluster.status() == .stopped)
        for command in [{ _ = try cluster.reset() }, { _ = try cluster.stop() }] {
            #expect { try command() } throws: { error in
                (error as? DatabaseError)?.code == .clusterInUse && (error as? DatabaseError)?.exitStatus == .unavailable
            }
        }
        #expect(try db.execute("SELECT count(*) FROM kept").scalar(Int.self) == 0)

        // With its own pid file back, the cluster stops and resets as before.
        try Data(original.utf8).write(to: pidFile)
        #expect(cluster.status() == .running(pid: ownPID))
        try cluster.reset()
        guard case .running(let freshPID) = cluster.status(), freshPID != ownPID else { Issue.record("not reset: \(cluster.status())"); return }
        let fresh = try PostgresConnection(conninfo: cluster.conninfo())
        #expect(try fresh.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'kept'").scalar(Int.self) == 0)
    }

    /// A stopped cluster whose pid file names a reused pid (a live program that is not PostgreSQL):
    /// refused with advice, and once the file is deleted the cluster starts and keeps its data.
    @Test func aReusedPidIsReportedAndRecoveredByDeletingTheFile() throws {
        let cluster = try EmbeddedCluster(directory: TestDatabase.scratchDirectory("reused-pid"), durable: false)
        defer {
            _ = try? cluster.stop()
            try? FileManager.default.removeItem(at: cluster.directory)
            try? FileManager.default.removeItem(atPath: cluster.directory.path + ".start-lock")
        }
        try cluster.start()
        try PostgresConnection(conninfo: cluster.conninfo()).execute("CREATE TABLE kept (x int)")
        try cluster.stop()
        let pidFile = cluster.directory.appendingPathComponent("postmaster.pid")
        try Data("\(getpid())\n\(cluster.directory.path)\n".utf8).write(to: pidFile)
        #expect(cluster.status() == .untrustedPidFile(pid: getpid()))
        #expect(!cluster.directoryUse().inUse)
        #expect { try cluster.start() } throws: { error in
            let error = error as? DatabaseError
            return error?.code == .untrustedPidFile && error?.message.contains(pidFile.path) == true
        }
        try FileManager.default.removeItem(at: pidFile)
        try cluster.start()
        #expect(try PostgresConnection(conninfo: cluster.conninfo()).execute("SELECT count(*) FROM kept").scalar(Int.self) == 0)
    }

    /// Commands that start a stopped cluster at once all succeed: starting takes turns.
    @Test func concurrentStartsAllSucceed() throws {
        let cluster = try EmbeddedCluster(directory: TestDatabase.scratchDirectory("concurrent"), durable: false)
        defer {
            _ = try? cluster.stop()
            try? FileManager.default.removeItem(at: cluster.directory)
            try? FileManager.default.removeItem(atPath: cluster.directory.path + ".start-lock")
        }
        try cluster.start()
        try cluster.stop()
        let results = ConcurrentResults()
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            results.add(Result { try cluster.start() })
        }
        #expect(results.all.allSatisfy { (try? $0.get()) != nil }, "\(results.all)")
        guard case .running = cluster.status() else { Issue.record("not running"); return }
    }

    @Test func aDirectoryOwnedBySomeoneElseIsRefused() throws {
        let directory = TestDatabase.scratchDirectory("owner")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try EmbeddedCluster.ownershipProblem(of: directory, expectedOwner: geteuid()) == nil)
        let problem = try #require(try EmbeddedCluster.ownershipProblem(of: directory, expectedOwner: geteuid() + 4242))
        #expect(problem.code == .dataDirectoryOwnership)
        #expect(problem.exitStatus == .permission)
        #expect(problem.message.contains(directory.path))
    }

    @Test func aNonEmptyDirectoryThatIsNoClusterIsLeftAlone() throws {
        let directory = TestDatabase.scratchDirectory("notacluster")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: directory.appendingPathComponent("notes.txt"))
        defer { try? FileManager.default.removeItem(at: directory) }
        let cluster = try EmbeddedCluster(directory: directory, durable: false)
        #expect { try cluster.start() } throws: { ($0 as? DatabaseError)?.code == .notADataDirectory && ($0 as? DatabaseError)?.exitStatus == .configuration }
        #expect(try String(contentsOf: directory.appendingPathComponent("notes.txt"), encoding: .utf8) == "mine")
        // Emptied, the same directory is taken over (as root: handed to the server user).
        try FileManager.default.removeItem(at: directory.appendingPathComponent("notes.txt"))
        defer { _ = try? cluster.stop() }
        try cluster.start()
        #expect(Self.isDataDirectory(directory))
        guard case .running = cluster.status() else { Issue.record("not running: \(cluster.status())"); return }
    }

    /// Whether `directory` holds a PostgreSQL cluster (initdb writes PG_VERSION).
    static func isDataDirectory(_ directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("PG_VERSION").path)
    }

    @Test func longDirectoriesGetASocketDirectoryThatFits() throws {
        let long = URL(fileURLWithPath: "/tmp/" + String(repeating: "deep/", count: 30) + "cluster")
        let cluster = try EmbeddedCluster(directory: long)
        #expect(cluster.socketDirectory.path.utf8.count < 60)
        let short = try EmbeddedCluster(directory: URL(fileURLWithPath: "/tmp/c"))
        #expect(short.socketDirectory == short.directory)
    }
}

@Suite struct PostgresInstallationTests {
    @Test func findsTheLocalServer() throws {
        let installation = try PostgresInstallation.locate()
        #expect(installation.majorVersion >= PostgresInstallation.minimumMajorVersion)
        #expect(FileManager.default.isExecutableFile(atPath: installation.program("initdb").path))
    }

    @Test func aWrongExplicitDirectoryIsAClearError() {
        #expect {
            _ = try PostgresInstallation.locate(environment: ["OUTCOMES_PG_BINDIR": "/nonexistent/bin", "PATH": "/usr/bin"])
        } throws: { error in
            let error = error as? DatabaseError
            return error?.code == .postgresNotInstalled && error?.message.contains("/nonexistent/bin") == true
        }
    }
}

@Suite struct DatabaseTargetTests {
    @Test func resolutionOrder() throws {
        guard case .named("host=a") = try DatabaseTarget.resolve(option: "host=a", environment: ["DATABASE_URL": "x"]) else {
            Issue.record("--database must win"); return
        }
        guard case .named("postgresql://u@h/d") = try DatabaseTarget.resolve(option: nil, environment: ["DATABASE_URL": "postgresql://u@h/d"]) else {
            Issue.record("DATABASE_URL comes next"); return
        }
        guard case .named("") = try DatabaseTarget.resolve(option: nil, environment: ["PGHOST": "db"]) else {
            Issue.record("PGHOST names a server"); return
        }
        guard case .embedded(let cluster) = try DatabaseTarget.resolve(
            option: nil, environment: ["PGUSER": "ana", "OUTCOMES_DATA_DIR": "/tmp/x"])
        else { Issue.record("PGUSER alone names no database"); return }
        #expect(cluster.directory.path == "/tmp/x")
    }

    @Test func unreachableServersGetAnActionableError() {
        #expect {
            _ = try DatabaseTarget.named("host=/nonexistent-dir port=1").connect()
        } throws: { error in
            let error = error as? DatabaseError
            return error?.code == .unreachable && error?.exitStatus == .unavailable
                && error?.message.contains("--database") == true
        }
    }
}

private final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<[String], any Error>] = []
    func add(_ result: Result<[String], any Error>) { lock.withLock { results.append(result) } }
    var all: [Result<[String], any Error>] { lock.withLock { results } }
}
