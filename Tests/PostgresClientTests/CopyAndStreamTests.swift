import Foundation
import OutcomesTestSupport
import Testing
@testable import PostgresClient

@Suite struct CopyTests {
    /// Row i as COPY text, with the characters COPY must escape and NULLs.
    static func row(_ i: Int) -> String {
        let label = i % 7 == 0 ? "\\N" : "name \(i) tab\\there back\\\\slash"
        return "\(i)\t\(label)\t\(Decimal(i) / 100)\t2024-01-\(String(format: "%02d", i % 28 + 1))\n"
    }

    @Test func copyRoundTripOf100kRows() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        try db.execute("CREATE TABLE items (id int PRIMARY KEY, label text, amount numeric(12,2), day date)")
        let count = 100_000
        var sent = Data()
        let loaded = try db.copyIn("COPY items FROM STDIN") { writer in
            for i in 1...count {
                let line = CopyTests.row(i)
                sent.append(contentsOf: line.utf8)
                try writer.write(line)
            }
        }
        #expect(loaded == count)
        // Independent checks in SQL: counts, NULLs, sums and escaping arrived as sent.
        let row = try db.execute("""
            SELECT count(*), count(*) FILTER (WHERE label IS NULL), sum(amount),
                   count(*) FILTER (WHERE strpos(label, chr(9)) > 0 AND strpos(label, chr(92)) > 0)
            FROM items
            """)[0]
        #expect(try row.decode(Int.self, at: 0) == count)
        #expect(try row.decode(Int.self, at: 1) == count / 7)
        #expect(try row.decode(Decimal.self, at: 2) == Decimal(count * (count + 1) / 2) / 100)
        #expect(try row.decode(Int.self, at: 3) == count - count / 7)
        // And back out: the same bytes, row for row.
        var received = Data()
        try db.copyOut("COPY (SELECT id, label, amount::numeric(12,2), day FROM items ORDER BY id) TO STDOUT") {
            received.append(contentsOf: $0)
        }
        let expected = (1...count).map { i -> String in
            let amount = String(format: "%d.%02d", i / 100, i % 100)
            let label = i % 7 == 0 ? "\\N" : "name \(i) tab\\there back\\\\slash"
            return "\(i)\t\(label)\t\(amount)\t2024-01-\(String(format: "%02d", i % 28 + 1))\n"
        }.joined()
        #expect(received == Data(expected.utf8))
    }

    @Test func aFailingCopyKeepsNothingAndLeavesTheConnectionUsable() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        try db.execute("CREATE TABLE items (id int PRIMARY KEY)")
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try db.copyIn("COPY items FROM STDIN") { writer in
                try writer.write("1\n2\n")
                try writer.flush()
                throw Stop()
            }
        }
        #expect(try db.execute("SELECT count(*) FROM items").scalar(Int.self) == 0)
        // A bad row is the server's error, with its SQLSTATE.
        #expect {
            try db.copyIn("COPY items FROM STDIN") { try $0.write("1\nnot-a-number\n") }
        } throws: { ($0 as? PostgresError)?.sqlState == .invalidTextRepresentation }
        #expect(try db.execute("SELECT count(*) FROM items").scalar(Int.self) == 0)
    }
}

@Suite struct StreamingTests {
    @Test func streamsRowsOneAtATime() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        var count = 0, sum = 0
        try db.stream("SELECT x, x * 2 FROM generate_series(1, \(200_000)) x") { row in
            count += 1
            sum += try row.decode(Int.self, at: 1)
        }
        #expect(count == 200_000)
        #expect(sum == 200_000 * 200_001)
    }

    @Test func everyStreamedRowKnowsItsColumnsByNameAndType() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        var rows: [(Int, String, Double?)] = []
        try db.stream("SELECT x AS n, 'row ' || x AS label, CASE WHEN x % 2 = 0 THEN x / 4.0 END AS quarter FROM generate_series(1, 5) x") { row in
            rows.append((try row.decode(named: "n"), try row.decode(named: "label"), try row.decode(named: "quarter")))
            // The last row's types still refuse a wrong decoding.
            #expect(throws: PostgresError.self) { _ = try row.decode(Bool.self, named: "n") }
        }
        #expect(rows.map(\.0) == [1, 2, 3, 4, 5])
        #expect(rows.map(\.1) == ["row 1", "row 2", "row 3", "row 4", "row 5"])
        #expect(rows.map(\.2) == [nil, 0.5, nil, 1.0, nil])
    }

    @Test func throwingFromTheBodyStopsTheStream() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        struct Enough: Error {}
        var seen = 0
        #expect(throws: Enough.self) {
            try db.stream("SELECT x FROM generate_series(1, 1000000) x") { _ in
                seen += 1
                if seen == 10 { throw Enough() }
            }
        }
        #expect(seen == 10)
        #expect(try db.execute("SELECT 2").scalar(Int.self) == 2)
    }

    @Test func aCopyOutIsRefusedByAStreamNotWaitedOnForever() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        #expect { try db.stream("COPY (SELECT 1) TO STDOUT") { _ in } } throws: { ($0 as? PostgresError)?.kind == .copy }
        #expect(try db.execute("SELECT 2").scalar(Int.self) == 2)
        try db.execute("CREATE TABLE items (n int)")
        #expect { try db.stream("COPY items FROM STDIN") { _ in } } throws: { ($0 as? PostgresError)?.kind == .copy }
        #expect(try db.execute("SELECT count(*) FROM items").scalar(Int.self) == 0)
    }

    @Test func serverErrorsMidStreamAreThrown() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        #expect {
            try db.stream("SELECT 10 / (5 - x) FROM generate_series(1, 10) x") { _ in }
        } throws: { ($0 as? PostgresError)?.sqlState == .divisionByZero }
    }
}
