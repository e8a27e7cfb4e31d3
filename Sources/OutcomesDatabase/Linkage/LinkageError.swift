import OutcomesDomain

/// Why a link run did not run. Nothing is written: a run is one transaction.
public struct LinkageError: UserFacingError, Equatable {
    public enum Code: Sendable, Equatable {
        /// linkage.identifiers holds no record.
        case noIdentifierRecords
        /// linkage.identifiers is empty because `link purge` destroyed them (by whom, when), and none was loaded since.
        case identifiersPurged(by: String, at: String)
        /// A blocking rule whose keys no record has: it could never propose a pair.
        case nothingToBlockOn(ruleLine: Int, keys: [String])
        /// The rules would propose more pairs than the spec's limit (an upper bound, before running).
        case tooManyPairs(estimate: Int, limit: Int)
        /// Every rule together proposed no pair.
        case noCandidatePairs
        /// The string-similarity functions are not installed and cannot be installed by this user.
        case similarityFunctionsMissing(package: String)
        /// Moving content to its record's new person would give a person two rows of `table` with one
        /// id (content is keyed by person and its own id); `rows` such pairs. Nothing moved.
        case contentWouldCollide(table: String, rows: Int)
        /// Source records the index links to more than one person: giving each one person would drop
        /// the other links, and the content under them, unrecorded. Nothing was written.
        case sourceRecordsLinkedTwice(records: Int)
    }

    public let code: Code
    public let file: String

    public init(_ code: Code, file: String) {
        self.code = code
        self.file = file
    }

    public var message: String {
        switch code {
        case .noIdentifierRecords:
            "There are no identifier records to link: load an identifier extract (identifiers.csv) with outcomes load first."
        case .identifiersPurged(let by, let at):
            "There are no identifier records to link: \(by) purged them at \(at) (outcomes link purge), and the index keeps only "
                + "pseudonymous links. Load a new identifier extract to link new records: they link among themselves and through "
                + "the source keys ids.source_links already holds, never to purged records (see README, \"Purging identifiers\")."
        case .nothingToBlockOn(let line, let keys):
            "\(file):\(line): the blocking rule [\(keys.joined(separator: ", "))] has nothing to block on: no identifier record has "
                + "\(keys.count == 1 ? "a value" : "values") for \(keys.joined(separator: " and ")). Remove the rule or load records that have them."
        case .tooManyPairs(let estimate, let limit):
            "\(file): the blocking rules would compare up to \(estimate) pairs, over the limit of \(limit) (limits: max_pairs). "
                + "Make the rules narrower, raise the limit, or run with --force."
        case .noCandidatePairs:
            "\(file): the blocking rules propose no pair of records to compare, so nothing can be linked; widen the rules."
        case .contentWouldCollide(let table, let rows):
            "The run links records whose content cannot follow them: moving it to the person the run gives each record would "
                + "leave \(rows) pair\(rows == 1 ? "" : "s") of rows in ids.\(table) under one person with one id (the IDS keys "
                + "content by person and id, and two sources, or one source under two keys, used the same ids). Nothing was "
                + "written. Reload the content with ids unique across the records of one person (for example prefixed by source), "
                + "or label the pairs as non-matches (outcomes link review), then run again."
        case .sourceRecordsLinkedTwice(let records):
            "The index links \(records) source record\(records == 1 ? "" : "s") to more than one person (ids.source_links, as a "
                + "pre-linked extract wrote them), and a record is one person's: the run would keep one link and drop the others "
                + "with no id change on record. Nothing was written. Correct the links (source_links.csv: one person per source "
                + "record), then run again."
        case .similarityFunctionsMissing(let package):
            "The database has no Jaro-Winkler function (extension pg_similarity) and this user cannot install it. Install the "
                + "server package \(package), then, as a superuser: CREATE EXTENSION pg_similarity SCHEMA linkage;"
        }
    }

    public var exitStatus: ExitStatus {
        switch code {
        case .similarityFunctionsMissing: .configuration
        default: .dataError
        }
    }
}

/// What a link run noticed but did not stop for; reports show them with their counts.
public enum LinkageWarning: Sendable, Equatable, Codable {
    /// A blocking rule that proposed no pair beyond the rules before it.
    case ruleProposedNoPairs(ruleLine: Int)
    /// No pair met the deterministic rules: λ fell back to one expected match per record.
    case noDeterministicPairs
    /// EM stopped at its iteration limit.
    case emDidNotConverge(iterations: Int)
    /// A level no random pair reached (u floored) or no expected match reached (m floored).
    case levelNeverObserved(comparison: String, level: String, among: String, pairs: Int)
    /// A comparison on a field every training session blocks on: its m stayed at the starting values.
    case comparisonNeverTrained(comparison: String)
    /// Clusters still holding a contradiction after the guard's last step.
    case contradictionsRemain(clusters: Int)
}
