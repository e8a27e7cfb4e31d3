import Foundation
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

extension OpenDataResource {
    /// What the ledger paid per participant, by provider and period with each period's total,
    /// suppressed by `PaymentSuppression`: people paid under the threshold in a cell or on one of
    /// its lines, and the cells whose priced metrics the metrics table of the period hides (an
    /// amount is prices times those counts and days), with the providers' complements.
    static func payments(contract stored: StoredContract, periods: [ReportingPeriod], policy: SmallCellPolicy,
                         on connection: PostgresConnection) throws -> (OpenDataResource, [PublishedComputation]) {
        let computations = try PublishedComputation.of(stored, periods: periods.map(\.label), on: connection)
        let (paid, runs) = try PublishedPayments.read(stored, periods: periods.map(\.label), computations: computations, on: connection)
        guard !paid.isEmpty else {
            throw PublishEmptyError(resource: PublishableTable.paymentsByProvider.name,
                                    reason: "no line owed per participant paid anything in " + periods.map(\.label).joined(separator: ", "))
        }
        let all = MetricsRunner.allProviders
        // The metrics the per-participant lines price (outcomes, days and days less, preconditions), and where the
        // metrics table of the same periods hides one of theirs.
        let terms = stored.contract.payments
        let priced = Set((terms?.rateCard.map { card in card.lines.map(\.outcome.metricID) + [card.precondition?.metricID].compactMap { $0 } } ?? [])
            + (terms?.perDayLines ?? []).flatMap { line in [line.days, line.less, line.precondition?.metricID].compactMap { $0 } })
        let metricsTable = try Self.metrics(by: nil, contract: stored.contract, periods: periods, policy: policy, on: connection)
        func text(_ cell: Cell) -> String { if case .text(let value) = cell { value } else { "" } }
        let exposed = Set(metricsTable.rows.filter { priced.contains(text($0[1])) && $0.contains(where: \.isSuppressed) }
            .map { "\(text($0[0]))\u{1F}\(text($0[4]))" })
        let hidden = PaymentSuppression.hidden(paid.map { cell in
            PaymentSuppression.Cell(period: cell.period, provider: cell.provider, participants: cell.participants, perLine: cell.perLine,
                                    exposed: exposed.contains("\(cell.period)\u{1F}\(cell.provider ?? all)"))
        }, policy: policy)

        let currency = stored.contract.payments?.currency ?? Currency(code: "USD")!
        let rounding = stored.contract.payments?.rounding ?? .halfEven
        let marker = "\(policy.marker) means suppressed"
        var resource = OpenDataResource(
            name: PublishableTable.paymentsByProvider.name, title: "Outcome payments per participant by provider and period",
            description: "What the contract's posted payment runs paid on lines owed per participant (rate-card outcomes, days priced "
                + "per day; net of adjustments), by provider and reporting period, with each period's total over providers. A cell "
                + "that paid 1 to \(policy.threshold - 1) people in all or on one line, or whose priced metrics are suppressed, is "
                + "suppressed with the cells that would let it be worked out. Lines that pay for a cohort's estimated effect, a share "
                + "of savings or a milestone, and clawbacks, are not in the table.",
            fields: [
                Field(name: "period", type: "string", description: "The reporting period paid."),
                Field(name: "provider", type: "string", description: "The provider paid, or \(all) for all providers in the period."),
                Field(name: "participants_paid", type: "integer",
                      description: "Participants whose per-participant lines, net of adjustments, paid a non-zero amount; one paid by "
                          + "two providers counts once in the total (\(marker))."),
                Field(name: "paid", type: "number", description: "The net amount of those lines, in \(currency.code) (\(marker))."),
                Field(name: "mean_paid", type: "number", description: "paid / participants_paid, in \(currency.code) (\(marker))."),
            ],
            primaryKey: ["period", "provider"], rows: [])
        let order = Dictionary(uniqueKeysWithValues: periods.enumerated().map { ($1.label, $0) })
        let suppressed = Cell.suppressed(policy.marker)
        resource.rows = paid.indices.sorted { a, b in
            let (pa, pb) = (order[paid[a].period] ?? 0, order[paid[b].period] ?? 0)
            return pa != pb ? pa < pb : (paid[a].provider ?? "\u{10FFFF}") < (paid[b].provider ?? "\u{10FFFF}")
        }.map { index in
            let cell = paid[index]
            guard !hidden.contains(index) else { return [.text(cell.period), .text(cell.provider ?? all), suppressed, suppressed, suppressed] }
            return [.text(cell.period), .text(cell.provider ?? all), .int(cell.participants), .money(Money(cell.amount, currency)),
                    .money(Money(cell.amount / Decimal(cell.participants), currency).rounded(rounding))]
        }
        resource.declareCategories(["period", "provider"])
        return (resource, computations + runs)
    }

