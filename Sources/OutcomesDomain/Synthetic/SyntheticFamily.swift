import Foundation

/// What a referral to the two-generation program sees of a parent's children: their out-of-home
/// placements before the study, and how young the youngest is. Child welfare refers parents it
/// investigated before the study and who live with their children.
struct FamilyReferral {
    /// The parent lives with a child under 18 on the study start and was investigated before it.
    let referable: Bool
    let priorPlacements: Int
    let youngestAge: Int
}

/// One synthetic person's family: the other parent of their children (a partner at home, or a
/// parent living elsewhere) and the children, with who the children live with.
///
/// Drawn from the root person's own stream (substream 5), so the root's person row and identity
/// are drawn exactly as without families; its history differs where the family reaches it (the
/// two-generation referral, a Medicaid record, investigations of its children). Relatives are
/// persons of the IDS too, with ids after every root's: root `r`'s relatives take
/// `personCount + (r − 1)·4 + slot`, slot 1 the other parent and slots 2–4 the children (an empty
/// slot is an id no one has). A relative's random streams are keyed by (root, slot), not by its
/// id, so its data do not depend on how many people are generated.
public struct SyntheticFamily: Sendable {
    public let root: SyntheticPerson
    /// A family-level risk: children's placements and ER visits rise with it, school attendance falls.
    public let risk: Double
    public let otherParent: SyntheticPerson?
    /// The other parent lives with the root (a partner), from `partnerFrom` to `partnerTo` (nil: still).
    public let partnerAtHome: Bool
    public let partnerTo: LocalDate?
    public let children: [SyntheticPerson]
    /// The children live with the root; otherwise with the other parent (or with kin, when there is none).
    public let childrenWithRoot: Bool

    static let slots = 4
    static let householdsFrom = LocalDate(year: 2018, month: 1, day: 1)!

    public var relatives: [SyntheticPerson] { (otherParent.map { [$0] } ?? []) + children }
    public var members: [SyntheticPerson] { [root] + relatives }
}

extension SyntheticIDS {
    /// Whether an id is a relative's (ids past the roots').
    public func isRelative(_ id: Int) -> Bool { families && id > personCount }

    /// The root of a relative's family and the relative's slot in it.
    func rootAndSlot(ofRelative id: Int) -> (root: Int, slot: Int) {
        let offset = id - personCount - 1
        return (offset / SyntheticFamily.slots + 1, offset % SyntheticFamily.slots + 1)
    }

    func relativeID(root: Int, slot: Int) -> Int { personCount + (root - 1) * SyntheticFamily.slots + slot }

    /// A person's random stream for one purpose (substream 1: history, 2: links, 3: identity,
    /// 16 + n: the n-th identifier record): a root's by its id, a relative's by its root and slot.
    func randomStream(of id: Int, _ purpose: UInt64) -> SeededGenerator {
        guard isRelative(id) else { return SeededGenerator(seed: seed, stream: UInt64(id), substream: purpose) }
        let (root, slot) = rootAndSlot(ofRelative: id)
        return SeededGenerator(seed: seed, stream: UInt64(root), substream: 64 + 32 * UInt64(slot) + purpose)
    }

    /// The index of a person's SSN among the issuable ones: a relative's by its root and slot (past
    /// every possible root's, as `--persons` is at most 20,000,000), so it does not depend on the size either.
    func ssnIndex(of id: Int) -> Int {
        guard isRelative(id) else { return personSSNIndex(id) }
        let (root, slot) = rootAndSlot(ofRelative: id)
        return personSSNIndex(20_000_000 + (root - 1) * SyntheticFamily.slots + slot)
    }

