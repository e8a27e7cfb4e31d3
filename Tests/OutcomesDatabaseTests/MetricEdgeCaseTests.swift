import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Handcrafted people for the edges: events on the anchor date and on window edges, overlapping
/// and open spells, month ends and leap days, quarter boundaries, short enrollments, no events.
@Suite struct MetricEdgeCaseTests {
    static let contractYAML = oracleContractYAML.replacingOccurrences(of: """
        periods:
          every: year
          from: 2021-01-01
          to: 2024-12-31
        """, with: """
        periods:
          - {label: all, from: 2020-01-01, to: 2024-12-31}
        """)

    /// (person, enrollment start, end, [(domain, type, start, end, amount)])
    static let people: [(Int, String, String?, [(String, String, String, String?, String?)])] = [
        (101, "2022-03-15", "2022-12-31", []),
        (102, "2022-03-15", "2022-12-31", [
            ("jail", "booking", "2022-03-15", "2022-03-24", nil),  // starts on the anchor: 10 days
            ("shelter", "emergency_shelter", "2022-03-15", "2022-03-15", nil),  // before 'from: 1 day'
            ("shelter", "emergency_shelter", "2022-03-16", "2022-03-16", nil),  // first day of that window
            ("er_visit", "ed_visit", "2022-03-15", "2022-03-15", "100.00"),  // day 0
        ]),
        (103, "2022-01-31", "2022-06-30", [
            ("jail", "booking", "2023-01-31", "2023-01-31", nil),  // last day of 12 months from Jan 31
            ("jail", "booking", "2023-02-01", "2023-02-02", nil),  // one day past it
        ]),
        (104, "2020-02-29", "2020-12-31", [
            ("jail", "booking", "2020-02-20", "2020-03-10", nil),  // 9 days before the anchor, 11 from it
        ]),
        (105, "2022-04-01", "2022-12-31", [
            ("jail", "booking", "2022-05-01", "2022-05-20", nil),
            ("jail", "booking", "2022-05-05", "2022-05-15", nil),  // inside the first: no double count
            ("shelter", "emergency_shelter", "2022-05-10", "2022-06-10", nil),  // union: May 1 – Jun 10 = 41 days
        ]),
        (106, "2023-01-10", nil, [
            ("shelter", "emergency_shelter", "2023-06-01", nil, nil),  // still open: runs to the window end
        ]),
        (107, "2021-04-01", "2022-03-31", [
            ("wages", "ui_wages", "2021-04-01", "2021-06-30", "5000.00"),
            ("wages", "ui_wages", "2021-07-01", "2021-09-30", "1000.00"),  // not > 1000
            ("wages", "ui_wages", "2021-10-01", "2021-12-31", "2500.50"),
            ("wages", "ui_wages", "2022-01-01", "2022-03-31", "3000.00"),
            ("wages", "ui_wages", "2022-07-01", "2022-09-30", "4000.00"),  // starts on the window's last day
        ]),
        (108, "2022-01-01", "2022-01-29", [("jail", "booking", "2022-02-01", "2022-02-02", nil)]),  // 29 days: out
        (109, "2022-01-01", "2022-01-30", [("jail", "booking", "2022-02-01", "2022-02-02", nil)]),  // 30 days: in
    ]

    func load() throws -> PostgresConnection {
        let db = try referenceDataOnly()
        var eventID = 1
        for (person, start, end, events) in Self.people {
            try db.execute("INSERT INTO ids.persons (person_id, birth_year, sex) VALUES (\(person), \(1980), 'U')")
            try db.execute("""
                INSERT INTO ids.enrollments (person_id, enrollment_id, program_id, provider_id, contract_id, start_date, end_date)
                VALUES (\(person), \(person), 'housing', 'hearth', 'housing-2021', \(start)::date, \(end)::date)
                """)
            for (domain, type, from, to, amount) in events {
                let source = SourceSystem.feeding(EventDomain(rawValue: domain)!).code
                try db.execute("""
                    INSERT INTO ids.events (person_id, event_id, domain, event_type, source_system, source_record,
                                            start_date, end_date, amount)
                    VALUES (\(person), \(eventID), \(domain), \(type), \(source), \("R\(eventID)"), \(from)::date,
                            \(to)::date, \(amount.flatMap { Decimal(string: $0) }))
                    """)
                eventID += 1
            }
        }
        // A later enrollment is not the participant's: the first one counts.
        try db.execute("""
            INSERT INTO ids.enrollments (person_id, enrollment_id, program_id, provider_id, contract_id, start_date, end_date)
            VALUES (\(102), \(1), 'housing', 'keystone', 'housing-2021', '2023-01-01', '2023-06-30')
            """)
        return db
    }

