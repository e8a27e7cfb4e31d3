/// The files of `outcomes synth --identifiers DIR`: the synthetic IDS as agencies would send it,
/// before anyone linked it. Paths are relative to DIR.
public enum SyntheticExtractFile: String, CaseIterable, Sendable {
    case identifierSourceSystems = "identifiers/source_systems.csv"
    case identifiers = "identifiers/identifiers.csv"
    case eventDomains = "content/event_domains.csv"
    case contentSourceSystems = "content/source_systems.csv"
    case programs = "content/programs.csv"
    case providers = "content/providers.csv"
    case contracts = "content/contracts.csv"
    case enrollments = "content/enrollments.csv"
    case events = "content/events.csv"
    /// With families only: relationships and households as Medicaid holds them (`SyntheticFamilyRecords`).
    case relationships = "content/relationships.csv"
    case households = "content/households.csv"
    /// With a late feed only: the records that source sends a month late (`LateFeed`).
    case lateEvents = "monthly/events.csv"
    case truth = "truth.csv"

    /// The folders the files are in, relative to DIR (`monthly` with a late feed only).
    public static let folders = ["identifiers", "content"]
    public static let lateFolder = "monthly"

    public var columns: [String] {
        switch self {
        case .identifierSourceSystems, .contentSourceSystems: ["source_system", "name", "agency", "domain"]
        case .identifiers: IdentifierRecord.columns
        case .eventDomains: ["domain", "shape"]
        case .programs: ["program_id", "name", "randomized"]
        case .providers: ["provider_id", "name", "program_id"]
        case .contracts: ["contract_id", "program_id", "name", "payer", "start_date", "end_date"]
        case .enrollments:
            ["enrollment_id", "source_system", "source_key", "program_id", "provider_id", "contract_id", "start_date",
             "end_date", "exit_reason", "study_arm"]
        case .events, .lateEvents:
            ["event_id", "domain", "event_type", "source_system", "source_key", "source_record", "start_date", "end_date", "amount"]
        case .relationships: SyntheticFamilyRecords.relationshipColumns
        case .households: SyntheticFamilyRecords.householdColumns
        case .truth: ["source_system", "source_key", "entity"]
        }
    }
}

/// Writes the synthetic identifier and content extracts and the truth, person by person, in
/// chunks handed to `sink` (file, bytes): memory stays flat whatever the number of persons.
///
/// Enrollments come from the program system (PRG), which holds a record of every enrolled person
/// (the simulation links each of them to it); events from the source feeding their domain, under
/// the person's key there (a person with two keys in a source has its later half of events under
/// the second). Both are the records the pre-linked data set holds, keyed by source key instead
/// of person id.
public struct SyntheticExtractWriter {
    public let ids: SyntheticIDS
    public let noise: IdentifierNoise
    /// Called now and then with (persons done, persons in all).
    public var progress: (Int, Int) -> Void = { _, _ in }
    /// A source whose latest month arrives in the next monthly extract, or nil.
    public var lateFeed: LateFeed?

    static let flushSize = 1 << 16

    public init(ids: SyntheticIDS, noise: IdentifierNoise) {
        self.ids = ids
        self.noise = noise
    }

    /// The files written: the family files only when the persons have families, the late feed's only with one.
    public var files: [SyntheticExtractFile] {
        SyntheticExtractFile.allCases.filter {
            (ids.families || ![.relationships, .households].contains($0)) && (lateFeed != nil || $0 != .lateEvents)
        }
    }

    /// The folders the files are in.
    public var folders: [String] { SyntheticExtractFile.folders + (lateFeed == nil ? [] : [SyntheticExtractFile.lateFolder]) }

