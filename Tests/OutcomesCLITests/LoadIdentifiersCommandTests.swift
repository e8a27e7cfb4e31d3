import Foundation
import OutcomesTestSupport
import PostgresClient
import Testing

@Suite struct LoadIdentifiersCommandTests {
    /// The load's note counts the placeholder SSNs it stored as no value, in every format.
    @Test func placeholderSSNsAreCountedInTheReport() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("identifiers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("source_system,name,agency\nJMS,Jail system,Sheriff\n".utf8).write(to: directory.appendingPathComponent("source_systems.csv"))
        try Data("source_system,source_key,last_name,ssn\nJMS,J-1,Ruiz,666-12-3456\nJMS,J-2,Lee,123-00-4567\nJMS,J-3,Park,123-45-6789\n".utf8)
            .write(to: directory.appendingPathComponent("identifiers.csv"))
        let (db, conninfo) = try TestDatabase.fresh()
        let loaded = try CLI.run(["load", directory.path, "--database", conninfo, "--format", "json", "-q"])
        #expect(loaded.status == 0, "\(loaded.errors)")
        let report = try CLI.report(loaded)
        #expect(report.notes.contains { $0.hasPrefix("identifiers.csv: 2 placeholder SSNs") }, "\(report.notes)")
        #expect(report.column("rows", of: "files").compactMap { $0 as? Int } == [1, 3])
        #expect(try db.execute("SELECT count(ssn) FROM linkage.identifiers").scalar(Int.self) == 1)
    }
}
