import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Lines owed per cohort — effect, savings share, milestone, clawback — posted by payment runs.
@Suite(.serialized) struct EffectPaymentRunTests {
    static let contract = """
        contract: housing-2021
        program: housing
        version: 1
        data_through: 2024-12-31
        currency: USD
        cohort: {study_arm: treatment, assign_by: enrollment_start}
        periods: {every: year, from: 2021-01-01, to: 2022-12-31}
        metrics:
          - {id: any_shelter_12m, measure: any, domain: shelter, window: {anchor: enrollment_start, from: 1 day, to: 12 months}}
          - {id: jail_days_12m, measure: days_covered, domain: jail, window: {anchor: enrollment_start, from: 0 days, to: 364 days}}
        payments:
          savings_share:
            - {id: jail_savings, outcome: jail_days_12m, comparison: comparison_group, unit_cost: 150.25, share: 40, cap: 400000}
          effect:
            - id: fewer_in_shelter
              outcome: any_shelter_12m
              statistic: rate
              better: lower
              improvement: absolute
              comparison: comparison_group
              threshold: 0
              per_unit: [{from: 0, to: 10, price: 100}, {from: 10, price: 40}]
              per_participant: true
              cap: 900000
              overall_threshold: 0
        """

    @Test func effectLinesPayEachProviderForItsImprovementOverItsControlArm() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 6_000, seed: 4)).load(into: db)
        let stored = try ContractStore.loadStored(text: Self.contract, file: "housing.yaml", on: db)
        let contract = stored.contract
        for period in contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        #expect(try db.execute("SELECT count(*) FROM metrics.person_results WHERE contract_id = 'housing-2021@control'")
            .scalar(Int.self) > 100)
        _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        _ = try PaymentRunner(stored: stored).run(period: "2022", on: db)

        // The oracle: rates counted in Swift from the stored values, priced by the domain code.
        func rates(_ id: String, _ periods: [String]) throws -> [String: (Int, Decimal)] {
            var counts: [String: (Int, Int)] = [:]
            for row in try db.execute("""
                SELECT provider_id, value FROM metrics.person_results
                WHERE contract_id = \(id) AND period = ANY (\(periods)::text[])
                  AND metric_id = 'any_shelter_12m'
                """) {
                let provider: String = try row.decode(at: 0)
                let value: Decimal = try row.decode(at: 1)
                counts[provider, default: (0, 0)].0 += 1
                if value > 0 { counts[provider]!.1 += 1 }
            }
            return counts.mapValues { ($0.0, Decimal($0.1) / Decimal($0.0)) }
        }
        let line = stored.contract.payments!.effectLines[0]
        var cohorts: [EffectFigures] = []
        for period in ["2021", "2022"] {
            let (treated, control) = (try rates("housing-2021", [period]), try rates("housing-2021@control", [period]))
            for provider in treated.keys.sorted() {
                cohorts.append(EffectFigures(cohort: period, group: provider, treatedParticipants: treated[provider]!.0,
                                             treated: treated[provider]!.1, comparison: control[provider]?.1))
            }
        }
        let (pooled, pooledControl) = (try rates("housing-2021", ["2021", "2022"]), try rates("housing-2021@control", ["2021", "2022"]))
        let overall = pooled.keys.sorted().map {
            EffectFigures(cohort: "all periods", group: $0, treatedParticipants: pooled[$0]!.0, treated: pooled[$0]!.1,
                          comparison: pooledControl[$0]?.1)
        }
        let expected = line.payments(cohorts: cohorts, overall: overall, currency: Currency(code: "USD")!, rounding: .halfEven)
        var expectedByKey: [String: Decimal] = [:]
        for payment in expected {
            let period = payment.cohort == "all periods" ? "2022" : payment.cohort
            expectedByKey["\(period)/\(payment.group)", default: 0] += payment.payable.amount
        }
        var posted: [String: Decimal] = [:]
        for row in try db.execute("""
            SELECT period || '/' || provider_id, sum(amount) FROM payments.ledger WHERE line_id = 'fewer_in_shelter' AND person_id IS NULL
            GROUP BY 1
            """) {
            posted[try row.decode(at: 0)] = try row.decode(at: 1)
        }
        #expect(posted == expectedByKey.filter { $0.value != 0 })
        #expect(expected.contains { !$0.payable.isZero }, "some provider improved on its control arm")
        #expect(try PaymentRunner(stored: stored).run(period: "2022", on: db).outcome == .noChange)
        let summary = try PaymentSummary.read(contract: stored, on: db)
        #expect(summary.headroom.map(\.scope) == [.line("fewer_in_shelter"), .line("jail_savings")])
        #expect(summary.headroom.allSatisfy { $0.paid <= $0.cap })

        // The savings share: mean jail days per provider and arm, computed in Swift.
        func means(_ id: String, _ period: String) throws -> [String: (Int, Decimal)] {
            var sums: [String: (Int, Decimal)] = [:]
            for row in try db.execute("""
                SELECT provider_id, value FROM metrics.person_results
                WHERE contract_id = \(id) AND period = \(period) AND metric_id = 'jail_days_12m'
                """) {
                let provider: String = try row.decode(at: 0)
                sums[provider, default: (0, 0)].0 += 1
                sums[provider]!.1 += try row.decode(Decimal.self, at: 1)
            }
            return sums.mapValues { ($0.0, $0.1 / Decimal($0.0)) }
        }
        var savingsCohorts: [EffectFigures] = []
        for period in ["2021", "2022"] {
            let (treated, control) = (try means("housing-2021", period), try means("housing-2021@control", period))
            for provider in treated.keys.sorted() {
                savingsCohorts.append(EffectFigures(cohort: period, group: provider, treatedParticipants: treated[provider]!.0,
                                                    treated: treated[provider]!.1, comparison: control[provider]?.1))
            }
        }
        let savings = stored.contract.payments!.savingsShares[0].payments(cohorts: savingsCohorts, rounding: .halfEven)
        var savingsPosted: [String: Decimal] = [:]
        for row in try db.execute("""
            SELECT period || '/' || provider_id, sum(amount) FROM payments.ledger WHERE line_id = 'jail_savings' GROUP BY 1
            """) {
            savingsPosted[try row.decode(at: 0)] = try row.decode(at: 1)
        }
        let savingsExpected = Dictionary(uniqueKeysWithValues: savings.map { ("\($0.cohort)/\($0.group)", $0.payable.amount) })
        #expect(savingsPosted == savingsExpected.filter { $0.value != 0 })
        #expect(savings.contains { !$0.payable.isZero }, "some provider saved jail days")
    }
}

