import PostgresClient

extension SQLIdentifier {
    /// A name the program made from its own vocabulary (`m0_start`, `ids.events`, a layout's column);
    /// invalid only by a programming error.
    static func generated(_ name: String) -> SQLIdentifier {
        guard let identifier = SQLIdentifier(validating: name) else { preconditionFailure("invalid generated name \(name)") }
        return identifier
    }

    /// `a, b, c` for a list of the program's own names (columns, or schema-qualified tables).
    static func list(_ names: [String]) -> PostgresQuery {
        names.map { "\(identifier: .generated($0))" as PostgresQuery }.joined(separator: ", ")
    }
}
