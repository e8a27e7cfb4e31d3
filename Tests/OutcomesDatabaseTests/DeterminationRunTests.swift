import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Effect-based lines in the database: comparisons pooled or per provider, refused when there is
/// nothing to compare with, and determinations recorded with every run — those that pay nothing too.
@Suite(.serialized) struct DeterminationRunTests {
    func prepared(_ contract: String, persons: Int = 4_000) throws -> (PostgresConnection, StoredContract) {
        let (db, _) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: persons, seed: 4)).load(into: db)
        let stored = try ContractStore.loadStored(text: contract, file: "housing.yaml", on: db)
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        return (db, stored)
    }

    /// Participants and achievers of `any_shelter_12m`, per provider ("" pools them), counted in Swift.
    func counts(_ db: PostgresConnection, _ id: String, _ period: String, pooled: Bool) throws -> [String: (Int, Int)] {
        var counts: [String: (Int, Int)] = [:]
        for row in try db.execute("""
            SELECT provider_id, value FROM metrics.person_results
            WHERE contract_id = \(id) AND period = \(period) AND metric_id = 'any_shelter_12m'
            """) {
            let provider: String = pooled ? "" : try row.decode(at: 0)
            let value: Decimal = try row.decode(at: 1)
            counts[provider, default: (0, 0)].0 += 1
            if value > 0 { counts[provider]!.1 += 1 }
        }
        return counts
    }

    static let shared = EffectPaymentRunTests.contract
        .replacingOccurrences(of: "comparison: comparison_group\n      threshold: 0", with: "comparison: shared_control_group\n      threshold: 0")
        .replacingOccurrences(of: "  savings_share:\n    - {id: jail_savings, outcome: jail_days_12m, comparison: comparison_group, unit_cost: 150.25, share: 40, cap: 400000}\n", with: "")

    @Test func providersSharingOneControlGroupAreEachComparedWithAllOfIt() throws {
        #expect(Self.shared.contains("shared_control_group") && !Self.shared.contains("savings_share"), "the fixture's edits applied")
        let (db, stored) = try prepared(Self.shared)
        let run = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        let control = try #require(try counts(db, "housing-2021@control", "2021", pooled: true)[""])
        let treated = try counts(db, "housing-2021", "2021", pooled: false)
        #expect(treated.count == 2, "two providers")
        let determinations = run.determinations.filter { $0.cohort == "2021" }
        #expect(determinations.map(\.provider) == treated.keys.sorted())
        let line = stored.contract.payments!.effectLines[0]
        for determination in determinations {
            let own = treated[determination.provider]!
            #expect(determination.basis == .sharedControlGroup)
            #expect(determination.comparison == GroupFigure(participants: control.0, total: Decimal(control.1), count: control.0))
            #expect(determination.treated == GroupFigure(participants: own.0, total: Decimal(own.1), count: own.0))
            // The improvement in points, exactly: (control rate − treated rate) × 100.
            let expected = (ExactRatio(Decimal(control.1), Decimal(control.0)) - ExactRatio(Decimal(own.1), Decimal(own.0))) * ExactRatio(100)
            #expect(determination.improvement == expected)
            let hand = line.payments(cohorts: [EffectFigures(cohort: "2021", group: determination.provider,
                                                             treated: determination.treated, comparison: determination.comparison)],
                                     overall: nil, currency: Currency(code: "USD")!, rounding: .halfEven)[0].payable
            #expect(determination.earned == hand)
        }
        // Stored with the run, read back as the statement shows them.
        guard case .posted(let runID) = run.outcome else { Issue.record("not posted"); return }
        #expect(try db.execute("SELECT count(*) FROM payments.determinations WHERE run_id = \(runID)").scalar(Int.self)
                == run.determinations.count)
        let provider = determinations[0].provider
        let statement = try ProviderStatement.read(contract: stored, provider: provider, on: db)
        let row = try #require(statement.determinations.first { $0.period == "2021" })
        // The arithmetic is the text a provider's statement prints: its wording is the subject.
        #expect(row.arithmetic.contains("against shared control group \(control.1)/\(control.0)"), "\(row.arithmetic)")
        #expect(row.improvement == determinations[0].improvement?.rounded(scale: 4))
    }

    @Test func aProviderWithoutItsOwnControlArmIsRefusedNotPaidZero() throws {
        let (db, stored) = try prepared(EffectPaymentRunTests.contract)
        // Every control-arm participant belongs to one provider: the other has none to compare with.
        try db.execute("""
            DELETE FROM metrics.person_results WHERE contract_id = 'housing-2021@control' AND period = '2021'
              AND provider_id = (SELECT max(provider_id) FROM metrics.person_results WHERE contract_id = 'housing-2021')
            """)
        let provider = try db.execute("SELECT max(provider_id) FROM metrics.person_results WHERE contract_id = 'housing-2021'")
            .scalar(String.self)
        #expect(throws: PaymentRefusal.noComparison(contract: "housing-2021", line: "fewer_in_shelter", provider: provider, cohort: "2021",
                                                     basis: .controlArm)) {
            _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        }
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)
    }

    @Test func aSharedControlGroupWithNoOneInItIsRefused() throws {
        let (db, stored) = try prepared(Self.shared, persons: 1_500)
        try db.execute("DELETE FROM metrics.person_results WHERE contract_id = 'housing-2021@control' AND period = '2021'")
        let refused = #expect(throws: PaymentRefusal.self) { _ = try PaymentRunner(stored: stored).run(period: "2021", on: db) }
        guard case .noComparison(_, "fewer_in_shelter", _, "2021", .sharedControlGroup) = refused else {
            Issue.record("\(String(describing: refused))")
            return
        }
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0)
    }

    @Test func aRunThatPaysNothingStillRecordsItsDeterminations() throws {
        // No improvement reaches 90 points: nothing is owed, but the determination is on record.
        let strict = EffectPaymentRunTests.contract
            .replacingOccurrences(of: "threshold: 0\n      per_unit", with: "threshold: 90\n      per_unit")
            .replacingOccurrences(of: "per_unit: [{from: 0, to: 10, price: 100}, {from: 10, price: 40}]", with: "per_unit: [{from: 90, price: 100}]")
            .replacingOccurrences(of: "  savings_share:\n    - {id: jail_savings, outcome: jail_days_12m, comparison: comparison_group, unit_cost: 150.25, share: 40, cap: 400000}\n", with: "")
        #expect(strict.contains("threshold: 90"), "the fixture's edit applied")
        let (db, stored) = try prepared(strict, persons: 2_500)
        let run = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        guard case .posted(let runID) = run.outcome else { Issue.record("no run recorded: \(run.outcome)"); return }
        #expect(run.entries.isEmpty && run.total.isZero)
        #expect(try db.execute("SELECT total FROM payments.runs WHERE run_id = \(runID)").scalar(Decimal.self) == 0)
        let findings = try db.execute("SELECT finding FROM payments.determinations WHERE run_id = \(runID)").map {
            try $0.decode(String.self, at: 0)
        }
        #expect(!findings.isEmpty && findings.allSatisfy { $0 == "below_threshold" })
        // The statement reads the stored codes back as the domain's values; a code it does not know is an error.
        let provider = try db.execute("SELECT min(provider_id) FROM payments.determinations").scalar(String.self)
        let statement = try ProviderStatement.read(contract: stored, provider: provider, on: db)
        #expect(!statement.determinations.isEmpty
                && statement.determinations.allSatisfy { $0.finding == .belowThreshold && $0.mechanism == .effect })
        #expect(statement.runs.map(\.kind) == [.final])
        #expect(throws: PostgresError.self) { try db.execute("SELECT 'below threshold'::text").scalar(Determination.Finding.self) }
        // The same inputs again: nothing new to record.
        #expect(try PaymentRunner(stored: stored).run(period: "2021", on: db).outcome == .noChange)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 1)
    }

    @Test func aMatchedComparisonGroupMustBeStoredFirst() throws {
        let matched = Self.shared.replacingOccurrences(of: "shared_control_group", with: "matched_group")
        let (db, stored) = try prepared(matched, persons: 1_500)
        let refused = #expect(throws: PaymentRefusal.self) { _ = try PaymentRunner(stored: stored).run(period: "2021", on: db) }
        guard case .metricsNotCurrent(_, _, _, _, let problems) = refused else { Issue.record("\(String(describing: refused))"); return }
        #expect(problems.map(\.arm) == [.matchedGroup])
    }
}
