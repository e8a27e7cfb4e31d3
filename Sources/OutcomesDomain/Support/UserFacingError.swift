/// An error caused by the user's input or environment, not by a bug: the CLI prints its
/// paragraph (no stack trace) and exits with its status.
public protocol UserFacingError: Error, CustomStringConvertible {
    /// One paragraph: what went wrong, where (file:line or option), and what to do.
    var message: String { get }
    var exitStatus: ExitStatus { get }
}

extension UserFacingError {
    public var description: String { message }
}

/// Process exit statuses, following BSD sysexits where one fits.
public struct ExitStatus: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let success = ExitStatus(rawValue: 0)
    /// A check ran and found the data unfit (e.g. a quality report over its thresholds).
    public static let checkFailed = ExitStatus(rawValue: 1)
    /// Wrong command-line usage.
    public static let usage = ExitStatus(rawValue: 64)
    /// Input data or a file is invalid.
    public static let dataError = ExitStatus(rawValue: 65)
    /// An input file does not exist or cannot be read.
    public static let noInput = ExitStatus(rawValue: 66)
    /// The database cannot be reached or started.
    public static let unavailable = ExitStatus(rawValue: 69)
    /// An internal error (a bug): please report it.
    public static let software = ExitStatus(rawValue: 70)
    /// An output file or directory cannot be written.
    public static let cannotCreate = ExitStatus(rawValue: 73)
    /// Try again later: the work is held up by other work now running (e.g. a data load).
    public static let temporaryFailure = ExitStatus(rawValue: 75)
    /// Permission denied: wrong password, privileges, or a directory owned by someone else.
    public static let permission = ExitStatus(rawValue: 77)
    /// Configuration: PostgreSQL not installed, schema missing or out of date.
    public static let configuration = ExitStatus(rawValue: 78)
}
