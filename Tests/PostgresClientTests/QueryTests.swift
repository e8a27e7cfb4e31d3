import Foundation
import OutcomesTestSupport
import Testing
@testable import PostgresClient

@Suite struct QueryBuildingTests {
    @Test func interpolationBindsValuesAsNumberedParameters() {
        let name = "O'Brien; DROP TABLE ids.persons; --"
        let query: PostgresQuery = "SELECT * FROM t WHERE a = \(42) AND b = \(name) AND c = \(Optional<Int>.none)"
        #expect(query.sql == "SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3")
        #expect(query.binds.map(\.text) == ["42", name, nil])
        #expect(query.binds.map(\.type) == [.int8, .unspecified, .int8])
        #expect(!query.description.contains("O'Brien"))
    }

    @Test func identifiersComeOnlyFromPlainNames() {
        #expect(SQLIdentifier(validating: "ids.events")?.quoted == "\"ids\".\"events\"")
        #expect(SQLIdentifier(validating: "events") != nil)
        #expect(SQLIdentifier(validating: "Events") == nil)
        #expect(SQLIdentifier(validating: "events; drop") == nil)
        #expect(SQLIdentifier(validating: "a.b.c") == nil)
        #expect(SQLIdentifier(validating: "\"x\"") == nil)
        #expect(SQLIdentifier(validating: "") == nil)
        let query: PostgresQuery = "SELECT count(*) FROM \(identifier: "ids.events") WHERE person_id = \(7)"
        #expect(query.sql == "SELECT count(*) FROM \"ids\".\"events\" WHERE person_id = $1")
    }

    @Test func appendedQueriesKeepTheirOwnParameters() {
        var query: PostgresQuery = "INSERT INTO t SELECT * FROM u WHERE a = \(1) AND b = \("x")"
        let inner: PostgresQuery = "SELECT $$ $ a $$, \(2) + \(3), \(4) FROM v WHERE c = \(Optional<String>.none)"
        query.append(sql: " UNION ALL ")
        query.append(inner)
        #expect(query.sql == "INSERT INTO t SELECT * FROM u WHERE a = $1 AND b = $2 UNION ALL SELECT $$ $ a $$, $3 + $4, $5 FROM v WHERE c = $6")
        #expect(query.binds.map(\.text) == ["1", "x", "2", "3", "4", nil])
        var empty = PostgresQuery(unsafeSQL: "CREATE TABLE t AS ")
        empty.append(inner)
        #expect(empty.sql == "CREATE TABLE t AS " + inner.sql)
        #expect(empty.binds == inner.binds)
    }

    @Test func safeDescriptionDropsThePassword() {
        let text = PostgresConnection.safeDescription(of: "postgresql://ana:s3cret@db.example:6543/ids?sslmode=require")
        #expect(text.contains("host=db.example"))
        #expect(text.contains("port=6543"))
        #expect(text.contains("dbname=ids"))
        #expect(text.contains("user=ana"))
        #expect(!text.contains("s3cret"))
    }
}

@Suite struct BindingAndDecodingTests {
    @Test func valuesRoundTripThroughParameters() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        let text = "tab\t quote' backslash\\ ünïcödé 🚀"
        let instant = Date(timeIntervalSince1970: 1_700_000_000.123456)
        let row = try db.execute("""
            SELECT \(42)::int4, \(Int64.max), \(text), \(true), \(2.5e-7), \(Decimal(string: "-12345678901234.56")!),
                   \(instant), \(Optional<String>.none)::text, \(Int16(-7))::int2
            """)[0]
        #expect(try row.decode(Int.self, at: 0) == 42)
        #expect(try row.decode(Int64.self, at: 1) == Int64.max)
        #expect(try row.decode(String.self, at: 2) == text)
        #expect(try row.decode(Bool.self, at: 3) == true)
        #expect(try row.decode(Double.self, at: 4) == 2.5e-7)
        #expect(try row.decode(Decimal.self, at: 5) == Decimal(string: "-12345678901234.56")!)
        #expect(abs(try row.decode(Date.self, at: 6).timeIntervalSince(instant)) < 0.000_001)
        #expect(try row.decode(String?.self, at: 7) == nil)
        #expect(row.isNull(at: 7))
        #expect(try row.decode(Int.self, at: 8) == -7)
    }

    @Test func nullsBindAndDecodeAsNil() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        try db.execute("CREATE TABLE n (a int, b text, c numeric, d date)")
        let none: Int? = nil
        try db.execute("INSERT INTO n VALUES (\(none), \(Optional<String>.none), \(Optional<Decimal>.none), NULL)")
        let row = try db.execute("SELECT a, b, c, d, a IS NULL AND b IS NULL AND c IS NULL FROM n")[0]
        #expect(try row.decode(Int?.self, at: 0) == nil)
        #expect(try row.decode(String?.self, at: 1) == nil)
        #expect(try row.decode(Decimal?.self, at: 2) == nil)
        #expect(try row.decode(Date?.self, at: 3) == nil)
        #expect(try row.decode(Bool.self, at: 4))
        // A non-optional type refuses NULL, naming the column.
        #expect {
            try row.decode(Int.self, at: 0)
        } throws: { error in
            (error as? PostgresError)?.message.contains("column \"a\"") == true
        }
    }

    @Test func numericIsDecodedExactly() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        try db.execute("CREATE TABLE money (a numeric, b numeric)")
        try db.execute("INSERT INTO money VALUES (\(Decimal(string: "0.1")!), \(Decimal(string: "0.2")!))")
        let sum = try db.execute("SELECT a + b FROM money").scalar(Decimal.self)
        #expect(sum == Decimal(string: "0.3")!)
        #expect(sum.description == "0.3")
        // In binary floating point the same sum is not 0.3.
        #expect(try db.execute("SELECT a::float8 + b::float8 FROM money").scalar(Double.self) != 0.3)
        let big = Decimal(string: "12345678901234567890123456789.0123456789")!
        #expect(try db.execute("SELECT \(big)::numeric").scalar(Decimal.self) == big)
        #expect(try db.execute("SELECT sum(x) FROM generate_series(1, 1000) x, (SELECT 0.01::numeric AS x0) c WHERE x > 0")
            .scalar(Decimal.self) == Decimal(500_500))
        #expect(try db.execute("SELECT sum(0.01::numeric) FROM generate_series(1, 1000)").scalar(Decimal.self) == Decimal(10))
    }

    @Test func datesAndTimestampsDecode() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        let row = try db.execute("SELECT date '2024-02-29', timestamptz '2024-03-01 12:30:45.25+02', timestamptz '1969-12-31 23:59:59Z'")[0]
        #expect(try row.decode(Date.self, at: 0) == Date(timeIntervalSince1970: 1_709_164_800))
        #expect(try row.decode(Date.self, at: 1) == Date(timeIntervalSince1970: 1_709_289_045.25))
        #expect(try row.decode(Date.self, at: 2) == Date(timeIntervalSince1970: -1))
    }

    @Test func decodingTheWrongTypeIsAnErrorNotAGuess() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        let row = try db.execute("SELECT 'abc'::text AS label, 1.5::numeric AS amount")[0]
        #expect(throws: PostgresError.self) { try row.decode(Int.self, at: 0) }
        #expect(throws: PostgresError.self) { try row.decode(Int.self, named: "amount") }
        #expect(throws: PostgresError.self) { try row.decode(Int.self, named: "missing") }
        #expect(try row.decode(Decimal.self, named: "amount") == Decimal(string: "1.5")!)
    }
}
