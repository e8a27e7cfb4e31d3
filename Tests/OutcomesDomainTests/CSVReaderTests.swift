import Foundation
import Testing
@testable import OutcomesDomain

@Suite struct CSVReaderTests {
    func records(_ text: String) throws -> [CSVReader.Record] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        var reader = try CSVReader(path: url.path)
        var result: [CSVReader.Record] = []
        while let record = try reader.next() { result.append(record) }
        return result
    }

    @Test func quotesCommasLineBreaksAndLineNumbers() throws {
        let text = "a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\n\n2,\"two\nlines\",\n3,,\"\"\n4,last,no newline"
        let parsed = try records(text)
        #expect(parsed.map(\.line) == [1, 2, 4, 6, 7])
        #expect(parsed[1].fields == ["1", "x, y", "say \"hi\""])
        #expect(parsed[2].fields == ["2", "two\nlines", ""])
        #expect(parsed[3].fields == ["3", "", ""])
        #expect(parsed[4].fields == ["4", "last", "no newline"])
    }

    @Test func malformedQuotesAreErrorsWithTheirLine() {
        #expect { try records("a,b\n1,\"open\n2,3\n") } throws: {
            ($0 as? ExtractError)?.line == 2 && ($0 as? ExtractError)?.code == .unclosedQuote
        }
        #expect { try records("a,b\n1,\"x\"y\n") } throws: { ($0 as? ExtractError)?.line == 2 && ($0 as? ExtractError)?.code == .textAfterClosingQuote }
    }
}
