import Foundation

/// JSON text of an `Encodable` value as Foundation's untyped JSON writer writes a dictionary with
/// `.sortedKeys` (and `.prettyPrinted`): keys in Foundation's numeric, case-insensitive order
/// ("p5" < "p50", "L2" < "L10", "a_b" < "a1"), `/` escaped as `\/`.
///
/// `JSONEncoder` on Linux sorts keys by their UTF-8 bytes instead. Texts the program wrote from
/// dictionaries before its stored and printed JSON became `Codable` types are written by this,
/// byte for byte as they were: a scenario run's `results_sha256` hashes its text, and
/// `--format json` prints the same bytes. Strings and numbers are written by `JSONEncoder`, whose
/// text for them is the untyped writer's (`SortedJSONTests` holds the two together).
public enum SortedJSON {
    public static func text<Value: Encodable>(_ value: Value, prettyPrinted: Bool = false) throws(SortedJSONError) -> String {
        let root = Node(), leaves = Leaves()
        do {
            try root.set(value, leaves, codingPath: [])
            var out = ""
            try root.write(into: &out, leaves, prettyPrinted: prettyPrinted, depth: 0)
            return out
        } catch {
            throw SortedJSONError(reason: "cannot write \(Value.self) as JSON (\(error))")
        }
    }

    /// Foundation's `.sortedKeys` order (as swift-corelibs-foundation sorts a dictionary's keys).
    public static func precedes(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.numeric, .caseInsensitive, .forcedOrdering], range: a.startIndex..<a.endIndex,
                  locale: NSLocale.system) == .orderedAscending
    }
}

/// Why a value could not be written as JSON (a number that is not finite, an encoder that throws).
public struct SortedJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// Strings and numbers as JSON text, by `JSONEncoder` (which escapes `/` unless told not to).
private struct Leaves {
    let encoder = JSONEncoder()
    func text<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
}

/// A value being written: a leaf's text, an array's items or an object's members.
private final class Node {
    var leaf: String?
    var items: [Node]?
    var members: [String: Node]?

    func set<T: Encodable>(_ value: T, _ leaves: Leaves, codingPath: [any CodingKey]) throws {
        switch value {
        case let string as String: leaf = try leaves.text(string)
        case let flag as Bool: leaf = flag ? "true" : "false"
        case let integer as any BinaryInteger: leaf = "\(integer)"
        case let number as Double: leaf = try leaves.text(number)
        case let number as Float: leaf = try leaves.text(number)
        // Decimal's own `encode(to:)` writes its fields; as JSON it is a number.
        case let number as Decimal: leaf = try leaves.text(number)
        default: try value.encode(to: TreeEncoder(node: self, leaves: leaves, codingPath: codingPath))
        }
    }

    func write(into out: inout String, _ leaves: Leaves, prettyPrinted pretty: Bool, depth: Int) throws {
        if let leaf { return out += leaf }
        func indent(_ level: Int) { out += String(repeating: " ", count: 2 * level) }
        // Foundation's layout, empty containers included ("[\n\n]" when pretty).
        func open(_ bracket: String) {
            out += bracket
            if pretty { out += "\n" }
        }
        func separate(_ first: Bool) {
            if !first { out += pretty ? ",\n" : "," }
            if pretty { indent(depth + 1) }
        }
        func close(_ bracket: String) {
            if pretty { out += "\n"; indent(depth) }
            out += bracket
        }
        if let items {
            open("[")
            for (index, item) in items.enumerated() {
                separate(index == 0)
                try item.write(into: &out, leaves, prettyPrinted: pretty, depth: depth + 1)
            }
            return close("]")
        }
        open("{")
        let sorted = (members ?? [:]).sorted { SortedJSON.precedes($0.key, $1.key) }
        for (index, (key, member)) in sorted.enumerated() {
            separate(index == 0)
            out += try leaves.text(key)
            out += pretty ? " : " : ":"
            try member.write(into: &out, leaves, prettyPrinted: pretty, depth: depth + 1)
        }
        close("}")
    }
}

private struct TreeEncoder: Encoder {
    let node: Node
    let leaves: Leaves
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        // Asked again, the same object: its members so far stay.
        if node.members == nil { node.members = [:] }
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, leaves: leaves, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if node.items == nil { node.items = [] }
        return UnkeyedContainer(node: node, leaves: leaves, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(node: node, leaves: leaves, codingPath: codingPath)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let leaves: Leaves
    var codingPath: [any CodingKey]

    private func child(_ key: String) -> Node {
        let child = Node()
        node.members![key] = child
        return child
    }

    private func put<T: Encodable>(_ value: T, _ key: Key) throws {
        try child(key.stringValue).set(value, leaves, codingPath: codingPath + [key])
    }

    mutating func encodeNil(forKey key: Key) throws { child(key.stringValue).leaf = "null" }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: String, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try put(value, key) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(node: child(key.stringValue), leaves: leaves, codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        TreeEncoder(node: child(key.stringValue), leaves: leaves, codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { TreeEncoder(node: child("super"), leaves: leaves, codingPath: codingPath) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        TreeEncoder(node: child(key.stringValue), leaves: leaves, codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: Node
    let leaves: Leaves
    var codingPath: [any CodingKey]
    var count: Int { node.items!.count }

    private func child() -> Node {
        let child = Node()
        node.items!.append(child)
        return child
    }

    mutating func encodeNil() throws { child().leaf = "null" }
    mutating func encode<T: Encodable>(_ value: T) throws { try child().set(value, leaves, codingPath: codingPath) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(node: child(), leaves: leaves, codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        TreeEncoder(node: child(), leaves: leaves, codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { TreeEncoder(node: child(), leaves: leaves, codingPath: codingPath) }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let node: Node
    let leaves: Leaves
    var codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.leaf = "null" }
    mutating func encode<T: Encodable>(_ value: T) throws { try node.set(value, leaves, codingPath: codingPath) }
    mutating func encode(_ value: Bool) throws { try node.set(value, leaves, codingPath: codingPath) }
    mutating func encode(_ value: String) throws { try node.set(value, leaves, codingPath: codingPath) }
    mutating func encode(_ value: Double) throws { try node.set(value, leaves, codingPath: codingPath) }
    mutating func encode(_ value: Float) throws { try node.set(value, leaves, codingPath: codingPath) }
    mutating func encode(_ value: Int) throws { try node.set(value, leaves, codingPath: codingPath) }
    mutating func encode(_ value: Int8) throws { try node.set(value, leaves, codingPath: codingPath) }
    mutating func encode(_ value: Int16) throws { try node.set(value, leaves, codingPath: codingPath) }
    mutating func encode(_ value: Int32) throws { try node.set(value, leaves, codingPath: codingPath) }
    mutating func encode(_ value: Int64) throws { try node.set(value, leaves, codingPath: codingPath) }
    mutating func encode(_ value: UInt) throws { try node.set(value, leaves, codingPath: codingPath) }
    mutating func encode(_ value: UInt8) throws { try node.set(value, leaves, codingPath: codingPath) }
    mutating func encode(_ value: UInt16) throws { try node.set(value, leaves, codingPath: codingPath) }
    mutating func encode(_ value: UInt32) throws { try node.set(value, leaves, codingPath: codingPath) }
    mutating func encode(_ value: UInt64) throws { try node.set(value, leaves, codingPath: codingPath) }
}
