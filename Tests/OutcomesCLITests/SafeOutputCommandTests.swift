import Foundation
import OutcomesDatabase
import OutcomesTestSupport
import Testing

/// `--output` and `--matched-data` through real commands: a link, FIFO, device or foreign folder is
/// refused with exit 73 and left as it was, and nothing is written (no database needed).
@Suite struct SafeOutputCommandTests {
    /// A flat table `compare --data` reads: 40 units, every third treated.
    func table(in folder: String) throws -> String {
        var lines = ["id,t,x,y"]
        for i in 0..<40 { lines.append("p\(i),\(i % 3 == 0 ? 1 : 0),\((i * 7) % 11),\(Double(i % 5) + (i % 3 == 0 ? 1.5 : 0))") }
        try Scratch.put(lines.joined(separator: "\n") + "\n", folder + "/units.csv")
        return folder + "/units.csv"
    }

    func compare(_ data: String, _ extra: [String]) throws -> ProcessRunner.Result {
        try CLI.run(["compare", "--data", data, "--treatment", "t", "--outcome", "y", "--covariates", "x", "-q"] + extra)
    }

    @Test func outputToASymbolicLinkIsRefused() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let data = try table(in: folder)
        try Scratch.put("precious\n", folder + "/victim")
        try Scratch.link(folder + "/report.md", to: folder + "/victim")
        CLI.expectCleanFailure(try compare(data, ["--output", folder + "/report.md"]), status: 73, naming: ["--output \(folder)/report.md", "symbolic link"])
        #expect(try Scratch.linkTarget(folder + "/report.md") == folder + "/victim" && Scratch.text(folder + "/victim") == "precious\n")
        CLI.expectCleanFailure(try compare(data, ["--matched-data", folder + "/report.md"]), status: 73, naming: ["--matched-data \(folder)/report.md", "symbolic link"])
        #expect(try Scratch.linkTarget(folder + "/report.md") == folder + "/victim" && Scratch.text(folder + "/victim") == "precious\n")
        #expect(try Scratch.listing(folder) == ["report.md", "units.csv", "victim"])
        // The same command to a regular path writes it.
        #expect(try compare(data, ["--output", folder + "/real.md"]).status == 0)
        #expect(try Scratch.text(folder + "/real.md").trimmingCharacters(in: .whitespacesAndNewlines) == compare(data, []).output, "the report, as printed")
    }

    @Test func outputToAFIFOIsRefusedWithoutBlocking() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let data = try table(in: folder)
        #expect(mkfifo(folder + "/pipe", 0o644) == 0)
        let reader = open(folder + "/pipe", O_RDONLY | O_NONBLOCK)  // a writer could not hang the test
        defer { close(reader) }
        CLI.expectCleanFailure(try compare(data, ["--output", folder + "/pipe"]), status: 73, naming: ["--output \(folder)/pipe", "FIFO"])
        CLI.expectCleanFailure(try compare(data, ["--matched-data", folder + "/pipe"]), status: 73, naming: ["--matched-data \(folder)/pipe", "FIFO"])
        var byte: UInt8 = 0
        #expect(read(reader, &byte, 1) <= 0 && Scratch.type(folder + "/pipe") == S_IFIFO)
    }

    @Test(.enabled(if: Scratch.canAimAtADevice, "as root without the right to make a device node"))
    func outputToADeviceIsRefused() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let data = try table(in: folder)
        let device = try #require(Scratch.device(in: folder))
        let before = try #require(Scratch.status(device))
        CLI.expectCleanFailure(try compare(data, ["--output", device]), status: 73, naming: ["--output \(device)", "character device"])
        let after = try #require(Scratch.status(device))
        #expect(Scratch.type(device) == S_IFCHR && after.st_rdev == before.st_rdev && after.st_ino == before.st_ino)
    }

    @Test func foldersOutcomesDidNotWriteAreRefused() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let data = try table(in: folder)
        try FileManager.default.createDirectory(atPath: folder + "/mine", withIntermediateDirectories: false)
        try Scratch.put("my notes\n", folder + "/mine/notes.txt")
        CLI.expectCleanFailure(try compare(data, ["--format", "csv", "--output", folder + "/mine/"]), status: 73, naming: ["--output \(folder)/mine/", ".outcomes-output"])
        let evaluation = Checkout.scenarios.appendingPathComponent("housing-2021-evaluation.yaml").path
        let notebook = try CLI.run(["export", "notebook", "compare", "--evaluation", evaluation, "--output", folder + "/mine", "-q"])
        CLI.expectCleanFailure(notebook, status: 73, naming: ["--output \(folder)/mine", ".outcomes-output"])
        #expect(try Scratch.listing(folder + "/mine") == ["notes.txt"] && Scratch.listing(folder) == ["mine", "units.csv"])
        // A CSV set outcomes wrote is replaced whole by the next one.
        #expect(try compare(data, ["--format", "csv", "--output", folder + "/tables/"]).status == 0)
        try Scratch.put("stale\n", folder + "/tables/stale.csv")
        #expect(try compare(data, ["--format", "csv", "--output", folder + "/tables"]).status == 0)
        let tables = try Scratch.listing(folder + "/tables")
        #expect(tables.contains("estimates.csv") && tables.contains(".outcomes-output") && !tables.contains("stale.csv"), "\(tables)")
    }
}
