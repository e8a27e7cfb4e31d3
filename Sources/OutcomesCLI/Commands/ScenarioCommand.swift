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
            Reads a scenario file (YAML, see scenarios/README.md): a loaded contract, effects per \
            outcome (stated, or from a stored `outcomes compare` run, overall and per provider), \
            what a unit of each outcome is worth to taxpayers, participants, their households, others and indirectly, \
            the program's cost, a price index, the discount rate, horizon and timing convention, and \
            the uncertainty. Prints, per participant and for each provider and all together, the \
            WSIPP / Results First table — benefits by perspective, total, cost, benefits minus costs, \
            benefit-cost ratio and the chance benefits exceed costs over the Monte Carlo draws — then \
            the variants side by side, a one-way sensitivity (tornado) of benefits minus costs, and \
            the break-even effect. With payment terms and computed metrics: the outcome payments by \
            provider, period and year (the contract's own payment engine, each draw moving its \
            figures by the effects' uncertainty), the chance each cap binds, each variant's payments \
            (other effects, prices, cap or enrollment), and with finance the investors' returns. The same seed gives the same report; the run is stored \
            (scenario.runs) with the file, the contract version and the comparison runs it used.

            Examples:
              outcomes scenario run scenarios/reentry-2021-scenario.yaml
              outcomes scenario run scenarios/housing-2021-scenario.yaml --format json
            """
    )

    @OptionGroup var options: ScenarioRunOptions
    @OptionGroup var output: OutputOptions

    func run() throws { try output.emit(options.makeReport(progress: output.progress)) }
}

/// What `outcomes scenario run` runs, and its report (also `report scenario` and `export notebook scenario`).
struct ScenarioRunOptions: NotebookOptions {
    static let kind = "scenario"
    static let command = "scenario run"
    static let notebook = NotebookExport.Kind.scenario

    @Argument(help: ArgumentHelp("A scenario file (YAML).", valueName: "file"))
    var file: String

    @Option(name: .long, help: "Monte Carlo draws of benefits and costs (default: the file's, else 10,000).")
    var draws: Int?

    @Option(name: .long, help: "Draws of the payment projection (default: the file's, else as --draws).")
    var paymentDraws: Int?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        for (name, value) in [("--draws", draws), ("--payment-draws", paymentDraws)] {
            if let value, !(1...1_000_000).contains(value) { throw ValidationError("\(name) must be 1 to 1,000,000, not \(value).") }
        }
    }

    /// The scenario file as read, with the draws the options ask for.
    func definition() throws -> (definition: ScenarioDefinition, text: String) {
        let text = try YAMLFile.read(file)
        var definition = try ScenarioDefinition.parse(yaml: text, file: file)
        if let draws { definition.draws = draws }
        if let paymentDraws { definition.paymentDraws = paymentDraws }
        return (definition, text)
    }

    func makeReport(progress: Progress) throws -> Report {
        let (definition, text) = try definition()
        let (connection, _) = try database.connectReady(progress: progress, as: .analyst)
        let outcome = try ScenarioRunner(definition: definition, text: text, file: file).run(on: connection)
        return Report(scenario: outcome)
    }

    func notebookParameters() throws -> [String: String] { ["scenario": try definition().definition.id] }
}

extension ScenarioRunner.Outcome {
    /// The contract's currency (dollars when it has no payment terms).
    var currency: Currency { stored.contract.payments?.currency ?? Currency(code: "USD")! }
}

extension Report {
    package init(scenario outcome: ScenarioRunner.Outcome) {
        let run = outcome.run, definition = run.definition
        self.init(title: "Benefit-cost scenario \(definition.id): \(outcome.stored.contract.name)")
        notes = Self.scenarioRunNotes(outcome)
        if outcome.payments == nil {
            notes.append("Outcome payments: the contract has no payment terms, or no period's metrics are computed; the cost is the program's cost per participant.")
        }
        let currency = outcome.currency
        func money(_ amount: Decimal) -> Cell { .money(Money(amount, currency)) }
        tables.append(Self.benefitCost(outcome))
        if let all = run.groups.first(where: { $0.group == nil }) ?? run.groups.first {
            let row = BenefitCostRow(all.expected)
            reading = Reading.scenario(.init(
                cost: Money(row.cost, currency), totalBenefits: Money(row.total, currency), taxpayers: Money(row.benefits[.taxpayers] ?? 0, currency),
                net: Money(row.net, currency), ratio: Self.ratio(row), chance: all.simulated.chanceBenefitsExceedCosts, draws: all.simulated.draws,
                largest: all.tornado.first.map { ($0.input.phrase(outcome.metricLabels), Money(Decimal($0.width), currency)) },
                breakEvenScale: all.breakEvenScale, baseYear: definition.baseYear))
        }
        if !run.variants.isEmpty {
            var variants = ReportTable(name: "variants", title: "Variants (all providers)", columns: ["variant"] + Self.benefitCostColumns,
                                       moreColumns: Self.benefitCostDetail)
            variants.rows = run.variants.map { [.text($0.name)] + Self.benefitCostCells($0.expected, $0.simulated, money: money) }
            tables.append(variants)
        }
        if let all = run.groups.first(where: { $0.group == nil }) ?? run.groups.first {
            var tornado = ReportTable(name: "tornado", title: "One-way sensitivity of benefits minus costs (\(all.group ?? "all"))",
                                      columns: ["input", "low", "high", "net_at_low", "net_at_high", "swing"])
            // Each net as a departure from the benefit-cost table's own (a sum of rounded parts), so an
            // input that moves nothing shows that table's net to the cent.
            let centre = BenefitCostRow(all.expected).net
            func net(_ value: Double) -> Cell { money(centre + Decimal(value - all.expected.net).rounded(scale: 2)) }
            tornado.rows = all.tornado.map { swing in
                let level = { (value: Double) -> Cell in
                    swing.input.isMoney ? money(Decimal(value)) : swing.input == .discountRate ? .share(value) : .real(value)
                }
                return [.named(swing.input.id, label: swing.input.label(outcome.metricLabels)), level(swing.low), level(swing.high),
                        net(swing.netAtLow), net(swing.netAtHigh), money(Decimal(swing.width))]
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
        if let payments = outcome.payments { addPayments(payments, outcome: outcome, money: money) }
        if let investors = outcome.investors, let financing = definition.financing {
            addInvestors(investors, financing, money: money)
        } else if definition.financing != nil {
            notes.append("Finance: no outcome payments are projected (no period's metrics computed), so no investor returns.")
        }
        addCharts(scenario: outcome)
    }

    /// Which run this is, of what, and how its figures are made: the scenario report's first notes (the demo's too).
    static func scenarioRunNotes(_ outcome: ScenarioRunner.Outcome) -> [String] {
        let definition = outcome.run.definition
        let timing = switch definition.timing {
        case .endOfPeriod: "each year's flows at its end (the program's cost too, as a spreadsheet NPV discounts its first flow)"
        case .firstAtZero: "the first year's flows at t = 0, undiscounted"
        case .midPeriod: "each year's flows at its middle"
        }
        return [
            "Run \(outcome.runID): version \(outcome.stored.version) of \(outcome.stored.contract.id) (SHA-256 \(outcome.stored.fileSHA256.prefix(12))…)"
                + (outcome.comparisonRuns.isEmpty ? "; effects stated in the file." : "; effects from comparison run \(outcome.comparisonRuns.map(String.init).joined(separator: ", "))."),
            "Per participant, in \(definition.baseYear) dollars; real discount rate \(Self.describe(definition.discountRate)), horizon \(definition.horizon) years, timing: \(timing).",
            "Chance benefits exceed costs: share of \(definition.draws) Monte Carlo draws (seed \(definition.seed)) of effects (normal, from their standard errors), unit values, cost and discount rate.",
        ]
    }

    static let benefitCostColumns = ["taxpayers", "participants", "households", "others", "indirect", "total_benefits", "cost", "benefits_minus_costs",
                                     "benefit_cost_ratio", "chance_benefits_exceed_costs", "net_p5", "net_p95"]
    /// A reader sees benefits to taxpayers and in all, the cost, the net and its chance; the other
    /// perspectives and the net's percentiles are a click away.
    static let benefitCostDetail: Set<String> = ["participants", "households", "others", "indirect", "net_p5", "net_p95"]

    /// Benefits over cost to four decimals (a person reads three significant digits of it); nil
    /// for a program that costs nothing.
    static func ratio(_ row: BenefitCostRow) -> Decimal? { row.cost > 0 ? (row.total / row.cost).rounded(scale: 4) : nil }

    static func benefitCostCells(_ figures: BenefitCost.Figures, _ summary: ScenarioRun.Summary, money: (Decimal) -> Cell) -> [Cell] {
        let row = BenefitCostRow(figures)
        return ScenarioDefinition.Perspective.allCases.map { money(row.benefits[$0]!) }
            + [money(row.total), money(row.cost), money(row.net), ratio(row).map(Cell.ratio) ?? .null,
               .share(summary.chanceBenefitsExceedCosts), money(Decimal(summary.netP5)), money(Decimal(summary.netP95))]
    }

    /// Benefits and costs per participant, for each provider and all together (the demo shows it too).
    static func benefitCost(_ outcome: ScenarioRunner.Outcome, name: String = "benefit_cost",
                            title: String = "Benefits and costs per participant") -> ReportTable {
        let currency = outcome.currency
        var table = ReportTable(name: name, title: title, columns: ["group"] + benefitCostColumns, moreColumns: benefitCostDetail)
        table.rows = outcome.run.groups.map {
            [.text($0.group ?? "all")] + benefitCostCells($0.expected, $0.simulated, money: { .money(Money($0, currency)) })
        }
        return table
    }

    static func rate(_ value: RateOfReturn) -> Cell {
        switch value {
        case .unique(let r): .share(r)
        case .notUnique(let roots): .text(roots.isEmpty ? "not unique" : "not unique: " + roots.map { String(format: "%.2f%%", $0 * 100) }.joined(separator: ", "))
        case .none: .text("none")
        }
    }

    /// Investors' returns per tranche over the draws, and at effect levels; the break-even effects.
    mutating func addInvestors(_ investors: InvestorReturns, _ financing: Financing, money: (Decimal) -> Cell) {
        var table = ReportTable(name: "investors", title: "Investor returns per tranche (XIRR on actual dates)", columns: [
            "tranche", "kind", "amount", "expected_irr", "expected_multiple", "irr_p5", "irr_p50", "irr_p95", "draws_without_unique_irr", "mean_multiple",
            "probability_repaid_in_full",
        ], moreColumns: ["irr_p50", "draws_without_unique_irr", "mean_multiple"])
        for (summary, tranche) in zip(investors.tranches, financing.tranches) {
            table.rows.append([
                .text(summary.id), .text(tranche.kind.rawValue), money((Decimal(tranche.amount)).rounded(scale: 2)), Self.rate(summary.expected),
                .realRatio(summary.expectedMultiple), summary.irrP5.map(Cell.share) ?? .null, summary.irrP50.map(Cell.share) ?? .null,
                summary.irrP95.map(Cell.share) ?? .null, .int(summary.irrNotUnique), .realRatio(summary.meanMultiple), .share(summary.probabilityRepaidInFull),
            ])
        }
        tables.append(table)
        var levels = ReportTable(name: "returns_by_effect", title: "Payments and investor returns by effect level",
                                 columns: ["effect", "payments"] + financing.tranches.flatMap { ["\($0.id)_irr", "\($0.id)_multiple"] })
        levels.rows = investors.levels.map { level in
            [.text(level.name), money(level.payments)] + level.tranches.flatMap { [Self.rate($0.rateOfReturn), .realRatio($0.multiple)] }
        }
        tables.append(levels)
        notes.append("Finance: payments reach investors at each period's end, through fees (upfront \(money(Decimal(financing.upfrontFee)).display), annual \(money(Decimal(financing.annualFee)).display)), then "
                     + financing.tranches.map(\.id).joined(separator: ", ") + " in order of seniority, each its accrued return before its principal, the rest to the most junior; "
                     + (investors.breakEvenScale.map { "the junior investors get their money back at \(String(format: "%.0f%%", $0 * 100)) of the estimated effects." }
                        ?? "the junior investors do not get their money back at up to three times the estimated effects."))
    }

    /// The contract's outcome payments under the uncertain effects, by provider and period and by
    /// year, with the chance each cap binds, the worst year and the government's net savings.
    mutating func addPayments(_ payments: PaymentProjection.Summary, outcome: ScenarioRunner.Outcome, money: (Decimal) -> Cell) {
        let columns = ["expected", "mean", "p5", "p50", "p95"]
        func cells(_ expected: Decimal, _ d: PaymentProjection.Summary.Distribution) -> [Cell] {
            [money(expected), money(d.mean), money(d.p5), money(d.p50), money(d.p95)]
        }
        var table = ReportTable(name: "payments", title: "Outcome payments by provider and period (\(payments.draws) draws)", columns: ["provider", "period"] + columns)
        table.rows = payments.byProviderPeriod.map { [.text($0.key.provider), .text($0.key.period)] + cells($0.expected, $0.draws) }
        tables.append(table)
        tables.append(Self.paymentsByYear(payments, currency: outcome.currency))
        if !outcome.paymentVariants.isEmpty {
            var variants = ReportTable(name: "payment_variants", title: "Outcome payments by variant, all providers and years (\(payments.draws) draws)",
                                       columns: ["variant", "participants_paid", "per_participant"] + columns + ["worst_year_p95", "chance_a_cap_binds"],
                                       moreColumns: ["mean", "p50", "worst_year_p95"])
            func row(_ name: String, _ summary: PaymentProjection.Summary, _ participants: Int) -> [Cell] {
                [.text(name), .int(participants), participants > 0 ? money((summary.expectedTotal / Decimal(participants)).rounded(scale: 2)) : .null]
                    + cells(summary.expectedTotal, summary.total) + [money(summary.worstYear.p95), .share(summary.anyCapBinds)]
            }
            variants.rows = [row("as stated", payments, outcome.participantsPaid)] + outcome.paymentVariants.map { row($0.name, $0.summary, $0.participants) }
            tables.append(variants)
        }
        var caps = ReportTable(name: "caps", title: "Chance each cap binds", columns: ["cap", "probability"])
        caps.rows = payments.capBinds.map { [.text($0.cap.name), .share($0.probability)] }
        tables.append(caps)
        let participants = outcome.participantsPaid
        if participants > 0, outcome.run.groups.contains(where: { $0.group == nil }) {
            var savings = ReportTable(name: "net_savings", title: "Government net savings per participant: avoided public costs − outcome payments",
                                      columns: ["group", "participants_paid", "taxpayer_benefits", "payments", "net_savings", "net_savings_all_participants"])
            let paidTo = Dictionary(payments.byProviderPeriod.map { ($0.key.provider, $0.expected) }, uniquingKeysWith: +)
            for group in outcome.run.groups {
                let count = group.group.map { outcome.participantsPaidByProvider[$0] ?? 0 } ?? participants
                guard count > 0 else { continue }
                let paid = group.group.map { paidTo[$0] ?? 0 } ?? payments.expectedTotal
                let perParticipant = (paid / Decimal(count)).rounded(scale: 2)
                let taxpayers = BenefitCostRow(group.expected).benefits[.taxpayers]!
                savings.rows.append([.text(group.group ?? "all"), .int(count), money(taxpayers), money(perParticipant), money(taxpayers - perParticipant),
                                     money((taxpayers - perParticipant) * Decimal(count))])
            }
            tables.append(savings)
            notes.append("Outcome payments: \(participants) participants paid for; taxpayer benefits are present values in \(outcome.run.definition.baseYear) dollars, "
                         + "payments the expected amounts as the contract pays them (nominal, undiscounted). "
                         + "Worst-year exposure: \(money(payments.worstYear.p95).display) at the 95th percentile. Payments are computed by the contract's own terms "
                         + "on the stored figures, each draw moving them by its effects' departures from the estimates.")
        }
        notes.append(outcome.paymentsLeaveOut.isEmpty
            ? "Outcome payments include every term of the contract in the periods projected: clawbacks as repayments, attested milestones."
            : "Outcome payments leave out: " + outcome.paymentsLeaveOut.map(\.text).joined(separator: "; ") + ".")
    }

    /// The outcome payments of every provider by year, the worst year and all years (the demo shows it too).
    static func paymentsByYear(_ payments: PaymentProjection.Summary, currency: Currency, name: String = "payments_by_year",
                               title: String = "Outcome payments by year, all providers") -> ReportTable {
        func money(_ amount: Decimal) -> Cell { .money(Money(amount, currency)) }
        func cells(_ expected: Decimal, _ d: PaymentProjection.Summary.Distribution) -> [Cell] {
            [money(expected), money(d.mean), money(d.p5), money(d.p50), money(d.p95)]
        }
        var years = ReportTable(name: name, title: title, columns: ["year", "expected", "mean", "p5", "p50", "p95"])
        years.rows = payments.byYear.map { [.text($0.year)] + cells($0.expected, $0.draws) }
        years.rows.append([.text("worst year"), .null, money(payments.worstYear.mean), money(payments.worstYear.p5), money(payments.worstYear.p50),
                           money(payments.worstYear.p95)])
        years.rows.append([.text("all years")] + cells(payments.expectedTotal, payments.total))
        return years
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
