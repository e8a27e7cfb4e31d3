import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing

/// `outcomes link review`: exit codes of the export and the import, end to end through the binary.
@Suite(.serialized) struct LinkReviewCommandTests {
    static let spec = """
        linkage: review-test
        comparisons:
          - name: first_name
            field: first_name
            levels: [exact, {jaro_winkler: 0.9}]
          - name: last_name
            field: last_name
            levels: [{exact: {term_frequency: true}}, {jaro_winkler: 0.9}]
          - name: birth_date
            field: birth_date
            levels: [exact, day_month_swapped, same_year]
          - name: ssn
            field: ssn
            levels: [exact, ssn_transposition, ssn_last4]
        blocking:
          - [birth_year]
          - [ssn_last4]
        training:
          lambda: {deterministic: [[ssn, birth_date]], recall: 0.9}
          u: {sample_pairs: 5000, seed: 1}
        thresholds: {match: 0.995, review: 0.5}

        """

    static let firstNames = ["MARIA", "JAMES", "AISHA", "ROBERT", "LINDA", "DMITRI", "KEIKO", "SAMUEL", "FATIMA", "OWEN"]
    static let lastNames = ["GARCIA", "OKAFOR", "LINDQVIST", "NAKAMURA", "BROWNING", "PETROV", "SULLIVAN", "HADDAD", "MORENO", "FITZGERALD"]

    /// Ten people under three sources' keys; source 2 types the first name's last letter as X, which
    /// puts some pairs between the thresholds.
    static var identifiers: String { identifiers(typo: { String($0.dropLast()) + "X" }) }