    /// The family of a root person (ids 1…personCount); nil when it has no children or families are off.
    public func family(ofRoot root: SyntheticPerson) -> SyntheticFamily? {
        guard families, root.id <= personCount else { return nil }
        var rng = SeededGenerator(seed: seed, stream: UInt64(root.id), substream: 5)
        let age = root.ageAtStudyStart
        let female = root.sex == .female
        let chance = age > 55 ? 0.0 : female ? 0.55 : root.sex == .male ? 0.35 : 0.45
        guard rng.bernoulli(chance) else { return nil }
        let risk = rng.normal()
        let wanted = 1 + rng.weightedIndex([0.45, 0.35, 0.20])
        var children: [SyntheticPerson] = []
        for slot in 2..<(2 + wanted) {
            let parentAgeAtBirth = rng.int(in: 18...40)
            let childAge = age - parentAgeAtBirth
            let birth = LocalDate(year: SyntheticIDS.studyStart.year - childAge, month: 1, day: 1)!.adding(days: -rng.int(in: 1...365))
            let sex: Sex = rng.bernoulli(0.5) ? .female : .male
            let race = rng.bernoulli(0.9) ? root.raceEthnicity : .multiracial
            // Born by the extract date and under 18 on the study start.
            guard (-3...17).contains(childAge), birth < SyntheticIDS.extractDate else { continue }
            children.append(SyntheticPerson(
                id: relativeID(root: root.id, slot: slot), birthDate: birth, birthYear: birth.year, ageAtStudyStart: childAge,
                sex: sex, raceEthnicity: race, county: root.county))
        }
        guard !children.isEmpty else { return nil }
        let withRoot = rng.bernoulli(female ? 0.88 : 0.40)
        let hasOther = rng.bernoulli(withRoot ? 0.75 : 0.85)
        let atHome = withRoot && hasOther && rng.bernoulli(0.45)
        let leaves = atHome && rng.bernoulli(0.2)
        let partnerTo = leaves ? SyntheticIDS.observationStart.adding(days: rng.int(in: 0...(5 * 365))) : nil
        var otherParent: SyntheticPerson?
        if hasOther {
            let otherAge = min(70, max(18, age + Int(rng.normal(mean: 2, sd: 4))))
            let birth = LocalDate(year: SyntheticIDS.studyStart.year - otherAge, month: 1, day: 1)!.adding(days: -rng.int(in: 1...365))
            let sex: Sex = female ? .male : root.sex == .male ? .female : (rng.bernoulli(0.5) ? .female : .male)
            let race = rng.bernoulli(0.8) ? root.raceEthnicity
                : SyntheticIDS.raceWeights[rng.weightedIndex(SyntheticIDS.raceWeights.map(\.1))].0
            let county = atHome ? root.county : rng.weightedIndex(SyntheticIDS.countyWeights)
            otherParent = SyntheticPerson(
                id: relativeID(root: root.id, slot: 1), birthDate: rng.bernoulli(0.08) ? nil : birth, birthYear: birth.year,
                ageAtStudyStart: otherAge, sex: sex, raceEthnicity: race, county: county)
        }
        return SyntheticFamily(root: root, risk: risk, otherParent: otherParent, partnerAtHome: atHome, partnerTo: partnerTo,
                               children: children, childrenWithRoot: withRoot || otherParent == nil)
    }

    /// Every person of a root's family, the root first: what the persons table holds for it.
    public func members(ofRoot id: Int) -> [SyntheticPerson] {
        let root = person(id)
        return family(ofRoot: root)?.members ?? [root]
    }

    /// Each member of a root's family with its history: the root's referral sees the children's
    /// earlier placements, and the children's later placements follow the root's treatment.
    public func histories(ofRoot id: Int) -> [(person: SyntheticPerson, history: SyntheticHistory)] {
        let root = person(id)
        guard let family = family(ofRoot: root) else { return [(root, history(of: root))] }
        var children = family.children.map { child in
            ChildSimulation(child: child, family: family,
                            rng: randomStream(of: child.id, 1))
        }
        for index in children.indices { children[index].runBeforeStudy() }
        let livesWithChildren = family.childrenWithRoot && family.children.contains { $0.ageAtStudyStart >= 0 }
        let investigatedBefore = children.contains { $0.priorPlacements > 0 || !$0.investigations.isEmpty }
        let referral = FamilyReferral(
            referable: livesWithChildren && investigatedBefore, priorPlacements: children.reduce(0) { $0 + $1.priorPlacements },
            youngestAge: family.children.map(\.ageAtStudyStart).filter { $0 >= 0 }.min() ?? 18)
        var simulation = PersonSimulation(
            person: root, catalog: catalog, rng: SeededGenerator(seed: seed, stream: UInt64(root.id), substream: 1))
        simulation.family = referral
        var rootEvents = simulation.run()
        var otherEvents: [SyntheticHistory.Event] = []
        if let other = family.otherParent {
            var otherSimulation = PersonSimulation(
                person: other, catalog: catalog, rng: randomStream(of: other.id, 1))
            otherSimulation.mayEnroll = false
            otherEvents = otherSimulation.run()
        }
        let effect = simulation.servingProvider.flatMap { catalog.effect(provider: $0, outcome: "child_placement_rate") }
        var childResults: [(person: SyntheticPerson, history: SyntheticHistory)] = []
        for index in children.indices {
            children[index].treatment = effect.map { (simulation.treatmentStart, $0) }
            let events = children[index].runFromStudyStart()
            childResults.append((children[index].child, linked(children[index].child, events: events, enrollments: [], inFamily: true)))
            // An investigation is a record of the parent the child lives with.
            let investigations = children[index].investigations.map(ChildSimulation.investigation)
            if family.childrenWithRoot { rootEvents += investigations } else { otherEvents += investigations }
        }
        var result = [(root, linked(root, events: rootEvents, enrollments: simulation.enrollments, inFamily: true))]
        if let other = family.otherParent { result.append((other, linked(other, events: otherEvents, enrollments: [], inFamily: true))) }
        return result + childResults
    }

