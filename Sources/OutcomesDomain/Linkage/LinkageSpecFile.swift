import Foundation

/// Reading a linkage specification (YAML, `scenarios/linkage-*.yaml`, grammar in scenarios/README.md,
/// "Linkage specifications") into a `LinkageSpec`, strictly: every mistake is a
/// `DefinitionFileError` with a typed code at file:line.
extension LinkageSpec {
    static let keys = ["linkage", "link_type", "comparisons", "blocking", "training", "thresholds", "clustering", "limits"]

    /// At most this many comparisons, and listed levels in each: with "else" and null a comparison
    /// has at most 16 states, so a pattern of 16 comparisons packs into 64 bits.
    public static let maximumComparisons = 16
    public static let maximumListedLevels = 14
    /// Damerau–Levenshtein levels allow at most this distance (beyond it, most names are that close).
    public static let maximumEditDistance = 4

    public static func read(path: String) throws -> LinkageSpec {
        try parse(text: YAMLValue.readFile(path), file: path)
    }

    public static func parse(text: String, file: String) throws -> LinkageSpec {
        let root = try YAMLValue.parse(text, file: file)
        let entries = try root.mapping(allowed: keys, context: "the linkage specification")
        let id = try entries.identifier("linkage", in: "the linkage specification", at: root)
        let linkType = try entries["link_type"]?.choice("link_type", LinkType.allCases.map { ($0.rawValue, $0) }) ?? .dedupe

        let comparisonsNode = try entries.required("comparisons", in: "the linkage specification", at: root)
        var comparisons: [Comparison] = []
        var comparisonLines: [String: Int] = [:]
        for item in try sequence(comparisonsNode, "comparisons") {
            let comparison = try parseComparison(item)
            if comparisonLines[comparison.name] != nil {
                throw item.error(.duplicateName(comparison.name), "comparison '\(comparison.name)' is named twice (first on line \(comparisonLines[comparison.name]!))")
            }
            // Fellegi–Sunter takes comparisons as independent evidence: one field compared twice
            // would count twice (its levels belong in one comparison).
            if let earlier = comparisons.first(where: { $0.field == comparison.field }) {
                throw item.error(.duplicateName(comparison.field.rawValue),
                                 "comparison '\(comparison.name)' compares \(comparison.field.rawValue) again (comparison '\(earlier.name)', line \(comparisonLines[earlier.name]!), already does); a field's evidence would count twice: give its levels in one comparison")
            }
            comparisonLines[comparison.name] = item.line
            comparisons.append(comparison)
        }
        guard !comparisons.isEmpty else { throw comparisonsNode.error(.tooFew("comparisons"), "a linkage specification needs at least one comparison") }
        guard comparisons.count <= maximumComparisons else {
            throw comparisonsNode.error(.tooMany("comparisons"), "\(comparisons.count) comparisons; a specification has at most \(maximumComparisons)")
        }

        let blockingNode = try entries.required("blocking", in: "the linkage specification", at: root)
        let blocking = try parseRules(blockingNode, "blocking")

        let training = try parseTraining(try entries.required("training", in: "the linkage specification", at: root))
        let thresholds = try parseThresholds(try entries.required("thresholds", in: "the linkage specification", at: root))
        var clustering = Clustering()
        if let node = entries["clustering"] {
            let fields = try node.mapping(allowed: ["contradiction"], context: "clustering")
            let contradictionNode = try fields.required("contradiction", in: "clustering", at: node)
            clustering.contradiction = try probability(contradictionNode, "contradiction")
            guard clustering.contradiction >= 0, clustering.contradiction < thresholds.review else {
                throw contradictionNode.error(.outOfRange("contradiction"), "contradiction must be at least 0 and below the review threshold \(thresholds.review): a pair scored below it contradicts a cluster")
            }
        }
        var limits = Limits()
        if let node = entries["limits"] {
            let fields = try node.mapping(allowed: ["max_pairs"], context: "limits")
            let maxPairsNode = try fields.required("max_pairs", in: "limits", at: node)
            limits.maxPairs = try maxPairsNode.int("max_pairs")
            guard limits.maxPairs >= 1 else { throw maxPairsNode.error(.outOfRange("max_pairs"), "max_pairs must be 1 or more") }
        }
        return LinkageSpec(id: id, comparisons: comparisons, blocking: blocking, training: training, thresholds: thresholds,
                           clustering: clustering, limits: limits, linkType: linkType)
    }

