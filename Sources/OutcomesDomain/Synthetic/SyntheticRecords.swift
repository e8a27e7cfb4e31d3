/// A person of the synthetic master person index.
public struct SyntheticPerson: Sendable, Equatable {
    public let id: Int
    /// Nil for the share of people whose sources record only a birth year.
    public let birthDate: LocalDate?
    public let birthYear: Int
    public let ageAtStudyStart: Int
    public let sex: Sex
    public let raceEthnicity: RaceEthnicity
    public let county: Int
}

/// Everything the IDS holds about one person, apart from the person row itself.
public struct SyntheticHistory: Sendable {
    public struct Link: Sendable, Equatable {
        public let source: SourceSystem
        public let key: String
        public let method: MatchMethod
        /// Match score in ten-thousandths (10000 = 1.0000).
        public let score: Int
    }

    public struct Enrollment: Sendable, Equatable {
        public let programID: String
        public let providerID: String
        public let contractID: String
        public let start: LocalDate
        public let end: LocalDate?
        public let exitReason: ExitReason?
        public let arm: StudyArm?
    }

    public struct Event: Sendable, Equatable {
        public let domain: EventDomain
        public let type: StaticString
        public let start: LocalDate
        /// Nil for a spell still open on the extract date.
        public let end: LocalDate?
        public let amountCents: Int?

        public static func == (lhs: Event, rhs: Event) -> Bool {
            lhs.domain == rhs.domain && lhs.type.description == rhs.type.description && lhs.start == rhs.start
                && lhs.end == rhs.end && lhs.amountCents == rhs.amountCents
        }
    }

    public var links: [Link] = []
    public var enrollments: [Enrollment] = []
    /// Only the events of sources the person is linked to: records that failed to link are lost.
    public var events: [Event] = []
}

/// Writes synthetic records as COPY text rows in the column order of the `ids` tables.
/// `load_id` is left to the tables' default (the loading transaction's `outcomes.load_id`).
public enum SyntheticRowWriter {
    public static let personColumns = ["person_id", "birth_date", "birth_year", "sex", "race_ethnicity", "county"]
    public static let linkColumns = ["person_id", "source_system", "source_key", "match_method", "match_score"]
    public static let enrollmentColumns = [
        "person_id", "enrollment_id", "program_id", "provider_id", "contract_id", "start_date", "end_date", "exit_reason", "study_arm",
    ]
    public static let eventColumns = [
        "person_id", "event_id", "domain", "event_type", "source_system", "source_record", "start_date", "end_date", "amount",
    ]

    public static func write(_ person: SyntheticPerson, into buffer: inout CopyTextBuffer) {
        buffer.int(person.id)
        buffer.date(person.birthDate)
        buffer.int(person.birthYear)
        buffer.text(person.sex.rawValue)
        buffer.text(person.raceEthnicity.rawValue)
        buffer.text(SyntheticIDS.counties[person.county])
        buffer.endRow()
    }

    public static func writeLinks(_ history: SyntheticHistory, personID: Int, into buffer: inout CopyTextBuffer) {
        for link in history.links {
            buffer.int(personID)
            buffer.text(link.source.code)
            buffer.text(link.key)
            buffer.text(link.method.rawValue)
            buffer.tenThousandths(link.score)
                buffer.endRow()
        }
    }

    public static func writeEnrollments(
        _ history: SyntheticHistory, personID: Int, nextID: inout Int, into buffer: inout CopyTextBuffer
    ) {
        for enrollment in history.enrollments {
            buffer.int(personID)
            buffer.int(nextID)
            nextID += 1
            buffer.text(enrollment.programID)
            buffer.text(enrollment.providerID)
            buffer.text(enrollment.contractID)
            buffer.date(enrollment.start)
            buffer.date(enrollment.end)
            buffer.text(enrollment.exitReason?.rawValue)
            buffer.text(enrollment.arm?.rawValue)
                buffer.endRow()
        }
    }

    public static func writeEvents(
        _ history: SyntheticHistory, personID: Int, nextID: inout Int, into buffer: inout CopyTextBuffer
    ) {
        var sequence = 0
        for event in history.events {
            let source = SourceSystem.feeding(event.domain)
            sequence += 1
            buffer.int(personID)
            buffer.int(nextID)
            nextID += 1
            buffer.text(event.domain.rawValue)
            buffer.code(event.type)
            buffer.text(source.code)
            // The source's own record key: the person's key in that source and a record number.
            buffer.text((history.links.first { $0.source == source }?.key ?? source.code) + "-\(sequence)")
            buffer.date(event.start)
            buffer.date(event.end)
            buffer.cents(event.amountCents)
                buffer.endRow()
        }
    }
}