    /// The identifiers with source 2's first name written by `typo`.
    static func identifiers(typo: (String) -> String) -> String {
        var lines = ["source_system,source_key,first_name,last_name,birth_date,ssn"]
        for p in 0..<10 {
            for s in 1...3 {
                let first = s == 2 ? typo(firstNames[p]) : firstNames[p]
                let birth = String(format: "19%02d-%02d-%02d", 50 + p * 2, 1 + p % 12, 3 + p)
                lines.append("S\(s),K\(p)-\(s),\(first),\(lastNames[p]),\(birth),\(String(format: "%03d%02d%04d", 100 + p, 10 + p, 1000 + p * 7))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A database with the identifiers loaded and, if `link`, linked once; and a scratch folder.
    static func database(link: Bool, identifiers: String = identifiers) throws -> (conninfo: String, folder: URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("link-review-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("extract"), withIntermediateDirectories: true)
        try Data("source_system,name,agency\nS1,One,A\nS2,Two,B\nS3,Three,C\n".utf8)
            .write(to: folder.appendingPathComponent("extract/source_systems.csv"))
        try Data(identifiers.utf8).write(to: folder.appendingPathComponent("extract/identifiers.csv"))
        try Data(spec.utf8).write(to: folder.appendingPathComponent("spec.yaml"))
        let (_, conninfo) = try TestDatabase.fresh()
        let loaded = try CLI.run(["load", folder.appendingPathComponent("extract").path, "--database", conninfo, "-q"])
        #expect(loaded.status == 0, "\(loaded.errors)")
        if link {
            let linked = try CLI.run(["link", "run", "--spec", folder.appendingPathComponent("spec.yaml").path, "--database", conninfo, "-q"])
            #expect(linked.status == 0, "\(linked.errors)")
        }
        return (conninfo, folder)
    }

    @Test(arguments: [["link", "review"], ["link", "review", "--export", "a.csv", "--import", "b.csv"],
                      ["link", "review", "--import", "b.csv", "--limit", "3"], ["link", "review", "--export", "a.csv", "--limit", "0"]])
    func optionsOutOfPlaceAreUsageErrors(arguments: [String]) throws {
        let result = try CLI.run(arguments)
        #expect(result.status == 64, "\(result.errors)")
    }

    @Test func exportsTheQueueAndImportsDecisions() throws {
        let (conninfo, folder) = try Self.database(link: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("review.csv").path
        let exported = try CLI.run(["link", "review", "--export", path, "--database", conninfo, "-q"])
        #expect(exported.status == 0, "\(exported.errors)")
        let rows = CLI.csvRecords(try String(contentsOfFile: path, encoding: .utf8))
        #expect(rows.first?.prefix(4) == ["source_system_l", "source_key_l", "source_system_r", "source_key_r"])
        #expect(rows.count > 1)
        // Names and dates of birth: for the owner only.
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)

        // The file as exported: every row undecided, no label.
        let untouched = try CLI.run(["link", "review", "--import", path, "--database", conninfo, "--format", "json", "-q"])
        #expect(try CLI.report(untouched).column("value", of: "labels").compactMap { $0 as? Int } == [0, 0, 0, 0, rows.count - 1])

        // The first pair decided as a match, the file read back.
        var decided = rows
        decided[1][decided[1].count - 2] = "match"
        try Data((decided.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let imported = try CLI.run(["link", "review", "--import", path, "--database", conninfo, "--format", "json", "-q"])
        let report = try CLI.report(imported)
        #expect(report.column("value", of: "labels").compactMap { $0 as? Int } == [1, 0, 1, 0, rows.count - 2])
    }

    /// Hostile review #6: a value that begins like a formula (`=HYPERLINK(…)`, `+…`, `-…`, `@…`) is
    /// written with a single quote before it, and the file as exported imports unchanged.
    @Test func cellsThatBeginLikeAFormulaAreNeutralisedAndTheFileImportsUnchanged() throws {
        // Normalised for comparison, "=MARIX" is "MARIX": the same pairs fall in the band.
        let starts = ["=", "+", "-", "@"]
        let identifiers = Self.identifiers { name in
            starts[Self.firstNames.firstIndex(of: name)! % starts.count] + String(name.dropLast()) + "X"
        }
        let (conninfo, folder) = try Self.database(link: true, identifiers: identifiers)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("review.csv").path
        let exported = try CLI.run(["link", "review", "--export", path, "--database", conninfo, "-q"])
        #expect(exported.status == 0, "\(exported.errors)")
        let rows = CLI.csvRecords(try String(contentsOfFile: path, encoding: .utf8))
        #expect(rows.count > 1)
        let cells = rows.dropFirst().flatMap { $0 }
        // A negative match weight is a number to a spreadsheet, not a formula; `=` alone marks values that agree.
        let live = cells.filter { cell in
            guard let first = cell.first, "=+-@\t\r".contains(first), cell != ClericalReviewFile.agrees else { return false }
            return Double(cell) == nil || !cell.dropFirst().allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
        }
        #expect(live.isEmpty, "cells a spreadsheet reads as formulas: \(live)")
        #expect(cells.contains { $0.hasPrefix("'=") || $0.hasPrefix("'+") || $0.hasPrefix("'-") || $0.hasPrefix("'@") }, "\(rows)")

        // Every pair decided as a match in the file as exported: each is imported under its keys.
        var decided = rows
        for index in decided.indices.dropFirst() { decided[index][decided[index].count - 2] = "match" }
        var text = CSVTextBuffer()
        for row in decided { text.row(row) }
        try Data(text.bytes).write(to: URL(fileURLWithPath: path))
        let imported = try CLI.run(["link", "review", "--import", path, "--database", conninfo, "--format", "json", "-q"])
        #expect(imported.status == 0, "\(imported.errors)")
        #expect(try CLI.report(imported).column("value", of: "labels").compactMap { $0 as? Int } == [rows.count - 1, 0, rows.count - 1, 0, 0])
    }

    @Test func aBadImportFileExits65AtFileLineAndAnUnknownRecordToo() throws {
        let (conninfo, folder) = try Self.database(link: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("decisions.csv").path
        try Data("source_system_l,source_key_l,source_system_r,source_key_r,decision\nS1,K0-1,S2,K0-2,maybe\n".utf8).write(to: URL(fileURLWithPath: path))
        CLI.expectCleanFailure(try CLI.run(["link", "review", "--import", path, "--database", conninfo]), status: 65, naming: [path + ":2", "maybe"])
        try Data("source_system_l,source_key_l,source_system_r,source_key_r,decision\nS1,K0-1,S2,K0-2,match\nS1,K0-1,S7,K0-9,match\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        CLI.expectCleanFailure(try CLI.run(["link", "review", "--import", path, "--database", conninfo]), status: 65, naming: [path + ":3", "S7/K0-9"])
        CLI.expectCleanFailure(try CLI.run(["link", "review", "--import", folder.appendingPathComponent("absent.csv").path, "--database", conninfo]),
                               status: 66, naming: ["absent.csv"])
    }

    @Test func anExportWithNoRunOrAnOldRunExits65AndOneIntoAFolderExits73() throws {
        let (conninfo, folder) = try Self.database(link: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("review.csv").path
        CLI.expectCleanFailure(try CLI.run(["link", "review", "--export", path, "--database", conninfo]), status: 65, naming: ["link run"])
        let spec = folder.appendingPathComponent("spec.yaml").path
        for _ in 1...2 { #expect(try CLI.run(["link", "run", "--spec", spec, "--database", conninfo, "-q"]).status == 0) }
        CLI.expectCleanFailure(try CLI.run(["link", "review", "--export", path, "--run", "1", "--database", conninfo]), status: 65, naming: ["--run 2"])
        CLI.expectCleanFailure(try CLI.run(["link", "review", "--export", folder.appendingPathComponent("extract").path, "--database", conninfo]),
                               status: 73, naming: ["--export"])
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