@Suite(.serialized) struct MilestoneAndClawbackRunTests {
    @Test func attestedMilestonesPayAndMissedTargetsAreRepaid() throws {
        let contract = paymentRunContract.replacingOccurrences(of: "  interim: {share: 75}", with: """
              interim: {share: 75}
              milestones: [{id: launch, amount: 50000, period: "2021", provider: bridgeway}]
              clawback:
                - {id: missed_target, contract_value: 200000, share: 10, outcome: any_jail_12m, statistic: rate, target: "<= 0.05",
                   assessed_in: "2021", provider: bridgeway}
            """)
        let (db, _, stored) = try PaymentRunnerTests().prepared(contract)
        _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        func posted(_ line: String) throws -> Decimal? {
            try db.execute("SELECT sum(amount) FROM payments.ledger WHERE line_id = \(line)").scalar(Decimal?.self)
        }
        // The oracle: bridgeway's 2021 jail rate, counted in Swift.
        let values = try db.execute("""
            SELECT value FROM metrics.person_results WHERE contract_id = 'reentry-2021' AND period = '2021'
              AND metric_id = 'any_jail_12m' AND provider_id = 'bridgeway'
            """).map { try $0.decode(Decimal.self, at: 0) }
        let rate = Decimal(values.filter { $0 > 0 }.count) / Decimal(values.count)
        #expect(rate > Decimal(string: "0.05")!, "the synthetic jail rate misses the target")
        #expect(try posted("missed_target") == -20000)  // 10% of 200,000, split 60/40 between the payers
        #expect(try posted("launch") == nil, "not attested yet")

        #expect(try MilestoneAttestation.attest("launch", of: stored, note: "opened", on: db) == .attested)
        guard case .already = try MilestoneAttestation.attest("launch", of: stored, note: "again", on: db) else {
            Issue.record("attested twice")
            return
        }
        #expect(throws: DatabaseError.self) { try MilestoneAttestation.attest("lunch", of: stored, note: "", on: db) }
        let after = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        #expect(after.entries.map(\.lineID).allSatisfy { $0 == "launch" } && after.entries.allSatisfy { $0.kind == .adjustment })
        #expect(try posted("launch") == 50000)
        #expect(try db.execute("SELECT count(*) FROM payments.ledger WHERE line_id = 'launch' AND provider_id = 'bridgeway'")
            .scalar(Int.self) == 2, "one line per payer")
    }
}
