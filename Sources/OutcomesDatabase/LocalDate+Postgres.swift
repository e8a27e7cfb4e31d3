import OutcomesDomain
import PostgresClient

/// Calendar dates travel as ISO 8601 `date` text both ways.
extension LocalDate: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { description }
    public static var postgresType: PostgresDataType { .date }

    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingError) {
        guard type == .date || type == .text, let date = LocalDate(iso: text) else {
            throw PostgresDecodingError(reason: "cannot read '\(text.prefix(40))' (\(type)) as a date")
        }
        self = date
    }
}
