import Foundation
import OutcomesDatabase
import OutcomesTestSupport
import Testing

/// Runs the built `outcomes` binary (or the lab's `outcomes-bench`), as a user would.
enum CLI {
    static var binary: URL { binary(named: "outcomes") }

    static func binary(named program: String) -> URL {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent(program)
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../.build/debug/\(program)").standardizedFileURL
    }

    /// Runs with a data directory that cannot exist (below a device, which even root cannot make a
    /// folder in), so a command that names no database fails instead of starting a cluster.
    static func run(_ arguments: [String], environment: [String: String] = [:], program: String = "outcomes") throws
        -> ProcessRunner.Result
    {
        var environment = environment
        if environment["OUTCOMES_DATA_DIR"] == nil {
            environment["OUTCOMES_DATA_DIR"] = "/dev/null/outcomes-tests-must-name-a-database"
        }
        return try ProcessRunner.run(binary(named: program), arguments, environment: environment, separateErrors: true)
    }

    /// A user error: one paragraph on stderr, no crash report.
    static func expectCleanFailure(_ result: ProcessRunner.Result, status: Int32, mentioning text: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == status, "stderr: \(result.errors)", sourceLocation: sourceLocation)
        #expect(result.errors.hasPrefix("error: "), "stderr: \(result.errors)", sourceLocation: sourceLocation)
        #expect(result.errors.contains(text), "stderr: \(result.errors)", sourceLocation: sourceLocation)
        #expect(!result.errors.contains("Fatal error") && !result.errors.contains("Backtrace"),
                sourceLocation: sourceLocation)
        #expect(result.errors.split(separator: "\n").count == 1, "stderr: \(result.errors)", sourceLocation: sourceLocation)
        #expect(result.output.isEmpty, sourceLocation: sourceLocation)
    }
}
