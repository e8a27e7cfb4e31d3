import ArgumentParser
import Foundation
import OutcomesDomain
import OutcomesStatistics

struct ScenarioBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Time the Monte Carlo of a benefit-cost scenario: 10 outcomes, 4 perspectives, a 50-year horizon.",
        discussion: """
            Builds a scenario of 10 outcomes, each valued by all 4 perspectives (40 uncertain unit \\
            values), with uncertain effects, cost and discount rate over a 50-year horizon, and times \\
            its Monte Carlo (the best of three) at 10,000 draws and at 1,000 and 100,000, to show how \\
            the time grows with draws. No database is needed.

            Examples:
              outcomes bench scenario
              outcomes bench scenario --draws 2000 --format json --quiet
            """
    )

    @Option(name: .long, help: "Draws of the main measurement.")
    var draws = 10_000

    @OptionGroup var output: OutputOptions

    static func model() -> BenefitCost {
        let outcomes = (0..<10).map { "outcome_\($0)" }
        return BenefitCost(
            effects: outcomes.enumerated().map { .init(outcome: $1, estimate: -0.1 * Double($0 + 1), standardError: 0.05, decay: 0.05, years: nil) },
            values: outcomes.flatMap { outcome in
                ScenarioDefinition.Perspective.allCases.enumerated().map { index, perspective in
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
        print(report.render(output.format), terminator: "")
    }
}
