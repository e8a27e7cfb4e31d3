import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// A handful of handcrafted participants: (person, enrollment start, end, [(domain, type, start, end)]).
typealias HandcraftedPerson = (Int, String, String?, [(String, String, String, String?)])

/// A new database with the reference data and a data load, and no people: for handcrafted ones.
func referenceDataOnly() throws -> PostgresConnection {
    let (db, _) = try TestDatabase.fresh()
    _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1, seed: 1)).load(into: db)  // reference data and a load
    try db.execute("TRUNCATE ids.relationships, ids.household_members, ids.events, ids.enrollments, ids.source_links, ids.persons")
    let load = try db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self)
    try db.execute("SELECT set_config('outcomes.load_id', \(String(load)), false)")
    return db
}

/// Handcrafted events, numbered 1, 2, … in the order added, from the source system that feeds their domain.
struct HandcraftedEvents {
    let db: PostgresConnection
    private var next = 1

    init(_ db: PostgresConnection) { self.db = db }

    mutating func add(_ person: Int, _ domain: String, _ type: String, _ from: String, _ to: String) throws {
        try db.execute("""
            INSERT INTO ids.events (person_id, event_id, domain, event_type, source_system, source_record, start_date, end_date)
            VALUES (\(person), \(next), \(domain), \(type), \(SourceSystem.feeding(EventDomain(rawValue: domain)!).code), \("R\(next)"),
                    \(from)::date, \(to)::date)
            """)
        next += 1
    }
}

/// Loads handcrafted people under a contract (one provider), after the reference data.
func loadHandcrafted(_ people: [HandcraftedPerson], contract: String = "housing-2021", program: String = "housing")
    throws -> PostgresConnection
{
    let db = try referenceDataOnly()
    var eventID = 1
    for (person, start, end, events) in people {
        try db.execute("INSERT INTO ids.persons (person_id, birth_year, sex) VALUES (\(person), \(1980), 'U')")
        try db.execute("""
            INSERT INTO ids.enrollments (person_id, enrollment_id, program_id, provider_id, contract_id, start_date, end_date)
            VALUES (\(person), \(person), \(program), 'hearth', \(contract), \(start)::date, \(end)::date)
            """)
        for (domain, type, from, to) in events {
            // A domain loaded as data (not one of the synthetic vocabulary's) comes from the housing management system.
            let source = EventDomain(rawValue: domain).map { SourceSystem.feeding($0).code } ?? "HMS"
            try db.execute("""
                INSERT INTO ids.events (person_id, event_id, domain, event_type, source_system, source_record, start_date, end_date)
                VALUES (\(person), \(eventID), \(domain), \(type), \(source), \("R\(eventID)"), \(from)::date, \(to)::date)
                """)
            eventID += 1
        }
    }
    return db
}

@Suite(.serialized) struct PeriodRulesTests {
    /// The ledger's sums by period, participant and line.
    func paid(_ db: PostgresConnection) throws -> [String: Decimal] {
        var sums: [String: Decimal] = [:]
        for row in try db.execute("""
            SELECT period || '/' || person_id || '/' || line_id, sum(amount) FROM payments.ledger GROUP BY 1 HAVING sum(amount) <> 0
            """) {
            sums[try row.decode(at: 0)] = try row.decode(at: 1)
        }
        return sums
    }

    static let lookBack = """
        contract: housing-2021
        program: housing
        version: 1
        data_through: 2024-12-31
        currency: USD
        cohort: {assign_by: window_end}
        periods: {every: year, from: 2021-01-01, to: 2022-12-31}
        metrics:
          - {id: engaged, measure: any, domain: benefit, window: {anchor: enrollment_start, from: 0 days, to: 30 days}}
          - {id: shelter_6m, measure: any, domain: shelter, window: {anchor: enrollment_start, from: 0 days, to: 6 months}}
          - {id: shelter_12m, measure: any, domain: shelter, window: {anchor: enrollment_start, from: 0 days, to: 12 months}}
        payments:
          rate_card:
            precondition: engaged
            lines:
              - {id: housed_6m, outcome: shelter_6m, achieved: "= 0", price: 100}
              - {id: housed_12m, outcome: shelter_12m, achieved: "= 0", price: 1000, requires: [housed_6m]}
        """

