import Foundation
import OutcomesDomain

/// Random families written as an extract folder (pre-linked): adult participants enrolled in
/// housing-2021, their children, partners and parents, with edges stated either way round, from
/// one or two sources, starting and ending around the index date; households with a head, the
/// head's children and partner; and events for everyone (child welfare, ER visits, wages, shelter, jail).
public struct RandomFamilies {
    /// A contract measuring these families: a metric of the participants' own, metrics over
    /// relatives of every aggregate, and payments on two of them (per child, and per parent's day).
    public static let contractYAML = """
        contract: housing-2021
        program: housing
        version: 1
        currency: USD
        data_through: 2024-12-31
        cohort:
          min_enrolled_days: 30
        periods:
          - {label: all, from: 2020-01-01, to: 2024-12-31}
          - {label: "2023", from: 2023-01-01, to: 2023-12-31}
        metrics:
          - id: any_jail_12m
            measure: any
            domain: jail
            window: {anchor: enrollment_start, from: 0 days, to: 12 months}
          - id: young_child_placed_24m
            measure: any
            domain: child_welfare
            window: {anchor: enrollment_start, from: 0 days, to: 24 months}
            of: {relation: child, age_at_index: 0-5}
            aggregate: any
          - id: children_placed_12m
            measure: any
            domain: child_welfare
            window: {anchor: enrollment_start, from: 0 days, to: 12 months}
            of: {relation: child}
            aggregate: count
          - id: children_out_of_care_4q
            measure: sustained
            consecutive: 4 quarters
            condition: absent
            domain: child_welfare
            window: {anchor: enrollment_start, from: 0 days, to: 12 months}
            of: {relation: [child, ward]}
            aggregate: count
          - id: household_wages_4q
            measure: sum
            domain: wages
            window: {anchor: enrollment_start, from: 0 days, to: 12 months}
            of: {relation: household}
            aggregate: sum
          - id: share_children_er
            measure: any
            domain: er_visit
            window: {anchor: enrollment_start, from: -6 months, to: 12 months}
            of: {relation: child, evidence: [declared, derived]}
            aggregate: mean
          - id: partners_all_employed
            measure: any
            domain: wages
            amount: "> 0"
            window: {anchor: enrollment_start, from: 0 days, to: 12 months}
            of: {relation: partner}
            aggregate: all
          - id: young_children
            measure: any
            domain: er_visit
            window: {anchor: enrollment_start, from: -12 months, to: -1 day}
            of: {relation: [child, ward], age_at_index: 0-5}
            aggregate: number
          - id: parent_shelter_days
            measure: days_covered
            domain: shelter
            window: {anchor: enrollment_start, from: 0 days, to: 6 months}
            of: {relation: [parent, guardian], age_at_index: 18-130}
            aggregate: sum
          - id: household_adults_employed
            measure: any
            domain: wages
            window: {anchor: enrollment_start, from: 0 days, to: 12 months}
            of: {relation: household, age_at_index: 18-130}
            aggregate: mean
        payments:
          rate_card:
            lines:
              - {id: per_child_out_of_care, outcome: children_out_of_care_4q, per: relative, price: 250}
              - {id: young_child_safe, outcome: young_child_placed_24m, achieved: "= 0", price: 400}
          per_day:
            - {id: parent_sheltered, days: parent_shelter_days, price: 3.50}
        """

    public struct StatedEdge: Equatable, Sendable {
        public let person: Int, relative: Int, relation: String, source: String, from: LocalDate, to: LocalDate?, evidence: String?
    }

    public struct Membership: Sendable {
        public let person: Int, household: String, role: Int, from: LocalDate, to: LocalDate?
    }

    public var persons: [(id: Int, birth: LocalDate?)] = []
    public var enrollments: [(person: Int, start: LocalDate, end: LocalDate?, provider: String)] = []
    public var events: [(person: Int, domain: String, source: String, start: LocalDate, end: LocalDate?, amount: String?)] = []
    public var edges: [StatedEdge] = []
    public var memberships: [Membership] = []

