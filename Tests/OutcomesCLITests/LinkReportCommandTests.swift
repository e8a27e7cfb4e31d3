import Foundation
import OutcomesTestSupport
import PostgresClient
import Testing

/// `outcomes link report`: its exit statuses, and its tables through the CLI on a small linked index.
@Suite struct LinkReportCommandTests {
    static func folder() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("link-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A labels file that is wrong at line 3 is refused there, before the database is asked anything.
    @Test func aBadLabelsFileIsRefusedAtItsLine() throws {
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let labels = directory.appendingPathComponent("labels.csv")
        try Data("source_system_l,source_key_l,source_system_r,source_key_r,decision\nA,1,B,1,match\nA,2,B,2,maybe\n".utf8).write(to: labels)
        let (_, conninfo) = try TestDatabase.fresh()
        let result = try CLI.run(["link", "report", "--labels", labels.path, "--database", conninfo])
        CLI.expectCleanFailure(result, status: 65, naming: ["\(labels.path):3", "maybe"])
        let header = directory.appendingPathComponent("header.csv")
        try Data("person,source_key\n".utf8).write(to: header)
        CLI.expectCleanFailure(try CLI.run(["link", "report", "--labels", header.path, "--database", conninfo]), status: 65,
                               naming: ["\(header.path):1", "source_system,source_key,entity"])
    }

    @Test func noLinkRunYetIsADataError() throws {
        let (_, conninfo) = try TestDatabase.fresh()
        CLI.expectCleanFailure(try CLI.run(["link", "report", "--database", conninfo]), status: 65, naming: ["outcomes link run"])
    }

    /// Five people in two sources, one of them only in one: the report's tables by their machine names.
    @Test func reportsALinkedIndexWithItsLabels() throws {
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let extract = directory.appendingPathComponent("extract")
        try FileManager.default.createDirectory(at: extract, withIntermediateDirectories: true)
        try Data("source_system,name,agency\nJMS,Jail,Sheriff\nHMIS,Homeless services,County\n".utf8)
            .write(to: extract.appendingPathComponent("source_systems.csv"))
        let people = [("MARIA", "GARCIA", "1950-01-03"), ("JAMES", "OKAFOR", "1952-02-04"), ("AISHA", "LINDQVIST", "1954-03-05"),
                      ("ROBERT", "NAKAMURA", "1956-04-06"), ("LINDA", "BROWNING", "1958-05-07")]
        var identifiers = ["source_system,source_key,first_name,last_name,birth_date,ssn,sex,race_ethnicity"]
        var truth = ["source_system,source_key,entity"]
        for (p, person) in people.enumerated() {
            let ssn = String(format: "%03d-%02d-%04d", 100 + p, 10 + p, 1000 + 7 * p)
            for source in p == 4 ? ["JMS"] : ["JMS", "HMIS"] {
                identifiers.append("\(source),\(source)-\(p),\(person.0),\(person.1),\(person.2),\(ssn),F,White")
                truth.append("\(source),\(source)-\(p),\(p)")
            }
        }
        try Data(identifiers.joined(separator: "\n").utf8).write(to: extract.appendingPathComponent("identifiers.csv"))
        let truthFile = directory.appendingPathComponent("truth.csv")
        try Data(truth.joined(separator: "\n").utf8).write(to: truthFile)
        let spec = directory.appendingPathComponent("spec.yaml")
        try Data("""
            linkage: small
            comparisons:
              - {name: first_name, field: first_name, levels: [exact, {jaro_winkler: 0.9}]}
              - {name: last_name, field: last_name, levels: [exact]}
              - {name: birth_date, field: birth_date, levels: [exact, same_year]}
              - {name: ssn, field: ssn, levels: [exact, ssn_last4]}
            blocking:
              - [birth_year]
            training:
              lambda: {deterministic: [[ssn, birth_date]], recall: 0.9}
              u: {sample_pairs: 1000, seed: 1}
            thresholds: {match: 0.9, review: 0.5}
            """.utf8).write(to: spec)
        let (_, conninfo) = try TestDatabase.fresh()
        let loaded = try CLI.run(["load", extract.path, "--database", conninfo, "-q"])
        #expect(loaded.status == 0, "\(loaded.errors)")
        let linked = try CLI.run(["link", "run", "--spec", spec.path, "--database", conninfo, "-q"])
        #expect(linked.status == 0, "\(linked.errors)")
        let report = try CLI.report(try CLI.run(["link", "report", "--labels", truthFile.path, "--small-cell-threshold", "1",
                                                 "--format", "json", "--database", conninfo, "-q"]))
        #expect(report.column("source_system", of: "link_rates_by_source_system") as? [String] == ["HMIS", "JMS", "(all)"])
        #expect(report.column("linked_across_sources", of: "link_rates_by_source_system") as? [Int] == [4, 4, 8])
        #expect(report.column("records", of: "link_rates_by_source_system") as? [Int] == [4, 5, 9])
        #expect(report.column("persons", of: "persons_by_records") as? [Int] == [1, 4])
        #expect(report.column("kind", of: "labels") as? [String] == ["pairwise", "clustered"])
        #expect(report.column("f1", of: "labels") as? [Double] == [1, 1])
        #expect(report.column("pairs", of: "candidate_pair_weights").compactMap { $0 as? Int }.reduce(0, +) == 4)
        #expect(Set(report.tables.keys).isSuperset(of: ["estimated_errors", "link_rates_by_race_ethnicity", "link_rates_by_sex",
                                                        "link_rates_by_age_band", "scored_pair_weights", "persons_by_sources", "conflicts"]))
        // At the default threshold (11) every row, (all) too, counts fewer than 11 records: all are suppressed (null in JSON).
        let suppressed = try CLI.report(try CLI.run(["link", "report", "--format", "json", "--database", conninfo, "-q"]))
        let records = suppressed.column("records", of: "link_rates_by_source_system")
        #expect(records.count == 3 && records.allSatisfy { ($0 as? [String: Any])?["suppressed"] as? Bool == true })
        let page = try CLI.run(["link", "report", "--format", "html", "--database", conninfo, "-q"])
        #expect(page.status == 0 && page.output.contains("Link rates by race/ethnicity"), "\(page.errors)")
        CLI.expectCleanFailure(try CLI.run(["link", "report", "--run", "99", "--database", conninfo]), status: 65, naming: ["99"])
    }
}
