import Foundation
import OutcomesDatabase
import Testing

/// Ctrl-C (SIGINT) or SIGTERM during a write: outcomes removes every temporary it was writing,
/// leaves the target as it was, prints one line and exits 130 or 143 — it does not die by the
/// signal. The write is held at a known point by the test-only OUTCOMES_TEST_PAUSE_BEFORE_RENAME
/// (a file write waits, its temporary written, until the named path exists — here it never does),
/// so the signal arrives mid-write without any timing.
@Suite struct InterruptedWriteTests {
    /// A process of the built binary, its pid known, its output captured in files.
    struct Running {
        let pid: pid_t
        let output: String
        let errors: String

        init(_ arguments: [String], environment extra: [String: String]) throws {
            var environment = ProcessInfo.processInfo.environment
            environment["OUTCOMES_DATA_DIR"] = "/dev/null/outcomes-tests-must-name-a-database"
            environment.merge(extra) { $1 }
            let id = UUID().uuidString
            output = FileManager.default.temporaryDirectory.appendingPathComponent("interrupted-\(id).out").path
            errors = FileManager.default.temporaryDirectory.appendingPathComponent("interrupted-\(id).err").path
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            let argv = [CLI.binary.path] + arguments
            let cArguments = argv.map { strdup($0) } + [nil]
            let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                cArguments.forEach { free($0) }
                cEnvironment.forEach { free($0) }
            }
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
            guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .ENOENT) }
            self.pid = pid
        }

        /// Waits for the process; its raw wait status, standard output and standard error.
        func wait() throws -> (status: Int32, output: String, errors: String) {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 {
                guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD) }
            }
            defer {
                unlink(output)
                unlink(errors)
            }
            return (status, try Scratch.text(output), try Scratch.text(errors))
        }
    }

    /// A flat table `compare --data` reads: 400 units, every third treated.
    func units(in folder: String) throws -> String {
        var lines = ["id,t,x,y"]
        for i in 0..<400 { lines.append("p\(i),\(i % 3 == 0 ? 1 : 0),\((i * 7) % 11),\(Double(i % 5) + (i % 3 == 0 ? 1.5 : 0))") }
        try Scratch.put(lines.joined(separator: "\n") + "\n", folder + "/units.csv")
        return folder + "/units.csv"
    }

    /// Waits until `found` holds (a temporary has appeared), giving up — and killing the process —
    /// only after a minute: a guard against a hung test, not a timing the result depends on.
    func waitUntil(_ process: Running, _ found: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        for _ in 0..<30_000 {
            if found() { return true }
            usleep(2_000)
        }
        kill(process.pid, SIGKILL)
        Issue.record("the write never reached its pause", sourceLocation: sourceLocation)
        return false
    }

    func temporaries(in folder: String) -> [String] {
        ((try? Scratch.listing(folder)) ?? []).filter { $0.hasSuffix(".outcomes-tmp") }
    }

    /// The process exited (not killed by the signal) with `status`, and said so in one line.
    func expectInterrupted(_ result: (status: Int32, output: String, errors: String), _ signal: String, status: Int32,
                           sourceLocation: SourceLocation = #_sourceLocation) {
        let exited = result.status & 0x7f == 0
        #expect(exited, "killed by signal \(result.status & 0x7f)", sourceLocation: sourceLocation)
        #expect(exited && (result.status >> 8) & 0xff == status, "wait status \(result.status): \(result.errors)", sourceLocation: sourceLocation)
        #expect(result.errors.hasPrefix("interrupted: \(signal);") && result.errors.hasSuffix("; nothing was written\n"),
                "\(result.errors)", sourceLocation: sourceLocation)
        #expect(result.errors.split(separator: "\n").count == 1 && result.output.isEmpty, "\(result.errors)", sourceLocation: sourceLocation)
    }

    @Test func sigintDuringMatchedDataLeavesNoTemporaryAndTheTargetUntouched() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let data = try units(in: folder)
        try Scratch.put("precious\n", folder + "/matched.csv")
        let process = try Running(["compare", "--data", data, "--treatment", "t", "--outcome", "y", "--covariates", "x", "-q",
                                   "--matched-data", folder + "/matched.csv", "--output", folder + "/report.md"],
                                  environment: ["OUTCOMES_TEST_PAUSE_BEFORE_RENAME": folder + "/never"])
        guard waitUntil(process, { !temporaries(in: folder).isEmpty }) else { return }
        // The person-level rows are in the hidden temporary, waiting to be renamed.
        #expect(temporaries(in: folder).allSatisfy { $0.hasPrefix(".matched.csv.") })
        kill(process.pid, SIGINT)
        expectInterrupted(try process.wait(), "SIGINT", status: 130)
        #expect(try Scratch.listing(folder) == ["matched.csv", "units.csv"])
        #expect(try Scratch.text(folder + "/matched.csv") == "precious\n")
    }

    @Test func sigtermDuringACSVFolderLeavesTheEarlierFolderAndNoTemporary() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let data = try units(in: folder)
        let arguments = ["compare", "--data", data, "--treatment", "t", "--outcome", "y", "--covariates", "x", "-q",
                         "--format", "csv", "--output", folder + "/tables/"]
        #expect(try CLI.run(arguments).status == 0)
        let before = try Scratch.listing(folder + "/tables")
        let estimates = try Scratch.text(folder + "/tables/estimates.csv")
        // Paused at the first file inside the temporary folder: a folder holding a temporary file.
        let process = try Running(arguments, environment: ["OUTCOMES_TEST_PAUSE_BEFORE_RENAME": folder + "/never"])
        guard waitUntil(process, { temporaries(in: folder).contains { !temporaries(in: folder + "/" + $0).isEmpty } }) else { return }
        kill(process.pid, SIGTERM)
        expectInterrupted(try process.wait(), "SIGTERM", status: 143)
        #expect(try Scratch.listing(folder) == ["tables", "units.csv"])
        #expect(try Scratch.listing(folder + "/tables") == before && Scratch.text(folder + "/tables/estimates.csv") == estimates)
    }

    @Test func folderMadeForAnInterruptedOutputIsRemovedToo() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let data = try units(in: folder)
        let process = try Running(["compare", "--data", data, "--treatment", "t", "--outcome", "y", "--covariates", "x", "-q",
                                   "--format", "csv", "--output", folder + "/made/for/tables/"],
                                  environment: ["OUTCOMES_TEST_PAUSE_BEFORE_RENAME": folder + "/never"])
        guard waitUntil(process, { !temporaries(in: folder + "/made/for").isEmpty }) else { return }
        kill(process.pid, SIGINT)
        expectInterrupted(try process.wait(), "SIGINT", status: 130)
        #expect(try Scratch.listing(folder) == ["units.csv"])
    }
}