    public init(seed: UInt64, participants: Int = 60) {
        var random = SeededGenerator(seed: seed)
        func day(_ from: String, _ to: String) -> LocalDate {
            let (a, b) = (LocalDate(iso: from)!, LocalDate(iso: to)!)
            return a.adding(days: Int.random(in: 0...a.days(to: b), using: &random))
        }
        func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }
        var next = 1000
        func newPerson(_ birth: LocalDate?) -> Int {
            next += 1
            persons.append((next, birth))
            return next
        }
        func addEvents(_ person: Int, child: Bool) {
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                let start = day("2020-01-01", "2024-06-30")
                if child {
                    switch Int.random(in: 0..<2, using: &random) {
                    case 0: events.append((person, "child_welfare", "CWS", start, chance(0.2) ? nil : start.adding(days: Int.random(in: 0...400, using: &random)), nil))
                    default: events.append((person, "er_visit", "MMIS", start, start, "\(Int.random(in: 50...900, using: &random)).00"))
                    }
                } else {
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0:
                        let (y, m, _) = start.components
                        let quarter = LocalDate(year: y, month: (m - 1) / 3 * 3 + 1, day: 1)!
                        events.append((person, "wages", "UI", quarter, Offset(3, .months).applied(to: quarter).adding(days: -1),
                                       chance(0.2) ? "0.00" : "\(Int.random(in: 100...9000, using: &random)).\(Int.random(in: 10...99, using: &random))"))
                    case 1: events.append((person, "shelter", "HMIS", start, chance(0.2) ? nil : start.adding(days: Int.random(in: 0...120, using: &random)), nil))
                    default: events.append((person, "jail", "JMS", start, start.adding(days: Int.random(in: 0...30, using: &random)), nil))
                    }
                }
            }
        }
        // An edge stated either way round, sometimes twice (a second source agreeing).
        func relate(_ person: Int, _ relative: Int, _ relation: String, index: LocalDate, birth: LocalDate?) {
            let from: LocalDate = switch Int.random(in: 0..<4, using: &random) {
            case 0: birth ?? index.adding(days: -900)
            case 1: index.adding(days: Int.random(in: -400 ... -1, using: &random))
            case 2: index  // from the index date itself
            default: index.adding(days: Int.random(in: 1...300, using: &random))  // not yet on the index date
            }
            let to: LocalDate? = switch Int.random(in: 0..<4, using: &random) {
            case 0: from.adding(days: Int.random(in: 0...600, using: &random))  // may end before the index date
            case 1: index.adding(days: -1 - Int.random(in: 0...5, using: &random)) < from ? nil : index.adding(days: -1)
            default: nil
            }
            let evidence = [nil, "declared", "derived", "inferred"][Int.random(in: 0..<4, using: &random)]
            let code = RelationshipCode.named(relation)!
            let edge = chance(0.5)
                ? StatedEdge(person: person, relative: relative, relation: relation, source: "CWS", from: from, to: to, evidence: evidence)
                : StatedEdge(person: relative, relative: person, relation: code.inverse, source: "CWS", from: from, to: to, evidence: evidence)
            edges.append(edge)
            if chance(0.15) {
                edges.append(StatedEdge(person: edge.person, relative: edge.relative, relation: edge.relation, source: "HMIS",
                                        from: edge.from, to: nil, evidence: "declared"))
            }
        }
        var previous: (id: Int, children: [(Int, LocalDate)])? = nil
        for number in 0..<participants {
            let adult = newPerson(day("1970-01-01", "1996-12-31"))
            let start = day("2021-01-01", "2022-06-30")
            enrollments.append((adult, start, chance(0.3) ? nil : start.adding(days: Int.random(in: 10...500, using: &random)),
                                number % 2 == 0 ? "hearth" : "keystone"))
            addEvents(adult, child: false)
            var children: [(Int, LocalDate)] = []
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                let birth = day("2005-01-01", "2023-06-30")
                let child = newPerson(chance(0.1) ? nil : birth)
                addEvents(child, child: true)
                let relation = ["child", "natural_child", "foster_child", "step_child", "ward", "grandchild"][Int.random(in: 0..<6, using: &random)]
                relate(adult, child, relation, index: start, birth: birth)
                children.append((child, birth))
            }
            // The previous participant's partner, sharing their children.
            if let previous, chance(0.35) {
                relate(adult, previous.id, ["spouse", "domestic_partner", "partner"][Int.random(in: 0..<3, using: &random)], index: start, birth: nil)
                for (child, birth) in previous.children where chance(0.7) { relate(adult, child, "child", index: start, birth: birth) }
                children += previous.children
            }
            if chance(0.3) {
                let parent = newPerson(day("1940-01-01", "1965-12-31"))
                addEvents(parent, child: false)
                relate(adult, parent, ["parent", "natural_parent", "step_parent", "guardian"][Int.random(in: 0..<4, using: &random)], index: start, birth: nil)
            }
            if chance(0.5) {
                let household = "H\(adult)"
                let from = start.adding(days: Int.random(in: -300...200, using: &random))
                let to: LocalDate? = chance(0.4) ? from.adding(days: Int.random(in: 30...700, using: &random)) : nil
                memberships.append(Membership(person: adult, household: household, role: 1, from: from, to: to))
                for (child, _) in children where chance(0.8) {
                    let joined = from.adding(days: Int.random(in: 0...90, using: &random))
                    memberships.append(Membership(person: child, household: household, role: chance(0.8) ? 2 : 4,
                                                  from: to.map { min(joined, $0) } ?? joined, to: to))
                }
            }
            previous = (adult, children)
        }
    }

    /// The extract folder's files.
    public var files: [String: String] {
        func text(_ date: LocalDate?) -> String { date?.description ?? "" }
        var eventID = 0
        return [
            "persons.csv": "person_id,birth_date,birth_year\n" + persons.map {
                "\($0.id),\(text($0.birth)),\($0.birth.map { String($0.components.year) } ?? "1990")\n"
            }.joined(),
            "enrollments.csv": "person_id,enrollment_id,program_id,provider_id,contract_id,start_date,end_date\n" + enrollments.map {
                "\($0.person),\($0.person),housing,\($0.provider),housing-2021,\($0.start),\(text($0.end))\n"
            }.joined(),
            "events.csv": "person_id,event_id,domain,source_system,source_record,start_date,end_date,amount\n" + events.map {
                eventID += 1
                return "\($0.person),\(eventID),\($0.domain),\($0.source),R\(eventID),\($0.start),\(text($0.end)),\($0.amount ?? "")\n"
            }.joined(),
            "relationships.csv": "person_id,relative_id,relation,source_system,valid_from,valid_to,evidence\n" + edges.map {
                "\($0.person),\($0.relative),\($0.relation),\($0.source),\($0.from),\(text($0.to)),\($0.evidence ?? "")\n"
            }.joined(),
            "households.csv": "person_id,household_key,source_system,relationship_to_head,valid_from,valid_to\n" + memberships.map {
                "\($0.person),\($0.household),HMIS,\($0.role),\($0.from),\(text($0.to))\n"
            }.joined(),
        ]
    }

    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    }
}
