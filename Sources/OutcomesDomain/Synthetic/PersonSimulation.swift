import Foundation

/// Simulates one person's administrative history: pre-period events, the enrollment decision,
/// and post-period events under the provider's planted effects when served.
struct PersonSimulation {
    typealias Event = SyntheticHistory.Event
    let person: SyntheticPerson
    let catalog: ProgramCatalog
    var rng: SeededGenerator
    /// What a referral to the two-generation program sees of the person's children; nil for a person without any.
    var family: FamilyReferral?
    /// False for the relatives of the synthetic families: they are never referred to a program.
    var mayEnroll = true
    private(set) var enrollments: [SyntheticHistory.Enrollment] = []

    // Latent traits
    private var risk = 0.0
    private var homelessness = 0.0
    private var employability = 0.0

    /// The day treatment starts changing rates and the serving provider, when served.
    private(set) var treatmentStart = Int.max
    private(set) var servingProvider: String?

    private let start = SyntheticIDS.observationStart.daysSinceEpoch
    private let boundary = SyntheticIDS.studyStart.daysSinceEpoch
    private let end = SyntheticIDS.extractDate.daysSinceEpoch

    init(person: SyntheticPerson, catalog: ProgramCatalog, rng: SeededGenerator) {
        self.person = person
        self.catalog = catalog
        self.rng = rng
    }

    mutating func run() -> [Event] {
        let age = person.ageAtStudyStart
        let male = person.sex == .male ? 1.0 : 0.0
        risk = rng.normal() + 0.35 * male + (age < 30 ? 0.3 : 0) - (age > 50 ? 0.25 : 0)
            + SyntheticIDS.countyRisk[person.county]
        homelessness = 0.6 * risk + 0.8 * rng.normal() - 0.2
        employability = -0.5 * risk + 0.8 * rng.normal() + ((25...50).contains(age) ? 0.3 : 0)

        // Before the study: everyone at base rates.
        var jail = spells(.jail, from: start, to: boundary - 1, rate: { $0.jailRate($1) }, duration: Self.jailDays)
        var shelter = spells(.shelter, from: start, to: boundary - 1, rate: { $0.shelterRate($1) }, duration: Self.shelterDays)
        var er = points(.erVisit, from: start, to: boundary - 1, rate: { $0.erRate($1) })
        var employed = rng.bernoulli(logistic(0.2 + employability))
        var wages = quarterlyWages(quarters: 0..<8, jail: jail, employed: &employed)

        enroll(
            preJailDays: coveredDays(jail, until: boundary - 1), preShelterDays: coveredDays(shelter, until: boundary - 1),
            preEmployedQuarters: wages.count, preERVisits: er.count)

        // From the study start: rates change at the enrollment start for those served.
        jail += spells(.jail, from: nextStart(after: jail), to: end, rate: { $0.jailRate($1) }, duration: Self.jailDays)
        shelter += spells(.shelter, from: nextStart(after: shelter), to: end, rate: { $0.shelterRate($1) }, duration: Self.shelterDays)
        er += points(.erVisit, from: boundary, to: end, rate: { $0.erRate($1) })
        wages += quarterlyWages(quarters: 8..<24, jail: jail, employed: &employed)
        let childWelfare = spells(.childWelfare, from: start, to: end, rate: { s, _ in s.childWelfareRate }) {
            60 + Int($0.rng.exponential(mean: 240))
        }
        let benefits = benefitSpells()
        return jail + shelter + wages + er + childWelfare + benefits
    }

    // MARK: Rates (per year) and durations (days)

    private func effect(_ outcome: String, at day: Int) -> Double? {
        guard day >= treatmentStart, let provider = servingProvider else { return nil }
        return catalog.effect(provider: provider, outcome: outcome)
    }

    private func jailRate(_ day: Int) -> Double {
        min(6, 0.20 * exp(0.9 * risk)) * (effect("jail_booking_rate", at: day) ?? 1)
    }

    private func shelterRate(_ day: Int) -> Double {
        min(6, 0.22 * exp(homelessness)) * (effect("shelter_entry_rate", at: day) ?? 1)
    }

    private func erRate(_ day: Int) -> Double {
        min(24, 0.7 * exp(0.6 * risk)) * (effect("er_visit_rate", at: day) ?? 1)
    }

    private var childWelfareRate: Double {
        let inRange = person.sex == .female && (18...45).contains(person.ageAtStudyStart)
        return (inRange ? 0.03 : 0.004) * exp(0.4 * risk)
    }

