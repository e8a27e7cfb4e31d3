import Foundation
import OutcomesDomain
import Testing

/// `SortedJSON` writes what Foundation's `JSONSerialization` wrote with `.sortedKeys` (and
/// `.prettyPrinted`), byte for byte: the texts hashed and printed before the program's JSON became
/// `Codable` types stay what they were.
@Suite struct SortedJSONTests {
    /// A JSON value both ways: `Encodable`, and the untyped object `JSONSerialization` takes.
    indirect enum Value: Encodable {
        case object([String: Value])
        case array([Value])
        case string(String)
        case int(Int)
        case double(Double)
        case decimal(Decimal)
        case bool(Bool)
        case null

        var untyped: Any {
            switch self {
            case .object(let members): members.mapValues(\.untyped)
            case .array(let items): items.map(\.untyped)
            case .string(let text): text
            case .int(let value): value
            case .double(let value): value
            case .decimal(let value): NSDecimalNumber(decimal: value)
            case .bool(let value): value
            case .null: NSNull()
            }
        }

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .object(let members): try members.encode(to: encoder)
            case .array(let items): try items.encode(to: encoder)
            case .string(let text): try text.encode(to: encoder)
            case .int(let value): try value.encode(to: encoder)
            case .double(let value): try value.encode(to: encoder)
            case .decimal(let value):
                var container = encoder.singleValueContainer()
                try container.encode(value)
            case .bool(let value): try value.encode(to: encoder)
            case .null:
                var container = encoder.singleValueContainer()
                try container.encodeNil()
            }
        }
    }

    func foundation(_ value: Value, pretty: Bool) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: value.untyped, options: pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Keys whose order differs between Foundation's collation and their bytes: digits compared
    /// as numbers, case ignored (then broken), punctuation before digits before letters, accents.
    static let keys = ["p5", "p50", "p95", "p_value", "mean", "a_b", "ab", "aB", "Ab", "B", "a", "_a", "a1", "a10", "a2", "a 1", "a-b", "a/b",
                       "cap of line L10", "cap of line L2", "cap of line l3", "benefit_cost_ratio", "benefits_minus_costs", "Zed", "zed",
                       "ä", "ü", "z", "é", "e", "E", "10", "9", "", "\u{1}", "\"quoted\"", "😀", "ß", "ss", "ma\u{0301}tch", "mátch"]

    static let numbers: [Double] = [0, -0.0, 0.1, 1, -3.14, 1e-5, 1e-7, 1e15, 1e16, 1e20, 1e21, 5e-324, 1.7976931348623157e308,
                                    0.30000000000000004, 123456789.123, 2.5e-10, 0.0001, 0.05, 12345678901234567890, 1.0 / 3]

    static let decimals: [Decimal] = ["1.50", "0.1", "-12.345", "100", "0.0000000001", "123456789012345678901234567890", "0.000001", "-0.5",
                                      "33.3333333333"].map { Decimal(string: $0)! }

    static let strings = ["a/b", "é", "\u{1}\u{1f}", "\t\n\r\u{8}\u{c}", "\"\\", "€ 1,000", "\u{7f}", "\u{2028}\u{2029}", "😀", "<>&'", "", " ",
                          "treated 40/120 = ≈0.3333 ≥ threshold 10"]

    static var document: Value {
        var members: [String: Value] = [:]
        for (index, key) in keys.enumerated() { members[key] = .int(index) }
        members["numbers"] = .array(numbers.map(Value.double))
        members["decimals"] = .array(decimals.map(Value.decimal))
        members["strings"] = .array(strings.map(Value.string))
        members["nested"] = .object(["empty_object": .object([:]), "empty_array": .array([]), "null": .null, "yes": .bool(true),
                                     "no": .bool(false), "extremes": .array([.int(.max), .int(.min)]),
                                     "deeper": .array([.object(["L10": .null, "L2": .array([.array([])])])])])
        return .object(members)
    }

    @Test(arguments: [false, true])
    func keysNumbersStringsAndLayoutAreFoundations(pretty: Bool) throws {
        #expect(try SortedJSON.text(Self.document, prettyPrinted: pretty) == foundation(Self.document, pretty: pretty))
        let empty = Value.object([:]), emptyArray = Value.array([])
        #expect(try SortedJSON.text(empty, prettyPrinted: pretty) == foundation(empty, pretty: pretty))
        #expect(try SortedJSON.text(emptyArray, prettyPrinted: pretty) == foundation(emptyArray, pretty: pretty))
    }

    /// Random documents over keys made of the characters whose order differs.
    @Test func randomDocumentsAreWrittenAlike() throws {
        var random = SeededGenerator(seed: 22)
        let alphabet = Array("aAbB_-. /09123éZz")
        func key() -> String { String((0..<Int.random(in: 0...4, using: &random)).map { _ in alphabet.randomElement(using: &random)! }) }
        func value(_ depth: Int) -> Value {
            switch Int.random(in: 0..<(depth > 2 ? 5 : 7), using: &random) {
            case 0: .int(Int.random(in: -1000...1000, using: &random))
            case 1: .double(Double.random(in: -1e6...1e6, using: &random) / pow(10, Double(Int.random(in: 0...12, using: &random))))
            case 2: .string(key())
            case 3: .bool(Bool.random(using: &random))
            case 4: .null
            case 5: .array((0..<Int.random(in: 0...3, using: &random)).map { _ in value(depth + 1) })
            default: .object(Dictionary((0..<Int.random(in: 0...6, using: &random)).map { _ in (key(), value(depth + 1)) }, uniquingKeysWith: { a, _ in a }))
            }
        }
        for _ in 0..<300 {
            let document = Value.object(Dictionary((0..<8).map { _ in (key(), value(0)) }, uniquingKeysWith: { a, _ in a }))
            let pretty = Bool.random(using: &random)
            #expect(try SortedJSON.text(document, prettyPrinted: pretty) == foundation(document, pretty: pretty))
        }
    }

    /// Synthesized `Codable` structs: optionals left out when nil, as `JSONEncoder` leaves them.
    @Test func aStructIsWrittenAsItsKeysInFoundationsOrder() throws {
        struct Row: Encodable { let p50 = 2, p5 = 1, p_value: Double? = nil, name = "x/y", when: Decimal = 12.5, nested = ["L10": 1, "L2": 2] }
        #expect(try SortedJSON.text(Row()) == #"{"name":"x\/y","nested":{"L2":2,"L10":1},"p5":1,"p50":2,"when":12.5}"#)
    }

    @Test func aNumberThatIsNotFiniteIsATypedError() {
        #expect(throws: SortedJSONError.self) { try SortedJSON.text([Double.nan]) }
        #expect(throws: SortedJSONError.self) { try SortedJSON.text(["x": Double.infinity]) }
    }
}
