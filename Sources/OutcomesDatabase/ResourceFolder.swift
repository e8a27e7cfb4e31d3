import Foundation

/// A folder of files the binary reads at run time, shipped in the SwiftPM resource bundle of the
/// target that reads it (`<package>_<target>.resources` beside the binary). Found without
/// `Bundle.module`, whose accessor stops the process when the bundle is missing.
public struct ResourceFolder: Sendable, Equatable {
    /// What the folder holds, for messages ("migrations").
    public let contents: String
    /// The environment variable naming a folder to read instead of the bundle's.
    public let override: String
    /// The bundle's name without its extension: `<package>_<target>`.
    public let bundle: String
    /// The folder's path inside the bundle ("" for the bundle's root).
    public let path: String

    public init(contents: String, override: String, target: String, path: String = "") {
        self.contents = contents
        self.override = override
        self.bundle = "outcomes_\(target)"
        self.path = path
    }

    /// The schema's versioned files (top-level `sql/migrations`).
    public static let migrations = ResourceFolder(
        contents: "migrations", override: "OUTCOMES_SQL_DIR", target: "OutcomesDatabase", path: "migrations")

    /// `$override` if set; else the folder in the bundle beside the running binary's real path; else, where the
    /// running binary is not the program (macOS's xctest), in the build directory this code was built into.
    public func directory(environment: [String: String] = ProcessInfo.processInfo.environment) throws(DatabaseError) -> URL {
        try directory(environment: environment, candidates: bundleCandidates)
    }

    /// The same, looking for the bundle in `candidates` (directories that may hold it), in order.
    public func directory(environment: [String: String], candidates: [URL]) throws(DatabaseError) -> URL {
        if let explicit = environment[override], !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        let bundleName = bundle + Self.bundleExtension
        for directory in candidates {
            let bundleURL = directory.appendingPathComponent(bundleName)
            // Foundation knows where a bundle keeps its resources (Contents/Resources on macOS, the root on Linux).
            let resources = Bundle(url: bundleURL)?.resourceURL ?? bundleURL
            let folder = path.isEmpty ? resources : resources.appendingPathComponent(path)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return folder
            }
        }
        throw DatabaseError(
            .resourcesMissing,
            "The \(contents) this binary reads were not found: no \(bundleName)\(path.isEmpty ? "" : "/\(path)") in "
                + candidates.map(\.path).joined(separator: " or ") + ". Install the binary together with the "
                + "*\(Self.bundleExtension) folders built beside it (README, Install), or set \(override) to a folder "
                + "holding the \(contents).")
    }

    /// Where the bundle may be: beside the running binary; on macOS also the build directory, since tests
    /// run inside Xcode's xctest there, away from the bundles (as `Bundle.module` also looks).
    var bundleCandidates: [URL] {
        let beside = Self.runningExecutable.deletingLastPathComponent()
        #if canImport(Darwin)
        return [beside, Self.buildDirectory]
        #else
        return [beside]
        #endif
    }

    #if canImport(Darwin)
    static let bundleExtension = ".bundle"
    #else
    static let bundleExtension = ".resources"
    #endif

    /// The checkout's `.build/debug` or `.build/release`, whichever configuration this code was built in.
    static var buildDirectory: URL {
        #if DEBUG
        let configuration = "debug"
        #else
        let configuration = "release"
        #endif
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../.build/\(configuration)").standardizedFileURL
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
