import Foundation

/// The date a window is measured from.
public enum Anchor: Sendable, Equatable {
    case enrollmentStart
    case enrollmentEnd
    case fixed(LocalDate)
    /// The reporting period itself: `from` moves its first day, `to` its last (days housed in each
    /// quarter). Such a metric counts every participant enrolled during the window, every period.
    case reportingPeriod
}

/// A span of days relative to an anchor, both ends included: [anchor + from, anchor + to].
public struct Window: Sendable, Equatable {
    public let anchor: Anchor
    public let from: Offset
    public let to: Offset

    public init(anchor: Anchor, from: Offset, to: Offset) {
        self.anchor = anchor
        self.from = from
        self.to = to
    }

    /// The window for an anchor date.
    public func range(anchoredAt date: LocalDate) -> ClosedRange<LocalDate>? {
        let start = from.applied(to: date), end = to.applied(to: date)
        return start <= end ? start...end : nil
    }

    /// The window of a reporting period, for a window anchored on it.
    public func range(of period: ReportingPeriod) -> ClosedRange<LocalDate>? {
        let start = from.applied(to: period.start), end = to.applied(to: period.end)
        return start <= end ? start...end : nil
    }
}

/// Which events a metric looks at.
public struct EventSelection: Sendable, Equatable {
    /// Codes of `ids.event_domains`, checked against the loaded vocabulary when the metrics run.
    public let domains: [String]
    public let sourceSystems: [String]
    public let eventTypes: [String]
    public let amount: AmountCondition?
    /// For days covered: only the days also covered (`during`) or not covered (`outside`) by
    /// these other events — jail days inside the housed spells, say.
    public var overlap: Overlap?

    public indirect enum Overlap: Sendable, Equatable {
        case during(EventSelection)
        case outside(EventSelection)

        public enum Kind: String, Sendable, CaseIterable { case during, outside }

        public var kind: Kind {
            switch self {
            case .during: .during
            case .outside: .outside
            }
        }

        public var events: EventSelection {
            switch self {
            case .during(let events), .outside(let events): events
            }
        }
    }

    public init(domains: [String], sourceSystems: [String] = [], eventTypes: [String] = [], amount: AmountCondition? = nil,
                overlap: Overlap? = nil) {
        self.domains = domains
        self.sourceSystems = sourceSystems
        self.eventTypes = eventTypes
        self.amount = amount
        self.overlap = overlap
    }
}

/// A comparison on an event's amount, e.g. `> 0`. Events without an amount never match.
public struct AmountCondition: Sendable, Equatable {
    public enum Comparison: String, Sendable, CaseIterable {
        case greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<=", equal = "=", notEqual = "<>"
    }

    public let comparison: Comparison
    public let value: Decimal

    public init(_ comparison: Comparison, _ value: Decimal) {
        self.comparison = comparison
        self.value = value
    }

    /// Whether an exact figure meets the condition (figures that decide a payment are never rounded first).
    public func matches(_ figure: ExactRatio) -> Bool {
        let value = ExactRatio(self.value)
        switch comparison {
        case .greater: return figure > value
        case .greaterOrEqual: return figure >= value
        case .less: return figure < value
        case .lessOrEqual: return figure <= value
        case .equal: return figure == value
        case .notEqual: return figure != value
        }
    }

    public func matches(_ amount: Decimal?) -> Bool {
        guard let amount else { return false }
        switch comparison {
        case .greater: return amount > value
        case .greaterOrEqual: return amount >= value
        case .less: return amount < value
        case .lessOrEqual: return amount <= value
        case .equal: return amount == value
        case .notEqual: return amount != value
        }
    }
}

