import Foundation
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

extension OpenDataResource {
    /// What the ledger paid per participant, by provider and period with margins, suppressed as
    /// `payments summary --by` suppresses its table: people paid under the threshold, with the
    /// complements of the two-way table, and their amounts with them.
    static func payments(contract stored: StoredContract, periods: [ReportingPeriod], policy: SmallCellPolicy,
                         on connection: PostgresConnection) throws -> (OpenDataResource, [PublishedComputation]) {
        let (table, runs) = try PublishedPayments.read(stored, periods: periods.map(\.label), policy: policy, on: connection)
        let currency = stored.contract.payments?.currency ?? Currency(code: "USD")!
        let rounding = stored.contract.payments?.rounding ?? .halfEven
        let marker = "\(policy.marker) means suppressed"
        let all = MetricsRunner.allProviders
        var resource = OpenDataResource(
            name: PublishableTable.paymentsByProvider.name, title: "Outcome payments per participant by provider and period",
            description: "What the contract's posted payment runs paid on lines owed per participant (net of adjustments), by provider "
                + "and reporting period, with the totals of all providers and of all the published periods; people paid from 1 to "
                + "\(policy.threshold - 1), the cells that would let them be worked out, and their amounts are suppressed. Lines paid "
                + "for a whole cohort or a milestone are not in the table.",
            fields: [
                Field(name: "period", type: "string", description: "The reporting period paid, or (all) for all the published periods."),
                Field(name: "provider", type: "string", description: "The provider paid, or \(all) for all providers together."),
                Field(name: "participants_paid", type: "integer",
                      description: "Participants whose per-participant lines, net of adjustments, paid a non-zero amount (\(marker))."),
                Field(name: "paid", type: "number", description: "The net amount of those lines, in \(currency.code) (\(marker))."),
                Field(name: "mean_paid", type: "number", description: "paid / participants_paid, in \(currency.code) (\(marker))."),
            ],
            primaryKey: ["period", "provider"], rows: [])
        // Periods in the contract's order, then the margin.
        let order = Dictionary(uniqueKeysWithValues: periods.enumerated().map { ($1.label, $0) })
        let rows = table.rows.sorted { a, b in
            let (pa, pb) = (a.group.flatMap { order[$0] } ?? periods.count, b.group.flatMap { order[$0] } ?? periods.count)
            return pa != pb ? pa < pb : (a.provider ?? "\u{10FFFF}") < (b.provider ?? "\u{10FFFF}")
        }
        let hidden = Cell.suppressed(policy.marker)
        resource.rows = rows.map { row in
            [.text(row.group ?? "(all)"), .text(row.provider ?? all),
             row.participants.map(Cell.int) ?? hidden,
             row.total.map { .money(Money($0, currency)) } ?? hidden,
             row.suppressedTotal ? hidden : row.figure.map { .money(Money($0, currency).rounded(rounding)) } ?? .null]
        }
        return (resource, runs)
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
                Field(name: "provider", type: "string", description: "The provider whose participants were compared, or \(all) for all providers."),
                Field(name: "analysis", type: "string",
                      description: "difference: weighted difference in means; adjusted: with the covariates in the outcome regression; "
                          + "difference-in-differences: of the change from before the index date."),
                Field(name: "treated", type: "integer", description: "Participants compared (\(marker))."),
                Field(name: "controls", type: "integer", description: "Comparison units (\(marker))."),
                Field(name: "mean_treated", type: "number", description: "The participants' mean outcome, in the metric's unit (\(marker))."),
                Field(name: "mean_control", type: "number", description: "The comparison group's weighted mean outcome (\(marker))."),
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
            [.text(estimate.evaluation), .text(estimate.period), .text(estimate.comparison), .text(estimate.outcome),
             .text(metrics[estimate.outcome]?.label ?? estimate.outcome), .text(estimate.provider ?? all), .text(estimate.analysis),
             hide.sizes ? suppressed : .int(estimate.treated), hide.sizes ? suppressed : .int(estimate.controls),
             real(estimate.meanTreated, hide.figures), real(estimate.meanControl, hide.figures), real(estimate.estimate, hide.figures),
             real(estimate.standardError, hide.figures), .text(estimate.standardErrorType), real(estimate.ciLower, hide.figures),
             real(estimate.ciUpper, hide.figures), real(estimate.pValue, hide.figures)]
        }
        return (resource, runs)
    }

    /// `EstimateSuppression` over stored estimates: each comparison is an evaluation's outcome and
    /// analysis in a period, its mean read as a share, a count's total or neither by the metric.
    static func suppression(of estimates: [PublishedEstimates.Estimate], contract: OutcomeContract, policy: SmallCellPolicy) -> [EstimateSuppression.Hidden] {
        let metrics = Dictionary(contract.metrics.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return EstimateSuppression.hidden(estimates.map { estimate in
            let kind: EstimateSuppression.MeanKind = switch metrics[estimate.outcome] {
            case let metric? where metric.isBinary: .share
            case let metric? where countsEventsOrDays(metric): .total
            case .some: .other
            // An outcome the contract does not define: its mean is taken for a count.
            case nil: .total
            }
            return EstimateSuppression.Row(comparison: "\(estimate.evaluation)\u{1F}\(estimate.period)\u{1F}\(estimate.outcome)\u{1F}\(estimate.analysis)",
                                           provider: estimate.provider, treated: estimate.treated, controls: estimate.controls,
                                           meanTreated: estimate.meanTreated, meanControl: estimate.meanControl, kind: kind)
        }, policy: policy)
    }

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
    static func scenarios(contract stored: StoredContract, policy: SmallCellPolicy,
                          on connection: PostgresConnection) throws -> (OpenDataResource, [PublishedComputation]) {
        let (figures, cited, runs) = try PublishedScenarios.read(stored, on: connection)
        let citedHidden = suppression(of: cited.map(\.estimate), contract: stored.contract, policy: policy)
        // Per run and provider (nil: all), whether any difference in means it cites is hidden.
        var restsOnHidden: [String: Bool] = [:]
        for ((run, estimate), hide) in zip(cited, citedHidden) where estimate.analysis == "difference" {
            restsOnHidden["\(run)\u{1F}\(estimate.provider ?? "")", default: false] = restsOnHidden["\(run)\u{1F}\(estimate.provider ?? "")", default: false] || hide.figures
        }
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
        resource.rows = figures.map { row in
            let hide = row.comparisonRuns.contains { restsOnHidden["\($0)\u{1F}\(row.provider ?? "")"] ?? false }
            func money(_ amount: Decimal) -> Cell { hide ? suppressed : .money(Money(amount, currency)) }
            func real(_ value: Double?) -> Cell { hide ? suppressed : value.map(Cell.real) ?? .null }
            return [.text(row.scenario), .text(row.provider ?? all), .text(row.variant ?? "(as written)")]
                + row.benefits.map { money($0.amount) }
                + [money(row.totalBenefits), money(row.cost), money(row.benefitsMinusCosts),
                   hide ? suppressed : row.benefitCostRatio.map(Cell.decimal) ?? .null,
                   real(row.chanceBenefitsExceedCosts), real(row.netP5), real(row.netP95), real(row.breakEvenScale)]
        }
        return (resource, runs)
    }
}
