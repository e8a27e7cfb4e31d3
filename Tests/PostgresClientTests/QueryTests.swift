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

    @Test func composedFragmentsNumberTheirParametersWhenRendered() {
        let inner: PostgresQuery = "SELECT $$ $ a $$, \(2) + \(3), \(4) FROM v WHERE c = \(Optional<String>.none)"
        var query: PostgresQuery = "INSERT INTO t SELECT * FROM u WHERE a = \(1) AND b = \("x")"
        query.append(" UNION ALL ")
        query.append(inner)
        #expect(query.sql == "INSERT INTO t SELECT * FROM u WHERE a = $1 AND b = $2 UNION ALL SELECT $$ $ a $$, $3 + $4, $5 FROM v WHERE c = $6")
        #expect(query.binds.map(\.text) == ["1", "x", "2", "3", "4", nil])
        let nested: PostgresQuery = "WITH w AS (\(inner)) SELECT \(9), * FROM w WHERE \(inner) IS NOT NULL"
        #expect(nested.sql == "WITH w AS (SELECT $$ $ a $$, $1 + $2, $3 FROM v WHERE c = $4) SELECT $5, * FROM w WHERE SELECT $$ $ a $$, $6 + $7, $8 FROM v WHERE c = $9 IS NOT NULL")
        #expect(nested.binds.map(\.text) == ["2", "3", "4", nil, "9", "2", "3", "4", nil])
        let conditions: [PostgresQuery] = ["a = \(1)", "b = \(2)", "c"]
        #expect(conditions.joined(separator: " AND ").sql == "a = $1 AND b = $2 AND c")
        #expect(([] as [PostgresQuery]).joined(separator: " AND ").isEmpty)
    }

    /// The description's text is the subject: what it keeps and what it drops.
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
    /// Values that look like SQL travel as values however deeply the fragments that carry them nest.
    @Test func placeholdersQuotesAndPercentSignsInValuesSurviveComposition() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        let tricky = ["$1", "it's", "100%", "%s %I %L", "$$", "\\", "\"", "$2 $1"]
        let fragments: [PostgresQuery] = tricky.map { value in "SELECT \(value)::text AS v, \("%" + value)::text AS w" }
        let union: PostgresQuery = "SELECT * FROM (\(fragments.joined(separator: " UNION ALL "))) AS t WHERE v <> \("$1$1")"
        let rows = try db.execute("SELECT v || '|' || w FROM (\(union)) AS u ORDER BY v COLLATE \"C\"")
        let expected = tricky.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { "\($0)|%\($0)" }
        #expect(try rows.map { try $0.decode(String.self, at: 0) } == expected)
    }

    @Test func namesAndLiteralsFromDataAreEscapedByLibpq() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        let name = "Odd \"name\"; DROP", literal = "it's \\ 100%"
        try db.execute("CREATE TEMP TABLE \(escapedIdentifier: name) (v text DEFAULT \(escapedLiteral: literal))")
        try db.execute("INSERT INTO \(escapedIdentifier: name) DEFAULT VALUES")
        #expect(try db.execute("SELECT v FROM \(escapedIdentifier: name)").scalar(String.self) == literal)
        let shown: PostgresQuery = "SET application_name = \(escapedLiteral: literal)"
        #expect(shown.sql == "SET application_name = 'it''s \\ 100%'")
    }

    @Test func codableValuesTravelAsJSONB() throws {
        struct Reason: Codable, Equatable { var code: String; var amounts: [Decimal]; var note: String? }
        let (db, _) = try TestDatabase.fresh(migrated: false)
        let reason = Reason(code: "cap_bound", amounts: [Decimal(string: "1234.56")!, 0], note: "quote ' and \"")
        let row = try db.execute("SELECT \(try PostgresJSON(reason)), \(try PostgresJSON(reason)) ->> 'code'")[0]
        #expect(try row.decode(PostgresJSON<Reason>.self, at: 0).value == reason)
        #expect(try row.decode(String.self, at: 1) == "cap_bound")
        #expect(throws: PostgresJSONError.self) { try PostgresJSON(Double.nan) }
    }

    @Test func arraysOfEveryElementTypeBind() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        let row = try db.execute("""
            SELECT array_to_string(\(["a,b", "c\"d", "{e}"]), '|'), cardinality(\([1, 2, 3] as [Int])),
                   \([1.5, -0.25] as [Double])::text, \([Decimal(string: "0.1")!])::text, \([true, false])::text,
                   \([Optional("x"), nil])::text
            """)[0]
        #expect(try row.decode(String.self, at: 0) == "a,b|c\"d|{e}")
        #expect(try row.decode(Int.self, at: 1) == 3)
        #expect(try row.decode(String.self, at: 2) == "{1.5,-0.25}")
        #expect(try row.decode(String.self, at: 3) == "{0.1}")
        #expect(try row.decode(String.self, at: 4) == "{t,f}")
        #expect(try row.decode(String.self, at: 5) == "{x,NULL}")
    }

    @Test func arrayLiteralsQuoteEveryElementAndEscapeQuotesAndBackslashes() throws {
        #expect(["a", "b\"c", "d\\e", "", "né,{}"].postgresText == #"{"a","b\"c","d\\e","","né,{}"}"#)
        #expect([Optional("x"), nil].postgresText == #"{"x",NULL}"#)
        #expect(([] as [Int]).postgresText == "{}")
        #expect([1.5, .nan, -.infinity].postgresText == #"{"1.5","NaN","-Infinity"}"#)
        // What the server reads back is what was sent, element for element.
        let (db, _) = try TestDatabase.fresh(migrated: false)
        // A backslash or quote followed by a combining mark is escaped too (byte by byte, not by character).
        let texts = ["back\\slash", "quote\"d", "\\\"", "ünï ☃", "NULL", " ", "\\\u{301}", "\"\u{301}"]
        let row = try db.execute("""
            SELECT \(texts)::text[] = ARRAY['back\\slash', 'quote"d', '\\"', 'ünï ☃', 'NULL', ' ', \("\\\u{301}"), \("\"\u{301}")],
                   (\(texts)::text[])[5] IS NULL
            """)[0]
        #expect(try row.decode(Bool.self, at: 0))
        #expect(try !row.decode(Bool.self, at: 1))
    }

    @Test func aValueHoldingANulIsRefusedNotCutShort() throws {
        // PostgreSQL text cannot hold U+0000, and a C string ends there: sent as it was, "a\0b"
        // would have been stored as "a", unseen. It is the server's own error for such text instead.
        let (db, _) = try TestDatabase.fresh(migrated: false)
        try db.execute("CREATE TABLE notes (body text)")
        for query: PostgresQuery in ["INSERT INTO notes VALUES (\("a\u{0}b"))", "INSERT INTO notes SELECT unnest(\(["ok", "x\u{0}"])::text[])"] {
            #expect { try db.execute(query) } throws: { ($0 as? PostgresError)?.sqlState == .characterNotInRepertoire }
            #expect { try db.stream(query) { _ in } } throws: { ($0 as? PostgresError)?.sqlState == .characterNotInRepertoire }
        }
        #expect(try db.execute("SELECT count(*) FROM notes").scalar(Int.self) == 0)
        #expect(try db.execute("SELECT \("a\u{1}b") = 'a' || chr(1) || 'b'").scalar(Bool.self))
    }

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
