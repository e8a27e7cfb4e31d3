import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Metrics by provider and a person attribute: the database's breakdown equals one worked out in
/// Swift from the participants' results and the person index (age bands by hand from the birth
/// date, else the birth year, at the window's start).
@Suite(.serialized) struct MetricEquityTests {
    @Test func breakdownsEqualAnOracleOverThePersonIndex() throws {
        let text = try String(contentsOf: Checkout.scenarios
            .appendingPathComponent("housing-2021.yaml"), encoding: .utf8)
        let (db, stored) = try DeterminationRunTests().prepared(text, persons: 3_000)
        var persons: [Int: (birth: LocalDate?, year: Int?, sex: String, race: String, county: String?)] = [:]
        for row in try db.execute("SELECT person_id, birth_date, birth_year::int, sex, race_ethnicity, county FROM ids.persons") {
            persons[try row.decode(at: 0)] = (try row.decode(at: 1), try row.decode(at: 2), try row.decode(at: 3), try row.decode(at: 4), try row.decode(at: 5))
        }
        struct Result { let person: Int, metric: String, provider: String, value: Decimal?, start: LocalDate }
        let results = try db.execute("""
            SELECT person_id, metric_id, provider_id, value, window_start FROM metrics.person_results
            WHERE contract_id = 'housing-2021' AND period = '2022'
            """).map { Result(person: try $0.decode(at: 0), metric: try $0.decode(at: 1), provider: try $0.decode(at: 2), value: try $0.decode(at: 3),
                              start: try $0.decode(at: 4)) }
        #expect(results.count > 300)
        func ageBand(_ person: Int, at start: LocalDate) -> String {
            let p = persons[person]!
            let age: Int? = if let birth = p.birth {
                start.year - birth.year - ((start.components.month, start.components.day) < (birth.components.month, birth.components.day) ? 1 : 0)
            } else {
                p.year.map { start.year - $0 }
            }
            guard let age else { return "unknown" }
            return age < 25 ? "under 25" : age < 35 ? "25-34" : age < 45 ? "35-44" : age < 55 ? "45-54" : age < 65 ? "55-64" : "65 and over"
        }
        // family_type is walked naively on random families in FamilyTypeTests.
        for attribute in PersonAttribute.allCases where attribute != .familyType {
            func group(_ r: Result) -> String {
                switch attribute {
                case .race: persons[r.person]!.race
                case .sex: persons[r.person]!.sex
                case .county: persons[r.person]!.county ?? "unknown"
                case .ageBand: ageBand(r.person, at: r.start)
                case .familyType: ""
                }
            }
            let tables = try MetricEquity.tables(contract: stored.contract, period: "2022", by: attribute, policy: .none, on: db)
            #expect(tables.count == stored.contract.metrics.count)
            for (metric, table) in tables {
                #expect(table.groups.count >= 2, "\(attribute): \(table.groups)")
                for row in table.rows {
                    let members = results.filter {
                        $0.metric == metric.id && (row.provider == nil || $0.provider == row.provider) && (row.group == nil || group($0) == row.group)
                    }
                    #expect(row.participants == members.count, "\(attribute) \(metric.id) \(row.provider ?? "all") \(row.group ?? "all")")
                    #expect(row.withValue == members.filter { $0.value != nil }.count)
                    #expect(row.total == members.reduce(Decimal(0)) { $0 + ($1.value ?? 0) })
                }
            }
        }
    }

    /// What per-participant lines paid, by provider and race: the people paid and their amounts, as the ledger holds them.
    @Test func paymentsByRaceEqualTheLedgerByPerson() throws {
        let text = try String(contentsOf: Checkout.scenarios
            .appendingPathComponent("reentry-2021.yaml"), encoding: .utf8)
            // Posted by this one login: the maker–checker approval is not what this test is about.
            .replacingOccurrences(of: "  approval: maker_checker\n", with: "")
        let (db, stored) = try DeterminationRunTests().prepared(text, persons: 3_000)
        _ = try PaymentRunner(stored: stored).run(period: "2021Q1", on: db)
        var race: [Int: String] = [:]
        for row in try db.execute("SELECT person_id, race_ethnicity FROM ids.persons") { race[try row.decode(at: 0)] = try row.decode(at: 1) }
        var paid: [String: (provider: String, race: String, amount: Decimal)] = [:]
        for row in try db.execute("SELECT person_id, provider_id, sum(amount) FROM payments.ledger WHERE person_id IS NOT NULL GROUP BY 1, 2 HAVING sum(amount) <> 0") {
            let person: Int = try row.decode(at: 0), provider: String = try row.decode(at: 1)
            paid["\(person)/\(provider)"] = (provider, race[person]!, try row.decode(at: 2))
        }
        #expect(paid.count > 5)
        let table = try PaymentEquity.table(contract: stored.contract, by: .race, policy: .none, on: db)
        #expect(table.rows.count == (table.providers.count + 1) * (table.groups.count + 1))
        for row in table.rows {
            let members = paid.values.filter { (row.provider == nil || $0.provider == row.provider) && (row.group == nil || $0.race == row.group) }
            #expect(row.participants == members.count && row.total == members.reduce(Decimal(0)) { $0 + $1.amount }, "\(row)")
        }
        // Under the policy, no number of people paid from 1 to 10 is shown, nor what they were paid.
        for row in try PaymentEquity.table(contract: stored.contract, by: .race, policy: SmallCellPolicy(), on: db).rows {
            #expect(row.participants.map { $0 == 0 || $0 >= 11 } ?? (row.total == nil))
        }
    }
}
