import Foundation
import OutcomesDatabase
import OutcomesTestSupport
import Testing

/// `--format csv --output PATH`: a report of one table goes to a file when PATH is not a folder and
/// does not end in `/`; a report of several tables always goes to a folder (made if absent), one
/// file per table — never several tables glued into one file, which would not be CSV.
@Suite struct CSVOutputPathTests {
    /// A flat table `compare --data` reads: 40 units, every third treated.
    func units(in folder: String) throws -> String {
        var lines = ["id,t,x,y"]
        for i in 0..<40 { lines.append("p\(i),\(i % 3 == 0 ? 1 : 0),\((i * 7) % 11),\(Double(i % 5) + (i % 3 == 0 ? 1.5 : 0))") }
        try Scratch.put(lines.joined(separator: "\n") + "\n", folder + "/units.csv")
        return folder + "/units.csv"
    }

    /// A contract file whose terms make a report of one table (its lines: no caps, no payers).
    func oneTableContract(in folder: String) throws -> String {
        let original = try Scratch.text(Checkout.scenarios
            .appendingPathComponent("housing-2021.yaml").path)
        let caps = "  caps:\n    contract: 9000000\n    provider: {hearth: 5000000, keystone: 3000000}\n"
        #expect(original.contains(caps))
        try Scratch.put(original.replacingOccurrences(of: caps, with: ""), folder + "/terms.yaml")
        return folder + "/terms.yaml"
    }

    @Test func aReportOfSeveralTablesGoesToANewFolderWithoutATrailingSlash() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let data = try units(in: folder)
        let arguments = ["compare", "--data", data, "--treatment", "t", "--outcome", "y", "--covariates", "x", "--format", "csv", "-q"]
        let result = try CLI.run(arguments + ["--output", folder + "/newdir"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(Scratch.type(folder + "/newdir") == S_IFDIR)
        let tables = try Scratch.listing(folder + "/newdir")
        #expect(tables.contains(".outcomes-output") && tables.contains("estimates.csv") && tables.contains("sample_sizes.csv"), "\(tables)")
        // Each file is one table: its header, then rows of as many fields, no blank line between tables.
        for table in tables where table.hasSuffix(".csv") {
            let lines = try Scratch.text(folder + "/newdir/" + table).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(!lines.contains(""), "\(table)")
        }
        #expect(try Scratch.text(folder + "/newdir/estimates.csv").hasPrefix("outcome,provider,analysis,treated,controls,"))
        // Without a trailing slash the path may be a file, so the folder above it must exist (checked
        // before anything is computed); with one, missing folders above are made.
        CLI.expectCleanFailure(try CLI.run(arguments + ["--output", folder + "/a/b/tables"]), status: 73, naming: ["--output", folder + "/a/b"])
        #expect(!FileManager.default.fileExists(atPath: folder + "/a"))
        #expect(try CLI.run(arguments + ["--output", folder + "/a/b/tables/"]).status == 0)
        #expect(try Scratch.listing(folder + "/a/b/tables").contains("estimates.csv"))
        // A regular file at the path is refused (73) and left as it was; nothing else is written.
        try Scratch.put("precious\n", folder + "/report.csv")
        CLI.expectCleanFailure(try CLI.run(arguments + ["--output", folder + "/report.csv"]), status: 73,
                               naming: ["--output \(folder)/report.csv", "regular file", "\(tables.filter { $0.hasSuffix(".csv") }.count) tables"])
        #expect(try Scratch.text(folder + "/report.csv") == "precious\n")
        #expect(try Scratch.listing(folder) == ["a", "newdir", "report.csv", "units.csv"])
    }

    @Test func aReportOfOneTableGoesToAFileUnlessThePathIsAFolder() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let terms = try oneTableContract(in: folder)
        let arguments = ["contract", "validate", terms, "--format", "csv", "-q"]
        let json = try CLI.run(["contract", "validate", terms, "--format", "json"])
        let tables = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])["tables"] as? [String: Any]
        #expect(tables?.keys.sorted() == ["lines"])
        #expect(try CLI.run(arguments + ["--output", folder + "/lines.csv"]).status == 0)
        #expect(Scratch.type(folder + "/lines.csv") == S_IFREG)
        #expect(try Scratch.text(folder + "/lines.csv").hasPrefix("line,mechanism,outcome,pays,conditions,cap\n"))
        // Written again, the file is replaced whole.
        #expect(try CLI.run(arguments + ["--output", folder + "/lines.csv"]).status == 0)
        #expect(Scratch.type(folder + "/lines.csv") == S_IFREG)
        // A trailing slash, or an existing folder, asks for a folder: one file per table.
        #expect(try CLI.run(arguments + ["--output", folder + "/set/"]).status == 0)
        #expect(try Scratch.listing(folder + "/set") == [".outcomes-output", "lines.csv"])
        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: false)
        #expect(try CLI.run(arguments + ["--output", folder + "/empty"]).status == 0)
        #expect(try Scratch.listing(folder + "/empty") == [".outcomes-output", "lines.csv"])
    }
}
