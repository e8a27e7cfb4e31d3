import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// A contract exercising every measure, anchor and filter.
let oracleContractYAML = """
    contract: housing-2021
    program: housing
    data_through: 2024-12-31
    cohort:
      min_enrolled_days: 30
    periods:
      every: year
      from: 2021-01-01
      to: 2024-12-31
    metrics:
      - id: any_jail_12m
        measure: any
        domain: jail
        window: {anchor: enrollment_start, from: 0 days, to: 12 months}
      - id: shelter_days_in_period
        measure: days_covered
        domain: shelter
        window: {anchor: period}
      - id: jail_days_outside_shelter
        measure: days_covered
        domain: jail
        outside: {domain: shelter}
        window: {anchor: enrollment_start, from: 0 days, to: 364 days}
      - id: jail_days_while_sheltered
        measure: days_covered
        domain: jail
        during: {domains: [shelter]}
        window: {anchor: enrollment_start, from: -30 days, to: 12 months}
      - id: jailed_when_achieved
        measure: any
        domain: jail
        assign_by: achieved
        window: {anchor: enrollment_start, from: 0 days, to: 12 months}
      - id: er_visits_when_achieved
        measure: count
        domain: er_visit
        assign_by: achieved
        window: {anchor: enrollment_start, from: 1 day, to: 18 months}
      - id: employed_4q_when_achieved
        measure: sustained
        domain: wages
        consecutive: 4 quarters
        assign_by: achieved
        window: {anchor: enrollment_start, from: 0 days, to: 24 months}
      - id: shelter_entries_12m
        measure: count
        domain: shelter
        window: {anchor: enrollment_start, from: 1 day, to: 1 year}
      - id: custody_days_12m
        measure: days_covered
        domains: [jail, shelter]
        window: {anchor: enrollment_start, from: 0 days, to: 364 days}
      - id: housed_days_12m
        measure: days_without
        domains: [shelter, jail]
        window: {anchor: enrollment_start, from: 0 days, to: 12 months}
      - id: wages_4q
        measure: sum
        domain: wages
        amount: "> 1000"
        window: {anchor: enrollment_start, from: 1 quarter, to: 5 quarters}
      - id: days_to_er
        measure: days_to_event
        domain: er_visit
        window: {anchor: enrollment_start, from: 0 days, to: 18 months}
      - id: employed_4q
        measure: sustained
        domain: wages
        consecutive: 4 quarters
        window: {anchor: enrollment_start, from: 0 days, to: 24 months}
      - id: housed_6m
        measure: sustained
        domain: shelter
        condition: absent
        consecutive: 6 months
        window: {anchor: enrollment_start, from: 0 days, to: 12 months}
      - id: jail_free_90d
        measure: sustained
        domain: jail
        condition: absent
        consecutive: 90 days
        window: {anchor: enrollment_start, from: 1 day, to: 12 months}
      - id: sheltered_2m_before
        measure: sustained
        domain: shelter
        consecutive: 2 months
        window: {anchor: enrollment_start, from: -6 months, to: -1 day}
      - id: jail_days_change
        measure: change
        of: days_covered
        domain: jail
        window: {anchor: enrollment_start, from: 0 days, to: 12 months}
        pre_window: {anchor: enrollment_start, from: -12 months, to: -1 day}
      - id: snap_after_exit
        measure: count
        domain: benefit
        event_types: [SNAP]
        source_systems: [EBT]
        window: {anchor: enrollment_end, from: 1 day, to: 6 months}
      - id: er_2022
        measure: count
        domain: er_visit
        window: {anchor: date, date: 2022-01-01, from: 0 days, to: 1 year}
    """

