/// A loaded contract as the CLI names it: `ID` (its latest version) or `ID@VERSION`.
public struct ContractReference: Sendable, Equatable {
    public let id: String
    public let version: Int?

    public init(parsing text: String) throws {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, !first.isEmpty, first.range(of: "^[a-z0-9][a-z0-9_-]*$", options: .regularExpression) != nil
        else { throw ContractReferenceError(text: text) }
        id = String(first)
        guard parts.count == 2 else {
            version = nil
            return
        }
        guard let number = try? NumberLiteral.integer(String(parts[1])), number > 0 else { throw ContractReferenceError(text: text) }
        version = number
    }
}

public struct ContractReferenceError: UserFacingError, Equatable {
    public let text: String
    public var message: String {
        "'\(text)' is not a contract reference: write the contract id (a-z, 0-9, '-', '_'), or the id and a version such as "
            + "reentry-2021@2 (--contract)."
    }
    public var exitStatus: ExitStatus { .usage }
}
