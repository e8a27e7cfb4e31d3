import Foundation

/// A `Codable` value stored as `jsonb`: bound as its JSON text, read back by decoding it.
///
/// ```swift
/// try connection.execute("INSERT INTO runs (reason) VALUES (\(try PostgresJSON(reason)))")
/// let reason = try row.decode(PostgresJSON<Reason>.self, at: 0).value
/// ```
/// Keys are written sorted, so equal values bind equal text (digests over them are stable).
public struct PostgresJSON<Value> {
    public let value: Value
    /// The JSON text that is bound.
    public let text: String

    public init(_ value: Value) throws(PostgresJSONError) where Value: Encodable {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            text = String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw PostgresJSONError(reason: "cannot encode \(Value.self) as JSON (\(error))")
        }
        self.value = value
    }
}

extension PostgresJSON: Sendable where Value: Sendable {}

extension PostgresJSON: PostgresEncodable {
    public var postgresText: String? { text }
    public static var postgresType: PostgresDataType { .jsonb }
}

extension PostgresJSON: PostgresDecodable where Value: Decodable {
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingError) {
        guard type == .jsonb || type == .json || type == .text else { throw .mismatch(Self.self, type) }
        do {
            value = try JSONDecoder().decode(Value.self, from: Data(text.utf8))
        } catch {
            throw PostgresDecodingError(reason: "cannot read the stored JSON as \(Value.self) (\(error))")
        }
        self.text = text
    }
}

/// Why a value could not be written as JSON (a non-finite number, an encoder that throws).
public struct PostgresJSONError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
