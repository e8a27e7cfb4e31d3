import Foundation
import OutcomesDomain
import Testing

/// `--labels FILE`: the two forms told apart by the header, read strictly (file:line and a code).
@Suite struct LinkageLabelsTests {
    static func file(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("labels-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    static func failure(_ text: String) throws -> LinkageLabelsError? {
        let path = try file(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try LinkageLabels.read(path: path)
            return nil
        } catch let error as LinkageLabelsError {
            #expect(error.file == path && error.exitStatus == .dataError)
            return error
        }
    }

    @Test func truthClustersInAnyColumnOrder() throws {
        let path = try Self.file("entity,source_system,source_key\ne1,JMS,J-1\r\ne1,HMIS,\"H,2\"\n\ne2,JMS,J-3\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard case .truth(let records) = try LinkageLabels.read(path: path) else { Issue.record("not read as truth"); return }
        #expect(records.map(\.record) == [.init("JMS", "J-1"), .init("HMIS", "H,2"), .init("JMS", "J-3")])
        #expect(records.map(\.entity) == ["e1", "e1", "e2"])
        #expect(records.map(\.line) == [2, 3, 5])
    }

    @Test func pairDecisionsAreOrderedLeftBeforeRight() throws {
        let path = try Self.file("source_system_l,source_key_l,source_system_r,source_key_r,decision\nJMS,J-2,HMIS,H-1,match\nA,1,A,2,non_match\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard case .decisions(let pairs) = try LinkageLabels.read(path: path) else { Issue.record("not read as decisions"); return }
        #expect(pairs.map(\.left) == [.init("HMIS", "H-1"), .init("A", "1")])
        #expect(pairs.map(\.right) == [.init("JMS", "J-2"), .init("A", "2")])
        #expect(pairs.map(\.isMatch) == [true, false])
    }

    @Test func problemsAreRefusedAtTheirLine() throws {
        let decisions = "source_system_l,source_key_l,source_system_r,source_key_r,decision\n"
        #expect(try Self.failure("")?.code == .emptyFile)
        #expect(try Self.failure("source_system,source_key\nA,1\n").map { ($0.line, $0.code) } ?? (0, .emptyFile)
                == (1, .unrecognisedHeader(["source_system", "source_key"])))
        #expect(try Self.failure("source_system,source_key,entity,extra\n")?.code == .unrecognisedHeader(["source_system", "source_key", "entity", "extra"]))
        #expect(try Self.failure("source_system,source_key,entity\nA,1,e\nA,2\n").map { ($0.line, $0.code) } ?? (0, .emptyFile)
                == (3, .fieldCount(found: 2, expected: 3)))
        #expect(try Self.failure("source_system,source_key,entity\nA,,e\n")?.code == .missingValue(column: "source_key"))
        #expect(try Self.failure("source_system,source_key,entity\nA,1,e\nB,1,e\nA,1,f\n").map { ($0.line, $0.code) } ?? (0, .emptyFile)
                == (4, .repeatedRecord(firstLine: 2)))
        #expect(try Self.failure(decisions + "A,1,B,1,yes\n").map { ($0.line, $0.code) } ?? (0, .emptyFile) == (2, .unknownDecision("yes")))
        #expect(try Self.failure(decisions + "A,1,A,1,match\n")?.code == .pairOfOneRecord)
        #expect(try Self.failure(decisions + "A,1,B,1,match\nB,1,A,1,non_match\n").map { ($0.line, $0.code) } ?? (0, .emptyFile)
                == (3, .repeatedPair(firstLine: 2)))
        #expect(try Self.failure("source_system,source_key,entity\nA,\"1,e\n")?.code == .unreadableCSV(.unclosedQuote))
    }
}