    private func linked(_ person: SyntheticPerson, events: [SyntheticHistory.Event], enrollments: [SyntheticHistory.Enrollment],
                        inFamily: Bool) -> SyntheticHistory {
        var rng = randomStream(of: person.id, 2)
        return link(person: person, events: events, enrollments: enrollments, inFamily: inFamily, rng: &rng)
    }
}

/// One child's administrative history: out-of-home placements (child welfare), pediatric ER visits
/// (Medicaid), WIC and child-care subsidy (benefits), and school years with attendance.
struct ChildSimulation {
    typealias Event = SyntheticHistory.Event
    let child: SyntheticPerson
    let family: SyntheticFamily
    var rng: SeededGenerator
    /// From this day placements happen at the rate times the ratio (the parent's two-generation treatment).
    var treatment: (start: Int, ratio: Double)?
    private(set) var priorPlacements = 0
    /// The days child welfare opened an investigation about the child: before every placement, and
    /// more often without one.
    private(set) var investigations: [Int] = []
    private var placements: [Event] = []

    private let start = SyntheticIDS.observationStart.daysSinceEpoch
    private let boundary = SyntheticIDS.studyStart.daysSinceEpoch
    private let end = SyntheticIDS.extractDate.daysSinceEpoch

    init(child: SyntheticPerson, family: SyntheticFamily, rng: SeededGenerator) {
        self.child = child
        self.family = family
        self.rng = rng
    }

    private var born: Int { child.birthDate!.daysSinceEpoch }
    private var adult: Int { child.birthDate!.adding(days: 18 * 365 + 4).daysSinceEpoch }

    private func placementRate(_ day: Int) -> Double {
        let young = day - born < 6 * 365 ? 1.5 : 1
        let ratio = treatment.map { day >= $0.start ? $0.ratio : 1 } ?? 1
        return 0.05 * exp(0.9 * family.risk) * young * ratio
    }

    /// Placements and investigations before the study start: what a referral sees.
    mutating func runBeforeStudy() {
        placements = placementSpells(from: max(start, born), to: min(boundary - 1, adult))
        priorPlacements = placements.count
        investigations = unplacedInvestigations(from: max(start, born), to: min(boundary - 1, adult))
    }

    mutating func runFromStudyStart() -> [Event] {
        let resume = max(boundary, born, placements.last.map { ($0.end?.daysSinceEpoch ?? end) + 1 } ?? boundary)
        placements += placementSpells(from: resume, to: min(end, adult))
        investigations += unplacedInvestigations(from: max(boundary, born), to: min(end, adult))
        investigations = (investigations + placements.map { max(start, $0.start.daysSinceEpoch - 7) }).sorted()
        return placements + emergencyVisits() + benefits() + schoolYears()
    }

    /// An investigation as the parent's child-welfare record: open for 30 days.
    static func investigation(_ day: Int) -> Event {
        Event(domain: .childWelfare, type: "investigation", start: LocalDate(daysSinceEpoch: day),
              end: LocalDate(daysSinceEpoch: day + 30), amountCents: nil)
    }

