import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Relationships and households through the extract loader: every edge stored under both of its
/// persons, household members' edges inferred, source-keyed edges resolved through the index, and
/// each kind of bad input refused at file:line with nothing written.
@Suite struct FamilyLoadTests {
    struct Row: Hashable, CustomStringConvertible {
        let person: Int, relative: Int, relation: String, source: String, from: String, to: String?, evidence: String, stated: Bool
        var description: String { "(\(person) \(relative) \(relation) \(source) \(from)…\(to ?? "") \(evidence) \(stated))" }
    }

    static func rows(_ db: PostgresConnection) throws -> Set<Row> {
        Set(try db.execute("""
            SELECT person_id, relative_id, relation, source_system, valid_from::text, valid_to::text, evidence, stated FROM ids.relationships
            """).map {
            Row(person: try $0.decode(at: 0), relative: try $0.decode(at: 1), relation: try $0.decode(at: 2), source: try $0.decode(at: 3),
                from: try $0.decode(at: 4), to: try $0.decode(at: 5), evidence: try $0.decode(at: 6), stated: try $0.decode(at: 7))
        })
    }

    /// The sample extract, worked by hand: two stated edges, their inverses, and what the household implies.
    @Test func theSampleExtractsEdgesAreStoredBothWaysAndTheHouseholdsInferred() throws {
        let (db, _) = try TestDatabase.fresh()
        let sample = Checkout.scenarios.appendingPathComponent("extracts/sample")
        let report = try ExtractLoader(directory: sample).load(into: db)
        #expect(report.tables.first { $0.file == "relationships.csv" } == .init(file: "relationships.csv", rows: 2, inserted: 2, updated: 0))
        let expected: Set<Row> = [
            Row(person: 3, relative: 1, relation: "natural_child", source: "UI", from: "1990-05-01", to: nil, evidence: "derived", stated: true),
            Row(person: 1, relative: 3, relation: "natural_parent", source: "UI", from: "1990-05-01", to: nil, evidence: "derived", stated: false),
            Row(person: 1, relative: 2, relation: "spouse", source: "UI", from: "2019-06-15", to: "2022-03-31", evidence: "declared", stated: true),
            Row(person: 2, relative: 1, relation: "spouse", source: "UI", from: "2019-06-15", to: "2022-03-31", evidence: "declared", stated: false),
            // HH-17: 1 is the head, 2 the head's partner, together 2021-01-01 to 2022-03-31.
            Row(person: 1, relative: 2, relation: "household_member", source: "JMS", from: "2021-01-01", to: "2022-03-31", evidence: "inferred", stated: true),
            Row(person: 2, relative: 1, relation: "household_member", source: "JMS", from: "2021-01-01", to: "2022-03-31", evidence: "inferred", stated: false),
            Row(person: 1, relative: 2, relation: "partner", source: "JMS", from: "2021-01-01", to: "2022-03-31", evidence: "inferred", stated: true),
            Row(person: 2, relative: 1, relation: "partner", source: "JMS", from: "2021-01-01", to: "2022-03-31", evidence: "inferred", stated: false),
        ]
        #expect(try Self.rows(db) == expected)
        // Loaded again: nothing changes.
        let again = try ExtractLoader(directory: sample).load(into: db)
        #expect(again.tables.allSatisfy { $0.inserted == 0 && $0.updated == 0 })
        #expect(try Self.rows(db) == expected)
    }

