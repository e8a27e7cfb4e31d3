import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

let paymentRunContract = """
    contract: reentry-2021
    program: reentry
    version: 1
    data_through: 2024-12-31
    currency: USD
    cohort: {min_enrolled_days: 30, assign_by: enrollment_start}
    periods: {every: year, from: 2021-01-01, to: 2022-12-31}
    metrics:
      - {id: employed_after_exit, measure: any, domain: wages, amount: "> 0", window: {anchor: enrollment_end, from: 6 months, to: 9 months}}
      - {id: any_jail_12m, measure: any, domain: jail, window: {anchor: enrollment_start, from: 0 days, to: 12 months}}
    payments:
      rate_card:
        caps: {provider: 20000}
        lines:
          - {id: employed, outcome: employed_after_exit, price: 1500}
          - {id: stayed_out, outcome: any_jail_12m, achieved: "= 0", price: 500.50}
      payers:
        - {id: state, share: 60}
        - {id: county, share: 40}
      interim: {share: 75}
    """

@Suite(.serialized) struct PaymentRunnerTests {
    /// Synthetic IDS, the contract loaded, metrics computed for both years.
    func prepared(_ yaml: String = paymentRunContract) throws -> (PostgresConnection, String, StoredContract) {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 3_000, seed: 5)).load(into: db)
        let stored = try ContractStore.loadStored(text: yaml, file: "reentry.yaml", on: db)
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        return (db, conninfo, stored)
    }

    /// The oracle: the pure engine over the stored achievements (read as a run reads them, by the
    /// rule `RateCardAchievementsTests` holds), split among the payers.
    func expectedOwed(_ db: PostgresConnection, _ stored: StoredContract, period: String) throws -> [String: Decimal] {
        let terms = stored.contract.payments!
        let labels = stored.contract.periods.map(\.label)
        let periods = try PaymentInputs.read(contract: stored.contract, terms: terms, periods: Array(labels[...labels.firstIndex(of: period)!]),
                                             on: db).achievements
        var owed: [String: Decimal] = [:]
        for line in try RateCardEngine(terms: terms)!.lines(for: periods) where line.period == period {
            for part in terms.payers.split(line.payable, line: line.lineID, rounding: terms.rounding) {
                owed["\(line.providerID)/\(part.payer)/\(line.personID!)/\(line.lineID)", default: 0] += part.amount.amount
            }
        }
        return owed.filter { $0.value != 0 }
    }

    func ledger(_ db: PostgresConnection, period: String) throws -> [String: Decimal] {
        var sums: [String: Decimal] = [:]
        for row in try db.execute("""
            SELECT provider_id || '/' || payer_id || '/' || person_id || '/' || line_id, sum(amount) FROM payments.ledger
            WHERE period = \(period) GROUP BY 1 HAVING sum(amount) <> 0
            """) {
            sums[try row.decode(at: 0)] = try row.decode(at: 1)
        }
        return sums
    }

    @Test func postsWhatTheEngineOwesThenNothingTwice() throws {
        let (db, _, stored) = try prepared()
        let first = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        guard case .posted = first.outcome else { Issue.record("nothing posted: \(first.outcome)"); return }
        let expected = try expectedOwed(db, stored, period: "2021")
        #expect(expected.count > 50, "the synthetic cohort earns outcomes")
        // A run reads each period's participants in person order (the order of its inputs text).
        let read = try PaymentInputs.read(contract: stored.contract, terms: stored.contract.payments!, periods: ["2021", "2022"], on: db)
        #expect(read.achievements.map(\.period) == ["2021", "2022"] && read.achievements.allSatisfy { $0.participants.count > 50 })
        #expect(read.achievements.allSatisfy { period in zip(period.participants, period.participants.dropFirst()).allSatisfy { $0.personID < $1.personID } })
        #expect(try ledger(db, period: "2021") == expected)
        #expect(first.entries.allSatisfy { $0.kind == .payment })
        #expect(first.total.amount == expected.values.reduce(0, +))
        #expect(try db.execute("SELECT total FROM payments.runs").scalar(Decimal.self) == first.total.amount)

        let again = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        #expect(again.outcome == .noChange && again.entries.isEmpty)
        // Every run's lines sum to its total.
        #expect(try db.execute("""
            SELECT count(*) FROM payments.runs r WHERE r.total <> (SELECT sum(amount) FROM payments.ledger l WHERE l.run_id = r.run_id)
            """).scalar(Int.self) == 0)
        #expect(again.inputsSHA256 == first.inputsSHA256)
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 1)

        // The second year's caps see the first year's payments.
        _ = try PaymentRunner(stored: stored).run(period: "2022", on: db)
        #expect(try ledger(db, period: "2022") == (try expectedOwed(db, stored, period: "2022")))
        let byProvider = try db.execute("SELECT provider_id, sum(amount) FROM payments.ledger GROUP BY 1")
        for row in byProvider { #expect(try row.decode(Decimal.self, at: 1) <= 20_000, "provider cap") }
    }

    @Test func lateDataPostsAdjustmentsThatNetToTheDifference() throws {
        let (db, _, stored) = try prepared()
        let before = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        // Late data: the jail bookings of one in five 2021 participants arrive in a later extract
        // (the metrics are computed again for those persons only).
        let late = try db.execute("""
            SELECT e.person_id || ',' || (900000000 + e.enrollment_id) || ',jail,booking,JMS,late-' || e.enrollment_id || ','
                   || (e.start_date + 30) || ',' || (e.start_date + 31)
            FROM ids.enrollments e WHERE e.contract_id = 'reentry-2021' AND e.start_date BETWEEN '2021-01-01' AND '2021-12-31'
              AND e.person_id % 5 = 0 ORDER BY e.person_id
            """).map { try $0.decode(String.self, at: 0) }
        let folder = TestDatabase.scratchDirectory("late-data")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try (["person_id,event_id,domain,event_type,source_system,source_record,start_date,end_date"] + late).joined(separator: "\n")
            .appending("\n").write(to: folder.appendingPathComponent("events.csv"), atomically: true, encoding: .utf8)
        _ = try ExtractLoader(directory: folder).load(into: db)
        try MetricsRunner(stored: stored).run(period: stored.contract.period("2021")!, on: db)
        let after = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        guard case .posted = after.outcome else { Issue.record("no adjustment posted"); return }
        #expect(after.entries.allSatisfy { $0.kind == .adjustment })
        #expect(after.entries.contains { $0.amount.amount < 0 }, "outcomes lost to late bookings are taken back")
        #expect(try ledger(db, period: "2021") == (try expectedOwed(db, stored, period: "2021")))
        #expect(after.total.amount == after.owed.amount - before.owed.amount)
        #expect(after.inputsSHA256 != before.inputsSHA256)
        #expect(try db.execute("""
            SELECT count(*) FROM payments.runs r WHERE r.total <> (SELECT sum(amount) FROM payments.ledger l WHERE l.run_id = r.run_id)
            """).scalar(Int.self) == 0, "every run's lines sum to its total")
    }

    @Test func interimRunsPayAShareAndTheFinalRunReconciles() throws {
        let (db, _, stored) = try prepared()
        let interim = try PaymentRunner(stored: stored).run(period: "2021", kind: .interim, on: db)
        let final = try PaymentRunner(stored: stored).run(period: "2021", kind: .final, on: db)
        let owed = try expectedOwed(db, stored, period: "2021").values.reduce(0, +)
        #expect(final.owed.amount == owed)
        #expect(interim.total.amount + final.total.amount == owed)
        // 75% per payer line, rounded half-even: within half a cent per line of three quarters of the whole.
        let lines = Decimal(interim.entries.count)
        #expect(abs(NSDecimalNumber(decimal: interim.total.amount - owed * Decimal(string: "0.75")!).doubleValue)
                <= NSDecimalNumber(decimal: lines * Decimal(string: "0.005")!).doubleValue)
        #expect(final.entries.allSatisfy { $0.kind == .adjustment })
        #expect(throws: PaymentRefusal.interimAfterFinal(contract: "reentry-2021", period: "2021")) {
            try PaymentRunner(stored: stored).run(period: "2021", kind: .interim, on: db)
        }
    }

    @Test func aDryRunPostsNothingAndShowsWhatARunWould() throws {
        let (db, _, stored) = try prepared()
        let dry = try PaymentRunner(stored: stored).run(period: "2021", dryRun: true, on: db)
        #expect(dry.outcome == .dryRun)
        #expect(try db.execute("SELECT count(*) FROM payments.ledger").scalar(Int.self) == 0)
        let real = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        #expect(real.entries == dry.entries && real.inputsSHA256 == dry.inputsSHA256)
    }

    @Test func twoRunsAtOnceNeverBothPost() throws {
        let (db, conninfo, stored) = try prepared()
        _ = db
        let outcomes = Outcomes()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            outcomes.add(Result {
                let connection = try PostgresConnection(conninfo: conninfo)
                return try PaymentRunner(stored: stored).run(period: "2021", on: connection).outcome
            })
        }
        let results = try outcomes.all().map { try $0.get() }
        #expect(results.filter { if case .posted = $0 { true } else { false } }.count == 1)
        #expect(results.contains(.noChange))
        #expect(try db.execute("SELECT count(*) FROM payments.runs").scalar(Int.self) == 1)
    }

    @Test func aPeriodWithoutComputedMetricsIsRefused() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 500, seed: 5)).load(into: db)
        let stored = try ContractStore.loadStored(text: paymentRunContract, file: "reentry.yaml", on: db)
        try MetricsRunner(stored: stored).run(period: stored.contract.period("2022")!, on: db)
        let load = try db.execute("SELECT max(load_id) FROM ids.data_loads").scalar(Int.self)
        #expect(throws: PaymentRefusal.metricsNotCurrent(contract: "reentry-2021", version: 1, period: "2022", currentLoad: load,
                                                          problems: [MetricsProblem(period: "2021", arm: .participants, kind: .notComputed)])) {
            _ = try PaymentRunner(stored: stored).run(period: "2022", on: db)
        }
    }
}

private final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<PaymentRunResult.Outcome, any Error>] = []
    func add(_ result: Result<PaymentRunResult.Outcome, any Error>) { lock.withLock { results.append(result) } }
    func all() -> [Result<PaymentRunResult.Outcome, any Error>] { lock.withLock { results } }
}

@Suite(.serialized) struct PaymentStatementTests {
    @Test func statementAndSummaryAgreeWithTheRunsAndTheCaps() throws {
        let tight = paymentRunContract.replacingOccurrences(of: "caps: {provider: 20000}", with: "caps: {provider: 5000, contract: 9000}")
        let (db, _, stored) = try PaymentRunnerTests().prepared(tight)
        let first = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        let second = try PaymentRunner(stored: stored).run(period: "2022", on: db)
        let entries = first.entries + second.entries
        let providers = Set(entries.map(\.providerID)).sorted()
        #expect(providers.count == 2)

        // What the engine says, independently of the ledger.
        let terms = stored.contract.payments!
        let periods = try PaymentInputs.read(contract: stored.contract, terms: terms, periods: ["2021", "2022"], on: db).achievements
        let lines = try RateCardEngine(terms: terms)!.lines(for: periods)
        for provider in providers {
            let statement = try ProviderStatement.read(contract: stored, provider: provider, on: db)
            let own = lines.filter { $0.providerID == provider }
            for row in statement.lines {
                let engineRows = own.filter { $0.period == row.period && $0.lineID == row.lineID }
                #expect(row.earned == engineRows.reduce(Decimal(0)) { $0 + $1.earned.amount }, "\(provider) \(row.period) \(row.lineID)")
                #expect(row.payments == engineRows.reduce(Decimal(0)) { $0 + $1.payable.amount })
                #expect(row.adjustments == 0)
            }
            let capped = own.filter { $0.reasons.contains { if case .cap(.provider(provider), _, _, _) = $0 { true } else { false } } }
            #expect(statement.caps.filter { $0.scope == .provider(provider) }.reduce(0) { $0 + ($1.participants ?? 0) } == capped.count)
            #expect(!capped.isEmpty, "the provider cap binds for \(provider)")
            #expect(statement.payers.map(\.payer) == ["county", "state"])
            #expect(statement.runs.map(\.runID).count == 2)
        }

        let summary = try PaymentSummary.read(contract: stored, on: db)
        let paidByProvider = Dictionary(grouping: lines, by: \.providerID).mapValues { $0.reduce(Decimal(0)) { $0 + $1.payable.amount } }
        for provider in providers {
            let row = try #require(summary.headroom.first { $0.scope == .provider(provider) })
            #expect(row.paid == paidByProvider[provider] && row.cap == 5000 && row.left == 5000 - paidByProvider[provider]!)
        }
        let contractRow = try #require(summary.headroom.first { $0.scope == .contract })
        #expect(contractRow.paid == lines.reduce(Decimal(0)) { $0 + $1.payable.amount } && contractRow.paid <= 9000)
        #expect(summary.paid.reduce(Decimal(0)) { $0 + $1.amount } == contractRow.paid)
    }

    @Test func aProvidersUserReadsOnlyItsOwnStatement() throws {
        let (db, _, stored) = try PaymentRunnerTests().prepared()
        _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        try db.runScript("""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bridgeway_staff') THEN CREATE ROLE bridgeway_staff LOGIN; END IF;
            END $$;
            GRANT outcomes_provider TO bridgeway_staff;
            INSERT INTO payments.provider_users VALUES ('bridgeway_staff', 'bridgeway');
            """)
        let asOwner = try ProviderStatement.read(contract: stored, provider: "bridgeway", on: db)
        let (own, other) = try db.transaction(as: "bridgeway_staff") { db in
            let own = try ProviderStatement.read(contract: stored, provider: "bridgeway", on: db)
            // Another provider's statement is refused (exit 77), before anything of it is read.
            let other = #expect(throws: DatabaseError.self) { try ProviderStatement.read(contract: stored, provider: "secondchance", on: db) }
            return (own, other)
        }
        #expect(own.lines.map(\.payments) == asOwner.lines.map(\.payments) && !own.lines.isEmpty)
        #expect(other?.code == .providerNotPermitted && other?.exitStatus == .permission)
        // As the owner, an unknown provider is an error too — not an empty statement.
        let unknown = #expect(throws: DatabaseError.self) { try ProviderStatement.read(contract: stored, provider: "nobody", on: db) }
        #expect(unknown?.code == .noData && unknown?.exitStatus == .dataError)
        #expect(own.runs.count == 1)
    }
}

@Suite(.serialized) struct CorrectedTermsTests {
    @Test func aCorrectedContractPostsTheDifferenceUnderItsVersion() throws {
        let (db, _, first) = try PaymentRunnerTests().prepared()
        let before = try PaymentRunner(stored: first).run(period: "2021", on: db)
        let corrected = paymentRunContract.replacingOccurrences(of: "version: 1", with: "version: 2")
            .replacingOccurrences(of: "price: 500.50", with: "price: 450")
        let second = try ContractStore.loadStored(text: corrected, file: "reentry.yaml", on: db)
        #expect(second.version == 2)
        // The new version's payments read metrics computed from its own text.
        for period in second.contract.periods { try MetricsRunner(stored: second).run(period: period, on: db) }
        let after = try PaymentRunner(stored: second).run(period: "2021", on: db)
        guard case .posted(let runID) = after.outcome else { Issue.record("nothing posted"); return }
        // Every line of the period is re-priced (caps move headroom between lines): all adjustments.
        #expect(after.entries.allSatisfy { $0.kind == .adjustment } && after.entries.contains { $0.lineID == "stayed_out" })
        #expect(after.total.amount == after.owed.amount - before.owed.amount)
        #expect(try db.execute("SELECT version FROM payments.runs WHERE run_id = \(runID)").scalar(Int.self) == 2)
        #expect(try db.execute("SELECT sum(amount) FROM payments.ledger").scalar(Decimal.self) == after.owed.amount)
        _ = try PaymentRunner(stored: second).run(period: "2022", kind: .interim, on: db)  // has an interim share: runs
        #expect(throws: PaymentRefusal.noInterimShare(contract: "reentry-2021", version: 3)) {
            try PaymentRunner(stored: try PaymentRunnerTests.withoutInterim(db)).run(period: "2022", kind: .interim, on: db)
        }
    }
}

extension PaymentRunnerTests {
    /// Version 3 of the test contract, without interim payments.
    static func withoutInterim(_ db: PostgresConnection) throws -> StoredContract {
        let text = paymentRunContract.replacingOccurrences(of: "version: 1", with: "version: 3")
            .replacingOccurrences(of: "  interim: {share: 75}", with: "")
        _ = try ContractStore.load(text: text, file: "reentry.yaml", on: db)
        return try ContractStore.stored("reentry-2021", on: db)
    }
}
