/// A linkage specification: how identifier records are compared, which pairs are compared at all,
/// how the model is trained and where its decisions fall. Read from YAML by `LinkageSpecFile`;
/// compiled to SQL by the database target's linkage compiler. Fellegi–Sunter, as Splink and
/// fastLink: each comparison sorts a pair into one of its ordered levels, and a level's m and u
/// probabilities give the pair its match weight.
public struct LinkageSpec: Sendable, Equatable {
    /// The specification's name, recorded with every run.
    public var id: String
    /// Which pairs of records are candidates at all: any two (dedupe), or only two from different
    /// source systems (link_only, for linking file A to file B as FEBRL4 does).
    public var linkType: LinkType
    public var comparisons: [Comparison]
    /// Pairs are compared when any rule holds (the union, each pair once).
    public var blocking: [BlockingRule]
    public var training: Training
    public var thresholds: Thresholds
    public var clustering: Clustering
    public var limits: Limits

    public init(id: String, comparisons: [Comparison], blocking: [BlockingRule], training: Training,
                thresholds: Thresholds, clustering: Clustering = .init(), limits: Limits = .init(), linkType: LinkType = .dedupe)
    {
        self.id = id
        self.linkType = linkType
        self.comparisons = comparisons
        self.blocking = blocking
        self.training = training
        self.thresholds = thresholds
        self.clustering = clustering
        self.limits = limits
    }
}

extension LinkageSpec {
    public enum LinkType: String, Sendable, CaseIterable, Equatable {
        /// Every pair of records, within a source system and across (one person under two keys of one source).
        case dedupe
        /// Only pairs of records from different source systems.
        case linkOnly = "link_only"
    }
}

/// The identifier fields a comparison or a blocking rule can read (columns of `linkage.identifiers`).
public enum IdentifierField: String, Sendable, CaseIterable, Equatable {
    case firstName = "first_name"
    case middleName = "middle_name"
    case lastName = "last_name"
    /// Full or partial (year, or year and month).
    case birthDate = "birth_date"
    /// Nine digits, or the last four only.
    case ssn
    case sex
    case address
    case city
    case postcode

    public enum Kind: Sendable { case name, date, ssn, code }

    public var kind: Kind {
        switch self {
        case .firstName, .middleName, .lastName, .address, .city: .name
        case .birthDate: .date
        case .ssn: .ssn
        case .sex, .postcode: .code
        }
    }
}

extension LinkageSpec {
    /// One comparison: a field and its levels, strongest first. Two levels are implicit: a pair
    /// where either side has no value is at the null level (weight 0), and a pair that meets no
    /// listed level is at the "else" level (after the last one listed).
    public struct Comparison: Sendable, Equatable {
        public var name: String
        public var field: IdentifierField
        public var levels: [Level]

        public init(name: String, field: IdentifierField, levels: [Level]) {
            self.name = name
            self.field = field
            self.levels = levels
        }
    }

    public enum Level: Sendable, Equatable {
        /// Equal values (normalised: upper case, letters and digits only for names). With a
        /// term-frequency adjustment, agreeing on a rare value weighs more than on a common one.
        case exact(termFrequency: Bool)
        /// Jaro–Winkler similarity at least this (0 < t ≤ 1); names.
        case jaroWinkler(atLeast: Double)
        /// Damerau–Levenshtein distance (optimal string alignment) at most this; names, SSNs, dates as text.
        case damerauLevenshtein(atMost: Int)
        /// Dates: day and month swapped (both full).
        case dayMonthSwapped
        /// Dates: the same year and month (either may be partial).
        case sameYearMonth
        /// Dates: the same year (either may be partial).
        case sameYear
        /// SSNs: one adjacent transposition apart (both full).
        case ssnTransposition
        /// SSNs: one digit apart (both full).
        case ssnOneDigit
        /// SSNs: the same last four (either may hold only those).
        case ssnLastFour
    }