    /// Random families: the stored edges are exactly the stated ones, their inverses, and the
    /// edges of household members at the same time, computed here naively.
    @Test(arguments: [UInt64(21), 22])
    func randomFamiliesStoreExactlyTheirEdges(seed: UInt64) throws {
        let db = try referenceDataOnly()
        let families = RandomFamilies(seed: seed)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("families-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try families.write(to: folder)
        _ = try ExtractLoader(directory: folder).load(into: db)

        var expected = Set<Row>()
        for edge in families.edges {
            let (from, to, evidence) = (edge.from.description, edge.to?.description, edge.evidence ?? "declared")
            expected.insert(Row(person: edge.person, relative: edge.relative, relation: edge.relation, source: edge.source, from: from, to: to,
                                evidence: evidence, stated: true))
            expected.insert(Row(person: edge.relative, relative: edge.person, relation: RelationshipCode.named(edge.relation)!.inverse,
                                source: edge.source, from: from, to: to, evidence: evidence, stated: false))
        }
        for a in families.memberships {
            for b in families.memberships where b.household == a.household && b.person != a.person {
                let from = max(a.from, b.from)
                let to: LocalDate? = switch (a.to, b.to) {
                case (nil, let end), (let end, nil): end
                case (let x?, let y?): min(x, y)
                }
                guard to.map({ from <= $0 }) ?? true else { continue }
                func add(_ relation: String, stated: Bool) {
                    let row = Row(person: a.person, relative: b.person, relation: relation, source: "HMIS", from: from.description,
                                  to: to?.description, evidence: "inferred", stated: stated)
                    // A stated edge with the same key wins over an inferred one.
                    if !expected.contains(where: { ($0.person, $0.relative, $0.relation, $0.source, $0.from, $0.stated)
                        == (row.person, row.relative, row.relation, row.source, row.from, row.stated) }) { expected.insert(row) }
                }
                add("household_member", stated: a.person < b.person)
                if a.role == 1 && b.role == 2 { add("child", stated: true) }
                if a.role == 2 && b.role == 1 { add("parent", stated: false) }
            }
        }
        let stored = try Self.rows(db)
        #expect(stored == expected, "missing \(expected.subtracting(stored).sorted { $0.description < $1.description }.prefix(5)), extra \(stored.subtracting(expected).sorted { $0.description < $1.description }.prefix(5))")
    }

    /// Loads the sample extract, then `file` with `text`: the error's code, file and line.
    func refusal(_ file: String, _ text: String) throws -> ExtractError? {
        let (db, _) = try TestDatabase.fresh()
        _ = try ExtractLoader(directory: Checkout.scenarios.appendingPathComponent("extracts/sample")).load(into: db)
        let before = try Self.rows(db)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bad-family-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(text.utf8).write(to: folder.appendingPathComponent(file))
        do {
            _ = try ExtractLoader(directory: folder).load(into: db)
            return nil
        } catch let error as ExtractError {
            #expect(try Self.rows(db) == before, "nothing written")
            #expect(error.file.hasSuffix(file))
            return error
        }
    }

    static let header = "person_id,relative_id,relation,source_system,valid_from,valid_to\n"

    @Test func badEdgesAreRefusedAtTheirLine() throws {
        // An edge to a person not in the index.
        var error = try refusal("relationships.csv", Self.header + "1,2,partner,UI,2020-01-01,\n1,99,child,UI,2020-01-01,\n")
        #expect(error?.line == 3 && error?.code == .unknownReference("99") && error?.column == "relative_id")
        // Valid to before valid from.
        error = try refusal("relationships.csv", Self.header + "1,2,partner,UI,2020-01-01,2019-12-31\n")
        #expect(error?.line == 2 && error?.code == .endsBeforeStart)
        // A person as their own parent.
        error = try refusal("relationships.csv", Self.header + "1,2,partner,UI,2020-01-01,\n2,2,parent,UI,2020-01-01,\n")
        #expect(error?.line == 3 && error?.code == .ownRelative)
        // A code outside the vocabulary.
        error = try refusal("relationships.csv", Self.header + "1,2,cousin,UI,2020-01-01,\n")
        #expect(error?.line == 2 && error?.code == .unknownCode("cousin", allowed: RelationshipCode.codes))
        // A cycle of two within the file: 1 is 2's parent and 2 is 1's parent.
        error = try refusal("relationships.csv", Self.header + "1,2,child,UI,2020-01-01,\n1,2,parent,UI,2020-01-01,\n")
        #expect(error?.line == 2 && error?.code == .parenthoodCycle([2, 1, 2]), "\(String(describing: error?.code))")
        // A cycle of three through a stored edge (3 is 1's natural parent): 1 parent of 2, 2 parent of 3.
        error = try refusal("relationships.csv", Self.header + "1,2,child,UI,2020-01-01,\n2,3,child,UI,2020-01-01,\n")
        #expect(error?.line == 2 && error?.code == .parenthoodCycle([2, 1, 3, 2]))
        // A household relationship outside HMIS 3.15's codes.
        error = try refusal("households.csv", "person_id,household_key,source_system,relationship_to_head,valid_from\n1,H,JMS,7,2020-01-01\n")
        #expect(error?.line == 2 && error?.code == .unknownCode("7", allowed: ["1", "2", "3", "4", "5", "99"]))
        // A relative's source record linked to no person.
        error = try refusal("relationships.csv",
                            "source_system,source_key,relative_source_key,relation,valid_from\nJMS,J-1,J-404,child,2020-01-01\n")
        #expect(error?.line == 2 && error?.code == .unlinkedSourceKey("JMS/J-404") && error?.column == "relative_source_key")
        // Both forms of the relative at once.
        error = try refusal("relationships.csv", "person_id,relative_id,relative_source_key,relation,source_system,valid_from\n")
        #expect(error?.line == 1 && error?.code == .personAndSourceKey)
    }

    /// The hostile review's cases: a cycle made by two households' heads and children, a relative
    /// named by id with a source system, a lattice of ancestors with 2^20 paths walked as a set, and
    /// an ancestry deeper than the walk goes.
    @Test func cyclesThroughHouseholdsAndDeepOrWideAncestriesAreHandled() throws {
        // X (1) heads H1 with Y (2) as the head's child; Y heads H2 with X as the head's child.
        var error = try refusal("households.csv", """
            person_id,household_key,source_system,relationship_to_head,valid_from
            1,H1,JMS,1,2020-01-01
            2,H1,JMS,2,2020-01-01
            2,H2,JMS,1,2020-01-01
            1,H2,JMS,2,2020-01-01

            """)
        #expect(error?.code == .parenthoodCycle([2, 1, 2]) && error?.line == 2 && error?.column == "relationship_to_head")
        error = try refusal("relationships.csv", "person_id,relative_id,relation,source_system,valid_from,relative_source_system\n1,2,sibling,UI,2020-01-01,UI\n")
        #expect(error?.line == 1 && error?.code == .personAndSourceKey && error?.column == "relative_source_system")

        func load(_ edges: [(child: Int, parent: Int)], persons: ClosedRange<Int>, after earlier: [(child: Int, parent: Int)] = []) throws
            -> ExtractError?
        {
            let (db, _) = try TestDatabase.fresh()
            _ = try ExtractLoader(directory: Checkout.scenarios.appendingPathComponent("extracts/sample")).load(into: db)
            if !earlier.isEmpty, let error = try load(into: db, earlier, persons: persons) { return error }
            return try load(into: db, edges, persons: persons)
        }
        func load(into db: PostgresConnection, _ edges: [(child: Int, parent: Int)], persons: ClosedRange<Int>) throws -> ExtractError? {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ancestry-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            try Data(("person_id\n" + persons.map { "\($0)\n" }.joined()).utf8).write(to: folder.appendingPathComponent("persons.csv"))
            try Data((Self.header + edges.map { "\($0.child),\($0.parent),parent,UI,2000-01-01,\n" }.joined()).utf8)
                .write(to: folder.appendingPathComponent("relationships.csv"))
            do {
                _ = try ExtractLoader(directory: folder).load(into: db)
                return nil
            } catch let error as ExtractError { return error }
        }
        // 21 generations of two persons, each child of both persons of the next: 2^20 paths from the bottom.
        let lattice = (0..<20).flatMap { g in [(0, 0), (0, 1), (1, 0), (1, 1)].map { (100 + 2 * g + $0.0, 102 + 2 * g + $0.1) } }
        #expect(try load(lattice, persons: 100...141) == nil)
        // The top generation made the bottom's child: a cycle of 21 generations.
        let closed = try load(lattice + [(140, 100)], persons: 100...141)
        guard case .parenthoodCycle(let path)? = closed?.code else { Issue.record("not a cycle: \(String(describing: closed))"); return }
        // Reported at the first line whose edge is on the cycle.
        #expect(path.count == 22 && path.first == path.last && closed?.line == 2)
        // 70 generations stored in a line load (the walk reads a load's own edges at once); a child
        // added below them later has more generations of stored ancestors than the walk goes.
        let chain = (0..<70).map { (200 + $0, 201 + $0) }
        #expect(try load(chain, persons: 199...270) == nil)
        #expect(try load([(199, 200)], persons: 199...270, after: chain)?.code == .ancestryTooDeep(generations: FamilyLoad.maximumGenerations))
    }

    /// The second review's case: a harmless edge and a household-inferred cycle in one load are
    /// told apart — the error names households.csv and the cycle, not the harmless edge.
    @Test func aCycleIsReportedInTheFileThatMadeIt() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try ExtractLoader(directory: Checkout.scenarios.appendingPathComponent("extracts/sample")).load(into: db)
        func load(_ files: [String: String]) throws -> ExtractError? {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cycle-file-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            for (name, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
            do {
                _ = try ExtractLoader(directory: folder).load(into: db)
                return nil
            } catch let error as ExtractError { return error }
        }
        // 2 is 1's child, stored.
        #expect(try load(["relationships.csv": Self.header + "1,2,child,JMS,2020-01-01,\n"]) == nil)
        // relationships.csv line 2: 3 is 1's parent, as stored (no cycle); households.csv: 2 heads H9 with 1 as the head's child.
        let error = try load([
            "relationships.csv": Self.header + "1,3,parent,JMS,2020-01-01,\n",
            "households.csv": "person_id,household_key,source_system,relationship_to_head,valid_from\n2,H9,JMS,1,2021-01-01\n1,H9,JMS,2,2021-01-01\n",
        ])
        #expect(error?.file.hasSuffix("households.csv") == true && error?.line == 2 && error?.code == .parenthoodCycle([1, 2, 1]),
                "\(String(describing: error))")
    }

