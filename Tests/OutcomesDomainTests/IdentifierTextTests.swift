import Foundation
import OutcomesDomain
import Testing

/// Identifier text and source keys (issue 23, hostile review #8, #9, #13, #6): how long they may
/// be and which characters they may not hold, checked by the grammar at file:line.
@Suite struct IdentifierTextTests {
    /// Reads `text` as `layout`'s file and writes every row: nil when all read, else the error with
    /// the path replaced by "FILE".
    static func error(_ layout: ExtractLayout, _ text: String) throws -> ExtractError? {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(layout.file)")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var reader = try CSVReader(path: file.path)
        let header = try #require(try reader.next())
        do {
            let positions = try layout.positions(header: header, file: file.path)
            var buffer = CopyTextBuffer()
            while let record = try reader.next() {
                try layout.write(record, positions: positions, headerWidth: header.fields.count, file: file.path, into: &buffer)
            }
            return nil
        } catch let error as ExtractError {
            return ExtractError(file: "FILE", line: error.line, column: error.column, code: error.code, reason: error.reason)
        }
    }

    static func identifiers(_ row: String) -> String {
        "source_system,source_key,first_name,middle_name,last_name,address,city,postcode,county,race_ethnicity\nJMS,J-1,Ana,,Ruiz,,,,,\n\(row)\n"
    }

    /// #8: a value longer than 255 code points would stop every link run (fuzzystrmatch compares at
    /// most 255 characters, pg_similarity at most 1,024 bytes): refused at its line and column.
    @Test(arguments: ["first_name", "middle_name", "last_name", "address", "city", "postcode", "county", "race_ethnicity"])
    func identifierTextLongerThan255CodePointsIsRefused(column: String) throws {
        let columns = ["first_name", "middle_name", "last_name", "address", "city", "postcode", "county", "race_ethnicity"]
        func row(_ value: String) -> String {
            "JMS,J-2," + columns.map { $0 == column ? "\"\(value)\"" : "x" }.joined(separator: ",")
        }
        // 255 four-byte characters (1,020 bytes) and 255 ASCII ones read.
        #expect(try Self.error(.identifiers, Self.identifiers(row(String(repeating: "𠀀", count: 255)))) == nil)
        #expect(try Self.error(.identifiers, Self.identifiers(row(String(repeating: "a", count: 255)))) == nil)
        for (value, length) in [(String(repeating: "a", count: 256), 256), (String(repeating: "é", count: 600), 600),
                                // Code points, as PostgreSQL counts: 130 letters with a combining accent are 260.
                                (String(repeating: "e\u{301}", count: 130), 260)] {
            let error = try #require(try Self.error(.identifiers, Self.identifiers(row(value))))
            #expect(error.line == 3 && error.column == column)
            #expect(error.code == .valueTooLong(length: length, maximum: IdentifierText.maximumLength))
            #expect(!error.message.contains(String(value.prefix(20))), "the message does not repeat the value")
        }
    }

    /// #9: a source key or source system over 200 code points (a 12 KB key broke the index with
    /// exit 70), in every file that carries one.
    @Test(arguments: [
        (ExtractLayout.identifiers, "source_system,source_key,first_name\nJMS,J-1,Ana\nJMS,{KEY},Bo\n", "source_key"),
        (ExtractLayout.identifiers, "source_system,source_key,first_name\nJMS,J-1,Ana\n{KEY},J-2,Bo\n", "source_system"),
        (ExtractLayout.sourceSystems, "source_system,name,agency\nJMS,Jail,Sheriff\n{KEY},Wages,Labor\n", "source_system"),
        (ExtractLayout.sourceLinks, "person_id,source_system,source_key,match_method,match_score\n1,JMS,J-1,deterministic,1\n2,UI,{KEY},deterministic,1\n",
         "source_key"),
        (ExtractLayout.enrollments,
         "source_system,source_key,enrollment_id,program_id,provider_id,start_date\nJMS,J-1,20,p,q,2022-05-01\nJMS,{KEY},21,p,q,2022-05-01\n",
         "source_key"),
        (ExtractLayout.events, "source_key,event_id,domain,source_system,source_record,start_date\nJ-1,1,jail,JMS,r,2022-01-01\n{KEY},2,jail,JMS,r,2022-01-01\n",
         "source_key"),
        (ExtractLayout.events, "person_id,event_id,domain,source_system,source_record,start_date\n1,1,jail,JMS,r,2022-01-01\n1,2,jail,{KEY},r,2022-01-01\n",
         "source_system"),
    ] as [(ExtractLayout, String, String)])
    func aSourceKeyLongerThan200CodePointsIsRefusedInEveryFile(layout: ExtractLayout, text: String, column: String) throws {
        #expect(try Self.error(layout, text.replacingOccurrences(of: "{KEY}", with: String(repeating: "K", count: 200))) == nil)
        let error = try #require(try Self.error(layout, text.replacingOccurrences(of: "{KEY}", with: String(repeating: "K", count: 12_000))))
        #expect(error.line == 3 && error.column == column)
        #expect(error.code == .valueTooLong(length: 12_000, maximum: IdentifierText.maximumKeyLength))
    }

    /// #6: a key never needs the review file's neutralising quote, so the import reads it back as
    /// stored: one beginning with = + - @ or ' is refused.
    @Test(arguments: ["=1+1", "+44", "-5", "@SUM(A1)", "'007"])
    func aSourceKeyBeginningLikeAFormulaIsRefused(key: String) throws {
        let error = try #require(try Self.error(.identifiers, "source_system,source_key\nJMS,J-1\nJMS,\"\(key)\"\n"))
        #expect(error.line == 3 && error.column == "source_key" && error.code == .formulaStart(key.first!))
        let system = try #require(try Self.error(.sourceSystems, "source_system,name,agency\n\"\(key)\",n,a\n"))
        #expect(system.line == 2 && system.column == "source_system" && system.code == .formulaStart(key.first!))
        // Inside a key, or in a name, those characters are ordinary.
        #expect(try Self.error(.identifiers, "source_system,source_key,first_name,postcode\nJMS,J-1+2,=Ana,-97201\n") == nil)
    }

    /// Control characters (ESC, tab, line breaks, DEL, C1), line separators and bidirectional
    /// overrides and isolates are refused in identifier text and keys; zero-width joiners are not.
    @Test(arguments: [("\u{1B}[31m", 0x1B), ("a\tb", 0x09), ("two\nlines", 0x0A), ("cr\rhere", 0x0D), ("del\u{7F}", 0x7F),
                      ("c1\u{85}", 0x85), ("\u{202E}evil", 0x202E), ("iso\u{2067}late", 0x2067), ("sep\u{2028}", 0x2028)])
    func controlCharactersAreRefused(value: String, codePoint: UInt32) throws {
        let scalar = try #require(Unicode.Scalar(codePoint))
        let name = try #require(try Self.error(.identifiers, Self.identifiers("JMS,J-2,\"\(value)\",,,,,,,")))
        #expect(name.line == 3 && name.column == "first_name" && name.code == .controlCharacter(scalar))
        #expect(!name.message.unicodeScalars.contains(scalar), "the message does not write the character")
        let key = try #require(try Self.error(.identifiers, "source_system,source_key\nJMS,\"K\(value)\"\n"))
        #expect(key.line == 2 && key.column == "source_key" && key.code == .controlCharacter(scalar))
    }

    @Test func joinersAndOtherScriptsRead() throws {
        #expect(try Self.error(.identifiers, Self.identifiers("JMS,J-2,میر\u{200C}علی,,Ньютон,1 Rue d’Été,東京,,,")) == nil)
    }
}
