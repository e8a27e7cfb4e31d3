/// A loaded contract as the CLI names it: `ID` (its latest version) or `ID@VERSION`, the version a
/// whole number from 1 to 2147483647 — the versions a contract file may carry (`OutcomeContract.maximumVersion`).
public struct ContractReference: Sendable, Equatable {
    public let id: String
    public let version: Int?

    public init(parsing text: String) throws(ContractReferenceError) {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, !first.isEmpty, first.range(of: "^[a-z0-9][a-z0-9_-]*$", options: .regularExpression) != nil
        else { throw ContractReferenceError(text: text) }
        id = String(first)
        guard parts.count == 2 else {
            version = nil
            return
        }
        guard let number = try? NumberLiteral.integer(String(parts[1])) else { throw ContractReferenceError(text: text) }
        // A version no contract can have is refused here, not passed on to overflow the database's integer.
        guard (1...OutcomeContract.maximumVersion).contains(number) else { throw ContractReferenceError(text: text, problem: .versionOutOfRange) }
        version = number
    }
}

public struct ContractReferenceError: UserFacingError, Equatable {
    public enum Problem: Sendable, Equatable {
        /// Not `ID` or `ID@VERSION`.
        case malformed
        /// A whole-number version outside 1…2147483647.
        case versionOutOfRange
    }

    public let text: String
    public let problem: Problem

    public init(text: String, problem: Problem = .malformed) {
        self.text = text
        self.problem = problem
    }

    public var message: String {
        switch problem {
        case .malformed:
            "'\(text)' is not a contract reference: write the contract id (a-z, 0-9, '-', '_'), or the id and a version such as "
                + "reentry-2021@2 (--contract)."
        case .versionOutOfRange:
            "'\(text)' names a version no contract can have: a version is a whole number from 1 to \(OutcomeContract.maximumVersion) "
                + "(--contract)."
        }
    }

    public var exitStatus: ExitStatus { .usage }
}
