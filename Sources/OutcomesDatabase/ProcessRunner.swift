import Foundation

/// Runs a command to completion with `posix_spawn` and `waitpid`, its output captured in a file.
///
/// Not Foundation's `Process`: on Linux it detects exit through a descriptor the child inherits,
/// and `pg_ctl start` leaves a daemon (the postmaster) holding every inherited descriptor, so
/// waiting would never end. Here the child gets only stdin (/dev/null) and stdout/stderr (the
/// capture file); descriptors this process opens are close-on-exec.
public enum ProcessRunner {
    public struct Result: Sendable {
        public let status: Int32
        /// Standard output, and standard error too unless they were captured apart.
        public let output: String
        /// Standard error when captured apart, else empty.
        public let errors: String
        public var succeeded: Bool { status == 0 }
    }

    /// Runs `executable` with `arguments`, as `user` when given (through `runuser`, which needs root).
    public static func run(
        _ executable: URL, _ arguments: [String], as user: String? = nil, environment extra: [String: String] = [:],
        separateErrors: Bool = false
    ) throws -> Result {
        let argv: [String]
        if let user {
            let runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
                .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/runuser"
            argv = [runuser, "-u", user, "--", executable.path] + arguments
        } else {
            argv = [executable.path] + arguments
        }
        let output = try CaptureFile()
        let errors = separateErrors ? try CaptureFile() : output

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output.descriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, errors.descriptor, 2)

        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        environment.merge(extra) { $1 }
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
        guard spawned == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .ENOENT, userInfo: [NSFilePathErrorKey: argv[0]])
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD) }
        }
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exitCode, output: output.text(), errors: separateErrors ? errors.text() : "")
    }
}

/// A temporary file opened close-on-exec, removed when released.
private final class CaptureFile {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("outcomes-cmd-\(UUID().uuidString).log")
    let descriptor: Int32

    init() throws {
        descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    deinit {
        close(descriptor)
        unlink(url.path)
    }

    func text() -> String {
        ((try? String(contentsOf: url, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
