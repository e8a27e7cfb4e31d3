import Foundation

/// A deterministic synthetic Integrated Data System: people, their links to source systems,
/// program enrollments and six years of administrative events.
///
/// The model is built so that analyses have something real to find:
/// - a latent risk drives jail, shelter, ER and benefit use and lowers employment;
/// - enrollment depends on observed pre-period history (shelter days, jail days, employment,
///   ER visits), so participants differ from everyone else and a naive comparison is biased;
/// - the housing program randomizes referrals (a control arm is referred but not served);
/// - served participants' event rates change from their enrollment start by the effects in
///   `ProgramCatalog.synthetic`, which differ by provider (the ground truth);
/// - linkage is incomplete: a source's records about a person are kept only if the person was
///   linked to that source, some links are probabilistic, and some people have two keys in one source.
///
/// Person `n` uses its own random streams derived from `(seed, n)`, so the data for a seed are the
/// same however they are produced, and different seeds give different data.
public struct SyntheticIDS: Sendable {
    public let personCount: Int
    public let seed: UInt64
    /// Whether the persons have families: children, the other parent, households (`SyntheticFamily`).
    public let families: Bool
    public let catalog: ProgramCatalog
    /// Names the data-generating model; changed whenever a change to the model changes its output.
    /// (2: source keys of 60 random bits instead of 40.)
    public static let modelVersion = "synthetic-ids/2"
    /// The model with families: the same person rows and identities as `modelVersion`, and the
    /// relatives after them; a root's history differs where its family reaches it.
    public static let familyModelVersion = "synthetic-ids/2-families"
    public var model: String { families ? Self.familyModelVersion : Self.modelVersion }

    public static let observationStart = LocalDate(year: 2019, month: 1, day: 1)!
    public static let studyStart = LocalDate(year: 2021, month: 1, day: 1)!
    public static let enrollmentWindowEnd = LocalDate(year: 2022, month: 12, day: 31)!
    public static let extractDate = LocalDate(year: 2024, month: 12, day: 31)!
    public static let counties = ["Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir"]

    static let countyWeights = [0.26, 0.22, 0.18, 0.14, 0.12, 0.08]
    static let countyRisk = [0.2, 0.0, -0.1, 0.3, -0.2, 0.1]
    static let raceWeights: [(RaceEthnicity, Double)] = [
        (.hispanic, 0.22), (.black, 0.30), (.white, 0.36), (.asian, 0.04), (.americanIndian, 0.03),
        (.pacificIslander, 0.01), (.multiracial, 0.02), (.unknown, 0.02),
    ]
    static let sexWeights: [(Sex, Double)] = [(.female, 0.44), (.male, 0.54), (.other, 0.01), (.unknown, 0.01)]

    /// Per source: chance a person with records there is linked, and chance a link is deterministic.
    static let linkage: [String: (linked: Double, deterministic: Double, secondKey: Double)] = [
        "JMS": (0.97, 0.85, 0.01), "HMIS": (0.86, 0.60, 0.04), "UI": (0.93, 0.95, 0),
        "MMIS": (0.95, 0.90, 0.005), "CWS": (0.90, 0.80, 0.01), "EBT": (0.94, 0.90, 0), "PRG": (1.0, 1.0, 0),
        "SIS": (0.92, 0.85, 0.01),
    ]

    public init(persons: Int, seed: UInt64, families: Bool = false) {
        precondition(persons >= 0, "the number of persons cannot be negative")
        self.personCount = persons
        self.seed = seed
        self.families = families
        self.catalog = families ? .syntheticWithFamilies : .synthetic
    }

    /// The roots' ids run from 1 to `personCount`; with families, their relatives' ids follow (`SyntheticFamily`).
    public var personIDs: Range<Int> { 1..<personCount + 1 }

    public func person(_ id: Int) -> SyntheticPerson {
        if isRelative(id) {
            let (root, _) = rootAndSlot(ofRelative: id)
            guard let relative = family(ofRoot: person(root))?.relatives.first(where: { $0.id == id }) else {
                preconditionFailure("no synthetic person has id \(id)")
            }
            return relative
        }
        var rng = SeededGenerator(seed: seed, stream: UInt64(id), substream: 0)
        let age = 18 + Int(47 * pow(rng.uniform(), 1.35))
        let birth = LocalDate(year: SyntheticIDS.studyStart.year - age, month: 1, day: 1)!.adding(days: -rng.int(in: 1...365))
        let sex = SyntheticIDS.sexWeights[rng.weightedIndex(SyntheticIDS.sexWeights.map(\.1))].0
        let race = SyntheticIDS.raceWeights[rng.weightedIndex(SyntheticIDS.raceWeights.map(\.1))].0
        let county = rng.weightedIndex(SyntheticIDS.countyWeights)
        let yearOnly = rng.bernoulli(0.08)
        return SyntheticPerson(
            id: id, birthDate: yearOnly ? nil : birth, birthYear: birth.year, ageAtStudyStart: age,
            sex: sex, raceEthnicity: race, county: county)
    }

    public func history(of person: SyntheticPerson) -> SyntheticHistory {
        if families {
            let root = isRelative(person.id) ? rootAndSlot(ofRelative: person.id).root : person.id
            if isRelative(person.id) || family(ofRoot: person) != nil {
                return histories(ofRoot: root).first { $0.person.id == person.id }!.history
            }
        }
        var simulation = PersonSimulation(
            person: person, catalog: catalog,
            rng: SeededGenerator(seed: seed, stream: UInt64(person.id), substream: 1))
        let events = simulation.run()
        var rng = SeededGenerator(seed: seed, stream: UInt64(person.id), substream: 2)
        return link(person: person, events: events, enrollments: simulation.enrollments, inFamily: false, rng: &rng)
    }

    /// Links the person to each source that holds records about them; drops unlinked sources' records.
    /// Medicaid holds a record of every member of a family (its case names parents and children).
    func link(
        person: SyntheticPerson, events: [SyntheticHistory.Event], enrollments: [SyntheticHistory.Enrollment],
        inFamily: Bool, rng: inout SeededGenerator
    ) -> SyntheticHistory {
        var history = SyntheticHistory(enrollments: enrollments)
        var linkedDomains = Set<EventDomain>()
        for source in SourceSystem.all {
            let present = (inFamily && source == .medicaid)
                || (source.domain.map { domain in events.contains { $0.domain == domain } } ?? !enrollments.isEmpty)
            guard present, let rates = SyntheticIDS.linkage[source.code], rng.bernoulli(rates.linked) else { continue }
            if let domain = source.domain { linkedDomains.insert(domain) }
            let keys = rng.bernoulli(rates.secondKey) ? 2 : 1
            for _ in 0..<keys {
                let deterministic = rng.bernoulli(rates.deterministic)
                // 60 random bits: a million people's keys in one source do not collide (40 bits did, now and then).
                let key = source.code + "-" + String(rng.next() & 0x0FFF_FFFF_FFFF_FFFF, radix: 36, uppercase: true)
                history.links.append(SyntheticHistory.Link(
                    source: source, key: key, method: deterministic ? .deterministic : .probabilistic,
                    score: deterministic ? 10_000 : rng.int(in: 8_000...9_900)))
            }
        }
        history.events = events.filter { linkedDomains.contains($0.domain) }
        return history
    }
}
