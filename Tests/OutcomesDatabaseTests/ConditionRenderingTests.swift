import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// An outcome condition has one rule with two renderings: `matches(_:)` in Swift (the rate card's
/// recorders, scenarios) and `predicate(on:)` in SQL (metrics, payment inputs, effects). On random
/// conditions and values, ties and NULLs included, PostgreSQL and Swift agree.
@Suite struct ConditionRenderingTests {
    @Test func swiftAndSQLAgreeOnRandomConditionsAndValues() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        var random = SeededGenerator(seed: 20261203)
        func decimal() -> Decimal {
            // Few distinct magnitudes and scales, so ties with the threshold are common.
            let units = Int.random(in: -30...30, using: &random)
            let scale = [0, 1, 2, 6].randomElement(using: &random)!
            return Decimal(units) / pow(Decimal(10), scale)
        }
        var checked = 0, met = 0
        for _ in 0..<200 {
            let condition = AmountCondition(AmountCondition.Comparison.allCases.randomElement(using: &random)!, decimal())
            let values: [Decimal?] = (0..<40).map { _ in Int.random(in: 0..<8, using: &random) == 0 ? nil : decimal() }
            let sql = try db.execute("""
                SELECT array_agg(coalesce(\(condition.predicate(on: "u.v")), false) ORDER BY u.i)
                FROM unnest(\(values)::numeric[]) WITH ORDINALITY AS u(v, i)
                """).scalar([Bool].self)
            let swift = values.map(condition.matches)
            #expect(sql == swift, "\(condition.comparison.rawValue) \(condition.value)")
            checked += values.count
            met += swift.filter { $0 }.count
        }
        // The sample exercises both outcomes, not one.
        #expect(checked == 8000)
        #expect(met > 1000 && met < 7000)
    }
}
