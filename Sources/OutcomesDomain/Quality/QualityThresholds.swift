import Foundation

/// The checks of the data-quality report, by the name used in thresholds files.
public enum QualityCheck: String, CaseIterable, Sendable {
    case personsWithoutLinks = "persons_without_links"
    case keysOnSeveralPersons = "keys_on_several_persons"
    case personsWithSeveralKeys = "persons_with_several_keys"
    case lowScoreLinks = "low_score_links"
    case linkageRate = "linkage_rate"
    case eventsOutsideLifetime = "events_outside_lifetime"
    case spellsEndingBeforeStart = "spells_ending_before_start"
    case eventsWithoutSourceLink = "events_without_source_link"
    case overlappingEnrollments = "overlapping_enrollments"
    case wageQuarterGaps = "wage_quarter_gaps"
    case eventMonthGaps = "event_month_gaps"
    case contradictingRelationships = "contradicting_relationships"
    case overlappingHouseholds = "overlapping_households"

    /// What is counted, and out of what.
    public var meaning: String {
        switch self {
        case .personsWithoutLinks: "persons linked to no source system, of all persons"
        case .keysOnSeveralPersons: "source keys linked to more than one person, of all linked keys"
        case .personsWithSeveralKeys: "persons holding two or more keys in one source (source duplicates), of persons linked"
        case .lowScoreLinks: "links whose match score is below the review score, of all links"
        case .linkageRate: "participants linked to the source, of all participants (minimum per source)"
        case .eventsOutsideLifetime: "events starting before the person's birth or after the data-through date, of all events"
        case .spellsEndingBeforeStart: "events whose end date is before their start date, of all events"
        case .eventsWithoutSourceLink: "events from a source the person is not linked to, of all events"
        case .overlappingEnrollments: "enrollments overlapping another of the same person in the same program, of all enrollments"
        case .wageQuarterGaps: "calendar quarters whose wage records fall below the ratio of the trailing median, of quarters"
        case .eventMonthGaps: "domain-months whose events fall below the ratio of the trailing median, of domain-months"
        case .contradictingRelationships:
            "pairs of related persons whose edges name relations that disagree at the same time (a child and a sibling, say), of related pairs"
        case .overlappingHouseholds: "persons in two households of one source at the same time, of persons in a household"
        }
    }
}

/// Fail stops payments (non-zero exit); warn is reported only.
public enum QualitySeverity: String, Sendable { case fail, warn }

/// The limit of one check: a finding above `maxCount` or `maxRate` (or a linkage rate below its
/// minimum) has the limit's severity.
public struct QualityLimit: Sendable, Equatable {
    public var maxCount: Int?
    public var maxRate: Double?
    public var severity: QualitySeverity

    public init(maxCount: Int? = nil, maxRate: Double? = nil, severity: QualitySeverity = .fail) {
        self.maxCount = maxCount
        self.maxRate = maxRate
        self.severity = severity
    }
}

/// What makes linked data unfit for computing payments. The defaults hold for a well-linked IDS;
/// a thresholds file overrides any of them (see `scenarios/quality-thresholds.yaml`).
public struct QualityThresholds: Sendable, Equatable {
    public var limits: [QualityCheck: QualityLimit]
    /// Minimum share of participants linked to each named source (linkage_rate).
    public var minimumLinkage: [String: Double] = [:]
    public var linkageSeverity: QualitySeverity = .warn
    /// Links scoring below this are counted by low_score_links (clerical-review territory).
    public var reviewScore: Decimal = Decimal(string: "0.85")!
    /// A period is a gap when its count is below `ratio` × the median of the trailing periods...
    public var monthGapRatio = 0.5
    public var quarterGapRatio = 0.5
    /// ...and that median is at least this (too few events to tell a gap from chance otherwise).
    public var minimumBaseline = 50

    public static let defaults = QualityThresholds(limits: [
        .personsWithoutLinks: QualityLimit(maxRate: 0.02),
        .keysOnSeveralPersons: QualityLimit(maxCount: 0),
        .personsWithSeveralKeys: QualityLimit(maxRate: 0.05, severity: .warn),
        .lowScoreLinks: QualityLimit(maxRate: 0.10, severity: .warn),
        .eventsOutsideLifetime: QualityLimit(maxCount: 0),
        .spellsEndingBeforeStart: QualityLimit(maxCount: 0),
        .eventsWithoutSourceLink: QualityLimit(maxRate: 0.001),
        .overlappingEnrollments: QualityLimit(maxRate: 0.01),
        .wageQuarterGaps: QualityLimit(maxCount: 0),
        .eventMonthGaps: QualityLimit(maxCount: 0),
        // Sources disagree about families: kept side by side, and counted.
        .contradictingRelationships: QualityLimit(maxCount: 0, severity: .warn),
        .overlappingHouseholds: QualityLimit(maxCount: 0, severity: .warn),
    ])