/// What a metric computes per participant over its window.
public indirect enum Measure: Sendable, Equatable {
    /// 1 if any selected event touches the window (a spell overlapping it, a point event in it), else 0.
    case any
    /// Events starting in the window.
    case count
    /// Days of the window covered by selected spells, overlaps counted once; an open spell runs to the data date.
    case daysCovered
    /// Days of the window covered by no selected spell (days housed: not in shelter, not in jail).
    case daysWithout
    /// Sum of the amounts of events starting in the window (0 when none).
    case sum
    /// Days from the window start to the first selected event starting in the window; none: no value.
    case daysToEvent
    /// 1 if the window holds `consecutive` back-to-back units (from the window start) in which selected
    /// events are present (or absent), else 0.
    case sustained(consecutive: Int, unit: Offset.Unit, present: Bool)
    /// The base measure over the window minus the same over `pre`; the ratio is kept too.
    case change(of: Measure, pre: Window)

    public var name: String {
        switch self {
        case .any: "any"
        case .count: "count"
        case .daysCovered: "days_covered"
        case .daysWithout: "days_without"
        case .sum: "sum"
        case .daysToEvent: "days_to_event"
        case .sustained: "sustained"
        case .change: "change"
        }
    }

    /// Whether the value is 0/1, so its mean is a rate.
    public var isBinary: Bool {
        switch self {
        case .any, .sustained: true
        default: false
        }
    }

    public static let names = ["any", "count", "days_covered", "days_without", "sum", "days_to_event", "sustained", "change"]
}

/// One outcome metric of a contract.
public struct MetricDefinition: Sendable, Equatable {
    public let id: String
    public let label: String
    /// The contract's own definition of the metric, for the data dictionary and published metadata
    /// (`description:`); nil: the generated `measuredText` stands for it.
    public var description: String?
    public let measure: Measure
    public let events: EventSelection
    public let window: Window
    /// Which date puts a participant's value in a period, when the metric says (else the cohort's rule).
    public var assignBy: CohortRule.PeriodAssignment?
    /// The line of the contract file the metric's domain is named on, for errors found later
    /// (a domain the IDS does not know).
    public var domainLine = 0
    /// Measured on the participant's relatives (`of:`), not on the participant; nil: the participant's own events.
    public var relatives: RelativeSelection?

    public init(id: String, label: String, measure: Measure, events: EventSelection, window: Window,
                assignBy: CohortRule.PeriodAssignment? = nil) {
        self.id = id
        self.label = label
        self.measure = measure
        self.events = events
        self.window = window
        self.assignBy = assignBy
    }

    /// Whether the participant's value is 0/1, so its mean is a rate.
    public var isBinary: Bool { relatives.map(\.aggregate.isBinary) ?? measure.isBinary }

    /// The measure's name as results record it: `count(sustained)` for a count of relatives
    /// whose sustained measure holds.
    public var measureName: String {
        relatives.map { "\($0.aggregate.rawValue)(\(measure.name))" } ?? measure.name
    }

    /// Whether `assign_by: achieved` can date this metric's achievement: the first event (any,
    /// count, days to event) or the end of the first run (sustained presence). A metric over
    /// relatives has none: it counts once its window has ended.
    public var hasAchievementDate: Bool {
        guard relatives == nil else { return false }
        return switch measure {
        case .any, .count, .daysToEvent: true
        case .sustained(_, _, let present): present
        default: false
        }
    }
}

/// Who counts as a participant, and in which reporting period.
public struct CohortRule: Sendable, Equatable {
    /// Which date puts a participant's metric in a period.
    public enum PeriodAssignment: String, Sendable, CaseIterable {
        /// The period holding the end of the metric's window: an outcome counts once it is observable.
        case windowEnd = "window_end"
        /// The period holding the enrollment start: an entry cohort.
        case enrollmentStart = "enrollment_start"
        /// The period holding the date the outcome was achieved (pays when achieved); a participant
        /// who has not achieved it counts, with the value 0, once the window has ended.
        case achieved
    }

    public let providers: [String]
    public let studyArm: StudyArm?
    public let minimumEnrolledDays: Int
    public let assignBy: PeriodAssignment

    public init(providers: [String] = [], studyArm: StudyArm? = nil, minimumEnrolledDays: Int = 0,
                assignBy: PeriodAssignment = .windowEnd) {
        self.providers = providers
        self.studyArm = studyArm
        self.minimumEnrolledDays = minimumEnrolledDays
        self.assignBy = assignBy
    }
}

public struct ReportingPeriod: Sendable, Equatable {
    public let label: String
    public let start: LocalDate
    public let end: LocalDate