    // MARK: Comparisons

    static func parseComparison(_ node: YAMLValue) throws -> Comparison {
        let fields = try node.mapping(allowed: ["name", "field", "levels"], context: "a comparison")
        let nameNode = try fields.required("name", in: "a comparison", at: node)
        let name = try nameNode.string("name")
        // Names become column names of the pattern tables: lower case, a letter first.
        guard name.range(of: "^[a-z][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
            throw nameNode.error(.wrongForm(expected: .identifier), "comparison name '\(name)' may hold only a-z, 0-9 and '_', starting with a letter (at most 63)")
        }
        let field = try fields.required("field", in: "comparison '\(name)'", at: node)
            .choice("field", IdentifierField.allCases.map { ($0.rawValue, $0) })
        let levelsNode = try fields.required("levels", in: "comparison '\(name)'", at: node)
        var levels: [Level] = []
        for item in try sequence(levelsNode, "levels") {
            let level = try parseLevel(item)
            guard level.applies(to: field.kind) else {
                throw item.error(.keyDoesNotApply(level.word), "comparison '\(name)': level \(level.word) does not apply to \(field.rawValue) (\(level.appliesTo))")
            }
            if levels.contains(where: { $0.sameLevel(as: level) }) {
                throw item.error(.duplicateName(level.description), "comparison '\(name)': level \(level.description) is listed twice")
            }
            // Strongest first: a level after one that every pair of it meets could never be reached.
            if let weaker = levels.first(where: { level.implies($0) }) {
                throw item.error(.outOfOrder, "comparison '\(name)': level \(level.description) comes after \(weaker.description), which is weaker (exact comes first); list the stronger level first")
            }
            levels.append(level)
        }
        guard !levels.isEmpty else { throw levelsNode.error(.tooFew("levels"), "comparison '\(name)' needs at least one level") }
        guard levels.count <= maximumListedLevels else {
            throw levelsNode.error(.tooMany("levels"), "comparison '\(name)' lists \(levels.count) levels; at most \(maximumListedLevels) (with else and null, 16)")
        }
        return Comparison(name: name, field: field, levels: levels)
    }

    static let bareLevels: [(String, Level)] = [
        ("exact", .exact(termFrequency: false)), ("day_month_swapped", .dayMonthSwapped), ("same_year_month", .sameYearMonth),
        ("same_year", .sameYear), ("ssn_transposition", .ssnTransposition), ("ssn_one_digit", .ssnOneDigit), ("ssn_last4", .ssnLastFour),
    ]
    static let levelsWithValues = ["exact", "jaro_winkler", "damerau_levenshtein"]

    /// `exact`, a word, or a mapping of one level to its value: `{exact: {term_frequency: true}}`,
    /// `{jaro_winkler: 0.92}`, `{damerau_levenshtein: 1}`.
    static func parseLevel(_ node: YAMLValue) throws -> Level {
        if node.node.scalar != nil {
            let word = try node.string("a level")
            if word == "jaro_winkler" || word == "damerau_levenshtein" {
                throw node.error(.wrongForm(expected: .mapping), "level \(word) takes a value: {\(word): \(word == "jaro_winkler" ? "0.92" : "1")}")
            }
            return try node.choice("level", bareLevels)
        }
        let fields = try node.mapping(allowed: levelsWithValues, context: "a level")
        guard !fields.isEmpty else { throw node.error(.missingOneOf(levelsWithValues), "a level names one of \(levelsWithValues.joined(separator: ", ")) or a word") }
        guard fields.count == 1, let (word, value) = fields.first else {
            throw node.error(.conflictingKeys(fields.keys.sorted()), "a level is one of \(levelsWithValues.joined(separator: ", ")), not several in one entry")
        }
        switch word {
        case "exact":
            let options = try value.mapping(allowed: ["term_frequency"], context: "exact")
            return .exact(termFrequency: try options["term_frequency"]?.bool("term_frequency") ?? false)
        case "jaro_winkler":
            let threshold = try probability(value, "jaro_winkler")
            guard threshold > 0, threshold <= 1 else { throw value.error(.outOfRange("jaro_winkler"), "jaro_winkler is a similarity above 0 and at most 1") }
            return .jaroWinkler(atLeast: threshold)
        default:
            let distance = try value.int("damerau_levenshtein")
            guard (1...maximumEditDistance).contains(distance) else {
                throw value.error(.outOfRange("damerau_levenshtein"), "damerau_levenshtein is a distance from 1 to \(maximumEditDistance) (0 is exact)")
            }
            return .damerauLevenshtein(atMost: distance)
        }
    }