    private static func jailDays(_ simulation: inout PersonSimulation) -> Int {
        min(900, Int(simulation.rng.logNormal(median: 5, sigma: 1.4)))
    }

    private static func shelterDays(_ simulation: inout PersonSimulation) -> Int {
        min(700, 1 + Int(simulation.rng.logNormal(median: 25, sigma: 1.1)))
    }

    // MARK: Processes

    /// Non-overlapping spells of one domain: arrivals by a Poisson process whose rate may change
    /// at `treatmentStart` (memoryless, so restarting the clock there is exact).
    private mutating func spells(
        _ domain: EventDomain, from first: Int, to last: Int, rate: (PersonSimulation, Int) -> Double,
        type: StaticString? = nil, amountPerDay: Int? = nil, duration: (inout PersonSimulation) -> Int
    ) -> [Event] {
        var result: [Event] = []
        var day = Double(first)
        while true {
            let current = rate(self, Int(day))
            guard current > 0 else { break }
            let next = day + rng.exponential(mean: 365 / current)
            if Int(day) < treatmentStart, Int(next) >= treatmentStart {
                day = Double(treatmentStart)
                continue
            }
            guard Int(next) <= last else { break }
            let begin = Int(next)
            let stop = begin + max(0, duration(&self))
            let closed = stop <= end
            result.append(Event(
                domain: domain, type: type ?? domain.defaultType, start: LocalDate(daysSinceEpoch: begin),
                end: closed ? LocalDate(daysSinceEpoch: stop) : nil,
                amountCents: amountPerDay.map { $0 * (min(stop, end) - begin + 1) }))
            day = Double(stop + 1)
        }
        return result
    }

    private mutating func points(
        _ domain: EventDomain, from first: Int, to last: Int, rate: (PersonSimulation, Int) -> Double
    ) -> [Event] {
        var result: [Event] = []
        var day = Double(first)
        while true {
            let next = day + rng.exponential(mean: 365 / rate(self, Int(day)))
            if Int(day) < treatmentStart, Int(next) >= treatmentStart {
                day = Double(treatmentStart)
                continue
            }
            guard Int(next) <= last else { break }
            let date = LocalDate(daysSinceEpoch: Int(next))
            let amount = Int(rng.logNormal(median: 900, sigma: 0.7) * 100)
            result.append(Event(domain: domain, type: domain.defaultType, start: date, end: date, amountCents: amount))
            day = next
        }
        return result
    }

    /// UI wage records, one per quarter with earnings. A quarter mostly spent in jail has none;
    /// employment persists from quarter to quarter (a two-state Markov chain).
    private mutating func quarterlyWages(quarters: Range<Int>, jail: [Event], employed: inout Bool) -> [Event] {
        var result: [Event] = []
        for index in quarters {
            let quarterStart = SyntheticIDS.observationStart.quarterStart(after: index)
            let quarterEnd = SyntheticIDS.observationStart.quarterStart(after: index + 1).adding(days: -1)
            let jailed = overlapDays(jail, quarterStart.daysSinceEpoch, quarterEnd.daysSinceEpoch)
            let boost = effect("employment_entry_probability", at: quarterStart.daysSinceEpoch) ?? 0
            let chance = employed
                ? logistic(1.4 + 0.6 * employability) : logistic(-1.6 + 0.8 * employability) + boost
            employed = jailed <= 45 && rng.bernoulli(chance)
            guard employed else { continue }
            let dollars = rng.logNormal(median: 5200 * exp(0.25 * employability), sigma: 0.55)
            let cents = Int(dollars * 100 * (1 - Double(jailed) / 91))
            result.append(Event(domain: .wages, type: "ui_wages", start: quarterStart, end: quarterEnd, amountCents: cents))
        }
        return result
    }

    private mutating func benefitSpells() -> [Event] {
        let snapRate = 0.15 * exp(0.5 * (risk - employability))
        let snap = spells(.benefit, from: start, to: end, rate: { _, _ in snapRate }, type: "SNAP",
                          amountPerDay: 150 + Int(rng.uniform() * 700)) { 30 * (3 + Int($0.rng.exponential(mean: 9))) }
        let tanfRate = person.sex == .female ? 0.03 : 0.005
        let tanf = spells(.benefit, from: start, to: end, rate: { _, _ in tanfRate }, type: "TANF",
                          amountPerDay: 1000 + Int(rng.uniform() * 1000)) { 30 * $0.rng.int(in: 2...12) }
        return snap + tanf
    }