    /// The estimates of the latest comparison of each evaluation and period (from the loaded
    /// version), suppressed by `EstimateSuppression`: small arms, and means that give away a
    /// small count, with the providers' complements.
    static func estimates(contract stored: StoredContract, periods: [ReportingPeriod], policy: SmallCellPolicy,
                          on connection: PostgresConnection) throws -> (OpenDataResource, [PublishedComputation]) {
        let (estimates, runs) = try PublishedEstimates.read(stored, periods: periods.map(\.label), on: connection)
        let metrics = Dictionary(stored.contract.metrics.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let all = MetricsRunner.allProviders
        let hidden = suppression(of: estimates, contract: stored.contract, policy: policy)
        let marker = "\(policy.marker) means suppressed"
        var resource = OpenDataResource(
            name: PublishableTable.comparisonEstimates.name, title: "Estimated effects on the contract's outcomes",
            description: "The latest comparison of each evaluation of the contract per reporting period: the difference the program "
                + "made to each outcome against a matched or weighted comparison group (or a randomized control arm), for all "
                + "providers and for each provider. Arms of 1 to \(policy.threshold - 1) units, means that would give away a count "
                + "under \(policy.threshold), and the rows that would let them be worked out are suppressed.",
            fields: [
                Field(name: "evaluation", type: "string", description: "The evaluation's id in its file; the file's hash is in README.md."),
                Field(name: "period", type: "string", description: "The contract's reporting period compared."),
                Field(name: "comparison", type: "string",
                      description: "pool: a comparison group matched or weighted from the eligible population; control_arm: the randomized control arm."),
                Field(name: "metric_id", type: "string", description: "The outcome: the metric's id in the contract file; its definition is in README.md."),
                Field(name: "metric", type: "string", description: "The metric's label."),
                Field(name: "unit", type: "string", description: "The unit of the outcome's values, means and estimate: days, events, 1 = yes, 0 = no, …"),
                Field(name: "provider", type: "string", description: "The provider whose participants were compared, or \(all) for all providers."),
                Field(name: "analysis", type: "string",
                      description: "difference: weighted difference in means; adjusted: with the covariates in the outcome regression; "
                          + "difference-in-differences: of the change from before the index date."),
                Field(name: "treated", type: "integer", description: "Participants compared (\(marker))."),
                Field(name: "controls", type: "integer", description: "Comparison units (\(marker))."),
                Field(name: "mean_treated", type: "number",
                      description: "The participants' mean outcome, in the metric's unit (\(marker); always for difference-in-differences, "
                          + "whose means of changes would give, with the difference row's, the counts before the index date)."),
                Field(name: "mean_control", type: "number", description: "The comparison group's weighted mean outcome (\(marker), as mean_treated)."),
                Field(name: "estimate", type: "number", description: "The estimated effect, in the metric's unit (\(marker))."),
                Field(name: "std_error", type: "number", description: "Its standard error (\(marker))."),
                Field(name: "se_type", type: "string", description: "How the standard error was computed (MatchIt's and WeightIt's names)."),
                Field(name: "ci_lower", type: "number", description: "The 95% confidence interval's lower bound (\(marker))."),
                Field(name: "ci_upper", type: "number", description: "The 95% confidence interval's upper bound (\(marker))."),
                Field(name: "p_value", type: "number", description: "Two-sided p-value of no effect (\(marker))."),
            ],
            primaryKey: ["evaluation", "period", "metric_id", "provider", "analysis"], rows: [])
        let suppressed = Cell.suppressed(policy.marker)
        func real(_ value: Double?, _ hide: Bool) -> Cell { hide ? suppressed : value.map(Cell.real) ?? .null }
        resource.rows = zip(estimates, hidden).map { estimate, hide in
            let isChange = estimate.analysis == Self.differenceInDifferences
            return [.text(estimate.evaluation), .text(estimate.period), .text(estimate.comparison), .text(estimate.outcome),
             .text(metrics[estimate.outcome]?.label ?? estimate.outcome), .text(metrics[estimate.outcome]?.unitText ?? ""),
             .text(estimate.provider ?? all), .text(estimate.analysis),
             hide.sizes ? suppressed : .int(estimate.treated), hide.sizes ? suppressed : .int(estimate.controls),
             // A change's means, with the difference row's, would give the counts before the index date: never published.
             real(estimate.meanTreated, hide.figures || isChange), real(estimate.meanControl, hide.figures || isChange),
             real(estimate.estimate, hide.figures),
             real(estimate.standardError, hide.figures), .text(estimate.standardErrorType), real(estimate.ciLower, hide.figures),
             real(estimate.ciUpper, hide.figures), real(estimate.pValue, hide.figures)]
        }
        resource.declareCategories(["evaluation", "period", "comparison", "metric_id", "unit", "provider", "analysis", "se_type"],
                                   labels: ["metric_id": metrics.mapValues(\.label)])
        return (resource, runs)
    }

    /// `EstimateSuppression` over stored estimates: each comparison is an evaluation's outcome and
    /// analysis in a period, its mean read as a share, a count's total or neither by the metric.
    /// `runs`, when given, keeps each estimate's run apart (two runs of one comparison are two comparisons).
    static func suppression(of estimates: [PublishedEstimates.Estimate], runs: [Int]? = nil, contract: OutcomeContract,
                            policy: SmallCellPolicy) -> [EstimateSuppression.Hidden] {
        let metrics = Dictionary(contract.metrics.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return EstimateSuppression.hidden(estimates.enumerated().map { index, estimate in
            let kind: EstimateSuppression.MeanKind = switch metrics[estimate.outcome] {
            // Means of changes are not counts (and are never published).
            case _ where estimate.analysis == Self.differenceInDifferences: .other
            case let metric? where metric.isBinary: .share
            case let metric? where countsEventsOrDays(metric): .total
            case .some: .other
            // An outcome the contract does not define: its mean is taken for a count.
            case nil: .total
            }
            let run = runs.map { "\($0[index])\u{1F}" } ?? ""
            return EstimateSuppression.Row(comparison: run + "\(estimate.evaluation)\u{1F}\(estimate.period)\u{1F}\(estimate.outcome)\u{1F}\(estimate.analysis)",
                                           provider: estimate.provider, treated: estimate.treated, controls: estimate.controls,
                                           meanTreated: estimate.meanTreated, meanControl: estimate.meanControl, kind: kind)
        }, policy: policy)
    }

    static let differenceInDifferences = EvaluationResult.Analysis.differenceInDifferences.rawValue

    /// Whether a metric's values are counts of events or days (a small total says how few people had them).
    static func countsEventsOrDays(_ metric: MetricDefinition) -> Bool {
        switch metric.relatives.map({ _ in Measure.count }) ?? metric.measure {
        case .count, .daysCovered, .daysWithout, .daysToEvent: true
        default: false
        }
    }
}

extension OpenDataResource {
    /// The latest benefit-cost scenario of each scenario of the loaded version, per participant:
    /// for all providers, each provider and each variant. A row whose effects rest on an estimate
    /// the comparison_estimates table hides (by the same rule) hides its figures too.
    static func scenarios(contract stored: StoredContract, periods: [ReportingPeriod], policy: SmallCellPolicy,
                          on connection: PostgresConnection) throws -> (OpenDataResource, [PublishedComputation]) {
        let (figures, cited, runs) = try PublishedScenarios.read(stored, on: connection)
        // The package covers the periods the scenarios' effects were estimated for (a comparison of every period covers any).
        let estimated = Set(cited.map(\.estimate.period)).subtracting([PublishedEstimates.allPeriods])
        if !estimated.isEmpty, estimated != Set(periods.map(\.label)) {
            throw PublishPeriodsError(table: PublishableTable.scenarioResults.name, periods: estimated.sorted())
        }
        let citedHidden = suppression(of: cited.map(\.estimate), runs: cited.map(\.run), contract: stored.contract, policy: policy)
        let restsOnHidden = scenarioRowsHidden(figures, cited: cited, hidden: citedHidden)
        let currency = stored.contract.payments?.currency ?? Currency(code: "USD")!
        let all = MetricsRunner.allProviders
        let marker = "\(policy.marker) means suppressed"
        let perspectives = ScenarioDefinition.Perspective.allCases.map(\.rawValue)
        var resource = OpenDataResource(
            name: PublishableTable.scenarioResults.name, title: "Benefits and costs per participant",
            description: "The latest run of each benefit-cost scenario of the contract: per participant, in the scenario's base-year "
                + "\(currency.code), the benefits by perspective from the effects the comparisons estimated, the program's cost, the "
                + "difference and ratio, and the chance benefits exceed costs over the simulation's draws; for all providers, each "
                + "provider and each variant. Figures resting on an estimate the comparison estimates suppress are suppressed.",
            fields: [
                Field(name: "scenario", type: "string", description: "The scenario's id in its file; the file's hash is in README.md."),
                Field(name: "provider", type: "string", description: "The provider whose effects were used, or \(all) for all providers."),
                Field(name: "variant", type: "string", description: "(as written) for the scenario's own assumptions, else the variant's name."),
            ] + perspectives.map { perspective in
                Field(name: "benefits_" + perspective, type: "number",
                      description: "Present value of benefits to \(perspective) per participant, in \(currency.code) (\(marker)).")
            } + [
                Field(name: "total_benefits", type: "number", description: "Sum of the perspectives' benefits per participant (\(marker))."),
                Field(name: "cost", type: "number", description: "Present value of the program's cost per participant (\(marker))."),
                Field(name: "benefits_minus_costs", type: "number", description: "total_benefits − cost (\(marker))."),
                Field(name: "benefit_cost_ratio", type: "number", description: "total_benefits / cost; empty when cost is 0 (\(marker))."),
                Field(name: "chance_benefits_exceed_costs", type: "number",
                      description: "Share of the simulation's draws in which benefits exceed costs, 0 to 1 (\(marker))."),
                Field(name: "net_p5", type: "number", description: "5th percentile of benefits − cost over the draws; empty for a variant (\(marker))."),
                Field(name: "net_p95", type: "number", description: "95th percentile of benefits − cost over the draws; empty for a variant (\(marker))."),
                Field(name: "break_even_scale", type: "number",
                      description: "The share of the estimated effects at which benefits equal costs; empty for a variant or when none (\(marker))."),
            ],
            primaryKey: ["scenario", "provider", "variant"], rows: [])
        let suppressed = Cell.suppressed(policy.marker)
        resource.rows = zip(figures, restsOnHidden).map { row, hide in
            func money(_ amount: Decimal) -> Cell { hide ? suppressed : .money(Money(amount, currency)) }
            func real(_ value: Double?) -> Cell { hide ? suppressed : value.map(Cell.real) ?? .null }
            return [.text(row.scenario), .text(row.provider ?? all), .text(row.variant ?? "(as written)")]
                + row.benefits.map { money($0.amount) }
                + [money(row.totalBenefits), money(row.cost), money(row.benefitsMinusCosts),
                   hide ? suppressed : row.benefitCostRatio.map(Cell.decimal) ?? .null,
                   real(row.chanceBenefitsExceedCosts), real(row.netP5), real(row.netP95), real(row.breakEvenScale)]
        }
        resource.declareCategories(["scenario", "provider", "variant"])
        return (resource, runs)
    }
}

extension OpenDataResource {
    /// Whether each scenario row rests on a hidden difference in means: each outcome its cited runs
    /// estimated, for the row's provider, or, where the provider has no estimate of its own (one
    /// provider, or its own not estimated), for all providers, as the scenario took it.
    static func scenarioRowsHidden(_ figures: [PublishedScenarios.Figures], cited: [(run: Int, estimate: PublishedEstimates.Estimate)],
                                   hidden: [EstimateSuppression.Hidden]) -> [Bool] {
        var differenceHidden: [String: Bool] = [:], outcomes: [Int: Set<String>] = [:]
        for ((run, estimate), hide) in zip(cited, hidden) where estimate.analysis == EvaluationResult.Analysis.difference.rawValue {
            differenceHidden["\(run)\u{1F}\(estimate.outcome)\u{1F}\(estimate.provider ?? "")"] = hide.figures
            outcomes[run, default: []].insert(estimate.outcome)
        }
        return figures.map { row in
            row.comparisonRuns.contains { run in
                (outcomes[run] ?? []).contains { outcome in
                    let key = "\(run)\u{1F}\(outcome)\u{1F}"
                    return differenceHidden[key + (row.provider ?? "")] ?? differenceHidden[key] ?? false
                }
            }
        }
    }
}

/// The periods given do not match what the table's figures cover: exit 64.
struct PublishPeriodsError: UserFacingError {
    let table: String
    let periods: [String]
    var exitStatus: ExitStatus { .usage }
    var message: String {
        "--period: \(table) rests on comparisons of " + periods.joined(separator: ", ") + "; publish it with "
            + periods.map { "--period \($0)" }.joined(separator: " ") + ", so that the package says what time its figures cover. Nothing was written."
    }
}