    /// Writes every file, header first; returns the data rows written per file.
    @discardableResult
    public func write(to sink: (SyntheticExtractFile, [UInt8]) throws -> Void) throws -> [SyntheticExtractFile: Int] {
        let files = self.files
        var buffers = Dictionary(uniqueKeysWithValues: files.map { file in
            var buffer = CSVTextBuffer()
            buffer.row(file.columns)
            return (file, buffer)
        })
        var rows = Dictionary(uniqueKeysWithValues: files.map { ($0, 0) })
        func add(_ file: SyntheticExtractFile, _ fields: [String?]) {
            buffers[file]!.row(fields)
            rows[file]! += 1
        }
        for source in SourceSystem.all {
            let fields = [source.code, source.name, source.agency, source.domain?.rawValue]
            add(.identifierSourceSystems, fields)
            add(.contentSourceSystems, fields)
        }
        for domain in EventDomain.allCases { add(.eventDomains, [domain.rawValue, domain.shape.rawValue]) }
        for program in ids.catalog.programs { add(.programs, [program.id, program.name, String(program.randomized)]) }
        for provider in ids.catalog.providers { add(.providers, [provider.id, provider.name, provider.programID]) }
        for contract in ids.catalog.contracts {
            add(.contracts, [contract.id, contract.programID, contract.name, contract.payer, contract.start.description,
                             contract.end.description])
        }

        var nextEnrollmentID = 1, nextEventID = 1
        for id in ids.personIDs {
            let members = ids.histories(ofRoot: id)
            for (person, history) in members {
                let identity = ids.identity(of: person)
                for record in ids.identifierRecords(of: identity, links: history.links, noise: noise) {
                    add(.identifiers, record.fields)
                    add(.truth, [record.sourceSystem, record.sourceKey, String(person.id)])
                }
                if !history.enrollments.isEmpty {
                    guard let key = history.links.first(where: { $0.source == .programs })?.key else {
                        preconditionFailure("the simulation links every enrolled person to the program system")
                    }
                    for enrollment in history.enrollments {
                        add(.enrollments, [
                            String(nextEnrollmentID), SourceSystem.programs.code, key, enrollment.programID, enrollment.providerID,
                            enrollment.contractID, enrollment.start.description, enrollment.end?.description,
                            enrollment.exitReason?.rawValue, enrollment.arm?.rawValue,
                        ])
                        nextEnrollmentID += 1
                    }
                }
                for event in Self.keyedEvents(history) {
                    let fields = { (end: LocalDate?) -> [String?] in
                        [String(nextEventID), event.event.domain.rawValue, event.event.type.description, event.source.code, event.key,
                         event.record, event.event.start.description, end?.description, event.event.amountCents.map(Self.amount)]
                    }
                    switch lateFeed?.delivery(of: event.event, from: event.source) ?? .onTime {
                    case .onTime: add(.events, fields(event.event.end))
                    case .late: add(.lateEvents, fields(event.event.end))
                    case .closedLate:
                        add(.events, fields(nil))
                        add(.lateEvents, fields(event.event.end))
                    }
                    nextEventID += 1
                }
            }
            if members.count > 1, let family = ids.family(ofRoot: members[0].person) {
                let records = SyntheticFamilyRecords(family: family, histories: members)
                for row in records.relationships { add(.relationships, row) }
                for row in records.households { add(.households, row) }
            }
            for file in files where buffers[file]!.count >= Self.flushSize {
                try sink(file, buffers[file]!.bytes)
                buffers[file]!.removeAll()
            }
            if id % 10_000 == 0 { progress(id, ids.personCount) }
        }
        for file in files { try sink(file, buffers[file]!.bytes) }
        progress(ids.personCount, ids.personCount)
        return rows
    }

    /// Each event with the source key it is filed under and the source's own record number.
    static func keyedEvents(_ history: SyntheticHistory)
        -> [(event: SyntheticHistory.Event, source: SourceSystem, key: String, record: String)]
    {
        var bySource: [String: [SyntheticHistory.Event]] = [:]
        for event in history.events { bySource[SourceSystem.feeding(event.domain).code, default: []].append(event) }
        var result: [(event: SyntheticHistory.Event, source: SourceSystem, key: String, record: String)] = []
        for source in SourceSystem.all {
            guard let events = bySource[source.code] else { continue }
            let keys = history.links.filter { $0.source == source }.map(\.key)
            precondition(!keys.isEmpty, "the simulation keeps only the events of sources the person is linked to")
            for (index, event) in events.enumerated() {
                let key = keys.count > 1 && index >= events.count / 2 ? keys[1] : keys[0]
                result.append((event, source, key, key + "-\(index + 1)"))
            }
        }
        return result
    }

    /// Cents as a decimal with two places: 12345 → "123.45".
    static func amount(_ cents: Int) -> String {
        (cents < 0 ? "-" : "") + String(cents.magnitude / 100) + "." + SyntheticIDS.padded(Int(cents.magnitude % 100), 2)
    }
}

/// One source's latest month, sent a month late as agencies' feeds often are: its records that
/// start in that month come in the next monthly extract, and its records of spells open when the
/// month began are sent open (no end date) first, then again with their end.
public struct LateFeed: Sendable, Equatable {
    public let source: SourceSystem
    /// The first day of the late month.
    public let from: LocalDate

    public init(source: SourceSystem, from: LocalDate) {
        self.source = source
        self.from = from
    }

    public enum Delivery: Equatable { case onTime, late, closedLate }

    func delivery(of event: SyntheticHistory.Event, from source: SourceSystem) -> Delivery {
        guard source == self.source else { return .onTime }
        if event.start >= from { return .late }
        if let end = event.end, end >= from { return .closedLate }
        return .onTime
    }
}
