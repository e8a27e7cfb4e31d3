import ArgumentParser
import Foundation
import OutcomesCLI
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

struct PaymentsBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments",
        abstract: "Time rate-card payment runs, posting included, against computing their metrics.",
        discussion: """
            Loads the synthetic data set unless it is already loaded, loads a rate-card contract for each \
            synthetic contract — six outcome lines on the metrics benchmark's six metrics, a \
            per-participant cap — computes their metrics (timed), then posts a payment run for each \
            (timed). The ledger is append-only and a period already paid posts nothing, so every \
            invocation loads the terms as a new version with a reporting period of its own \
            (bench1, bench2, …), whose first run posts every line. Contracts run side by side, as \
            in the metrics benchmark. Then recomputes the runs from their sealed inputs, one after \
            the other, as `payments verify --recompute` does (timed). Prints the times, their \
            ratios and this process's peak memory.

            The contracts are the synthetic ones (care-2021, housing-2021, reentry-2021), whose \
            participants the data set enrolls; a database holding a version of them that the \
            benchmark did not load (a user's, the demo's) is refused before anything is written: \
            run the benchmark on a database of its own.

            Without --persons, 1,000,000 people (the figures in BENCHMARKS.md).

            Examples:
              outcomes-bench payments --persons 5000
              outcomes-bench payments --persons 5000 --format json --quiet
            """
    )

    @OptionGroup var data: BenchmarkDataOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    /// The metrics benchmark's contract with a rate card on its six metrics, as version `version`
    /// with one reporting period named after it. The contract keeps the synthetic contract's id:
    /// enrollments name it, so under another id the runs would pay nobody.
    static func contractYAML(_ contract: ProgramCatalog.Contract, version: Int) -> String {
        MetricsBenchmark.contractYAML(contract)
            .replacingOccurrences(of: "label: all", with: "label: bench\(version)")
            + """

            version: \(version)
            currency: USD
            payments:
              rate_card:
                caps: {participant: 4000}
                lines:
                  - {id: no_jail, outcome: any_jail_12m, achieved: "= 0", price: 750}
                  - {id: no_shelter_entry, outcome: shelter_entries_12m, achieved: "= 0", price: 500}
                  - {id: few_jail_days, outcome: jail_days_12m, achieved: "< 15", price: 400}
                  - {id: earnings, outcome: wages_4q, achieved: ">= 10000", price: 1200}
                  - {id: employed_year, outcome: employed_4q, price: 1500}
                  - {id: fewer_er_visits, outcome: er_visits_change, achieved: "< 0", price: 350}
            """
    }

    func run() throws {
        let progress = output.progress
        let (connection, target) = try database.connectReady(progress: progress)
        try Self.refuseVersionsNotItsOwn(on: connection)
        try reuseOrLoadSynthetic(persons: data.persons, seed: data.seed, connection: connection, progress: progress)
        // A ledger never forgets: each invocation pays a period of its own under a new version of the terms.
        let stored = try Self.loadNewVersions(on: connection)
        progress.note("Computing the metrics of \(stored.count) contracts, side by side…")
        let metrics = try measure { try MetricsBenchmark.runSideBySide(stored.map(MetricsRunner.init(stored:)), on: target) }
        progress.note("Posting their payment runs, side by side…")
        let runs = try measure { try Self.runPayments(stored, on: target) }
        let participants = metrics.value.filter { $0.providerID == MetricsRunner.allProviders && $0.metricID == "any_jail_12m" }
            .reduce(0) { $0 + $1.participants }
        // What `payments verify --recompute` does for each of these runs, one after the other.
        let runIDs = runs.value.compactMap { if case .posted(let id) = $0.outcome { id } else { nil } }
        progress.note("Recomputing the \(runIDs.count) runs from their sealed inputs…")
        let recomputed = try measure { try ChainVerification.recompute(runs: runIDs, on: connection) }
        guard recomputed.value.breaks.isEmpty, recomputed.value.recomputed == runIDs.count else {
            throw ValidationError("the runs just posted do not recompute: \(recomputed.value.breaks.map(\.detail))")
        }
        let lines = runs.value.reduce(0) { $0 + $1.entries.count }
        // A benchmark that paid nobody measured nothing: say so rather than print its times.
        guard participants > 0, lines > 0 else {
            throw DatabaseError(.noData, "the payment runs paid no participant (\(participants) participants, \(lines) ledger lines): nothing was measured.")
        }
        let total = runs.value.reduce(Decimal(0)) { $0 + $1.total.amount }
        var report = Report(title: "Payments benchmark: \(data.persons) people, seed \(data.seed)")
        report.notes = [
            "Participants: \(participants) across \(stored.count) contracts; 6 rate-card lines each, a participant cap.",
            "Posted \(lines) ledger lines, \(Money(total, Currency(code: "USD")!).plain) USD; database: \(target).",
        ]
        var table = ReportTable(name: "payments", title: "Timing", columns: ["measure", "value"])
        table.rows = [
            [.text("metrics of the contracts (s)"), .text(String(format: "%.2f", metrics.seconds))],
            [.text("payment runs, posted (s)"), .text(String(format: "%.2f", runs.seconds))],
            [.text("ratio payments / metrics"), .text(String(format: "%.2f", runs.seconds / metrics.seconds))],
            [.text("the runs recomputed from their sealed inputs, one after the other (s)"), .text(String(format: "%.2f", recomputed.seconds))],
            [.text("ratio recompute / payment runs"), .text(String(format: "%.2f", recomputed.seconds / runs.seconds))],
            [.text("runs also checked against the stored results"), .int(recomputed.value.checkedAgainstResults)],
            [.text("peak memory of outcomes (MB)"), .int(peakResidentMegabytes())],
        ]
        report.tables = [table]
        try output.emit(report)
    }

    /// Loads the benchmark's contracts as a new version each (bench<N>), refusing terms a second
    /// login approves; returns them as stored.
    static func loadNewVersions(on connection: PostgresConnection) throws -> [StoredContract] {
        var stored: [StoredContract] = []
        for synthetic in ProgramCatalog.synthetic.contracts {
            let loaded = try connection.execute("""
                SELECT coalesce(max(version), 0) FROM payments.contracts WHERE contract_id = \(synthetic.id)
                """).scalar(Int.self)
            let text = Self.contractYAML(synthetic, version: loaded + 1)
            let contract: OutcomeContract
            do {
                contract = try ContractStore.load(text: text, file: "bench-\(synthetic.id).yaml", on: connection).0
            } catch let error as DatabaseError where error.code == .makerCheckerRequired {
                throw DatabaseError(.makerCheckerRequired, "this database holds contract \(synthetic.id) with terms whose runs a second login approves "
                                    + "(the demo's?); the benchmark posts its runs with one login: run it on a database of its own "
                                    + "(--database, or OUTCOMES_DATA_DIR for an embedded cluster of its own).")
            }
            stored.append(try ContractStore.stored(contract.id, on: connection))
        }
        return stored
    }

    /// Whether a stored version of a synthetic contract is one this benchmark loaded: every period is bench<N>.
    static func isBenchVersion(_ contract: OutcomeContract) -> Bool {
        !contract.periods.isEmpty && contract.periods.allSatisfy { period in
            let number = period.label.dropFirst("bench".count)
            return period.label.hasPrefix("bench") && !number.isEmpty && number.allSatisfy { $0.isASCII && $0.isNumber }
        }
    }

    /// Refuses, before anything is written, a database holding a version of a synthetic contract that this
    /// benchmark did not load (a user's, the demo's): it would add versions above it, so that the contract's
    /// latest version is a bench one, and post runs to that contract's ledger.
    static func refuseVersionsNotItsOwn(on connection: PostgresConnection) throws {
        for synthetic in ProgramCatalog.synthetic.contracts {
            let versions = try connection.execute("""
                SELECT version FROM payments.contracts WHERE contract_id = \(synthetic.id) ORDER BY version
                """).map { try $0.decode(Int.self, at: 0) }
            for version in versions {
                let stored = try ContractStore.stored(reference: "\(synthetic.id)@\(version)", on: connection)
                guard isBenchVersion(stored.contract) else {
                    throw DatabaseError(.contractVersionConflict, "this database holds version \(version) of contract \(synthetic.id), "
                                        + "which the payments benchmark did not load (a user's or the demo's); the benchmark would add "
                                        + "versions of its own above it and post runs to its ledger: run it on a database of its own "
                                        + "(--database, or OUTCOMES_DATA_DIR for an embedded cluster of its own).")
                }
            }
        }
    }

    static func runPayments(_ contracts: [StoredContract], on target: DatabaseTarget) throws -> [PaymentRunResult] {
        try sideBySide(contracts.count) { index in
            try PaymentRunner(stored: contracts[index]).run(period: contracts[index].contract.periods[0].label, on: try target.connect())
        }
    }
}
