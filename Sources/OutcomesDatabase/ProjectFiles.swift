import Foundation

/// Finds the project's data directories (sql/migrations, scenarios) at run time.
public enum ProjectFiles {
    /// `$<variable>` if set; else `share/outcomes/<relative>` beside an installed binary; else
    /// `<relative>` in the source checkout this binary was built from.
    public static func directory(
        _ relative: String, override variable: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL {
        if let explicit = environment[variable], !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        let installed = runningExecutable.deletingLastPathComponent()
            .appendingPathComponent("../share/outcomes/\(relative)").standardizedFileURL
        if FileManager.default.fileExists(atPath: installed.path) { return installed }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../\(relative)").standardizedFileURL
    }

    /// The running binary's real path, links followed — not argv[0], which is a bare name when run from PATH.
    static var runningExecutable: URL {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        #endif
        return (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments.first ?? "")).resolvingSymlinksInPath()
    }
}