    // MARK: Blocking and training

    /// A list of rules, each a list of blocking keys (`[ssn]`, not `ssn`: a flat list of keys would
    /// otherwise read as rules of one key each, not one rule of them all).
    static func parseRules(_ node: YAMLValue, _ what: String) throws -> [BlockingRule] {
        var rules: [BlockingRule] = []
        for item in try sequence(node, what) {
            var keys: [BlockingKey] = []
            for keyNode in try sequence(item, "a \(what) rule") {
                let key = try keyNode.choice("blocking key", BlockingKey.allCases.map { ($0.rawValue, $0) })
                if keys.contains(key) { throw keyNode.error(.duplicateName(key.rawValue), "\(what): key \(key.rawValue) is listed twice in one rule") }
                keys.append(key)
            }
            guard !keys.isEmpty else { throw item.error(.tooFew("keys"), "\(what): a rule needs at least one key (an empty rule would compare every pair)") }
            if let same = rules.first(where: { Set($0.keys) == Set(keys) }) {
                throw item.error(.duplicateName(keys.map(\.rawValue).joined(separator: ", ")), "\(what): the rule on line \(same.line) is the same rule")
            }
            rules.append(BlockingRule(keys: keys, line: item.line))
        }
        guard !rules.isEmpty else { throw node.error(.tooFew(what), "\(what) needs at least one rule") }
        return rules
    }

    static func parseTraining(_ node: YAMLValue) throws -> Training {
        let fields = try node.mapping(allowed: ["lambda", "u", "m"], context: "training")
        let lambdaNode = try fields.required("lambda", in: "training", at: node)
        let lambda = try lambdaNode.mapping(allowed: ["deterministic", "recall"], context: "training lambda")
        let rules = try parseRules(try lambda.required("deterministic", in: "training lambda", at: lambdaNode), "deterministic")
        let recallNode = try lambda.required("recall", in: "training lambda", at: lambdaNode)
        let recall = try probability(recallNode, "recall")
        guard recall > 0, recall <= 1 else { throw recallNode.error(.outOfRange("recall"), "recall is the share of true matches the rules find: above 0 and at most 1") }
        var training = Training(deterministicRules: rules, recall: recall)
        if let uNode = fields["u"] {
            let u = try uNode.mapping(allowed: ["sample_pairs", "seed"], context: "training u")
            if let pairsNode = u["sample_pairs"] {
                training.uSamplePairs = try pairsNode.int("sample_pairs")
                guard training.uSamplePairs >= 1 else { throw pairsNode.error(.outOfRange("sample_pairs"), "sample_pairs must be 1 or more") }
            }
            if let seedNode = u["seed"] {
                let seed = try seedNode.int("seed")
                guard seed >= 0 else { throw seedNode.error(.outOfRange("seed"), "seed must be 0 or more") }
                training.seed = UInt64(seed)
            }
        }
        if let mNode = fields["m"] {
            let m = try mNode.mapping(allowed: ["blocking", "max_iterations", "tolerance"], context: "training m")
            if let sessionsNode = m["blocking"] {
                training.sessions = try parseRules(sessionsNode, "training m blocking")
            }
            if let iterationsNode = m["max_iterations"] {
                training.maxIterations = try iterationsNode.int("max_iterations")
                guard training.maxIterations >= 1 else { throw iterationsNode.error(.outOfRange("max_iterations"), "max_iterations must be 1 or more") }
            }
            if let toleranceNode = m["tolerance"] {
                training.tolerance = try probability(toleranceNode, "tolerance")
                guard training.tolerance > 0, training.tolerance < 1 else {
                    throw toleranceNode.error(.outOfRange("tolerance"), "tolerance is a change in a probability: above 0 and below 1")
                }
            }
        }
        return training
    }

