import Foundation
import OutcomesDatabase
import OutcomesLab
import OutcomesTestSupport
import PostgresClient
import Testing

/// A re-link that merges two persons and splits one, with content loaded by source key, through
/// the binary as a county runs it (`outcomes link run` takes the linker role itself): on a Citus
/// cluster it succeeds, the content follows its record, and the index and its changes are those of
/// the same steps on one server. Citus must be installed (`.ci/run` builds it).
@Suite(.serialized) struct DistributedRelinkTests {
    /// The review tests' spec, linking at 0.9.
    static let spec = LinkReviewCommandTests.spec
        .replacingOccurrences(of: "linkage: review-test", with: "linkage: relink-test")
        .replacingOccurrences(of: "thresholds: {match: 0.995,", with: "thresholds: {match: 0.9,")

    static let firstNames = ["MARIA", "JAMES", "AISHA", "ROBERT", "LINDA", "DMITRI", "KEIKO", "SAMUEL", "FATIMA", "OWEN",
                             "PRIYA", "CARLOS", "HELEN", "TREVOR", "NADIA", "GEORGE", "IRENE", "VICTOR", "WANDA", "ZANE"]
    static let lastNames = ["GARCIA", "OKAFOR", "LINDQVIST", "NAKAMURA", "BROWNING", "PETROV", "SULLIVAN", "HADDAD", "MORENO", "FITZGERALD",
                            "KOWALSKI", "ABERNATHY", "CHANDRA", "DELACROIX", "EASTWOOD", "FONTAINE", "GUSTAFSON", "HOLLOWAY", "IVANOVA", "JEFFERSON"]

