import Foundation
import OutcomesDomain

/// Random monthly loads over a `RandomFamilies` extract: each adds events for a few persons and
/// changes a few stored ones, re-sends unchanged rows, changes dates of birth and edges' ends, and
/// brings new children (with edges to a participant and a household membership) and a new participant.
public struct MonthlyChange {
    public var base: RandomFamilies
    private var nextPerson = 900_000, nextEvent = 900_000

    public init(base: RandomFamilies) { self.base = base }

    /// The next load's files (name → text).
    public mutating func next(using random: inout SeededGenerator) -> [String: String] {
        func text(_ date: LocalDate?) -> String { date?.description ?? "" }
        func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }
        // Each stored row at most once per load (a key twice in a file is refused).
        var taken = Set<String>()
        func fresh(_ kind: String, below count: Int) -> Int {
            while true {
                let index = Int.random(in: 0..<count, using: &random)
                if taken.insert("\(kind) \(index)").inserted { return index }
            }
        }
        func day(_ from: String, _ to: String) -> LocalDate {
            let (a, b) = (LocalDate(iso: from)!, LocalDate(iso: to)!)
            return a.adding(days: Int.random(in: 0...a.days(to: b), using: &random))
        }
        var persons = "person_id,birth_date,birth_year\n"
        var events = "person_id,event_id,domain,source_system,source_record,start_date,end_date,amount\n"
        var edges = "person_id,relative_id,relation,source_system,valid_from,valid_to,evidence\n"
        var households = "person_id,household_key,source_system,relationship_to_head,valid_from,valid_to\n"
        var enrollments = "person_id,enrollment_id,program_id,provider_id,contract_id,start_date,end_date\n"
        // Events: new ones for a few persons, a few stored ones moved or changed, a few re-sent as they are.
        // (Wages are quarterly amounts, each starting on a quarter's first day: they are added by quarter.)
        let spells = base.events.filter { $0.domain != "wages" }
        for _ in 0..<6 {
            let model = pick(spells)
            nextEvent += 1
            let start = day("2020-06-01", "2024-06-30")
            events += "\(pick(base.persons).id),\(nextEvent),\(model.domain),\(model.source),N\(nextEvent),\(start),"
                + "\(model.end == nil ? "" : start.adding(days: Int.random(in: 0...200, using: &random)).description),\(model.amount ?? "")\n"
        }
        for _ in 0..<4 {
            let index = fresh("event", below: base.events.count)
            let event = base.events[index]
            let moved = event.domain == "wages" ? event.start : event.start.adding(days: Int.random(in: -120...120, using: &random))
            let (start, end) = (moved, event.domain == "wages" ? event.end : event.end.map { max($0, moved) })
            let amount = event.domain == "wages" ? "\(Int.random(in: 0...9_000, using: &random)).00" : event.amount
            base.events[index] = (event.person, event.domain, event.source, start, end, amount)
            events += "\(event.person),\(index + 1),\(event.domain),\(event.source),R\(index + 1),\(start),\(text(end)),\(amount ?? "")\n"
        }
        for _ in 0..<3 {
            let index = fresh("event", below: base.events.count)
            let event = base.events[index]
            events += "\(event.person),\(index + 1),\(event.domain),\(event.source),R\(index + 1),\(event.start),\(text(event.end)),\(event.amount ?? "")\n"
        }
        // Dates of birth corrected (a child's age at the index date moves across a band).
        for _ in 0..<2 {
            let index = fresh("person", below: base.persons.count)
            let birth = day("2016-01-01", "2022-12-31")
            base.persons[index].birth = birth
            persons += "\(base.persons[index].id),\(birth),\(birth.components.year)\n"
        }
        // An edge's end changed (it may now end inside a window, or no longer end).
        for _ in 0..<2 {
            let index = fresh("edge", below: base.edges.count)
            let edge = base.edges[index]
            let to: LocalDate? = Bool.random(using: &random) ? nil : edge.from.adding(days: Int.random(in: 0...500, using: &random))
            edges += "\(edge.person),\(edge.relative),\(edge.relation),\(edge.source),\(edge.from),\(text(to)),\(edge.evidence ?? "")\n"
        }
        // A new child of a participant, with events, an edge and (when the participant heads a household) a membership.
        let parent = pick(base.enrollments)
        nextPerson += 1
        let child = nextPerson, birth = day("2016-01-01", "2023-01-01")
        base.persons.append((child, birth))
        persons += "\(child),\(birth),\(birth.components.year)\n"
        for domain in [("child_welfare", "CWS"), ("er_visit", "MMIS")] {
            nextEvent += 1
            let start = day("2021-01-01", "2024-06-30")
            events += "\(child),\(nextEvent),\(domain.0),\(domain.1),N\(nextEvent),\(start),\(start),\(domain.0 == "er_visit" ? "120.00" : "")\n"
        }
        edges += "\(parent.person),\(child),child,CWS,\(parent.start.adding(days: -30)),,declared\n"
        if let head = base.memberships.first(where: { $0.person == parent.person && $0.role == 1 }) {
            households += "\(child),\(head.household),HMIS,2,\(head.from),\(text(head.to))\n"
        }
        // A new participant.
        nextPerson += 1
        let adult = nextPerson, adultBirth = day("1975-01-01", "1995-12-31"), start = day("2021-02-01", "2022-06-30")
        persons += "\(adult),\(adultBirth),\(adultBirth.components.year)\n"
        enrollments += "\(adult),\(adult),housing,hearth,housing-2021,\(start),\n"
        nextEvent += 1
        events += "\(adult),\(nextEvent),jail,JMS,N\(nextEvent),\(start.adding(days: 40)),\(start.adding(days: 45)),\n"
        base.enrollments.append((adult, start, nil, "hearth"))
        return ["persons.csv": persons, "events.csv": events, "relationships.csv": edges, "households.csv": households,
                "enrollments.csv": enrollments]
    }

    /// Writes the next load's files into `directory`.
    public mutating func writeNext(to directory: URL, using random: inout SeededGenerator) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in next(using: &random) { try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    }
}
