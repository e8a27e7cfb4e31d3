import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// The compiled string levels against a naive optimal-string-alignment distance written here, on
/// random strings over small alphabets (so that repeated characters, equal lengths and near misses
/// are common) and on dates and SSNs as the extracts hold them.
@Suite struct ComparisonLevelTests {
    /// Optimal string alignment distance, the textbook dynamic programme.
    static func osa(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }

    /// Random pairs: the second string is the first with up to three random edits (substitutions,
    /// insertions, deletions, adjacent swaps), so every distance from 0 to about 4 occurs.
    static func pairs(count: Int, alphabet: [Character], lengths: ClosedRange<Int>, seed: UInt64) -> [(String, String)] {
        var random = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let a = (0..<Int.random(in: lengths, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
            var b = a
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                let position = b.isEmpty ? 0 : Int.random(in: 0..<b.count, using: &random)
                switch Int.random(in: 0...3, using: &random) {
                case 0 where !b.isEmpty: b[position] = alphabet.randomElement(using: &random)!
                case 1: b.insert(alphabet.randomElement(using: &random)!, at: position)
                case 2 where !b.isEmpty: b.remove(at: position)
                case 3 where b.count > 1 && position + 1 < b.count: b.swapAt(position, position + 1)
                default: break
                }
            }
            return (String(a), String(b))
        }
    }

    /// Evaluates a level's condition for each pair, with the pair's values as the `field` of l and r.
    static func holds(_ level: LinkageSpec.Level, field: String, pairs: [(String, String)], on db: PostgresConnection) throws -> [Bool] {
        let condition = LinkageCompiler.condition(level, field: IdentifierField(rawValue: field)!)
        return try db.transaction { db in
            try LinkageFunctions.setSearchPath(on: db)  // for this transaction
            return try db.execute("""
            SELECT \(condition) FROM unnest(\(pairs.map(\.0))::text[], \(pairs.map(\.1))::text[]) WITH ORDINALITY AS p(a, b, n)
            CROSS JOIN LATERAL (SELECT p.a AS \(identifier: .generated(field))) l
            CROSS JOIN LATERAL (SELECT p.b AS \(identifier: .generated(field))) r
            ORDER BY p.n
            """).map { try $0.decode(Bool.self, at: 0) }
        }
    }

    @Test func damerauLevenshteinAtMostOneIsTheAlignmentDistance() throws {
        let (db, _) = try TestDatabase.fresh()
        try LinkageFunctions.ensure(on: db)
        let pairs = Self.pairs(count: 4000, alphabet: Array("aab"), lengths: 0...7, seed: 3)
            + Self.pairs(count: 4000, alphabet: Array("ABCDE"), lengths: 1...12, seed: 4)
        let sql = try Self.holds(.damerauLevenshtein(atMost: 1), field: "first_name", pairs: pairs, on: db)
        let expected = pairs.map { Self.osa(Array($0.0), Array($0.1)) <= 1 }
        #expect(expected.filter { $0 }.count > 1000, "the sample should hold many pairs within one edit")
        let wrong = zip(pairs, zip(sql, expected)).filter { $1.0 != $1.1 }.map(\.0)
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
        // k = 2 takes the general path (the plpgsql distance): the same oracle.
        let two = try Self.holds(.damerauLevenshtein(atMost: 2), field: "first_name", pairs: pairs, on: db)
        let wrongTwo = zip(pairs, two).filter { (Self.osa(Array($0.0.0), Array($0.0.1)) <= 2) != $0.1 }.map(\.0)
        #expect(wrongTwo.isEmpty, "\(wrongTwo.prefix(5))")
    }

    @Test func datesAndSSNsOneTranspositionApart() throws {
        let (db, _) = try TestDatabase.fresh()
        try LinkageFunctions.ensure(on: db)
        let digits = Array("0123456789")
        let ssns = Self.pairs(count: 3000, alphabet: Array("1123"), lengths: 9...9, seed: 5).filter { $0.1.count == 9 }
            + Self.pairs(count: 3000, alphabet: digits, lengths: 9...9, seed: 6).filter { $0.1.count == 9 }
        let transposed = try Self.holds(.ssnTransposition, field: "ssn", pairs: ssns, on: db)
        // One adjacent transposition: the alignment distance is one and Levenshtein's is two.
        let expected = ssns.map { Self.osa(Array($0.0), Array($0.1)) == 1 && $0.0.count == $0.1.count && zip($0.0, $0.1).filter { $0 != $1 }.count == 2 }
        #expect(expected.filter { $0 }.count > 100)
        let wrong = zip(ssns, zip(transposed, expected)).filter { $1.0 != $1.1 }.map(\.0)
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")

        let dates = [("1990-03-14", "1990-03-41"), ("1990-03-14", "1909-03-14"), ("1990-03-14", "1990-30-14"),
                     ("1990-03-14", "1990-03-15"), ("1990-03-14", "1990-04-13"), ("1988-01-18", "1988-10-18"),
                     ("1990-11-09", "1990-09-11"), ("2001-12-21", "2001-21-12")]
        let level = try Self.holds(.damerauLevenshtein(atMost: 1), field: "first_name", pairs: dates, on: db)
        #expect(level == dates.map { Self.osa(Array($0.0), Array($0.1)) <= 1 })
        #expect(level == [true, true, true, true, false, true, false, false])
    }
}
