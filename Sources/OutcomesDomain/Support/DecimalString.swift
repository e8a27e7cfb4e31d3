import Foundation

/// A decimal stored in JSON as its exact text (`"12.5"`), so that no reader's binary float rounds
/// it; read back as the same `Decimal`.
public struct DecimalString: Codable, Sendable, Hashable {
    public var value: Decimal

    public init(_ value: Decimal) { self.value = value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Decimal(string: text, locale: nil) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(text) is not a decimal")
        }
        self.value = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode("\(value)")
    }
}
