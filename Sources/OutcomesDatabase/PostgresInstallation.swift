import Foundation

/// The local PostgreSQL server programs (`initdb`, `pg_ctl`, `postgres`) the embedded cluster uses.
public struct PostgresInstallation: Sendable, Equatable {
    public let binDirectory: URL
    public let version: String
    public let majorVersion: Int

    public static let minimumMajorVersion = 15
    static let programs = ["initdb", "pg_ctl", "postgres"]

    public func program(_ name: String) -> URL { binDirectory.appendingPathComponent(name) }

    /// Finds the server programs: `OUTCOMES_PG_BINDIR` if set, else `pg_config --bindir`, else
    /// the `PATH`, else Debian's `/usr/lib/postgresql/<version>/bin` (newest first).
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Self {
        if let explicit = environment["OUTCOMES_PG_BINDIR"], !explicit.isEmpty {
            let directory = URL(fileURLWithPath: explicit)
            guard hasPrograms(directory) else {
                throw notInstalled(
                    "OUTCOMES_PG_BINDIR is set to \(explicit), but that directory does not hold initdb, pg_ctl "
                        + "and postgres. Point it at the bin directory of a PostgreSQL \(minimumMajorVersion)+ "
                        + "server installation, or unset it to search the usual places.")
            }
            return try inspect(directory)
        }
        for directory in candidateDirectories(environment: environment) where hasPrograms(directory) {
            return try inspect(directory)
        }
        throw notInstalled(
            "No PostgreSQL server installation was found (looked for initdb, pg_ctl and postgres through "
                + "pg_config --bindir, the PATH and /usr/lib/postgresql/*/bin). Install the server — on Debian "
                + "or Ubuntu `apt-get install -y postgresql` — or set OUTCOMES_PG_BINDIR to its bin directory, "
                + "or name an existing database with --database or DATABASE_URL.")
    }

    static func candidateDirectories(environment: [String: String]) -> [URL] {
        var directories: [URL] = []
        let path = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        if let pgConfig = path.map({ URL(fileURLWithPath: $0).appendingPathComponent("pg_config") }).first(where: {
            FileManager.default.isExecutableFile(atPath: $0.path)
        }), let result = try? ProcessRunner.run(pgConfig, ["--bindir"]), result.succeeded {
            directories.append(URL(fileURLWithPath: result.output))
        }
        directories += path.map { URL(fileURLWithPath: $0) }
        let debian = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: debian.path)) ?? []
        directories += versions.compactMap(Int.init).sorted(by: >).map {
            debian.appendingPathComponent("\($0)/bin")
        }
        return directories
    }

    static func hasPrograms(_ directory: URL) -> Bool {
        programs.allSatisfy { FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent($0).path) }
    }

    /// Resolves symbolic links (Debian links /usr/local/bin/initdb into the versioned directory)
    /// and reads the version from `postgres --version`.
    static func inspect(_ directory: URL) throws -> Self {
        let postgres = directory.appendingPathComponent("postgres").resolvingSymlinksInPath()
        let binDirectory = postgres.deletingLastPathComponent()
        guard hasPrograms(binDirectory) else { return try inspectUnresolved(directory) }
        return try inspectUnresolved(binDirectory)
    }

    private static func inspectUnresolved(_ directory: URL) throws -> Self {
        let result = try ProcessRunner.run(directory.appendingPathComponent("postgres"), ["--version"])
        // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
        let words = result.output.split(separator: " ")
        guard result.succeeded, words.count >= 3, let major = Int(words[2].split(separator: ".").first ?? "") else {
            throw notInstalled("\(directory.path)/postgres --version did not report a version: \(result.output)")
        }
        guard major >= minimumMajorVersion else {
            throw DatabaseError(
                .postgresTooOld,
                "The PostgreSQL server in \(directory.path) is version \(words[2]); outcomes needs "
                    + "\(minimumMajorVersion) or newer. Install a newer server or set OUTCOMES_PG_BINDIR to one.")
        }
        return Self(binDirectory: directory, version: String(words[2]), majorVersion: major)
    }

    private static func notInstalled(_ message: String) -> DatabaseError {
        DatabaseError(.postgresNotInstalled, message)
    }
}
