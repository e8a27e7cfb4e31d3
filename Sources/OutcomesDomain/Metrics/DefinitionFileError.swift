/// An error in a YAML definition file (a contract, an evaluation, a scenario, quality thresholds),
/// located at file:line. `code` says what kind of problem it is, with the values a program needs
/// (the key, the name); `problem` says the same in English for the person who wrote the file.
public struct DefinitionFileError: UserFacingError, Equatable {
    public let file: String
    public let line: Int
    public let code: Code
    public let problem: String

    public init(file: String, line: Int, code: Code, problem: String) {
        self.file = file
        self.line = line
        self.code = code
        self.problem = problem
    }

    public var message: String { "\(file):\(line): \(problem)" }
    public var exitStatus: ExitStatus { .dataError }

    /// When the problem is a number the grammar does not read: its text and why (see `NumberLiteral`).
    public var unreadNumber: UnreadNumber? {
        guard case .unreadNumber(let text, let problem) = code else { return nil }
        return UnreadNumber(text: text, problem: problem)
    }

    public struct UnreadNumber: Sendable, Equatable {
        public let text: String
        public let problem: NumberLiteral.Problem
    }
}

extension DefinitionFileError {
    /// The kinds of problem the grammar of a definition file has.
    public enum Code: Sendable, Equatable {
        // The file as a whole.
        /// Over the size limit of a definition file.
        case tooLarge
        case notUTF8
        case empty
        /// Brackets or indentation deeper than the parser is allowed to go.
        case nestedTooDeeply
        case notYAML

        // Keys.
        case unknownKey(String, allowed: [String])
        /// A key, or a name in a mapping of names, given twice; the first time was on `firstLine`.
        case repeatedKey(String, firstLine: Int)
        case missingKey(String)
        /// None of the keys of which at least one is needed.
        case missingOneOf([String])
        /// Keys of which only one may be given, given together.
        case conflictingKeys([String])
        /// A key that does not apply here: it belongs to another measure, statistic or mechanism,
        /// or to every item but the last of a list.
        case keyDoesNotApply(String)

        // Values.
        /// A value that is not of the form the key takes.
        case wrongForm(expected: Form)
        /// A number the grammar does not read (`NumberLiteral`): its text and why.
        case unreadNumber(text: String, problem: NumberLiteral.Problem)
        /// A word that is not one of those the key takes.
        case unknownWord(String, allowed: [String])
        /// A value outside the range its key (named) takes.
        case outOfRange(String)
        /// Bounds, tiers or steps that are not in order (a window that ends before it starts, say).
        case outOfOrder
        /// A list (named by its key) with fewer entries than it needs.
        case tooFew(String)
        /// A list (named by its key) with more entries than a file may hold.
        case tooMany(String)
        /// A name that refers to nothing of its kind (a domain the IDS does not know, a line no
        /// mechanism has, …).
        case unknownName(Name, String)
        /// An id or name given to two things, or one thing named twice.
        case duplicateName(String)
        /// Lines that require each other in a circle, in order (`[a, a]` for a line requiring itself).
        case circular([String])
        /// Values that contradict each other (shares that do not add up, a tier below its threshold).
        case inconsistent
        /// A combination the program does not support (a covariate that can be missing, a coupon on a grant).
        case unsupported
        /// An evaluation design option the design refuses (`EvaluationError.option`), by name.
        case designRefused(option: String)
    }

    /// The forms a value may be expected to take.
    public enum Form: Sendable, Equatable {
        case text, mapping, boolean, wholeNumber, number, date, offset, comparison, year
        /// An id or code: a-z, 0-9 and the like.
        case identifier
        /// `ID` or `ID@VERSION`.
        case contractReference
        /// A YAML list (`[a, b]`, or one `- ` entry a line).
        case list
        /// An absolute http or https URL.
        case url
        /// An e-mail address.
        case email
        /// A language tag such as en-US (BCP 47).
        case languageTag
    }

    /// What an unknown name was meant to name.
    public enum Name: Sendable, Equatable {
        case domain, metric, period, line, provider, covariate, tranche, contract, comparison
        /// An exact-match key: an attribute or a covariate.
        case attributeOrCovariate
        /// A year of the scenario's price index.
        case priceIndexYear
        /// An outcome that no effect of the scenario names.
        case effectOutcome
    }
}
