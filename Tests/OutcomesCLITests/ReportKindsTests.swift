import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import Testing

/// `report KIND` and `export notebook KIND` make the report the command itself makes — the same
/// tables, from the command's own options — and their options are the command's, checked by the
/// parser.
@Suite struct ReportKindsTests {
    static let scenarios = Checkout.scenarios
    static func path(_ name: String) -> String { scenarios.appendingPathComponent(name).path }

    /// Each kind, the command it is the report of, and options for both.
    static let kinds: [(kind: String, command: [String], options: [String])] = [
        ("metrics", ["metrics"], ["--contract", "housing-2021", "--period", "2022"]),
        ("payments", ["payments", "statement"], ["--contract", "housing-2021", "--provider", "hearth"]),
        ("summary", ["payments", "summary"], ["--contract", "housing-2021"]),
        ("compare", ["compare"], ["--evaluation", path("housing-2021-evaluation.yaml")]),
        ("scenario", ["scenario", "run"], [path("housing-2021-scenario.yaml"), "--payment-draws", "30"]),
    ]

    /// The HTML tables of a page, in order (notes name the stored run, which differs from run to run).
    static func htmlTables(_ file: String) throws -> [String] {
        try String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "<table").dropFirst()
            .map { $0.components(separatedBy: "</table>")[0] }
    }

    /// The CSV files of a folder by name (the marker file left out).
    static func csvFiles(_ folder: String) throws -> [String: String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".csv") }
        return try Dictionary(uniqueKeysWithValues: names.map { ($0, try String(contentsOfFile: folder + "/" + $0, encoding: .utf8)) })
    }

    @Test func eachKindMakesTheCommandsTables() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 3_000, seed: 6)).load(into: db)
        #expect(try CLI.run(["contract", "load", Self.path("housing-2021.yaml"), "--database", conninfo, "-q"]).status == 0)
        for period in ["2021", "2022"] {
            #expect(try CLI.run(["metrics", "--contract", "housing-2021", "--period", period, "--database", conninfo, "-q"]).status == 0)
        }
        #expect(try CLI.run(["payments", "run", "--contract", "housing-2021", "--period", "2022", "--database", conninfo, "-q"]).status == 0)
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        for (kind, command, options) in Self.kinds {
            let database = ["--database", conninfo, "-q"]
            // The HTML page: the command's own, and `report KIND`'s.
            let own = try CLI.run(command + options + database + ["--format", "html", "--output", folder + "/\(kind)-own.html"])
            let report = try CLI.run(["report", kind] + options + database + ["--output", folder + "/\(kind)-report.html"])
            #expect(own.status == 0 && report.status == 0, "\(kind): \(own.errors) \(report.errors)")
            let tables = try Self.htmlTables(folder + "/\(kind)-report.html")
            #expect(!tables.isEmpty)
            #expect(try tables == Self.htmlTables(folder + "/\(kind)-own.html"), "\(kind)")
            // The reading too: it is made from the same figures (and names no run).
            func reading(_ file: String) throws -> String? {
                try Scratch.text(file).components(separatedBy: "<section class=\"reading\"").dropFirst().first?.components(separatedBy: "</section>").first
            }
            #expect(try reading(folder + "/\(kind)-report.html") != nil && reading(folder + "/\(kind)-report.html") == reading(folder + "/\(kind)-own.html"), "\(kind)")
            if ["payments", "summary"].contains(kind) {
                // Read from the ledger, stored nothing: the whole page is the same.
                #expect(try Scratch.text(folder + "/\(kind)-report.html") == Scratch.text(folder + "/\(kind)-own.html"), "\(kind)")
            }
            // The notebook's data: the command's tables as CSV.
            guard kind != "payments" else { continue }
            let csv = try CLI.run(command + options + database + ["--format", "csv", "--output", folder + "/\(kind)-csv/"])
            let notebook = try CLI.run(["export", "notebook", kind] + options + database + ["--output", folder + "/\(kind)-notebook"])
            #expect(csv.status == 0 && notebook.status == 0, "\(kind): \(csv.errors) \(notebook.errors)")
            let files = try Self.csvFiles(folder + "/\(kind)-notebook/data")
            #expect(!files.isEmpty)
            #expect(try files == Self.csvFiles(folder + "/\(kind)-csv"), "\(kind)")
            #expect(FileManager.default.fileExists(atPath: folder + "/\(kind)-notebook/\(kind).ipynb"))
        }
    }

    @Test func theOptionsAreTheCommandsCheckedByTheParser() throws {
        // A bad option is a usage error naming it, before anything runs.
        for arguments in [["report", "metrics", "--contract", "housing-2021", "--period", "2023", "--no-such-option"],
                          ["export", "notebook", "summary", "--contract", "housing-2021", "--no-such-option"]] {
            let result = try CLI.run(arguments + ["--database", "host=/nowhere"])
            #expect(result.status == 64, "\(arguments): \(result.errors)")
            #expect(result.errors.contains("--no-such-option"), "\(result.errors)")
        }
        // A missing required option of the command is one too.
        let missing = try CLI.run(["report", "metrics", "--contract", "housing-2021", "--database", "host=/nowhere"])
        #expect(missing.status == 64 && missing.errors.contains("--period"), "\(missing.errors)")
        // Help shows the command's own options.
        let help = try CLI.run(["report", "metrics", "--help"])
        #expect(help.status == 0)
        for option in ["--contract", "--file", "--period", "--small-cell-threshold", "--by", "--database", "--output", "--quiet"] {
            #expect(help.output.contains(option), "\(option): \(help.output)")
        }
        #expect(!help.output.contains("--format"), "\(help.output)")
    }
}
