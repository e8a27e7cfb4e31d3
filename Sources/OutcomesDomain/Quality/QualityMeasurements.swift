import Foundation

/// The counts a data-quality report is judged on, gathered from the linked data by set-based
/// queries (see `OutcomesDatabase.QualityQueries`). Pure data, so the judgement is testable alone.
public struct QualityMeasurements: Sendable, Equatable {
    public struct SourceLinkage: Sendable, Equatable {
        public var source: String
        public var name: String
        public var personsLinked: Int
        public var participantsLinked: Int
        public var links: Int
        public var keys: Int
        public var probabilisticLinks: Int
        public var linksBelowReviewScore: Int
        public var personsWithSeveralKeys: Int
        public var keysOnSeveralPersons: Int

        public init(
            source: String, name: String, personsLinked: Int = 0, participantsLinked: Int = 0, links: Int = 0,
            keys: Int = 0, probabilisticLinks: Int = 0, linksBelowReviewScore: Int = 0,
            personsWithSeveralKeys: Int = 0, keysOnSeveralPersons: Int = 0
        ) {
            self.source = source
            self.name = name
            self.personsLinked = personsLinked
            self.participantsLinked = participantsLinked
            self.links = links
            self.keys = keys
            self.probabilisticLinks = probabilisticLinks
            self.linksBelowReviewScore = linksBelowReviewScore
            self.personsWithSeveralKeys = personsWithSeveralKeys
            self.keysOnSeveralPersons = keysOnSeveralPersons
        }
    }

    /// Two relations edges of one pair name at the same time (`child/sibling`), and how many pairs.
    public struct Disagreement: Sendable, Equatable {
        public var relations: String
        public var pairs: Int

        public init(relations: String, pairs: Int) {
            self.relations = relations
            self.pairs = pairs
        }
    }

    /// Events of one domain starting in one calendar month.
    public struct MonthCount: Sendable, Equatable {
        public var domain: String
        /// spell, point or quarterly_amount (ids.event_domains.shape).
        public var shape: String
        public var month: LocalDate
        public var events: Int

        public init(domain: String, shape: String, month: LocalDate, events: Int) {
            self.domain = domain
            self.shape = shape
            self.month = month
            self.events = events
        }
    }

    public struct ProgramEnrollments: Sendable, Equatable {
        public var program: String
        public var enrollments: Int
        public var overlapping: Int

        public init(program: String, enrollments: Int, overlapping: Int) {
            self.program = program
            self.enrollments = enrollments
            self.overlapping = overlapping
        }
    }

    public var persons = 0
    public var personsWithoutLinks = 0
    /// Persons with at least one enrollment.
    public var participants = 0
    /// Persons holding two or more keys in at least one source.
    public var personsWithSeveralKeys = 0
    public var sources: [SourceLinkage] = []
    public var events = 0
    public var eventsBeforeBirth = 0
    public var eventsAfterDataThrough = 0
    public var spellsEndingBeforeStart = 0
    public var eventsWithoutSourceLink = 0
    /// Quarterly amounts (wages) not spanning exactly one calendar quarter.
    public var wageRecordsOffQuarter = 0
    public var programs: [ProgramEnrollments] = []
    public var months: [MonthCount] = []
    /// Pairs of persons joined by an edge (household membership aside), and those whose edges name
    /// relations that disagree at the same time, with the disagreements seen (`child/sibling 3`).
    public var relatedPairs = 0
    public var contradictingPairs = 0
    public var contradictions: [Disagreement] = []
    public var personsInHouseholds = 0
    public var personsInTwoHouseholds = 0
    /// The last day the data should cover: events after it are errors, periods up to it must be present.
    public var dataThrough: LocalDate

    public init(dataThrough: LocalDate) { self.dataThrough = dataThrough }

    /// Persons linked to at least one source (every link's person is in the person index).
    public var personsLinked: Int { persons - personsWithoutLinks }
    public var links: Int { sources.reduce(0) { $0 + $1.links } }
    public var keys: Int { sources.reduce(0) { $0 + $1.keys } }
    public var enrollments: Int { programs.reduce(0) { $0 + $1.enrollments } }
}

/// How the quality report compares the relations two sources give one pair.
public enum FamilyQuality {
    /// The kind a relation is compared as: parents and guardians are parents, children and wards
    /// children, narrower codes their broader one; nil for relations that contradict nothing
    /// (an other relative, a household member).
    public static func kind(of relation: String) -> String? {
        guard let code = RelationshipCode.named(relation) else { return nil }
        switch code.broader ?? code.code {
        case "guardian": return "parent"
        case "ward": return "child"
        case "other_relative", "household_member": return nil
        case let kind: return kind
        }
    }
}