    private mutating func unplacedInvestigations(from first: Int, to last: Int) -> [Int] {
        var result: [Int] = []
        var day = Double(first)
        let rate = 0.06 * exp(0.9 * family.risk)
        while true {
            day += rng.exponential(mean: 365 / rate)
            guard Int(day) <= last else { break }
            result.append(Int(day))
        }
        return result
    }

    /// Arrivals by a Poisson process whose rate changes at the treatment start (restarting there is exact).
    private mutating func placementSpells(from first: Int, to last: Int) -> [Event] {
        var result: [Event] = []
        var day = Double(first)
        while Int(day) <= last {
            let next = day + rng.exponential(mean: 365 / placementRate(Int(day)))
            if let treatment, Int(day) < treatment.start, Int(next) >= treatment.start {
                day = Double(treatment.start)
                continue
            }
            guard Int(next) <= last else { break }
            let stop = Int(next) + 30 + Int(rng.exponential(mean: 300))
            result.append(Event(domain: .childWelfare, type: "placement", start: LocalDate(daysSinceEpoch: Int(next)),
                                end: stop <= end ? LocalDate(daysSinceEpoch: stop) : nil, amountCents: nil))
            day = Double(stop + 1)
        }
        return result
    }

    private mutating func emergencyVisits() -> [Event] {
        var result: [Event] = []
        let rate = 0.45 * exp(0.4 * family.risk)
        // From six weeks old: a record dated near the birth would precede a birth date mistyped a few days later.
        var day = Double(max(start, born + 45))
        while true {
            day += rng.exponential(mean: 365 / rate)
            guard Int(day) <= min(end, adult) else { break }
            let date = LocalDate(daysSinceEpoch: Int(day))
            result.append(Event(domain: .erVisit, type: "pediatric_ed_visit", start: date, end: date,
                                amountCents: Int(rng.logNormal(median: 600, sigma: 0.6) * 100)))
        }
        return result
    }

    /// WIC to the fifth birthday for most families with little income; a child-care subsidy for a year or two under six.
    private mutating func benefits() -> [Event] {
        var result: [Event] = []
        let fifth = child.birthDate!.adding(days: 5 * 365 + 1).daysSinceEpoch
        if fifth > start, rng.bernoulli(logistic(0.2 + 0.5 * family.risk)) {
            let from = max(start, born + 45), to = fifth - 1
            result.append(Event(domain: .benefit, type: "WIC", start: LocalDate(daysSinceEpoch: from),
                                end: to <= end ? LocalDate(daysSinceEpoch: to) : nil, amountCents: 150 * (min(to, end) - from + 1)))
        }
        let sixth = child.birthDate!.adding(days: 6 * 365 + 1).daysSinceEpoch
        if sixth > start, rng.bernoulli(0.25) {
            let from = max(start, born + 45) + rng.int(in: 0...max(0, sixth - max(start, born + 45) - 1))
            let to = min(sixth - 1, from + rng.int(in: 180...730))
            if from <= end {
                result.append(Event(domain: .benefit, type: "CCDF", start: LocalDate(daysSinceEpoch: from),
                                    end: to <= end ? LocalDate(daysSinceEpoch: to) : nil, amountCents: 2_500 * (min(to, end) - from + 1)))
            }
        }
        return result
    }

    /// One enrollment per school year the child is 5 to 17 on September 1; its amount is the share of days attended.
    private mutating func schoolYears() -> [Event] {
        var result: [Event] = []
        let tendency = 2.6 - 0.6 * family.risk + 0.4 * rng.normal()
        for year in 2019...2024 {
            let september = LocalDate(year: year, month: 9, day: 1)!
            let age = child.birthDate!.days(to: september) / 365
            guard (5...17).contains(age) else { continue }
            let first = LocalDate(year: year, month: 8, day: 20)!, last = LocalDate(year: year + 1, month: 6, day: 10)!
            guard last.daysSinceEpoch >= start else { continue }
            let attended = 100 * logistic(tendency + 0.5 * rng.normal())
            result.append(Event(domain: .school, type: "school_year", start: first,
                                end: last.daysSinceEpoch <= end ? last : nil, amountCents: Int((attended * 100).rounded())))
        }
        return result
    }
}