    // MARK: Enrollment

    /// Decides referral or enrollment from observed pre-period history: the selection an evaluator
    /// must adjust for. At most one program, with occasional re-enrollment and duplicate records.
    private mutating func enroll(preJailDays: Int, preShelterDays: Int, preEmployedQuarters: Int, preERVisits: Int) {
        guard mayEnroll else { return }
        let age = Double(person.ageAtStudyStart)
        let program: String
        let provider: String
        var arm: StudyArm?
        if preShelterDays >= 14,
            rng.bernoulli(logistic(-1.9 + 0.01 * Double(min(preShelterDays, 200)) + (preJailDays > 0 ? 0.5 : 0)))
        {
            program = "housing"
            provider = person.county < 3 ? "hearth" : "keystone"
            arm = rng.bernoulli(0.5) ? .treatment : .control
        } else if preJailDays > 0,
            rng.bernoulli(logistic(-2.1 + 0.22 * Double(preEmployedQuarters) - 0.025 * (age - 30)))
        {
            program = "reentry"
            provider = rng.bernoulli(0.55) ? "bridgeway" : "secondchance"
        } else if preERVisits >= 3, rng.bernoulli(logistic(-2.0 + 0.12 * Double(min(preERVisits, 20)))) {
            program = "care"
            provider = "harbor"
        } else if let family, family.referable,
            rng.bernoulli(logistic(-0.7 + 1.4 * Double(min(family.priorPlacements, 3)) - 0.12 * Double(preEmployedQuarters)
                                   + (family.youngestAge < 6 ? 0.4 : 0)))
        {
            // The two-generation program: referred on the children's earlier placements and the parent's work history.
            program = "family"
            provider = person.county % 2 == 0 ? "roots" : "nest"
            arm = rng.bernoulli(0.5) ? .treatment : .control
        } else {
            return
        }
        let contract = catalog.contracts.first { $0.programID == program }!.id
        let window = SyntheticIDS.studyStart.days(to: SyntheticIDS.enrollmentWindowEnd)
        let startDay = boundary + rng.int(in: 0...window)
        guard arm != .control else {
            enrollments.append(.init(programID: program, providerID: provider, contractID: contract,
                                     start: LocalDate(daysSinceEpoch: startDay), end: nil, exitReason: nil, arm: .control))
            return
        }
        treatmentStart = startDay
        servingProvider = provider
        var spellStart = startDay
        repeat {
            let stop = spellStart + 90 + Int(rng.exponential(mean: 270))
            let reason = ExitReason.allCases[rng.weightedIndex([0.55, 0.25, 0.08, 0.07, 0.05])]
            let closed = stop <= end
            enrollments.append(.init(programID: program, providerID: provider, contractID: contract,
                                     start: LocalDate(daysSinceEpoch: spellStart),
                                     end: closed ? LocalDate(daysSinceEpoch: stop) : nil,
                                     exitReason: closed ? reason : nil, arm: arm))
            if rng.bernoulli(0.003) {  // a duplicate record overlapping the first: a data-entry error
                let duplicate = enrollments[enrollments.count - 1]
                enrollments.append(.init(programID: program, providerID: provider, contractID: contract,
                                         start: duplicate.start.adding(days: rng.int(in: 0...20)), end: duplicate.end,
                                         exitReason: duplicate.exitReason, arm: arm))
            }
            guard closed, reason == .disengaged, rng.bernoulli(0.15) else { break }
            spellStart = stop + rng.int(in: 30...180)
        } while spellStart <= end
    }

    // MARK: Helpers

    private func nextStart(after events: [Event]) -> Int {
        guard let last = events.last else { return boundary }
        return max(boundary, (last.end?.daysSinceEpoch ?? end) + 1)
    }

    private func coveredDays(_ events: [Event], until last: Int) -> Int {
        overlapDays(events, start, last)
    }

    private func overlapDays(_ events: [Event], _ from: Int, _ to: Int) -> Int {
        events.reduce(0) { total, event in
            let spellEnd = min(event.end?.daysSinceEpoch ?? end, to)
            return total + max(0, spellEnd - max(event.start.daysSinceEpoch, from) + 1)
        }
    }
}

extension EventDomain {
    var defaultType: StaticString {
        switch self {
        case .jail: "booking"
        case .shelter: "emergency_shelter"
        case .wages: "ui_wages"
        case .erVisit: "ed_visit"
        case .childWelfare: "case"
        case .benefit: "SNAP"
        case .school: "school_year"
        }
    }
}
