import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// The loaded contract version is the one source of truth: a payment run pays only on metrics
/// computed from its stored text, from the current data load.
@Suite(.serialized) struct MetricsProvenanceTests {
    func refusal(_ body: () throws -> Void) -> PaymentRefusal? {
        do {
            try body()
            return nil
        } catch {
            return error as? PaymentRefusal
        }
    }

    /// The problems of a `metricsNotCurrent` refusal, and the load it names as current.
    func problems(_ refusal: PaymentRefusal?) -> (problems: [MetricsProblem], currentLoad: Int)? {
        guard case .metricsNotCurrent(_, _, _, let currentLoad, let problems) = refusal else { return nil }
        return (problems, currentLoad)
    }

    @Test func computedPeriodsRecordTheVersionTheTextAndTheLoad() throws {
        let (db, _, stored) = try PaymentRunnerTests().prepared()
        let load = try db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self)
        let rows = try db.execute("""
            SELECT period, version, file_sha256, load_id FROM metrics.computed_periods WHERE contract_id = 'reentry-2021' ORDER BY 1
            """)
        #expect(try rows.map { try $0.decode(String.self, at: 0) } == ["2021", "2022"])
        for row in rows {
            #expect(try row.decode(Int.self, at: 1) == 1)
            #expect(try row.decode(String.self, at: 2) == SHA256.hex(paymentRunContract))
            #expect(try row.decode(Int.self, at: 3) == load)
        }
    }

    @Test func aRunUnderANewVersionRefusesMetricsOfTheOldOneUntilRecomputed() throws {
        let (db, _, _) = try PaymentRunnerTests().prepared()
        // Version 2 changes a metric's window: the stored values of version 1 no longer measure it.
        let edited = paymentRunContract.replacingOccurrences(of: "version: 1", with: "version: 2")
            .replacingOccurrences(of: "from: 6 months, to: 9 months", with: "from: 3 months, to: 9 months")
        let second = try ContractStore.loadStored(text: edited, file: "reentry-v2.yaml", on: db)
        let error = refusal { _ = try PaymentRunner(stored: second).run(period: "2021", on: db) }
        #expect(problems(error)?.problems == [MetricsProblem(period: "2021", arm: .participants, kind: .otherVersion(1))], "\(String(describing: error))")
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 0, "nothing posted")

        try MetricsRunner(stored: second).run(period: second.contract.period("2021")!, on: db)
        let run = try PaymentRunner(stored: second).run(period: "2021", on: db)
        guard case .posted = run.outcome else { Issue.record("not posted: \(run.outcome)"); return }
        #expect(run.version == 2)
        // The run is recorded under version 2; its expected amounts come from version 2's metrics.
        #expect(try PaymentRunnerTests().ledger(db, period: "2021") == (try PaymentRunnerTests().expectedOwed(db, second, period: "2021")))
    }

    @Test func aFileTriedOutIsStoredApartAndNeverPaidOn() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1_500, seed: 5)).load(into: db)
        let stored = try ContractStore.loadStored(text: paymentRunContract, file: "reentry.yaml", on: db)
        // An edited file, tried out: the first year's jail window is shorter.
        let edited = try OutcomeContract.parse(
            yaml: paymentRunContract.replacingOccurrences(of: "to: 12 months}", with: "to: 6 months}"), file: "edited.yaml")
        for period in edited.periods { try MetricsRunner(trying: edited, fileSHA256: "edited").run(period: period, on: db) }
        #expect(try db.execute("SELECT count(*) FROM metrics.person_results WHERE contract_id = 'reentry-2021'").scalar(Int.self) == 0)
        #expect(try db.execute("SELECT count(*) FROM metrics.person_results WHERE contract_id = 'reentry-2021@trial'")
            .scalar(Int.self) > 0)
        #expect(try db.execute("SELECT version IS NULL AND file_sha256 = 'edited' FROM metrics.computed_periods WHERE contract_id = 'reentry-2021@trial' LIMIT 1")
            .scalar(Bool.self))
        let error = refusal { _ = try PaymentRunner(stored: stored).run(period: "2021", on: db) }
        #expect(problems(error)?.problems == [MetricsProblem(period: "2021", arm: .participants, kind: .notComputed)],
                "\(String(describing: error))")

        // Computing the loaded version afterwards leaves the trial's results alone, and pays.
        try MetricsRunner(stored: stored).run(period: stored.contract.period("2021")!, on: db)
        guard case .posted = try PaymentRunner(stored: stored).run(period: "2021", on: db).outcome else {
            Issue.record("the loaded version's metrics were not paid on")
            return
        }
    }

    @Test func metricsOfAReplacedDataLoadAreRefused() throws {
        let (db, _, stored) = try PaymentRunnerTests().prepared()
        let before = try db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self)
        // The IDS is replaced: the stored person rows point at the previous load's people.
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 2_000, seed: 6)).load(into: db)
        let after = try db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self)
        let error = refusal { _ = try PaymentRunner(stored: stored).run(period: "2022", on: db) }
        #expect(problems(error)?.currentLoad == after)
        #expect(problems(error)?.problems == ["2021", "2022"].map { MetricsProblem(period: $0, arm: .participants, kind: .olderLoad(before)) },
                "\(String(describing: error))")
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        let run = try PaymentRunner(stored: stored).run(period: "2022", on: db)
        #expect(run.outcome != .noChange)
    }

    /// Both arms are computed in one transaction: they share its start time, so a killed or concurrent
    /// recomputation can never leave them from different data loads.
    @Test func bothArmsAreComputedInOneTransaction() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1_500, seed: 4)).load(into: db)
        let stored = try ContractStore.loadStored(text: EffectPaymentRunTests.contract, file: "housing.yaml", on: db)
        try MetricsRunner(stored: stored).run(period: stored.contract.periods[0], on: db)
        let times = try db.execute("""
            SELECT contract_id, computed_at::text FROM metrics.computed_periods WHERE period = '2021' ORDER BY 1
            """).map { (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1)) }
        #expect(times.map(\.0) == ["housing-2021", "housing-2021@control"])
        #expect(Set(times.map(\.1)).count == 1, "one transaction: \(times)")
        // A failure in the second arm leaves the first arm's earlier results too.
        try db.execute("ALTER TABLE metrics.provider_results ADD CONSTRAINT no_control CHECK (contract_id NOT LIKE '%@control') NOT VALID")
        #expect(throws: PostgresError.self) { try MetricsRunner(stored: stored).run(period: stored.contract.periods[0], on: db) }
        #expect(try db.execute("SELECT computed_at::text FROM metrics.computed_periods WHERE contract_id = 'housing-2021' AND period = '2021'")
            .scalar(String.self) == times[0].1, "the participants' arm was rolled back with the control arm")
    }

    @Test func theControlArmMustBeCurrentToo() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 3_000, seed: 4)).load(into: db)
        let stored = try ContractStore.loadStored(text: EffectPaymentRunTests.contract, file: "housing.yaml", on: db)
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        // The control arm's 2021 results from an older load than the participants' (as a run outside one transaction could leave them).
        try db.execute("UPDATE metrics.computed_periods SET load_id = load_id - 1 WHERE contract_id = 'housing-2021@control' AND period = '2021'")
        let error = refusal { _ = try PaymentRunner(stored: stored).run(period: "2021", on: db) }
        let load = try db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self)
        #expect(problems(error)?.problems == [MetricsProblem(period: "2021", arm: .controlArm, kind: .olderLoad(load - 1))],
                "\(String(describing: error))")
    }

    /// Rows from before migration 0011 carry no version: runs refuse them until the metrics are recomputed.
    @Test func metricsComputedBeforeTheMigrationAreRecomputedBeforeAnyRun() throws {
        let db = try MigratorTests().migrated(before: 11)
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 800, seed: 5)).load(into: db)
        let load = try db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self)
        // What the previous release stored: the contract, and computed periods without a version.
        try db.execute("""
            INSERT INTO payments.contracts (contract_id, version, currency, file_sha256, body)
            VALUES ('reentry-2021', 1, 'USD', \(SHA256.hex(paymentRunContract)), \(paymentRunContract))
            """)
        try db.execute("INSERT INTO metrics.computed_periods (contract_id, period, load_id) VALUES ('reentry-2021', '2021', \(load))")

        try Migrator().migrate(db)
        #expect(try db.execute("SELECT load_id FROM metrics.computed_periods WHERE version IS NULL").scalar(Int.self) == load)
        let stored = try ContractStore.stored("reentry-2021", on: db)
        let error = refusal { _ = try PaymentRunner(stored: stored).run(period: "2021", on: db) }
        #expect(problems(error)?.problems == [MetricsProblem(period: "2021", arm: .participants, kind: .unversioned)],
                "\(String(describing: error))")
        try MetricsRunner(stored: stored).run(period: stored.contract.period("2021")!, on: db)
        #expect(throws: Never.self) { _ = try PaymentRunner(stored: stored).run(period: "2021", on: db) }
        // A contract without payment terms loads too (no currency), and its metrics compute from the stored text.
        let metricsOnly = try ContractStore.loadStored(text: """
            contract: counts-only
            program: reentry
            data_through: 2024-12-31
            periods: [{label: "2021", from: 2021-01-01, to: 2021-12-31}]
            metrics:
              - {id: any_jail_12m, measure: any, domain: jail, window: {anchor: enrollment_start, from: 0 days, to: 12 months}}
            """, file: "counts.yaml", on: db)
        #expect(metricsOnly.version == 1 && metricsOnly.contract.payments == nil)
    }
}