    /// A precondition and a prerequisite met before the first reporting period count; what was
    /// achieved then is never paid.
    @Test func preconditionsAndPrerequisitesMetBeforeTheFirstPeriodCount() throws {
        let db = try loadHandcrafted([
            (201, "2020-05-01", nil, [("benefit", "snap", "2020-05-10", "2020-05-31")]),  // engaged and housed 6 months in 2020
            (202, "2020-05-01", nil, []),  // never engaged: never paid
            (203, "2021-02-01", nil, [("benefit", "snap", "2021-02-05", "2021-02-28")]),  // all within the contract
        ])
        let stored = try ContractStore.loadStored(text: Self.lookBack, file: "lookback.yaml", on: db)
        #expect(stored.contract.needsPriorPeriod)
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        #expect(try db.execute("SELECT count(*) FROM metrics.person_results WHERE period = '(before)' AND metric_id = 'engaged'")
            .scalar(Int.self) == 2, "201 and 202 have their engagement window before 2021")
        _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        _ = try PaymentRunner(stored: stored).run(period: "2022", on: db)
        // 201: engaged and housed 6 months before 2021 (never paid), housed 12 months in 2021: 1,000.
        // 203: housed 6 months in 2021 (100), 12 months in 2022 (1,000).
        #expect(try paid(db) == ["2021/201/housed_12m": 1000, "2021/203/housed_6m": 100, "2022/203/housed_12m": 1000])
        // Without its '(before)' metrics, a run says what to compute.
        try db.execute("DELETE FROM metrics.computed_periods WHERE period = '(before)'")
        let refused = #expect(throws: PaymentRefusal.self) { _ = try PaymentRunner(stored: stored).run(period: "2022", on: db) }
        guard case .metricsNotCurrent(_, _, _, _, let problems) = refused else { Issue.record("\(String(describing: refused))"); return }
        #expect(problems == [MetricsProblem(period: OutcomeContract.priorPeriodLabel, arm: .participants, kind: .notComputed)])
    }

    static let tenancy = """
        contract: housing-2021
        program: housing
        version: 1
        data_through: 2024-12-31
        currency: USD
        periods: {every: quarter, from: 2021-01-01, to: 2021-12-31}
        metrics:
          - {id: days_housed_q, measure: days_covered, domain: tenancy, window: {anchor: period}}
          - {id: jail_days_while_housed_q, measure: days_covered, domain: jail, during: {domain: tenancy}, window: {anchor: period}}
          - id: housed_within_90d
            measure: any
            domain: tenancy
            assign_by: achieved
            window: {anchor: enrollment_start, from: 0 days, to: 90 days}
        payments:
          rate_card:
            lines: [{id: housed_quickly, outcome: housed_within_90d, price: 500}]
          per_day:
            - {id: housed_days, days: days_housed_q, less: jail_days_while_housed_q, price: 10}
        """

    /// A domain loaded as data (tenancies), days housed in each quarter, jail days taken off only
    /// inside the tenancy, and an outcome paid in the quarter it is achieved.
    @Test func tenanciesLoadedAsDataPayPerQuarterNetOfJailInsideThemAndWhenAchieved() throws {
        let db = try loadHandcrafted([])
        let contract = try OutcomeContract.parse(yaml: Self.tenancy, file: "tenancy.yaml")
        // Before the domain is loaded: the contract does not load, and a file tried out does not compute.
        let refused = #expect(throws: DefinitionFileError.self) { _ = try ContractStore.load(text: Self.tenancy, file: "tenancy.yaml", on: db) }
        #expect(refused?.file == "tenancy.yaml" && refused?.line == 8, "the metric naming the domain")
        let unknown = #expect(throws: DatabaseError.self) { try MetricsRunner(trying: contract).run(period: contract.periods[0], on: db) }
        #expect(unknown?.code == .unknownDomain && unknown?.message.contains("'tenancy'") == true, "\(unknown?.message ?? "")")

        // The vocabulary is data: an extract brings the domain and the system that records it.
        let extract = FileManager.default.temporaryDirectory.appendingPathComponent("tenancy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: extract, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: extract) }
        try Data("domain,shape\ntenancy,spell\n".utf8).write(to: extract.appendingPathComponent("event_domains.csv"))
        try Data("source_system,name,agency,domain\nHMS,Housing management,Housing Authority,tenancy\n".utf8)
            .write(to: extract.appendingPathComponent("source_systems.csv"))
        _ = try ExtractLoader(directory: extract, description: "tenancies").load(into: db)
        let stored = try ContractStore.loadStored(text: Self.tenancy, file: "tenancy.yaml", on: db)
        let load = try db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self)
        try db.execute("SELECT set_config('outcomes.load_id', \(String(load)), false)")
        var eventID = 1000
        func add(_ person: Int, _ start: String, _ events: [(String, String, String?)]) throws {
            try db.execute("INSERT INTO ids.persons (person_id, birth_year, sex) VALUES (\(person), 1980, 'U')")
            try db.execute("""
                INSERT INTO ids.enrollments (person_id, enrollment_id, program_id, provider_id, contract_id, start_date)
                VALUES (\(person), \(person), 'housing', 'hearth', 'housing-2021', \(start)::date)
                """)
            for (domain, from, to) in events {
                eventID += 1
                try db.execute("""
                    INSERT INTO ids.events (person_id, event_id, domain, source_system, source_record, start_date, end_date)
                    VALUES (\(person), \(eventID), \(domain), \(domain == "tenancy" ? "HMS" : "JMS"), \("T\(eventID)"), \(from)::date, \(to)::date)
                    """)
            }
        }
        try add(301, "2021-01-15", [("tenancy", "2021-02-01", nil), ("jail", "2021-03-10", "2021-03-19"), ("jail", "2020-12-01", "2020-12-05")])
        try add(302, "2021-01-15", [("jail", "2021-05-01", "2021-05-10")])
        try add(303, "2021-04-01", [("tenancy", "2021-04-10", "2021-06-30"), ("jail", "2021-06-25", "2021-07-05")])
        for period in contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        for period in contract.periods { _ = try PaymentRunner(stored: stored).run(period: period.label, on: db) }
        // 301: housed from Feb 1 (achieved in Q1, though its 90-day window ends in Q2); Q1 59 days less 10 in jail
        // inside the tenancy; then whole quarters. 302: never housed, the jail days outside any tenancy take nothing.
        // 303: housed Apr 10 – Jun 30 (82 days) less the 6 jail days inside it; July's jail days are outside it.
        #expect(try paid(db) == [
            "2021Q1/301/housed_quickly": 500, "2021Q1/301/housed_days": 490,
            "2021Q2/301/housed_days": 910, "2021Q2/303/housed_quickly": 500, "2021Q2/303/housed_days": 760,
            "2021Q3/301/housed_days": 920, "2021Q4/301/housed_days": 920,
        ])
        // 302's unachieved outcome is on record, with the value 0, in the quarter its window ended.
        #expect(try db.execute("""
            SELECT period FROM metrics.person_results WHERE person_id = 302 AND metric_id = 'housed_within_90d'
            """).map { try $0.decode(String.self, at: 0) } == ["2021Q2"])
    }
}