    /// A source-keyed edge resolves both persons through the index, keeps its records' keys, and
    /// names the relative's source system when it is not the edge's.
    @Test func sourceKeyedEdgesResolveBothPersons() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try ExtractLoader(directory: Checkout.scenarios.appendingPathComponent("extracts/sample")).load(into: db)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("keyed-family-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("source_system,source_key,relative_source_system,relative_source_key,relation,valid_from\nJMS,J-1,UI,U-2,domestic_partner,2023-01-01\n"
            .utf8).write(to: folder.appendingPathComponent("relationships.csv"))
        _ = try ExtractLoader(directory: folder).load(into: db)
        let rows = try db.execute("""
            SELECT person_id, relative_id, relation, stated, person_key_system || '/' || person_key, relative_key_system || '/' || relative_key
            FROM ids.relationships WHERE valid_from = '2023-01-01' ORDER BY stated DESC
            """).map { [try $0.decode(Int.self, at: 0), try $0.decode(Int.self, at: 1)].map(String.init)
                + [try $0.decode(String.self, at: 2), String(try $0.decode(Bool.self, at: 3)), try $0.decode(String.self, at: 4), try $0.decode(String.self, at: 5)] }
        #expect(rows == [["1", "2", "domestic_partner", "true", "JMS/J-1", "UI/U-2"], ["2", "1", "domestic_partner", "false", "UI/U-2", "JMS/J-1"]])
    }

    /// Two records the index links to one person: the edge between them, the same edge from
    /// both records, and the person's second membership of one household are set aside and
    /// counted, the rest loads; a pre-linked edge from a person to the same person is still refused.
    @Test func rowsWhoseRecordsAreOnePersonAreSetAsideAndCounted() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try ExtractLoader(directory: Checkout.scenarios.appendingPathComponent("extracts/sample")).load(into: db)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("one-person-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // J-9 is a second JMS record of person 1 (as a linker that merged two records leaves it).
        try Data("person_id,source_system,source_key,match_method,match_score\n1,JMS,J-9,probabilistic,0.9100\n".utf8)
            .write(to: folder.appendingPathComponent("source_links.csv"))
        let relationships = [
            "source_system,source_key,relative_source_system,relative_source_key,relation,valid_from",
            "JMS,J-1,JMS,J-9,natural_parent,2020-01-01",  // person 1 to person 1
            "JMS,J-1,UI,U-2,partner,2023-02-01",          // kept
            "JMS,J-9,UI,U-2,partner,2023-02-01",          // the same edge from the other record
        ]
        try Data((relationships.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("relationships.csv"))
        let households = ["household_key,source_system,relationship_to_head,valid_from,source_key",
                          "HH-90,JMS,1,2022-01-01,J-1", "HH-90,JMS,2,2022-01-01,J-9"]
        try Data((households.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("households.csv"))
        let report = try ExtractLoader(directory: folder).load(into: db)
        #expect(report.setAside.mapValues(\.rows) == ["relationships.csv": 2, "households.csv": 1])
        #expect(report.setAside["relationships.csv"]?.firstLine == 2 && report.setAside["relationships.csv"]?.records == "JMS/J-1 and JMS/J-9")
        #expect(report.setAside["households.csv"]?.firstLine == 3)
        // The edge kept is the first line's, from J-1.
        #expect(try db.execute("SELECT person_key FROM ids.relationships WHERE valid_from = '2023-02-01' AND stated").scalar(String.self) == "J-1")
        #expect(try db.execute("SELECT count(*) FROM ids.relationships WHERE person_id = relative_id").scalar(Int.self) == 0)
        #expect(try db.execute("SELECT count(*) FROM ids.relationships WHERE valid_from = '2023-02-01' AND relation = 'partner'").scalar(Int.self) == 2,
                "the partner edge once, stored both ways")
        #expect(try db.execute("SELECT string_agg(relationship_to_head::text, ',') FROM ids.household_members WHERE household_key = 'HH-90'")
                .scalar(String.self) == "1", "the first membership stays")
        #expect(try db.execute("""
            SELECT (row_counts->>'relationships.csv set aside (records of one person)')::int FROM ids.data_loads WHERE load_id = \(report.loadID)
            """).scalar(Int.self) == 2)
        // The same records twice are the file's duplicate, even beside another record of the person.
        try Data((relationships.joined(separator: "\n") + "\nJMS,J-9,UI,U-2,partner,2023-02-01\n").utf8)
            .write(to: folder.appendingPathComponent("relationships.csv"))
        do {
            _ = try ExtractLoader(directory: folder).load(into: db)
            Issue.record("a repeated row loaded")
        } catch let error as ExtractError {
            #expect(error.line == 5 && error.code == .duplicateKey)
        }
        // Named by id, an edge of a person to the same person is the file's error.
        let error = try refusal("relationships.csv", Self.header + "1,1,partner,JMS,2023-01-01,\n")
        #expect(error?.line == 2 && error?.code == .ownRelative)
    }

    /// The vocabulary the migration seeds is the one the program reads.
    @Test func theStoredVocabularyIsTheProgramsOwn() throws {
        let (db, _) = try TestDatabase.fresh()
        let stored = try db.execute("SELECT relation, inverse, broader, hl7_code, label FROM ids.relationship_codes ORDER BY relation").map {
            [try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1), try $0.decode(String?.self, at: 2) ?? "-",
             try $0.decode(String?.self, at: 3) ?? "-", try $0.decode(String.self, at: 4)]
        }
        let program = RelationshipCode.all.sorted { $0.code < $1.code }.map { [$0.code, $0.inverse, $0.broader ?? "-", $0.hl7 ?? "-", $0.label] }
        #expect(stored == program)
        // Every code's inverse reads it back.
        #expect(RelationshipCode.all.allSatisfy { RelationshipCode.named($0.inverse)?.inverse == $0.code })
    }
}

/// The quality report counts what sources disagree about: a pair one source calls child and
/// another sibling at the same time, and a person in two households of one source at once.
@Suite struct FamilyQualityTests {
    @Test func contradictionsAndDoubleHouseholdsAreCounted() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try ExtractLoader(directory: Checkout.scenarios.appendingPathComponent("extracts/sample")).load(into: db)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("family-quality-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // JMS says 1 is 3's sibling from 2000 (while UI's birth record makes 1 3's child); 2 and 3
        // are siblings, which nothing contradicts; after the spouse edge ends, a sibling edge does not overlap it.
        try Data("""
            person_id,relative_id,relation,source_system,valid_from,valid_to
            1,3,sibling,JMS,2000-01-01,
            2,3,sibling,JMS,2000-01-01,
            1,2,sibling,JMS,2022-04-01,

            """.utf8).write(to: folder.appendingPathComponent("relationships.csv"))
        // Person 2 in HH-17 (to 2022-03-31) and HH-18 from 2022-03-01: one month in both.
        try Data("person_id,household_key,source_system,relationship_to_head,valid_from\n2,HH-18,JMS,1,2022-03-01\n3,HH-19,UI,1,2020-01-01\n"
            .utf8).write(to: folder.appendingPathComponent("households.csv"))
        _ = try ExtractLoader(directory: folder).load(into: db)
        let m = try QualityQueries.measure(on: db, dataThrough: LocalDate(iso: "2024-12-31"), reviewScore: 0.85)
        // Pairs (read from the lower id): (1,2) spouse and partner (inferred) to 2022-03-31, then
        // sibling — never at once; (1,3) parent (3's birth record) and sibling, at once; (2,3) sibling.
        #expect(m.relatedPairs == 3)
        #expect(m.contradictingPairs == 1)
        #expect(m.contradictions == [.init(relations: "parent/sibling", pairs: 1)])
        #expect(m.personsInHouseholds == 3 && m.personsInTwoHouseholds == 1)
        let findings = QualityAssessment(m, thresholds: .defaults).findings
        #expect(findings.first { $0.check == .contradictingRelationships }.map { ($0.found, $0.outOf, $0.status) } ?? (0, 0, .ok) == (1, 3, .warn))
        #expect(findings.first { $0.check == .overlappingHouseholds }.map { ($0.found, $0.outOf, $0.status) } ?? (0, 0, .ok) == (1, 3, .warn))
    }
}
