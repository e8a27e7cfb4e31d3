import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Why identifier text stops at 255 code points (hostile review #8): names that long are compared
/// by every level (Jaro–Winkler, Damerau–Levenshtein); one character more stops the run.
@Suite(.serialized) struct IdentifierLimitsLinkTests {
    static func spec() -> LinkageSpec {
        var spec = LinkRunnerTests.spec()
        let levels: [LinkageSpec.Level] = [.exact(termFrequency: false), .jaroWinkler(atLeast: 0.9), .damerauLevenshtein(atMost: 2)]
        spec.comparisons[0] = .init(name: "first_name", field: .firstName, levels: levels)
        spec.comparisons[1] = .init(name: "last_name", field: .lastName, levels: levels)
        return spec
    }

    /// The training records and two records born the same year (so compared) whose names differ.
    static func run(nameLength: Int, letter: String) throws -> Result<LinkRunReport, Error> {
        let (db, _) = try TestDatabase.fresh()
        let training = (0..<20).flatMap { p in (1...3).map { LinkRunnerTests.record(person: p, source: $0) } }
        let long = String(repeating: letter, count: nameLength - 1)
        try LinkRunnerTests.load(training + [["S4", "L-1", long + "A", long + "B", "1999-01-01", nil],
                                             ["S5", "L-2", long + "C", long + "D", "1999-02-02", nil]], on: db)
        try LinkageFunctions.ensure(on: db)
        try db.execute("SET ROLE outcomes_linker")
        defer { _ = try? db.execute("RESET ROLE") }
        return Result { try LinkRunner(spec: spec(), specFile: "test.yaml").run(on: db) }
    }

    @Test(arguments: ["N", "Ж", "中"])
    func namesOfTheLongestLengthLink(letter: String) throws {
        let result = try Self.run(nameLength: IdentifierText.maximumLength, letter: letter)
        #expect(throws: Never.self) { try result.get() }
    }

    @Test func oneCharacterMoreStopsTheRun() throws {
        let result = try Self.run(nameLength: IdentifierText.maximumLength + 1, letter: "N")
        #expect(throws: (any Error).self) { try result.get() }
    }
}