    static let checkKeys = ["max_count", "max_rate", "severity"]
    static let extraKeys: [QualityCheck: [String]] = [
        .lowScoreLinks: ["below_score"], .wageQuarterGaps: ["min_ratio"],
        .eventMonthGaps: ["min_ratio", "min_baseline"],
    ]

    /// Reads a thresholds file: the defaults, with the checks it names replaced.
    public static func load(path: String) throws -> QualityThresholds {
        try parse(yaml: YAMLValue.readFile(path), file: path)
    }

    public static func parse(yaml text: String, file: String) throws -> QualityThresholds {
        var thresholds = QualityThresholds.defaults
        let root = try YAMLValue.parse(text, file: file)
        let entries = try root.mapping(allowed: QualityCheck.allCases.map(\.rawValue), context: "the thresholds file")
        for (name, value) in entries.sorted(by: { $0.key < $1.key }) {
            let check = QualityCheck(rawValue: name)!
            if check == .linkageRate {
                try thresholds.readLinkage(value)
                continue
            }
            let keys = try value.mapping(allowed: checkKeys + (extraKeys[check] ?? []), context: name)
            var limit = QualityLimit(severity: try keys["severity"]?.severity() ?? .fail)
            limit.maxCount = try keys["max_count"].map { node in
                let count = try node.int("max_count")
                guard count >= 0 else { throw node.error(.outOfRange("max_count"), "max_count must be 0 or more") }
                return count
            }
            limit.maxRate = try keys["max_rate"]?.fraction("max_rate")
            guard limit.maxCount != nil || limit.maxRate != nil else {
                throw value.error(.missingOneOf(["max_count", "max_rate"]), "\(name) needs max_count or max_rate (or both)")
            }
            thresholds.limits[check] = limit
            if let score = keys["below_score"] {
                thresholds.reviewScore = Decimal(try score.fraction("below_score"))
            }
            if let ratio = try keys["min_ratio"]?.fraction("min_ratio") {
                if check == .wageQuarterGaps { thresholds.quarterGapRatio = ratio } else { thresholds.monthGapRatio = ratio }
            }
            if let baseline = keys["min_baseline"] {
                thresholds.minimumBaseline = try baseline.int("min_baseline")
                guard thresholds.minimumBaseline >= 1 else { throw baseline.error(.outOfRange("min_baseline"), "min_baseline must be 1 or more") }
            }
        }
        return thresholds
    }

    private mutating func readLinkage(_ value: YAMLValue) throws {
        let keys = try value.mapping(allowed: ["min_rate", "severity"], context: "linkage_rate")
        linkageSeverity = try keys["severity"]?.severity() ?? .warn
        let rates = try keys.required("min_rate", in: "linkage_rate", at: value)
        guard let mapping = rates.node.mapping else {
            throw rates.error(.wrongForm(expected: .mapping), "linkage_rate.min_rate must map source systems to shares, e.g. {UI: 0.8}")
        }
        for (key, rate) in mapping {
            let source = key.string ?? ""
            guard source.range(of: "^[A-Z][A-Z0-9_]*$", options: .regularExpression) != nil else {
                throw rates.error(.wrongForm(expected: .identifier), "'\(source)' is not a source system code (upper-case letters, digits, _)")
            }
            minimumLinkage[source] = try YAMLValue(node: rate, file: rates.file).fraction("the minimum rate of \(source)")
        }
    }
}

extension YAMLValue {
    /// A number from 0 to 1.
    func fraction(_ what: String) throws -> Double {
        guard case .scalar(let scalar) = node else { throw error(.wrongForm(expected: .number), "\(what) must be a number from 0 to 1, not a list or mapping") }
        let value: Decimal
        do throws(NumberLiteral.Problem) {
            value = try NumberLiteral(scalar.string).decimal
        } catch {
            throw numberError("\(what) must be a number from 0 to 1, not '\(scalar.string)'", scalar.string, error)
        }
        guard value >= 0, value <= 1 else { throw self.error(.outOfRange(what), "\(what) must be a number from 0 to 1, not '\(scalar.string)'") }
        return NSDecimalNumber(decimal: value).doubleValue
    }

    func severity() throws -> QualitySeverity {
        try choice("severity", [("fail", QualitySeverity.fail), ("warn", .warn)])
    }
}
