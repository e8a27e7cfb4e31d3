import OutcomesDomain
import PostgresClient

/// The payment tables' code columns (`kind`, `mechanism`, `finding`) read back as the domain's
/// values: a code this version does not know is a decoding error, never text passed on.
extension PaymentRunKind: PostgresDecodable {
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingError) { self = try storedCode(text) }
}

extension Determination.Mechanism: PostgresDecodable {
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingError) { self = try storedCode(text) }
}

extension Determination.Finding: PostgresDecodable {
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingError) { self = try storedCode(text) }
}

private func storedCode<Code: RawRepresentable<String>>(_ text: String) throws(PostgresDecodingError) -> Code {
    guard let code = Code(rawValue: text) else { throw PostgresDecodingError(reason: "'\(text.prefix(40))' is not a known \(Code.self)") }
    return code
}
