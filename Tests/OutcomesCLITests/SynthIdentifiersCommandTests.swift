import Foundation
import OutcomesDomain
import OutcomesTestSupport
import Testing

/// `outcomes synth --identifiers DIR` writes files and loads nothing (no database is named here:
/// the CLI helper's data directory cannot exist, so touching a database would fail).
@Suite struct SynthIdentifiersCommandTests {
    /// Every file but the late feed's, which only the demo asks for.
    static let written = SyntheticExtractFile.allCases.filter { $0 != .lateEvents }

    @Test func writesEveryFileTheSameForTheSameSeed() throws {
        let folder = TestDatabase.scratchDirectory("synth-identifiers")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = folder.appendingPathComponent("first").path, second = folder.appendingPathComponent("nested/second").path
        for path in [first, second] {
            let result = try CLI.run(["synth", "--persons", "300", "--seed", "4", "--identifiers", path, "--noise", "high", "--quiet"])
            #expect(result.status == 0, "stderr: \(result.errors)")
            #expect(result.errors.isEmpty)
        }
        for file in Self.written {
            let written = try Data(contentsOf: URL(fileURLWithPath: first + "/" + file.rawValue))
            let header = String(decoding: written.prefix { $0 != 0x0A }, as: UTF8.self)
            #expect(header == file.columns.joined(separator: ","), "\(file.rawValue)")
            #expect(written == (try Data(contentsOf: URL(fileURLWithPath: second + "/" + file.rawValue))), "\(file.rawValue)")
        }
        #expect(FileManager.default.fileExists(atPath: first + "/.outcomes-output"))
        // What outcomes wrote it replaces whole: another noise level, other identifiers, nothing left over.
        let again = try CLI.run(["synth", "--persons", "300", "--seed", "4", "--identifiers", first, "--quiet"])
        #expect(again.status == 0, "stderr: \(again.errors)")
        let medium = try Data(contentsOf: URL(fileURLWithPath: first + "/identifiers/identifiers.csv"))
        #expect(medium != (try Data(contentsOf: URL(fileURLWithPath: second + "/identifiers/identifiers.csv"))))
        let entries = try FileManager.default.contentsOfDirectory(atPath: first).sorted()
        #expect(entries == [".outcomes-output", "content", "identifiers", "truth.csv"])
    }

    @Test func reportsTheRowsOfEachFile() throws {
        let folder = TestDatabase.scratchDirectory("synth-identifiers-report")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try CLI.run(["synth", "--persons", "200", "--seed", "2", "--identifiers", folder.path, "--format", "json", "--quiet"])
        let report = try CLI.report(result)
        let files = report.column("file", of: "files") as? [String]
        #expect(files == Self.written.map(\.rawValue))
        let rows = report.column("rows", of: "files").compactMap { ($0 as? NSNumber)?.intValue }
        let truth = try String(contentsOf: folder.appendingPathComponent("truth.csv"), encoding: .utf8)
        let truthRows = truth.split(separator: "\n").count - 1
        #expect(rows.count == Self.written.count)
        #expect(rows[Self.written.firstIndex(of: .truth)!] == truthRows)
        #expect(rows[Self.written.firstIndex(of: .identifiers)!] == truthRows)
    }

    @Test func aBadNoiseLevelOrNoiseWithoutIdentifiersIsAUsageError() throws {
        let folder = TestDatabase.scratchDirectory("synth-identifiers-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = try CLI.run(["synth", "--persons", "10", "--identifiers", folder.path, "--noise", "extreme"])
        #expect(bad.status == 64, "stderr: \(bad.errors)")
        #expect(bad.errors.contains("--noise") && bad.errors.contains("extreme"))
        let alone = try CLI.run(["synth", "--persons", "10", "--noise", "low"])
        #expect(alone.status == 64, "stderr: \(alone.errors)")
        #expect(alone.errors.contains("--noise"))
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }

    @Test func aFolderOutcomesDidNotWriteIsRefusedAndKept() throws {
        let folder = TestDatabase.scratchDirectory("synth-identifiers-foreign")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("keep me\n".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        let result = try CLI.run(["synth", "--persons", "10", "--identifiers", folder.path])
        CLI.expectCleanFailure(result, status: 73, naming: ["--identifiers", folder.path])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["notes.txt"])
    }
}
