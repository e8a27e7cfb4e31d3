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
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let installed = executable.deletingLastPathComponent()
            .appendingPathComponent("../share/outcomes/\(relative)").standardizedFileURL
        if FileManager.default.fileExists(atPath: installed.path) { return installed }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../\(relative)").standardizedFileURL
    }
}
