import Foundation
import OutcomesTestSupport
import Testing

@Suite struct ContractCommandTests {
    static let reentry = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scenarios/reentry-2021.yaml").standardizedFileURL

    func copy(replacing old: String = "", with new: String = "") throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString).yaml")
        let text = try String(contentsOf: Self.reentry, encoding: .utf8).replacingOccurrences(of: old, with: new)
        try Data(text.utf8).write(to: file)
        return file
    }

    @Test func aMissingFileOrADirectoryIsSaidSoBeforeAnythingIsWritten() throws {
        CLI.expectCleanFailure(try CLI.run(["contract", "validate", "/nonexistent/terms.yaml"]), status: 66,
                               naming: ["/nonexistent/terms.yaml"])
        CLI.expectCleanFailure(try CLI.run(["contract", "load", "/tmp", "--database", "host=/nowhere"]), status: 66,
                               naming: ["/tmp"])
        CLI.expectCleanFailure(try CLI.run(["metrics", "--file", "/nonexistent/c.yaml", "--period", "2021", "--database", "host=/nowhere"]),
                               status: 66, naming: ["/nonexistent/c.yaml"])
        // Invalid option values are usage errors, found before the database is touched.
        // Each names the option at fault (and the value, where there is one).
        for (arguments, named) in [(["metrics", "--contract", "reentry-2021", "--period", "2021Q1", "--small-cell-threshold", "0"], ["--small-cell-threshold", "0"]),
                                   (["demo", "--small-cell-threshold", "-3"], ["--small-cell-threshold"]),
                                   (["metrics", "--period", "2021Q1"], ["--contract", "--file"]),
                                   (["metrics", "--contract", "a", "--file", "b.yaml", "--period", "2021Q1"], ["--contract", "--file"]),
                                   (["payments", "run", "--contract", "reentry-2021@x", "--period", "2021Q1"], ["--contract", "reentry-2021@x"])] {
            let result = try CLI.run(arguments + ["--database", "host=/nowhere"])
            #expect(result.status == 64, "\(arguments): \(result.errors)")
            #expect(!result.errors.contains("Fatal error") && !result.errors.contains("Backtrace"))
            #expect(named.allSatisfy(result.errors.contains), "\(arguments): \(result.errors)")
        }
        // An unknown breakdown names the ones there are; a report is HTML only.
        let unknown = try CLI.run(["metrics", "--contract", "reentry-2021", "--period", "2021Q1", "--by", "religion", "--database", "host=/nowhere"])
        #expect(unknown.status == 64 && ["'religion'", "--by", "'race'", "'sex'", "'age_band'", "'county'"].allSatisfy(unknown.errors.contains),
                "\(unknown.errors)")
        let format = try CLI.run(["report", "metrics", "--contract", "reentry-2021", "--period", "2021Q1", "--format", "csv", "--database", "host=/nowhere"])
        #expect(format.status == 64 && format.errors.contains("--format") && format.errors.contains("HTML"), "\(format.errors)")
    }

    @Test func validatePrintsTheTermsAndNamesBadLines() throws {
        let valid = try CLI.run(["contract", "validate", Self.reentry.path, "--format", "csv"])
        #expect(valid.status == 0, "\(valid.errors)")
        let tables = CLI.csvTables(valid.output)
        let line = tables.lazy.flatMap { $0 }.first { $0["line"] == "employed_4_quarters" }
        #expect(line.map { [$0["mechanism"], $0["outcome"], $0["pays"]] } == ["rate card", "employed_4_quarters", "3000.00 per participant"],
                "\(valid.output)")
        // Its conditions: once per participant, achieved when > 0, after the other line.
        #expect(["once per participant", "> 0", "employed_after_exit"].allSatisfy { line?["conditions"]?.contains($0) == true }, "\(String(describing: line))")
        #expect(tables.lazy.flatMap { $0 }.contains { $0["scope"] == "per provider" && $0["cap"] == "2500000.00" }, "\(valid.output)")
        let bad = try copy(replacing: "price: 3000", with: "price: -3000")
        defer { try? FileManager.default.removeItem(at: bad) }
        let rejected = try CLI.run(["contract", "validate", bad.path])
        CLI.expectCleanFailure(rejected, status: 65, naming: ["\(bad.path):", "price", "-3000"])
    }

    /// A line paid per relative says so: it pays per child, once per child, on the child's own value.
    @Test func validateDescribesALinePaidPerRelative() throws {
        let family = Checkout.scenarios.appendingPathComponent("family-2021.yaml")
        let valid = try CLI.run(["contract", "validate", family.path, "--format", "csv"])
        #expect(valid.status == 0, "\(valid.errors)")
        let lines = CLI.csvTables(valid.output).lazy.flatMap { $0 }
        let perChild = lines.first { $0["line"] == "child_safe_at_home" }
        #expect(perChild?["pays"] == "1500.00 per relative", "\(valid.output)")
        #expect(["once per relative", "a relative's own value achieved when > 0"].allSatisfy { perChild?["conditions"]?.contains($0) == true },
                "\(String(describing: perChild))")
        #expect(lines.first { $0["line"] == "parent_employed" }?["pays"] == "1000.00 per participant", "\(valid.output)")
    }

    @Test func loadStoresAVersionOnceAndRefusesChangedTerms() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        let first = try CLI.run(["contract", "load", Self.reentry.path, "--database", conninfo, "-q"])
        #expect(first.status == 0, "\(first.errors)")
        #expect(try db.execute("SELECT contract_id || ' ' || version FROM payments.contracts").map { try $0.decode(String.self, at: 0) }
                == ["reentry-2021 3"])
        let again = try CLI.run(["contract", "load", Self.reentry.path, "--database", conninfo, "-q"])
        #expect(again.status == 0, "\(again.errors)")
        #expect(try db.execute("SELECT count(*) FROM payments.contracts").scalar(Int.self) == 1, "the same terms again: no change")
        let changed = try copy(replacing: "price: 3000", with: "price: 3500")
        defer { try? FileManager.default.removeItem(at: changed) }
        CLI.expectCleanFailure(try CLI.run(["contract", "load", changed.path, "--database", conninfo, "-q"]), status: 65,
                               naming: [changed.path, "3", "reentry-2021"])
        let raised = try copy(replacing: "version: 3 ", with: "version: 4 ")
        defer { try? FileManager.default.removeItem(at: raised) }
        #expect(try CLI.run(["contract", "load", raised.path, "--database", conninfo, "-q"]).status == 0)
        #expect(try db.execute("SELECT count(*) FROM payments.contracts WHERE contract_id = 'reentry-2021'").scalar(Int.self) == 2)
        // A later version may not let one login post what two had to approve.
        let alone = try copy(replacing: "version: 3 ", with: "version: 5 ")
        defer { try? FileManager.default.removeItem(at: alone) }
        try Data(try String(contentsOf: alone, encoding: .utf8).replacingOccurrences(of: "  approval: maker_checker\n", with: "").utf8)
            .write(to: alone)
        CLI.expectCleanFailure(try CLI.run(["contract", "load", alone.path, "--database", conninfo, "-q"]), status: 77,
                               naming: ["5", "reentry-2021", "maker_checker"])
        #expect(try db.execute("SELECT count(*) FROM payments.contracts WHERE contract_id = 'reentry-2021'").scalar(Int.self) == 2)

        let shown = try CLI.run(["contract", "show", "reentry-2021", "--version", "3", "--database", conninfo, "--format", "json", "-q"])
        #expect(shown.status == 0, "\(shown.errors)")
        let report = try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [String: Any]
        #expect(report?["title"] as? String == "Contract reentry-2021, version 3")
        let lines = (report?["tables"] as? [String: [[String: Any]]])?["lines"]
        #expect(lines?.map { $0["line"] as? String } == ["employed_after_exit", "employed_4_quarters"])
        CLI.expectCleanFailure(try CLI.run(["contract", "show", "housing-2021", "--database", conninfo, "-q"]), status: 65,
                               naming: ["housing-2021", "outcomes contract load", "reentry-2021"])
    }
}