    /// Twenty people under three sources' keys (source 2 types the first name's last letter as X,
    /// source 3 transposes the SSN's first two digits), and "K0-x": a record of person 0 too
    /// different to link by itself.
    static var identifiers: String {
        var lines = ["source_system,source_key,first_name,last_name,birth_date,ssn"]
        for p in 0..<20 {
            for s in 1...3 {
                let first = s == 2 ? String(firstNames[p].dropLast()) + "X" : firstNames[p]
                var ssn = Array(String(format: "%03d%02d%04d", 100 + p, 10 + p, 1000 + p * 7))
                if s == 3 { ssn.swapAt(0, 1) }
                let birth = String(format: "19%02d-%02d-%02d", 50 + p * 2, 1 + p % 12, 3 + p)
                lines.append("S\(s),K\(p)-\(s),\(first),\(lastNames[p]),\(birth),\(String(ssn))")
            }
        }
        lines.append("S9,K0-x,MAREK,ZYLBERSZTEJN,1980-06-30,777889999")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Content by source key: enrollments and events of the records that will change person
    /// (K0-x merges into person 0; K1-3 splits from person 1) and of some that will not.
    static let content: [String: String] = [
        "programs.csv": "program_id,name\nreentry,Reentry employment\n",
        "providers.csv": "provider_id,name,program_id\nbridgeway,Bridgeway,reentry\n",
        "enrollments.csv": """
            source_system,source_key,enrollment_id,program_id,provider_id,start_date
            S9,K0-x,10,reentry,bridgeway,2022-01-01
            S3,K1-3,11,reentry,bridgeway,2022-01-02
            S1,K1-1,12,reentry,bridgeway,2022-01-03
            S1,K2-1,13,reentry,bridgeway,2022-01-04

            """,
        "events.csv": """
            source_key,event_id,domain,source_system,source_record,start_date
            K0-x,20,jail,S9,B-1,2022-02-01
            K0-1,21,jail,S1,B-2,2022-02-02
            K1-3,22,jail,S3,B-3,2022-02-03
            K1-3,23,jail,S3,B-4,2022-02-04
            K1-2,24,jail,S2,B-5,2022-02-05
            K5-2,25,jail,S2,B-6,2022-02-06

            """,
    ]

    /// Clerical decisions: K0-x is K0-1's person (a merge); K1-3 is neither K1-1's nor K1-2's (a split).
    static let labels = """
        source_system_l,source_key_l,source_system_r,source_key_r,decision
        S1,K0-1,S9,K0-x,match
        S1,K1-1,S3,K1-3,non_match
        S2,K1-2,S3,K1-3,non_match

        """

    static func write(_ files: [String: String], into folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
    }

    /// What must be the same on both, read in a fixed order.
    static let compared: [(name: String, sql: PostgresQuery)] = [
        ("id changes", "SELECT run_id, person_id, change, other_person_id, records FROM linkage.id_changes ORDER BY 1, 2, 3, 4"),
        ("source links", "SELECT source_system, source_key, person_id, match_method, match_score, load_id FROM ids.source_links ORDER BY 1, 2"),
        ("persons", "SELECT person_id, birth_date, birth_year, sex, race_ethnicity, county, load_id FROM ids.persons ORDER BY 1"),
        ("enrollments", "SELECT enrollment_id, person_id, source_system, source_key, load_id FROM ids.enrollments ORDER BY 1"),
        ("events", "SELECT event_id, person_id, source_system, source_key, load_id FROM ids.events ORDER BY 1"),
        ("run summaries", "SELECT run_id, summary FROM linkage.runs ORDER BY 1"),
        ("linkage loads", "SELECT load_id, kind, content_hash, row_counts FROM ids.data_loads ORDER BY 1"),
    ]

    /// Identifiers loaded and linked, content loaded by key, labels imported, linked again: each
    /// step through the binary. Returns each compared query's rows.
    static func relink(on conninfo: String, in folder: URL) throws -> [[String]] {
        let identifiers = folder.appendingPathComponent("identifiers"), content = folder.appendingPathComponent("content")
        try write(["source_systems.csv": "source_system,name,agency\nS1,One,A\nS2,Two,B\nS3,Three,C\nS9,Nine,D\n",
                   "identifiers.csv": Self.identifiers], into: identifiers)
        try write(Self.content, into: content)
        let spec = folder.appendingPathComponent("spec.yaml"), labels = folder.appendingPathComponent("labels.csv")
        try Data(Self.spec.utf8).write(to: spec)
        try Data(Self.labels.utf8).write(to: labels)

        let loaded = try CLI.run(["load", identifiers.path, "--database", conninfo, "-q"])
        try #require(loaded.status == 0, "\(loaded.errors)")
        let first = try CLI.report(try CLI.run(["link", "run", "--spec", spec.path, "--database", conninfo, "--format", "json", "-q"]))
        #expect(first.notes.first?.contains("21 persons") == true, "\(first.notes)")
        let keyed = try CLI.run(["load", content.path, "--database", conninfo, "-q"])
        try #require(keyed.status == 0, "\(keyed.errors)")
        let imported = try CLI.run(["link", "review", "--import", labels.path, "--database", conninfo, "-q"])
        try #require(imported.status == 0, "\(imported.errors)")

        let db = try PostgresConnection(conninfo: conninfo)
        func person(_ key: String) throws -> Int {
            try db.execute("SELECT person_id FROM ids.source_links WHERE source_key = \(key)").scalar(Int.self)
        }
        let (kept, stray, one) = (try person("K0-1"), try person("K0-x"), try person("K1-1"))
        #expect(try kept != stray && person("K1-3") == one)

        let again = try CLI.run(["link", "run", "--spec", spec.path, "--database", conninfo, "--format", "json", "-q"])
        try #require(again.status == 0, "the re-link fails: \(again.errors)")
        let second = try CLI.report(again)
        #expect(second.notes.contains { $0.hasSuffix("content rows moved to their record's new person: 5.") }, "\(second.notes)")

        // Content followed its record: K0-x's to person 0, K1-3's to the new person split from person 1.
        let fresh = try person("K1-3")
        #expect(try person("K0-x") == kept && fresh != one && fresh > stray)
        #expect(try db.execute("SELECT string_agg(event_id || ':' || person_id, ',' ORDER BY event_id) FROM ids.events").scalar(String.self)
            == "20:\(kept),21:\(kept),22:\(fresh),23:\(fresh),24:\(one),25:\(try person("K5-2"))")
        #expect(try db.execute("SELECT string_agg(enrollment_id || ':' || person_id, ',' ORDER BY enrollment_id) FROM ids.enrollments")
            .scalar(String.self) == "10:\(kept),11:\(fresh),12:\(one),13:\(try person("K2-1"))")
        #expect(try db.execute("SELECT count(*) FROM ids.persons WHERE person_id = \(stray)").scalar(Int.self) == 0,
                "the merged person, whom nothing refers to any more, is retired")
        #expect(try db.execute("SELECT count(*) FROM ids.persons WHERE person_id = \(fresh)").scalar(Int.self) == 1)
        #expect(try db.execute("SELECT string_agg(change || ':' || person_id || ':' || other_person_id || ':' || records, ',' ORDER BY change) "
                               + "FROM linkage.id_changes WHERE run_id = 2").scalar(String.self)
            == "merged_into:\(stray):\(kept):1,split_from:\(fresh):\(one):1")

        return try compared.map { _, sql in
            try db.execute(sql).map { row in
                try (0..<row.columnCount).map { try row.decode(String?.self, at: $0) ?? "NULL" }.joined(separator: "|")
            }
        }
    }

    @Test func aRelinkThatMergesAndSplitsPersonsWithContentWorksOnCitusAsOnOneServer() throws {
        let folder = TestDatabase.scratchDirectory("citus-relink")
        defer { try? FileManager.default.removeItem(at: folder) }
        let single = try Self.relink(on: try TestDatabase.fresh().conninfo, in: folder.appendingPathComponent("single"))

        let cluster = try DistributedLinkageLoadTests.distributedCluster(in: folder.appendingPathComponent("cluster"), workers: 2)
        defer { try? cluster.remove() }
        let citus = try Self.relink(on: cluster.conninfo, in: folder.appendingPathComponent("citus"))

        for (index, query) in Self.compared.enumerated() {
            #expect(!single[index].isEmpty, "\(query.name): nothing to compare")
            #expect(single[index] == citus[index], "\(query.name) differ between one server and Citus")
        }
        // The content moved between shards: a merged or split person's shard is not its new person's.
        let db = try PostgresConnection(conninfo: cluster.conninfo)
        #expect(try db.execute("""
            SELECT bool_or(get_shard_id_for_distribution_column('ids.events', person_id)
                           <> get_shard_id_for_distribution_column('ids.events', other_person_id))
            FROM linkage.id_changes WHERE run_id = 2
            """).scalar(Bool.self))
    }
}
