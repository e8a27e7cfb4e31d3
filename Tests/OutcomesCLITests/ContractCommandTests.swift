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
                               mentioning: "/nonexistent/terms.yaml: no such file.")
        CLI.expectCleanFailure(try CLI.run(["contract", "load", "/tmp", "--database", "host=/nowhere"]), status: 66,
                               mentioning: "/tmp is a directory; give the path of a file in it.")
        CLI.expectCleanFailure(try CLI.run(["metrics", "--file", "/nonexistent/c.yaml", "--period", "2021", "--database", "host=/nowhere"]),
                               status: 66, mentioning: "no such file")
        // Invalid option values are usage errors, found before the database is touched.
        for arguments in [["metrics", "--contract", "reentry-2021", "--period", "2021Q1", "--small-cell-threshold", "0"],
                          ["demo", "--small-cell-threshold", "-3"], ["metrics", "--period", "2021Q1"],
                          ["metrics", "--contract", "a", "--file", "b.yaml", "--period", "2021Q1"],
                          ["payments", "run", "--contract", "reentry-2021@x", "--period", "2021Q1"]] {
            let result = try CLI.run(arguments + ["--database", "host=/nowhere"])
            #expect(result.status == 64, "\(arguments): \(result.errors)")
            #expect(!result.errors.contains("Fatal error") && !result.errors.contains("Backtrace"))
            #expect(result.errors.contains("--small-cell-threshold") || result.errors.contains("--contract")
                    || result.errors.contains("contract reference"), "\(arguments): \(result.errors)")
        }
        // An unknown breakdown names the ones there are; a report is HTML only.
        let unknown = try CLI.run(["metrics", "--contract", "reentry-2021", "--period", "2021Q1", "--by", "religion", "--database", "host=/nowhere"])
        #expect(unknown.status == 64 && unknown.errors.contains("'religion' is invalid for '--by <attribute>'")
                && unknown.errors.contains("'race', 'sex', 'age_band' or 'county'"), "\(unknown.errors)")
        let format = try CLI.run(["report", "metrics", "--contract", "reentry-2021", "--period", "2021Q1", "--format", "csv", "--database", "host=/nowhere"])
        #expect(format.status == 64 && format.errors.contains("a report is HTML"), "\(format.errors)")
    }

    @Test func validatePrintsTheTermsAndNamesBadLines() throws {
        let valid = try CLI.run(["contract", "validate", Self.reentry.path, "--format", "csv"])
        #expect(valid.status == 0, "\(valid.errors)")
        #expect(valid.output.contains("employed_4_quarters,rate card,employed_4_quarters,3000.00 per participant,"
                                      + "once per participant; achieved when > 0; after employed_after_exit,"))
        #expect(valid.output.contains("per provider,2500000.00"))
        let bad = try copy(replacing: "price: 3000", with: "price: -3000")
        defer { try? FileManager.default.removeItem(at: bad) }
        let rejected = try CLI.run(["contract", "validate", bad.path])
        CLI.expectCleanFailure(rejected, status: 65, mentioning: "\(bad.path):")
        #expect(rejected.errors.contains(": price cannot be negative (-3000)"))
    }

    @Test func loadStoresAVersionOnceAndRefusesChangedTerms() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        let first = try CLI.run(["contract", "load", Self.reentry.path, "--database", conninfo, "-q"])
        #expect(first.status == 0, "\(first.errors)")
        #expect(first.output.contains("Loaded version 3 of contract reentry-2021"))
        let again = try CLI.run(["contract", "load", Self.reentry.path, "--database", conninfo, "-q"])
        #expect(again.output.contains("already loaded with these terms: no change"))
        let changed = try copy(replacing: "price: 3000", with: "price: 3500")
        defer { try? FileManager.default.removeItem(at: changed) }
        CLI.expectCleanFailure(try CLI.run(["contract", "load", changed.path, "--database", conninfo, "-q"]), status: 65,
                               mentioning: "version 3 of contract reentry-2021 is already loaded with different terms")
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
                               mentioning: "version 5 of contract reentry-2021 lets one login post its runs")
        #expect(try db.execute("SELECT count(*) FROM payments.contracts WHERE contract_id = 'reentry-2021'").scalar(Int.self) == 2)

        let shown = try CLI.run(["contract", "show", "reentry-2021", "--version", "3", "--database", conninfo, "--format", "json", "-q"])
        #expect(shown.status == 0, "\(shown.errors)")
        let report = try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [String: Any]
        #expect(report?["title"] as? String == "Contract reentry-2021, version 3")
        let lines = (report?["tables"] as? [String: [[String: Any]]])?["lines"]
        #expect(lines?.map { $0["line"] as? String } == ["employed_after_exit", "employed_4_quarters"])
        CLI.expectCleanFailure(try CLI.run(["contract", "show", "housing-2021", "--database", conninfo, "-q"]), status: 65,
                               mentioning: "contract housing-2021 is not loaded; load its file with `outcomes contract load FILE`. Loaded: reentry-2021.")
    }
}
