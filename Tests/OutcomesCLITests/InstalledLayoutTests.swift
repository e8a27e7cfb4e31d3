import Foundation
import OutcomesCLI
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing

/// An installed binary — copied with its resource bundles into a prefix's bin/ and run by its bare
/// name from PATH — reads the files those bundles hold, and a binary installed without them stops
/// with one paragraph naming the override, instead of crashing as `Bundle.module` would.
@Suite struct InstalledLayoutTests {
    static let databaseBundle = "outcomes_OutcomesDatabase.resources", cliBundle = "outcomes_OutcomesCLI.resources"

    /// `prefix/bin/outcomes` and the named bundles beside it, copied from the build directory as README says.
    /// Copied by `cp`, not in this process: a binary this process held open for writing could be inherited
    /// by a child another test forks meanwhile, and then not run ("Text file busy").
    static func install(bundles: [String]) throws -> (prefix: URL, bin: URL) {
        let prefix = TestDatabase.scratchDirectory("installed"), bin = prefix.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let built = CLI.binary(named: "outcomes").deletingLastPathComponent()
        let sources = (["outcomes"] + bundles).map { built.appendingPathComponent($0).path }
        let copy = try ProcessRunner.run(URL(fileURLWithPath: "/bin/cp"), ["-R"] + sources + [bin.path], separateErrors: true)
        #expect(copy.status == 0, "cp: \(copy.errors)")
        return (prefix, bin)
    }

    /// Runs `outcomes ARGUMENTS` from `/` by its bare name, with no override set.
    static func run(_ arguments: [String], bin: URL) throws -> ProcessRunner.Result {
        try ProcessRunner.run(
            URL(fileURLWithPath: "/bin/sh"), ["-c", "cd / && exec outcomes \"$@\"", "sh"] + arguments,
            environment: [
                "PATH": bin.path + ":/usr/bin:/bin", "OUTCOMES_SQL_DIR": "", "OUTCOMES_SCENARIOS_DIR": "",
                "OUTCOMES_NOTEBOOKS_DIR": "", "OUTCOMES_DATA_DIR": "/dev/null/none",
            ],
            separateErrors: true)
    }

    @Test func anInstalledBinaryAppliesTheMigrationsOfItsBundle() throws {
        let (prefix, bin) = try Self.install(bundles: [Self.databaseBundle])
        defer { try? FileManager.default.removeItem(at: prefix) }
        let (connection, conninfo) = try TestDatabase.fresh(migrated: false)
        let result = try Self.run(["db", "migrate", "--quiet", "--database", conninfo], bin: bin)
        #expect(result.status == 0, "stderr: \(result.errors)")
        let checkout = try Migrator(directory: Checkout.root.appendingPathComponent("sql/migrations")).migrations
        let applied = try Migrator(directory: Checkout.root.appendingPathComponent("sql/migrations")).applied(on: connection)
        #expect(applied.map(\.checksum) == checkout.map(\.checksum))
        #expect(!checkout.isEmpty)
    }

    @Test func anInstalledBinaryReadsTheBundleBesideItsRealPathNotTheBuildDirectory() throws {
        let (prefix, bin) = try Self.install(bundles: [Self.databaseBundle])
        defer { try? FileManager.default.removeItem(at: prefix) }
        // The installed bundle holds one file the build directory's does not: only the installed copy is refused.
        let stray = bin.appendingPathComponent("\(Self.databaseBundle)/migrations/not_numbered.sql")
        try Data("SELECT 1;".utf8).write(to: stray)
        let (_, conninfo) = try TestDatabase.fresh()
        let result = try Self.run(["db", "status", "--database", conninfo], bin: bin)
        #expect(result.status == DatabaseError.Code.migrationFiles.exitStatus.rawValue, "stderr: \(result.errors)")
        #expect(result.errors.contains(stray.path), "stderr: \(result.errors)")
    }

    @Test func aBinaryInstalledWithoutItsMigrationsBundleStopsNamingTheOverride() throws {
        let (prefix, bin) = try Self.install(bundles: [Self.cliBundle])
        defer { try? FileManager.default.removeItem(at: prefix) }
        let (_, conninfo) = try TestDatabase.fresh()
        let result = try Self.run(["db", "status", "--database", conninfo], bin: bin)
        CLI.expectCleanFailure(result, status: DatabaseError.Code.resourcesMissing.exitStatus.rawValue, naming: ["OUTCOMES_SQL_DIR", bin.path])
    }