    @Test func edgesMatchTheOracleAndHandWorkedValues() throws {
        let db = try load()
        let stored = try ContractStore.loadStored(text: Self.contractYAML, file: "edges.yaml", on: db)
        let contract = stored.contract
        let period = try #require(contract.period("all"))
        try MetricsRunner(stored: stored).run(period: period, on: db)
        let oracle = try MetricOracle(reading: db)
        for metric in contract.metrics {
            let expected = oracle.values(contract: contract, metric: metric, period: period)
            let stored = try MetricOracleTests().storedValues(db, contract: contract.id, metric: metric.id, period: "all")
            #expect(Set(stored.keys) == Set(expected.keys), "participants of \(metric.id)")
            for (person, value) in expected {
                #expect(stored[person]?.matches(value) == true, "\(metric.id) person \(person)")
            }
        }
        func value(_ metric: String, _ person: Int) throws -> Decimal? {
            let rows = try db.execute("""
                SELECT value FROM metrics.person_results WHERE metric_id = \(metric) AND person_id = \(person)
                """)
            try #require(rows.count == 1, "person \(person) is a participant of \(metric)")
            return try rows[0].decode(Decimal?.self, at: 0)
        }
        func participates(_ metric: String, _ person: Int) throws -> Bool {
            try db.execute("""
                SELECT count(*) FROM metrics.person_results WHERE metric_id = \(metric) AND person_id = \(person)
                """).scalar(Int.self) == 1
        }
        // Hand-worked:
        #expect(try value("any_jail_12m", 101) == 0)
        #expect(try value("days_to_er", 101) == nil)
        #expect(try value("housed_6m", 101) == 1)
        #expect(try value("custody_days_12m", 102) == 10)  // jail Mar 15–24 already covers the shelter nights of Mar 15, 16
        #expect(try value("shelter_entries_12m", 102) == 1)
        #expect(try value("days_to_er", 102) == 0)
        #expect(try db.execute("SELECT provider_id FROM metrics.person_results WHERE person_id = 102 LIMIT 1")
            .scalar(String.self) == "hearth")
        #expect(try value("any_jail_12m", 103) == 1)  // Jan 31 + 12 months = Jan 31: included
        #expect(try value("custody_days_12m", 103) == 0)  // 364 days from Jan 31 2022 ends Jan 30 2023
        #expect(try value("jail_days_change", 104) == 2)  // 11 after − 9 before (window from 2019-02-28)
        #expect(try value("custody_days_12m", 105) == 41)
        #expect(try value("housed_days_12m", 105) == 325)  // Apr 1 2022 – Apr 1 2023 is 366 days, 41 in custody
        #expect(try value("custody_days_12m", 106) == 223)  // Jun 1 2023 – Jan 9 2024
        #expect(try value("housed_6m", 106) == 0)  // 4 clear months, then shelter
        #expect(try value("wages_4q", 107) == Decimal(string: "9500.50"))  // 2500.50 + 3000 + 4000 (Jul 1 2022 included)
        #expect(try value("employed_4q", 107) == 1)
        #expect(try !participates("any_jail_12m", 108))  // enrolled 29 days: not a participant
        #expect(try value("any_jail_12m", 109) == 1)
        #expect(try !participates("snap_after_exit", 106))  // still enrolled: no exit window yet
    }

    @Test func recomputingReplacesThePeriodAtomically() throws {
        let db = try load()
        let stored = try ContractStore.loadStored(text: Self.contractYAML, file: "edges.yaml", on: db)
        let contract = stored.contract
        let period = try #require(contract.period("all"))
        let first = try MetricsRunner(stored: stored).run(period: period, on: db)
        let rows = try db.execute("SELECT count(*) FROM metrics.person_results").scalar(Int.self)
        #expect(try MetricsRunner(stored: stored).run(period: period, on: db) == first)
        #expect(try db.execute("SELECT count(*) FROM metrics.person_results").scalar(Int.self) == rows)
        // A failing recompute (in full: nothing changed since) keeps the previous results.
        try db.execute("ALTER TABLE metrics.person_results ADD CONSTRAINT stop CHECK (metric_id <> 'er_2022') NOT VALID")
        #expect(throws: PostgresError.self) { try MetricsRunner(stored: stored).run(period: period, full: true, on: db) }
        #expect(try db.execute("SELECT count(*) FROM metrics.person_results").scalar(Int.self) == rows)
        let all = try #require(first.first { $0.metricID == "any_jail_12m" && $0.providerID == MetricsRunner.allProviders })
        #expect(all.participants == 8)  // 101–107 and 109
        #expect(all.rate == Decimal(string: "0.625"))  // 102, 103, 104, 105, 109 of 8
    }
}