    public init(label: String, start: LocalDate, end: LocalDate) {
        self.label = label
        self.start = start
        self.end = end
    }
}

/// The outcome-measurement part of a contract file: cohort, periods and metrics.
public struct OutcomeContract: Sendable, Equatable {
    public let id: String
    public let name: String
    public let program: String
    /// The last day the data cover; windows ending later are not yet observable.
    public let dataThrough: LocalDate
    public private(set) var cohort: CohortRule
    public let periods: [ReportingPeriod]
    public let metrics: [MetricDefinition]
    /// The file's `version` (1 when a file without payment terms gives none); raised whenever the terms change.
    public var version: Int = 1
    /// What the contract pays for; nil when the file declares metrics only.
    public var payments: PaymentTerms? = nil
    /// The id results are stored under: the contract's own, or `<id>@control` for its comparison arm.
    public internal(set) var resultsID: String = ""

    /// The id results are stored under, `id` unless this is a comparison arm.
    public var storedID: String { resultsID.isEmpty ? id : resultsID }

    /// The suffix of the comparison arm's stored results.
    public static let comparisonSuffix = "@control"
    /// The suffix of results computed from a file tried out (`outcomes metrics --file`): kept apart
    /// from the loaded contract's results, so they never feed a payment.
    public static let trialSuffix = "@trial"

    /// The same contract with its results stored apart, as a trial of its file.
    public var trial: OutcomeContract {
        var trial = self
        trial.resultsID = id + Self.trialSuffix
        return trial
    }

    /// The same metrics over the control arm of a randomized contract whose participants are its
    /// treatment arm — the comparison figures of effect-based payments; nil for other contracts.
    public var comparisonArm: OutcomeContract? {
        guard cohort.studyArm == .treatment, !storedID.hasSuffix(Self.comparisonSuffix) else { return nil }
        var arm = self
        arm.cohort = CohortRule(providers: cohort.providers, studyArm: .control, minimumEnrolledDays: cohort.minimumEnrolledDays,
                                assignBy: cohort.assignBy)
        arm.resultsID = storedID + Self.comparisonSuffix
        return arm
    }

    /// The comparisons of the effect-based and savings-share lines.
    var comparisons: [EffectLine.Comparison] {
        (payments?.effectLines.map(\.comparison) ?? []) + (payments?.savingsShares.map(\.comparison) ?? [])
    }

    /// Whether an effect or savings-share line compares with the control arm, so its metrics are needed.
    public var needsComparisonArm: Bool { comparisons.contains { $0.usesControlArm } && comparisonArm != nil }

    /// Whether a line compares with a matched comparison group (stored as `<id>@matched`).
    public var needsMatchedGroup: Bool { comparisons.contains(.matchedGroup) }

    /// The suffix of a matched comparison group's stored results.
    public static let matchedSuffix = "@matched"

    public func period(_ label: String) -> ReportingPeriod? { periods.first { $0.label == label } }

    /// Which date puts a participant's value of `metric` in a period: the metric's own rule, else
    /// the cohort's (whose `achieved` falls back to the window end for measures without a date of achievement).
    public func assignment(of metric: MetricDefinition) -> CohortRule.PeriodAssignment {
        if let own = metric.assignBy { return own }
        return cohort.assignBy == .achieved && !metric.hasAchievementDate ? .windowEnd : cohort.assignBy
    }

    /// Everything before the first reporting period, as one period that is never paid: a
    /// precondition or a prerequisite achieved before the contract's first period still counts.
    public var priorPeriod: ReportingPeriod {
        ReportingPeriod(label: Self.priorPeriodLabel, start: LocalDate(iso: "1900-01-01")!, end: periods[0].start.adding(days: -1))
    }

    public static let priorPeriodLabel = "(before)"

    /// Whether the terms look back before the first period: a rate-card precondition or
    /// prerequisite, or a per-day line's precondition. Its metrics are then computed for
    /// `priorPeriod` too, with the first period.
    public var needsPriorPeriod: Bool {
        guard let payments else { return false }
        return payments.rateCard?.precondition != nil || payments.rateCard?.lines.contains { !$0.requires.isEmpty } == true
            || payments.perDayLines.contains { $0.precondition != nil }
    }
}