    static func parseThresholds(_ node: YAMLValue) throws -> Thresholds {
        let fields = try node.mapping(allowed: ["match", "review"], context: "thresholds")
        let matchNode = try fields.required("match", in: "thresholds", at: node)
        let reviewNode = try fields.required("review", in: "thresholds", at: node)
        let match = try probability(matchNode, "match"), review = try probability(reviewNode, "review")
        guard match > 0, match < 1 else { throw matchNode.error(.outOfRange("match"), "the match threshold is a probability above 0 and below 1") }
        guard review > 0, review < 1 else { throw reviewNode.error(.outOfRange("review"), "the review threshold is a probability above 0 and below 1") }
        guard review <= match else { throw reviewNode.error(.outOfOrder, "the review threshold \(review) is above the match threshold \(match)") }
        return Thresholds(match: match, review: review)
    }

    // MARK: Values

    /// A number by the house grammar, as the double nearest its text (0.92, not the 0.9199999999999999
    /// a Decimal converts to: the value is written back into SQL and the canonical JSON). Range
    /// checks are the caller's.
    static func probability(_ node: YAMLValue, _ what: String) throws -> Double {
        _ = try node.decimal(what)
        return Double(try node.string(what))!
    }

    /// A YAML list (a single value is not taken for a list here: each entry has a shape of its own).
    static func sequence(_ node: YAMLValue, _ what: String) throws -> [YAMLValue] {
        guard let items = node.node.sequence else { throw node.error(.wrongForm(expected: .list), "\(what) must be a list") }
        return items.map { YAMLValue(node: $0, file: node.file) }
    }
}

extension LinkageSpec.Level: CustomStringConvertible {
    /// The word the grammar names the level by.
    public var word: String {
        switch self {
        case .exact: "exact"
        case .jaroWinkler: "jaro_winkler"
        case .damerauLevenshtein: "damerau_levenshtein"
        case .dayMonthSwapped: "day_month_swapped"
        case .sameYearMonth: "same_year_month"
        case .sameYear: "same_year"
        case .ssnTransposition: "ssn_transposition"
        case .ssnOneDigit: "ssn_one_digit"
        case .ssnLastFour: "ssn_last4"
        }
    }

    public var description: String {
        switch self {
        case .jaroWinkler(let threshold): "jaro_winkler \(threshold)"
        case .damerauLevenshtein(let distance): "damerau_levenshtein \(distance)"
        default: word
        }
    }

    /// The field kinds the level compares.
    func applies(to kind: IdentifierField.Kind) -> Bool {
        switch self {
        case .exact: true
        case .jaroWinkler: kind == .name
        case .damerauLevenshtein: kind == .name || kind == .date || kind == .ssn
        case .dayMonthSwapped, .sameYearMonth, .sameYear: kind == .date
        case .ssnTransposition, .ssnOneDigit, .ssnLastFour: kind == .ssn
        }
    }

    var appliesTo: String {
        switch self {
        case .exact: "every field"
        case .jaroWinkler: "names, address and city"
        case .damerauLevenshtein: "names, address, city, birth_date and ssn"
        case .dayMonthSwapped, .sameYearMonth, .sameYear: "birth_date only"
        case .ssnTransposition, .ssnOneDigit, .ssnLastFour: "ssn only"
        }
    }

    /// The same level, whatever its options (exact with and without term frequencies).
    func sameLevel(as other: Self) -> Bool {
        switch (self, other) {
        case (.exact, .exact): true
        default: self == other
        }
    }

    /// Every pair at `self` also meets `other`, so `self` listed after `other` is never reached.
    func implies(_ other: Self) -> Bool {
        switch (self, other) {
        case (.exact, _): true
        case (.jaroWinkler(let a), .jaroWinkler(let b)): a >= b
        case (.damerauLevenshtein(let a), .damerauLevenshtein(let b)): a <= b
        case (.sameYearMonth, .sameYear): true
        default: false
        }
    }
}