    @Test func aBinaryInstalledWithoutItsScenarioBundleStopsTheDemoNamingTheOverride() throws {
        let (prefix, bin) = try Self.install(bundles: [Self.databaseBundle])
        defer { try? FileManager.default.removeItem(at: prefix) }
        let (db, conninfo) = try TestDatabase.fresh()
        let reports = prefix.appendingPathComponent("reports").path
        let result = try Self.run(["demo", "--persons", "1", "--quiet", "--reports", reports, "--database", conninfo], bin: bin)
        #expect(result.status == DatabaseError.Code.resourcesMissing.exitStatus.rawValue, "stderr: \(result.errors)")
        #expect(result.errors.contains("OUTCOMES_SCENARIOS_DIR"), "stderr: \(result.errors)")
        // Stopped before the data set is loaded.
        #expect(try db.execute("SELECT count(*) FROM ids.data_loads").scalar(Int.self) == 0)
    }

    /// An override naming a folder without the demo's files stops the demo before it replaces the data set.
    @Test func anOverrideWithoutTheDemoFilesStopsTheDemoBeforeItLoads() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 50, seed: 1)).load(into: db)
        let before = try db.execute("SELECT count(*) FROM ids.data_loads").scalar(Int.self)
        let missing = "/nonexistent-\(UUID().uuidString)"
        let reports = TestDatabase.scratchDirectory("reports").path
        let result = try CLI.run(["demo", "--persons", "100", "--quiet", "--reports", reports, "--database", conninfo],
                                 environment: ["OUTCOMES_SCENARIOS_DIR": missing])
        CLI.expectCleanFailure(result, status: ExitStatus.noInput.rawValue, naming: [missing, "OUTCOMES_SCENARIOS_DIR"])
        #expect(try db.execute("SELECT count(*) FROM ids.data_loads").scalar(Int.self) == before)
        #expect(!FileManager.default.fileExists(atPath: reports))
    }

    /// The copied CLI bundle holds every file the demo and `export notebook` read, as real files.
    @Test func theInstalledCLIBundleHoldsTheDemoFilesAndNotebookTemplates() throws {
        let (prefix, bin) = try Self.install(bundles: [Self.cliBundle])
        defer { try? FileManager.default.removeItem(at: prefix) }
        let scenarios = try ResourceFolder.scenarios.directory(environment: [:], candidates: [bin])
        let templates = try ResourceFolder.notebookTemplates.directory(environment: [:], candidates: [bin])
        #expect(scenarios.path == bin.appendingPathComponent(Self.cliBundle).path)
        for file in [DemoCommand.contractFile, DemoCommand.paymentsFile, DemoCommand.evaluationFile, DemoCommand.scenarioFile] {
            #expect(try Data(contentsOf: scenarios.appendingPathComponent(file))
                == Data(contentsOf: Checkout.scenarios.appendingPathComponent(file)), "\(file)")
        }
        for kind in ["metrics", "summary", "compare", "scenario"] {
            #expect(try Data(contentsOf: templates.appendingPathComponent("\(kind).ipynb"))
                == Data(contentsOf: Checkout.root.appendingPathComponent("notebooks-export/\(kind).ipynb")), "\(kind)")
        }
    }

    @Test func anOverrideComesBeforeTheBundleAndAnEmptyOneIsIgnored() throws {
        let (prefix, bin) = try Self.install(bundles: [Self.databaseBundle])
        defer { try? FileManager.default.removeItem(at: prefix) }
        let bundled = bin.appendingPathComponent("\(Self.databaseBundle)/migrations")
        #expect(try ResourceFolder.migrations.directory(environment: ["OUTCOMES_SQL_DIR": "/elsewhere"], candidates: [bin]).path == "/elsewhere")
        #expect(try ResourceFolder.migrations.directory(environment: ["OUTCOMES_SQL_DIR": ""], candidates: [bin]).path == bundled.path)
        let empty = prefix.appendingPathComponent("empty")
        let missing = #expect(throws: DatabaseError.self) { try ResourceFolder.migrations.directory(environment: [:], candidates: [empty]) }
        #expect(missing?.code == .resourcesMissing)
    }
}
