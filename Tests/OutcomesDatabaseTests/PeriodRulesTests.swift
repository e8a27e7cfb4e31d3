import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// A handful of handcrafted participants: (person, enrollment start, end, [(domain, type, start, end)]).
typealias HandcraftedPerson = (Int, String, String?, [(String, String, String, String?)])

/// Loads handcrafted people under a contract (one provider), after the reference data.
func loadHandcrafted(_ people: [HandcraftedPerson], contract: String = "housing-2021", program: String = "housing")
    throws -> PostgresConnection
{
    let (db, _) = try TestDatabase.fresh()
    _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1, seed: 1)).load(into: db)  // reference data and a load
    try db.executeScript("TRUNCATE ids.events, ids.enrollments, ids.source_links, ids.persons")
    let load = try db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self)
    try db.execute("SELECT set_config('outcomes.load_id', \(String(load)), false)")
    var eventID = 1
    for (person, start, end, events) in people {
        try db.execute("INSERT INTO ids.persons (person_id, birth_year, sex) VALUES (\(person), \(1980), 'U')")
        try db.execute("""
            INSERT INTO ids.enrollments (person_id, enrollment_id, program_id, provider_id, contract_id, start_date, end_date)
            VALUES (\(person), \(person), \(program), 'hearth', \(contract), \(start)::date, \(end)::date)
            """)
        for (domain, type, from, to) in events {
            let source = SourceSystem.feeding(EventDomain(rawValue: domain)!).code
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
        let refused = #expect(throws: DatabaseError.self) { _ = try PaymentRunner(stored: stored).run(period: "2022", on: db) }
        #expect(refused?.message.contains("are not computed for (before)") == true, "\(refused?.message ?? "")")
        #expect(refused?.message.contains("--period P` for 2021 first") == true)
    }
}
