import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesStatistics

struct ScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Cost-benefit scenarios of a loaded contract.",
        subcommands: [ScenarioRunCommand.self]
    )
}

struct ScenarioRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Benefits per participant by perspective, net of the program's cost, with the chance they exceed it.",
        discussion: """
            Reads a scenario file (YAML, see scenarios/README.md): a loaded contract, effects per \\
            outcome (stated, or from a stored `outcomes compare` run, overall and per provider), \\
            what a unit of each outcome is worth to taxpayers, participants, others and indirectly, \\
            the program's cost, a price index, the discount rate, horizon and timing convention, and \\
            the uncertainty. Prints, per participant and for each provider and all together, the \\
            WSIPP / Results First table — benefits by perspective, total, cost, benefits minus costs, \\
            benefit-cost ratio and the chance benefits exceed costs over the Monte Carlo draws — then \\
            the variants side by side, a one-way sensitivity (tornado) of benefits minus costs, and \\
            the break-even effect. The same seed gives the same report; the run is stored \\
            (scenario.runs) with the file, the contract version and the comparison runs it used.

            Examples:
              outcomes scenario run scenarios/reentry-2021-scenario.yaml
              outcomes scenario run scenarios/housing-2021-scenario.yaml --format json
            """
    )

    @Argument(help: ArgumentHelp("A scenario file (YAML).", valueName: "file"))
    var file: String

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let text = try YAMLFile.read(file)
        let definition = try ScenarioDefinition.parse(yaml: text, file: file)
        let (connection, _) = try database.connectReady(progress: output.progress, as: .analyst)
        let outcome = try ScenarioRunner(definition: definition, text: text, file: file).run(on: connection)
        print(Report(scenario: outcome).render(output.format), terminator: "")
    }
}

extension Report {
    init(scenario outcome: ScenarioRunner.Outcome) {
        let run = outcome.run, definition = run.definition
        self.init(title: "Benefit-cost scenario \(definition.id): \(outcome.stored.contract.name)")
        let timing = switch definition.timing {
        case .endOfPeriod: "each year's flows at its end (the program's cost too, as a spreadsheet NPV discounts its first flow)"
        case .firstAtZero: "the first year's flows at t = 0, undiscounted"
        case .midPeriod: "each year's flows at its middle"
        }
        notes = [
            "Run \(outcome.runID): version \(outcome.stored.version) of \(outcome.stored.contract.id) (SHA-256 \(outcome.stored.fileSHA256.prefix(12))…)"
                + (outcome.comparisonRuns.isEmpty ? "; effects stated in the file." : "; effects from comparison run \(outcome.comparisonRuns.map(String.init).joined(separator: ", "))."),
            "Per participant, in \(definition.baseYear) dollars; real discount rate \(Self.describe(definition.discountRate)), horizon \(definition.horizon) years, timing: \(timing).",
            "Chance benefits exceed costs: share of \(definition.draws) Monte Carlo draws (seed \(definition.seed)) of effects (normal, from their standard errors), unit values, cost and discount rate.",
            "Program outcome payments are not yet among the costs: the cost is the program's cost per participant.",
        ]
        let columns = ["group", "taxpayers", "participants", "others", "indirect", "total_benefits", "cost", "benefits_minus_costs",
                       "benefit_cost_ratio", "chance_benefits_exceed_costs", "net_p5", "net_p95"]
        let currency = outcome.stored.contract.payments?.currency ?? Currency(code: "USD")!
        func money(_ amount: Decimal) -> Cell { .money(Money(amount, currency)) }
        func cells(_ figures: BenefitCost.Figures, _ summary: ScenarioRun.Summary) -> [Cell] {
            let row = BenefitCostRow(figures)
            return ScenarioDefinition.Perspective.allCases.map { money(row.benefits[$0]!) }
                + [money(row.total), money(row.cost), money(row.net), row.ratio.map(Cell.decimal) ?? .null,
                   .share(summary.chanceBenefitsExceedCosts), .decimal(BenefitCostRow.round(Decimal(summary.netP5), 0)),
                   .decimal(BenefitCostRow.round(Decimal(summary.netP95), 0))]
        }
        var table = ReportTable(name: "benefit_cost", title: "Benefits and costs per participant", columns: columns)
        table.rows = run.groups.map { [.text($0.group ?? "all")] + cells($0.expected, $0.simulated) }
        tables.append(table)
        if !run.variants.isEmpty {
            var variants = ReportTable(name: "variants", title: "Variants (all providers)", columns: ["variant"] + columns.dropFirst())
            variants.rows = run.variants.map { [.text($0.name)] + cells($0.expected, $0.simulated) }
            tables.append(variants)
        }
        if let all = run.groups.first(where: { $0.group == nil }) ?? run.groups.first {
            var tornado = ReportTable(name: "tornado", title: "One-way sensitivity of benefits minus costs (\(all.group ?? "all"))",
                                      columns: ["input", "low", "high", "net_at_low", "net_at_high", "swing"])
            tornado.rows = all.tornado.map {
                [.text($0.input), .real($0.low), .real($0.high), .decimal(BenefitCostRow.round(Decimal($0.netAtLow), 0)),
                 .decimal(BenefitCostRow.round(Decimal($0.netAtHigh), 0)), .decimal(BenefitCostRow.round(Decimal($0.width), 0))]
            }
            tables.append(tornado)
        }
        var breakEven = ReportTable(name: "break_even", title: "Break-even effects (benefits equal costs)",
                                    columns: ["group", "outcome", "estimate", "break_even_effect", "share_of_estimate"])
        for group in run.groups {
            for effect in group.model.effects {
                breakEven.rows.append([.text(group.group ?? "all"), .text(effect.outcome), .real(effect.estimate),
                                       group.breakEvenScale.map { .real($0 * effect.estimate) } ?? .null,
                                       group.breakEvenScale.map { .share($0) } ?? .null])
            }
        }
        tables.append(breakEven)
    }

    static func short(_ value: Double) -> String { String(format: "%.6g", value) }

    static func describe(_ distribution: Distribution) -> String {
        switch distribution {
        case .fixed(let v): short(v)
        case .normal(let mean, let sd): "\(short(mean)) (normal, SD \(short(sd)))"
        case .uniform(let low, let high): "uniform \(short(low))–\(short(high))"
        case .triangular(let low, let mode, let high): "\(short(mode)) (triangular \(short(low))–\(short(high)))"
        }
    }
}
