import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// A rate card that pays per child who stays out of foster care, worked by hand: each ledger line
/// names the participant served, its reasons the children (pseudonymous ids) it pays for; a
/// participant cap cuts the second line; the run recomputes from its sealed inputs.
@Suite(.serialized) struct FamilyPaymentTests {
    static let contract = """
        contract: housing-2021
        program: housing
        version: 1
        data_through: 2024-12-31
        currency: USD
        cohort: {min_enrolled_days: 30}
        periods: {every: year, from: 2022-01-01, to: 2023-12-31}
        metrics:
          - id: children_home_12m
            label: Children who stayed out of foster care for 12 months
            measure: sustained
            consecutive: 4 quarters
            condition: absent
            domain: child_welfare
            window: {anchor: enrollment_start, from: 0 days, to: 12 months}
            of: {relation: child, age_at_index: 0-17}
            aggregate: count
          - id: all_children_home_12m
            measure: sustained
            consecutive: 4 quarters
            condition: absent
            domain: child_welfare
            window: {anchor: enrollment_start, from: 0 days, to: 12 months}
            of: {relation: child, age_at_index: 0-17}
            aggregate: all
          - {id: own_jail_12m, measure: any, domain: jail, window: {anchor: enrollment_start, from: 0 days, to: 12 months}}
        payments:
          rate_card:
            caps: {participant: 1500}
            lines:
              - {id: per_child_home, outcome: children_home_12m, per: relative, price: 500}
              - {id: whole_family_home, outcome: all_children_home_12m, price: 1000}
        """

