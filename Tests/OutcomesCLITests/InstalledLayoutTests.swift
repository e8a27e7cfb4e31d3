import Foundation
import OutcomesDatabase
import OutcomesTestSupport
import Testing

/// An installed binary run by its bare name from PATH (argv[0] = "outcomes") finds its SQL in
/// `../share/outcomes` beside its real path, not in the checkout it was built from.
@Suite struct InstalledLayoutTests {
    @Test func aBinaryRunFromPathReadsTheMigrationsInstalledBesideIt() throws {
        let prefix = TestDatabase.scratchDirectory("installed")
        defer { try? FileManager.default.removeItem(at: prefix) }
        let manager = FileManager.default
        let bin = prefix.appendingPathComponent("bin"), migrations = prefix.appendingPathComponent("share/outcomes/sql/migrations")
        try manager.createDirectory(at: bin, withIntermediateDirectories: true)
        try manager.createDirectory(at: migrations, withIntermediateDirectories: true)
        try manager.copyItem(at: CLI.binary(named: "outcomes"), to: bin.appendingPathComponent("outcomes"))
        // The installed folder holds one file the checkout does not: only the installed copy is refused.
        try Data("SELECT 1;".utf8).write(to: migrations.appendingPathComponent("not_numbered.sql"))
        let (_, conninfo) = try TestDatabase.fresh()
        let result = try ProcessRunner.run(
            URL(fileURLWithPath: "/bin/sh"), ["-c", "cd / && exec outcomes db status --database \"$1\"", "sh", conninfo],
            environment: ["PATH": bin.path + ":/usr/bin:/bin", "OUTCOMES_SQL_DIR": "", "OUTCOMES_DATA_DIR": "/dev/null/none"],
            separateErrors: true)
        #expect(result.status == DatabaseError.Code.migrationFiles.exitStatus.rawValue, "stderr: \(result.errors)")
        #expect(result.errors.contains(migrations.appendingPathComponent("not_numbered.sql").path), "stderr: \(result.errors)")
    }
}