    /// Pairs whose records agree on every key (both sides have a value).
    public struct BlockingRule: Sendable, Equatable {
        public var keys: [BlockingKey]
        /// Where the rule is written, for errors that name it (`file:line`).
        public var line: Int

        public init(keys: [BlockingKey], line: Int) {
            self.keys = keys
            self.line = line
        }
    }

    public enum BlockingKey: String, Sendable, CaseIterable, Equatable {
        case firstName = "first_name"
        case middleName = "middle_name"
        case lastName = "last_name"
        case birthDate = "birth_date"
        case birthYear = "birth_year"
        case birthMonth = "birth_month"
        case ssn
        case ssnLastFour = "ssn_last4"
        case sex
        case postcode
        case city
        case address
        /// First letter of the first name.
        case firstInitial = "first_initial"
        /// Soundex of the last name (fuzzystrmatch).
        case lastNameSoundex = "last_name_soundex"
        case firstNameSoundex = "first_name_soundex"
    }

    public struct Training: Sendable, Equatable {
        /// λ (the probability that two random records match) from pairs meeting these rules,
        /// taken to find `recall` of the true matches (Splink's deterministic estimate).
        public var deterministicRules: [BlockingRule]
        public var recall: Double
        /// u from this many random pairs (seeded).
        public var uSamplePairs: Int
        public var seed: UInt64
        /// m by EM over agreement-pattern counts, u held fixed, once per session: the pairs one
        /// rule proposes, with the comparisons of the rule's own fields left out (those pairs agree
        /// on them by construction); each m is the mean over the sessions that estimated it, as
        /// Splink trains. Empty: the blocking rules.
        public var sessions: [BlockingRule] = []
        public var maxIterations: Int
        /// EM stops when no m moves by more than this.
        public var tolerance: Double

        public init(deterministicRules: [BlockingRule], recall: Double, uSamplePairs: Int = 1_000_000, seed: UInt64 = 1,
                    maxIterations: Int = 25, tolerance: Double = 1e-4)
        {
            self.deterministicRules = deterministicRules
            self.recall = recall
            self.uSamplePairs = uSamplePairs
            self.seed = seed
            self.maxIterations = maxIterations
            self.tolerance = tolerance
        }
    }

    /// Match probabilities: at or above `match` a pair links; between `review` and `match` it goes
    /// to clerical review (and does not link until labelled).
    public struct Thresholds: Sendable, Equatable {
        public var match: Double
        public var review: Double

        public init(match: Double, review: Double) {
            self.match = match
            self.review = review
        }
    }

    /// The guard against chains: a cluster may not hold two records that were compared and scored
    /// below `contradiction` (or labelled non-matches); such a cluster is re-clustered with only
    /// its stronger links, step by step, until none remains.
    public struct Clustering: Sendable, Equatable {
        public var contradiction: Double

        public init(contradiction: Double = 0.01) { self.contradiction = contradiction }
    }

    public struct Limits: Sendable, Equatable {
        /// Refuse a run whose blocking rules are estimated to yield more pairs than this, unless forced.
        public var maxPairs: Int

        public init(maxPairs: Int = 200_000_000) { self.maxPairs = maxPairs }
    }
}

extension LinkageSpec {
    /// The rules EM trains on, one session each.
    public var trainingSessions: [BlockingRule] { training.sessions.isEmpty ? blocking : training.sessions }
}

extension LinkageSpec.BlockingKey {
    /// The identifier field the key is made from: a session on this key cannot estimate that field's m.
    public var field: IdentifierField {
        switch self {
        case .firstName, .firstInitial, .firstNameSoundex: .firstName
        case .middleName: .middleName
        case .lastName, .lastNameSoundex: .lastName
        case .birthDate, .birthYear, .birthMonth: .birthDate
        case .ssn, .ssnLastFour: .ssn
        case .sex: .sex
        case .postcode: .postcode
        case .city: .city
        case .address: .address
        }
    }
}