    /// The hand-worked families, loaded, with the contract's metrics computed for both years.
    static func prepared() throws -> (PostgresConnection, StoredContract) {
        let db = try referenceDataOnly()
        // Participants 1–5; children 11, 12, 13 (a step-child, 11 years old) of 1; 21 and a foster child 22 of 2;
        // 3 has none; 4's child 41 is recorded only from after 4's enrollment; 5 is 21's other parent.
        let births: [Int: String] = [1: "1985-01-01", 2: "1988-01-01", 3: "1990-01-01", 4: "1979-01-01", 5: "1987-05-05", 11: "2018-03-01",
                                     12: "2020-06-01", 13: "2010-01-01", 21: "2019-04-01", 22: "2016-09-01", 41: "2021-01-01"]
        for (person, birth) in births.sorted(by: { $0.key < $1.key }) {
            try db.execute("INSERT INTO ids.persons (person_id, birth_date, birth_year) VALUES (\(person), \(birth)::date, \(Int(birth.prefix(4))!))")
        }
        for (person, start) in [(1, "2022-01-01"), (2, "2022-02-01"), (3, "2022-03-01"), (4, "2022-01-15"), (5, "2022-02-15")] {
            try db.execute("""
                INSERT INTO ids.enrollments (person_id, enrollment_id, program_id, provider_id, contract_id, start_date)
                VALUES (\(person), \(person), 'housing', 'hearth', 'housing-2021', \(start)::date)
                """)
        }
        // Child 11 is placed from May to August 2022: not 4 clear quarters in 1's first 12 months.
        try db.execute("""
            INSERT INTO ids.events (person_id, event_id, domain, event_type, source_system, source_record, start_date, end_date)
            VALUES (11, 1, 'child_welfare', 'placement', 'CWS', 'CW-1', '2022-05-01', '2022-08-01')
            """)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("family-payment-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("""
            person_id,relative_id,relation,source_system,valid_from,evidence
            1,11,child,CWS,2018-03-01,derived
            12,1,natural_parent,CWS,2020-06-01,derived
            1,13,step_child,CWS,2015-01-01,declared
            2,21,child,CWS,2019-04-01,derived
            2,22,foster_child,CWS,2021-11-01,declared
            4,41,child,CWS,2022-06-01,declared
            5,21,child,CWS,2019-04-01,derived

            """.utf8).write(to: folder.appendingPathComponent("relationships.csv"))
        _ = try ExtractLoader(directory: folder).load(into: db)

        let stored = try ContractStore.loadStored(text: Self.contract, file: "family.yaml", on: db)
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        return (db, stored)
    }

    @Test func paysPerChildAndNamesTheChildren() throws {
        let (db, stored) = try Self.prepared()
        _ = try PaymentRunner(stored: stored).run(period: "2022", on: db)
        _ = try PaymentRunner(stored: stored).run(period: "2023", on: db)

        let lines = try db.execute("""
            SELECT person_id, line_id, earned::text, amount::text, reasons::text FROM payments.ledger
            WHERE period = '2023' ORDER BY person_id, line_id
            """).map { row in try (0..<5).map { try row.decode(String.self, at: $0) } }
        #expect(lines == [
            ["1", "per_child_home", "1000.00", "1000.00",
             #"[{"ids": [12, 13], "kind": "relatives", "values": ["1", "1"], "paid_for": 2}]"#],
            ["2", "per_child_home", "1000.00", "1000.00",
             #"[{"ids": [21, 22], "kind": "relatives", "values": ["1", "1"], "paid_for": 2}]"#],
            ["2", "whole_family_home", "1000.00", "500.00",
             #"[{"ids": [21, 22], "kind": "relatives", "values": ["1", "1"]}, {"cap": "1500.00", "cut": "500.00", "kind": "cap", "scope": "participant", "before": "1000.00", "payable": "500.00"}]"#],
            // 21 was paid for under 2, who comes first: 5's per-child line pays nothing (and posts no line).
            ["5", "whole_family_home", "1000.00", "1000.00", #"[{"ids": [21], "kind": "relatives", "values": ["1"]}]"#],
        ])
        #expect(try db.execute("SELECT count(*) FROM payments.ledger WHERE period = '2022'").scalar(Int.self) == 0)
        // Participants 3 and 4 have no children on their index dates: no value, never a 0.
        #expect(try db.execute("""
            SELECT string_agg(person_id || ':' || coalesce(value::text, 'none') || ':' || relatives, ' ' ORDER BY person_id)
            FROM metrics.person_results WHERE metric_id = 'children_home_12m'
            """).scalar(String.self) == "1:2:3 2:2:2 3:none:0 4:none:0 5:1:1")
        let verification = try ChainVerification.verify(on: db, recompute: true)
        #expect(verification.isIntact, "\(verification.breaks)")
    }

    /// A scenario values the children's outcome for the participants' households: never for the
    /// participants themselves, and the households perspective takes relatives' outcomes only.
    @Test func relativesOutcomesAreValuedForHouseholds() throws {
        let (db, _) = try Self.prepared()
        func scenario(_ perspective: String, outcome: String = "children_home_12m") -> String {
            """
            scenario: family-test
            contract: housing-2021
            base_year: 2024
            price_index: {2024: 100}
            discount_rate: 0.035
            horizon: 1
            timing: end_of_period
            cost_per_participant: {amount: 100, year: 2024}
            effects:
              - {outcome: \(outcome), estimate: 0.5, std_error: 0.000001}
            unit_values:
              - {outcome: \(outcome), perspective: \(perspective), value: 1000, year: 2024}
            draws: 200
            payment_draws: 10
            seed: 1
            """
        }
        func run(_ text: String) throws -> ScenarioRunner.Outcome {
            try ScenarioRunner(definition: try ScenarioDefinition.parse(yaml: text, file: "family-scenario.yaml"), text: text,
                               file: "family-scenario.yaml").run(on: db)
        }
        #expect { _ = try run(scenario("participants")) } throws: { ($0 as? DefinitionFileError).map { $0.code == .unsupported && $0.line == 12 } ?? false }
        #expect { _ = try run(scenario("households", outcome: "own_jail_12m")) } throws: {
            ($0 as? DefinitionFileError).map { $0.code == .unsupported && $0.line == 12 } ?? false
        }
        let outcome = try run(scenario("households"))
        let all = try #require(outcome.run.groups.first { $0.group == nil })
        // One year of half a child more at 1000, at the end of the year: 500 / 1.035.
        #expect(abs(all.expected.benefits[.households]! - 500 / 1.035) < 0.01 && (all.expected.benefits[.participants] ?? 0) == 0)
    }
}
