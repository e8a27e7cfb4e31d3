import ArgumentParser
import Foundation
import OutcomesCLI
import OutcomesDatabase
import OutcomesDomain
import OutcomesStatistics

struct ScenarioBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Time the Monte Carlo of a benefit-cost scenario: 10 outcomes, 4 perspectives, a 50-year horizon.",
        discussion: """
            Builds a scenario of 10 outcomes, each valued by all 4 perspectives (40 uncertain unit \
            values), with uncertain effects, cost and discount rate over a 50-year horizon, and times \
            its Monte Carlo (the best of three) at 10,000 draws and at 1,000 and 100,000, to show how \
            the time grows with draws. Then a provider-level payment scenario: on the demo's data \
            set (loaded unless it is), with every period's metrics of both demo contracts computed \
            (not timed), the contract's payment engine run over every period for each draw, timed \
            at --payment-draws and a tenth of them, per contract with its providers and periods; then the \
            rate-card contract's participants dealt among 2, 8 and 32 providers, to show how the time \
            grows with providers.

            Examples:
              outcomes-bench scenario --persons 3000 --payment-draws 20
              outcomes-bench scenario --persons 3000 --draws 2000 --payment-draws 10 --format json --quiet
            """
    )

    @Option(name: .long, help: "Draws of the main measurement.")
    var draws = 10_000

    @Option(name: .long, help: "Draws of the payment scenario.")
    var paymentDraws = 10_000

    @Option(name: .long, help: "People in the data set of the payment scenario (the demo's size by default).")
    var persons = 50_000

    @Option(name: .long, help: "Random seed of that data set.")
    var seed: UInt64 = 2026

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    static func model() -> BenefitCost {
        let outcomes = (0..<10).map { "outcome_\($0)" }
        return BenefitCost(
            effects: outcomes.enumerated().map { .init(outcome: $1, estimate: -0.1 * Double($0 + 1), standardError: 0.05, decay: 0.05, years: nil) },
            values: outcomes.flatMap { outcome in
                // The four perspectives the benchmark has always timed (its figures compare over time).
                [ScenarioDefinition.Perspective.taxpayers, .participants, .others, .indirect].enumerated().map { index, perspective in
                    BenefitCost.Value(outcome: outcome, perspective: perspective,
                                      value: .triangular(low: -90 - 10 * Double(index), mode: -60, high: -20))
                }
            },
            cost: .triangular(low: 8000, mode: 10000, high: 13000), discountRate: .uniform(low: 0.02, high: 0.05), horizon: 50,
            timing: .endOfPeriod, deadweight: 0.5)
    }

    func run() throws {
        guard draws >= 1, draws <= 1_000_000 else { throw ValidationError("--draws must be 1 to 1,000,000, not \(draws).") }
        let model = Self.model(), stream = MonteCarloStream(seed: 1)
        func time(_ n: Int) -> (seconds: Double, chance: Double) {
            let runs = (0..<3).map { _ in measure { model.simulate(draws: n, stream: stream) } }
            let best = runs.min { $0.seconds < $1.seconds }!
            return (best.seconds, Double(best.value.filter { $0.net > 0 }.count) / Double(n))
        }
        let main = time(draws), small = time(max(1, draws / 10)), large = time(draws * 10)
        var report = Report(title: "Scenario benchmark: 10 outcomes × 4 perspectives, 50-year horizon")
        report.notes = ["\(ProcessInfo.processInfo.activeProcessorCount) cores; one thread (draws are independent of thread count by construction).",
                        "Chance benefits exceed costs at \(draws) draws: \(String(format: "%.1f%%", main.chance * 100))."]
        var table = ReportTable(name: "scenario", title: "Timing (best of three)", columns: ["draws", "seconds", "microseconds per draw"])
        for (n, t) in [(max(1, draws / 10), small), (draws, main), (draws * 10, large)] {
            table.rows.append([.int(n), .text(String(format: "%.3f", t.seconds)), .text(String(format: "%.1f", t.seconds / Double(n) * 1e6))])
        }
        table.rows.append([.text("peak memory (MB)"), .int(peakResidentMegabytes()), .null])
        report.tables = [table]
        report.tables += try paymentScenarios(&report)
        try output.emit(report)
    }

    /// Each demo contract's payment engine over its computed periods, draw after draw.
    func paymentScenarios(_ report: inout Report) throws -> [ReportTable] {
        guard paymentDraws >= 1, paymentDraws <= 1_000_000 else { throw ValidationError("--payment-draws must be 1 to 1,000,000.") }
        let progress = output.progress
        let (connection, _) = try database.connectReady(progress: progress)
        try reuseOrLoadSynthetic(persons: persons, seed: seed, connection: connection, progress: progress)
        var table = ReportTable(name: "payment_scenario", title: "Payment scenarios: the payment engine per draw (best of three)",
                                columns: ["contract", "providers", "periods", "participants", "draws", "seconds", "ms per draw"])
        var growth = ReportTable(name: "payment_scenario_providers",
                                 title: "The rate-card contract's participants shared among more providers, each with its own effects (best of three)",
                                 columns: ["providers", "draws", "seconds", "ms per draw"])
        for file in [DemoCommand.contractFile, DemoCommand.paymentsFile] {
            let path = try ResourceFolder.scenarios.directory().appendingPathComponent(file).path
            let stored = try DemoCommand.loadContract(path, on: connection)
            progress.note("Computing every period's metrics of \(stored.contract.id) (not timed)…")
            for period in stored.contract.periods {
                try acting(as: .analyst, on: connection) { try MetricsRunner(stored: stored).run(period: period, on: connection) }
            }
            let periods = try acting(as: .analyst, on: connection) { try PaymentRunner(stored: stored).projection(on: connection) }
            guard let terms = stored.contract.payments else { continue }
            // Every metric a line pays on is uncertain, for every provider.
            let metrics = Set(terms.effectLines.map(\.outcome.metricID) + (terms.rateCard?.lines.map(\.outcome.metricID) ?? []))
            // And the per-day lines' days (ten days more, give or take five), drawn afresh each time.
            let days = Set(terms.perDayLines.flatMap { [$0.days] + ($0.less.map { [$0] } ?? []) })
            var effects = Dictionary(uniqueKeysWithValues: metrics.map { ($0, [nil as String?: (estimate: 0.05, se: 0.03)]) })
            for metric in days { effects[metric] = [nil: (estimate: 10, se: 5)] }
            let projection = try PaymentProjection(periods: periods, terms: terms, effects: effects)
            let providers = Set(periods.last?.snapshot.achievements.flatMap { $0.participants.map(\.providerID) } ?? [])
                .union(periods.last?.snapshot.effectFigures.values.flatMap { $0.cohorts.map(\.group) } ?? [])
            for draws in [max(1, paymentDraws / 10), paymentDraws] {
                let runs = try (0..<3).map { _ in try measure { try projection.simulate(draws: draws, stream: MonteCarloStream(seed: 1)) } }
                let best = runs.map(\.seconds).min()!
                table.rows.append([.text(stored.contract.id), .int(providers.count), .int(periods.count), .int(projection.participants), .int(draws),
                                   .text(String(format: "%.2f", best)), .text(String(format: "%.3f", best / Double(draws) * 1000))])
            }
            if terms.rateCard != nil { growth.rows = try providerGrowth(periods: periods, terms: terms, metrics: metrics.sorted()) }
        }
        report.notes.append("Payment scenarios on \(persons) synthetic people (seed \(seed)); peak memory after them \(peakResidentMegabytes()) MB.")
        return growth.rows.isEmpty ? [table] : [table, growth]
    }

    /// How a draw's time grows with providers: the same participants and outcomes dealt among 2,
    /// 8 and 32 providers (person id modulo the count), every provider with its own effect per outcome.
    func providerGrowth(periods: [PaymentProjection.Period], terms: PaymentTerms, metrics: [String]) throws -> [[Cell]] {
        let draws = max(1, paymentDraws / 10)
        return try [2, 8, 32].map { count in
            let dealt = periods.map { period in
                var snapshot = period.snapshot
                snapshot.achievements = snapshot.achievements.map { achieved in
                    PeriodAchievements(period: achieved.period, participants: achieved.participants.map {
                        RateCardAchievement(personID: $0.personID, providerID: "provider_\($0.personID % count)", lines: $0.lines, precondition: $0.precondition)
                    }, payable: achieved.payable)
                }
                return PaymentProjection.Period(period: period.period, plan: period.plan, snapshot: snapshot)
            }
            let effects = Dictionary(uniqueKeysWithValues: metrics.map { metric in
                (metric, Dictionary(uniqueKeysWithValues: (0..<count).map { (Optional("provider_\($0)"), (estimate: 0.05, se: 0.03)) }))
            })
            let projection = try PaymentProjection(periods: dealt, terms: terms, effects: effects)
            let best = try (0..<3).map { _ in try measure { try projection.simulate(draws: draws, stream: MonteCarloStream(seed: 1)) }.seconds }.min()!
            return [.int(count), .int(draws), .text(String(format: "%.2f", best)), .text(String(format: "%.3f", best / Double(draws) * 1000))]
        }
    }
}