@Suite struct MetricOracleTests {
    /// Every metric, every period, several seeds: the SQL values equal the oracle's, person by person.
    @Test(arguments: [3, 17, 42])
    func compiledSQLMatchesTheOracle(seed: Int) throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1_500, seed: UInt64(seed))).load(into: db)
        let stored = try ContractStore.loadStored(text: oracleContractYAML, file: "oracle.yaml", on: db)
        let contract = stored.contract
        let oracle = try MetricOracle(reading: db)
        var compared = 0
        var nonZero: [String: Int] = [:]
        for period in contract.periods {
            let providerResults = try MetricsRunner(stored: stored).run(period: period, on: db)
            try expectProviderAggregates(providerResults, db, contract: contract.id, period: period.label)
            // The results carry no key: the statement itself must yield one row per participant and metric.
            let repeated = try db.execute("""
                SELECT count(*) FROM (SELECT 1 FROM metrics.person_results WHERE contract_id = \(contract.id)
                    AND period = \(period.label) GROUP BY person_id, metric_id HAVING count(*) > 1) AS repeated
                """).scalar(Int.self)
            #expect(repeated == 0, "rows repeated in \(period.label)")
            for metric in contract.metrics {
                let expected = oracle.values(contract: contract, metric: metric, period: period)
                let stored = try storedValues(db, contract: contract.id, metric: metric.id, period: period.label)
                #expect(Set(stored.keys) == Set(expected.keys), "participants of \(metric.id) in \(period.label)")
                for (person, value) in expected {
                    guard let actual = stored[person] else { continue }
                    #expect(actual.matches(value), "\(metric.id) \(period.label) person \(person): SQL \(actual), oracle \(value)")
                    compared += 1
                    if (value.value ?? 0) != 0 { nonZero[metric.id, default: 0] += 1 }
                }
            }
        }
        #expect(compared > 1_000)
        // Every metric meets participants with something to count, so no comparison above is of zeros alone.
        for metric in contract.metrics { #expect((nonZero[metric.id] ?? 0) >= 5, "\(metric.id): \(nonZero[metric.id] ?? 0) non-zero values") }
    }

    /// Provider and `(all)` aggregates equal counts, sums and means taken in Swift over the stored
    /// person values (which the oracle checks).
    func expectProviderAggregates(_ results: [ProviderMetricResult], _ db: PostgresConnection, contract: String, period: String) throws {
        var groups: [String: (participants: Int, values: [Decimal])] = [:]
        for row in try db.execute("""
            SELECT metric_id, provider_id, value FROM metrics.person_results WHERE contract_id = \(contract) AND period = \(period)
            """) {
            let (metric, provider, value): (String, String, Decimal?) = (try row.decode(at: 0), try row.decode(at: 1), try row.decode(at: 2))
            for key in [metric + "/" + provider, metric + "/" + MetricsRunner.allProviders] {
                groups[key, default: (0, [])].participants += 1
                if let value { groups[key, default: (0, [])].values.append(value) }
            }
        }
        #expect(Set(results.map { $0.metricID + "/" + $0.providerID }) == Set(groups.keys), "groups of \(period)")
        for result in results {
            guard let group = groups[result.metricID + "/" + result.providerID] else { continue }
            let total = group.values.reduce(0, +)
            #expect(result.participants == group.participants && result.withValue == group.values.count)
            #expect(result.total == (group.values.isEmpty ? nil : total), "\(result.metricID) \(result.providerID)")
            if let mean = result.mean, !group.values.isEmpty {
                let expected = total / Decimal(group.values.count)
                #expect(abs(NSDecimalNumber(decimal: mean - expected).doubleValue) < 1e-12, "mean of \(result.metricID)")
            } else {
                #expect(result.mean == nil && group.values.isEmpty)
            }
        }
    }

    func storedValues(_ db: PostgresConnection, contract: String, metric: String, period: String) throws
        -> [Int: MetricOracle.Value]
    {
        var values: [Int: MetricOracle.Value] = [:]
        for row in try db.execute("""
            SELECT person_id, value, pre_value, post_value, ratio FROM metrics.person_results
            WHERE contract_id = \(contract) AND metric_id = \(metric) AND period = \(period)
            """) {
            values[try row.decode(Int.self, at: 0)] = MetricOracle.Value(
                value: try row.decode(at: 1), pre: try row.decode(at: 2), post: try row.decode(at: 3), ratio: try row.decode(at: 4))
        }
        return values
    }
}
