import Foundation
import OutcomesDomain
import OutcomesStatistics
import PostgresClient

/// Runs a scenario file against the database: the loaded contract it names, the effects of the
/// stored comparison runs it points to (overall and per provider), the pure `ScenarioRun`, and
/// the run stored with its inputs.
public struct ScenarioRunner: Sendable {
    public let definition: ScenarioDefinition
    public let text: String
    public let file: String

    public init(definition: ScenarioDefinition, text: String, file: String) {
        (self.definition, self.text, self.file) = (definition, text, file)
    }

    public struct Outcome: Sendable {
        public let run: ScenarioRun
        public let runID: Int
        public let stored: StoredContract
        public let comparisonRuns: [Int]
        /// The contract's outcome payments under the uncertain effects, when it has payment terms
        /// and computed metrics.
        public let payments: PaymentProjection.Summary?
        public let participantsPaid: Int
        public let participantsPaidByProvider: [String: Int]
        /// With finance: the investors' returns through the waterfall.
        public let investors: InvestorReturns?
        /// The payments of each variant that changes them (effects, prices, cap, enrollment), with
        /// the participants it pays for.
        public let paymentVariants: [(name: String, summary: PaymentProjection.Summary, participants: Int)]
        /// Terms of the contract the payments do not include (unattested milestones, periods not computed).
        public var paymentsLeaveOut: [PaymentProjection.LeftOutTerm] = []
    }

    func error(_ line: Int, _ code: DefinitionFileError.Code, _ problem: String) -> DefinitionFileError {
        DefinitionFileError(file: file, line: line, code: code, problem: problem)
    }

    public func run(on connection: PostgresConnection) throws -> Outcome {
        let stored: StoredContract
        do {
            stored = try ContractStore.stored(reference: definition.contract, on: connection)
        } catch let failure as UserFacingError {
            throw error(definition.contractLine, .unknownName(.contract, definition.contract), "contract \(definition.contract) is not loaded (\(failure.message)) — load it with `outcomes contract load` first")
        }
        let contract = stored.contract
        var overall: [String: ScenarioRun.ResolvedEffect] = [:]
        var byProvider: [String: [String: ScenarioRun.ResolvedEffect]] = [:]
        var runs: Set<Int> = []
        for effect in definition.effects {
            guard contract.metrics.contains(where: { $0.id == effect.outcome }) else {
                throw error(effect.line, .unknownName(.metric, effect.outcome), "effect on '\(effect.outcome)': contract \(contract.id) has no such metric; its metrics: \(contract.metrics.map(\.id).joined(separator: ", "))")
            }
            switch effect.source {
            case .stated(let estimate, let se):
                let resolved = ScenarioRun.ResolvedEffect(outcome: effect.outcome, estimate: estimate, standardError: se)
                if let provider = effect.provider { byProvider[provider, default: [:]][effect.outcome] = resolved } else { overall[effect.outcome] = resolved }
            case .comparisonRun, .evaluation:
                let (runID, rows) = try storedEstimates(effect, stored, on: connection)
                runs.insert(runID)
                for row in rows {
                    let resolved = ScenarioRun.ResolvedEffect(outcome: effect.outcome, estimate: row.estimate, standardError: row.se)
                    switch (row.provider, effect.provider) {
                    case (nil, nil): overall[effect.outcome] = resolved
                    case (let p?, nil): byProvider[p, default: [:]][effect.outcome] = resolved
                    case (let p?, let wanted?) where p == wanted: byProvider[p, default: [:]][effect.outcome] = resolved
                    default: break
                    }
                }
            }
        }
        // A relative's outcome is not the participant's: valued for their household, for others
        // or for taxpayers; the household perspective is for relatives' outcomes only.
        for value in definition.unitValues {
            guard let metric = contract.metrics.first(where: { $0.id == value.outcome }) else { continue }
            if metric.relatives != nil, value.perspective == .participants {
                throw error(value.line, .unsupported, "unit value of '\(value.outcome)': it is measured on the participants' relatives, so its worth is not the participants'; value it for households (the participants' families), others or taxpayers")
            }
            if metric.relatives == nil, value.perspective == .households {
                throw error(value.line, .unsupported, "unit value of '\(value.outcome)': the households perspective values outcomes of the participants' relatives (metrics with of:); '\(value.outcome)' is the participants' own")
            }
        }
        // Every group has every outcome: a provider without its own effect takes the overall one.
        let outcomes = Array(Set(definition.effects.map(\.outcome))).sorted()
        var groups: [String?: [ScenarioRun.ResolvedEffect]] = [:]
        if outcomes.allSatisfy({ overall[$0] != nil }) { groups[nil] = outcomes.map { overall[$0]! } }
        let enrolled = try connection.execute("SELECT DISTINCT provider_id FROM ids.enrollments WHERE contract_id = \(contract.id)")
            .map { try $0.decode(String.self, at: 0) }
        for provider in Set(contract.cohort.providers).union(byProvider.keys).union(enrolled) {
            let effects = outcomes.compactMap { byProvider[provider]?[$0] ?? overall[$0] }
            if effects.count == outcomes.count { groups[provider] = effects }
        }
        guard !groups.isEmpty else { throw error(definition.effects[0].line, .inconsistent, "no group of participants has an effect on every outcome; state an overall effect for each") }
        let result = ScenarioRun(definition, effects: groups)
        var payments: PaymentProjection.Summary?
        var investors: InvestorReturns?
        var participants = 0, participantsByProvider: [String: Int] = [:]
        var paymentVariants: [(name: String, summary: PaymentProjection.Summary, participants: Int)] = []
        var leftOut: [PaymentProjection.LeftOutTerm] = []
        let periods = try contract.payments.map { _ in try PaymentRunner(stored: stored).projection(on: connection) } ?? []
        for variant in definition.variants {
            let keys = [variant.priceScale.map { _ in "price_scale" }, variant.contractCap.map { _ in "contract_cap" },
                        variant.enrollmentScale.map { _ in "enrollment_scale" }].compactMap { $0 }
            guard !keys.isEmpty, periods.isEmpty else { continue }
            throw error(variant.line, .unsupported, "variant '\(variant.name)' changes the payments (\(keys.joined(separator: ", "))), but "
                + (contract.payments == nil ? "contract \(contract.id) has no payment terms"
                    : "no period of \(contract.id) has its metrics computed; run `outcomes metrics --contract \(contract.id) --period …` first"))
        }
        if let terms = contract.payments {
            if !periods.isEmpty {
                var effects: [String: [String?: (estimate: Double, se: Double)]] = [:]
                for (group, list) in groups { for effect in list { effects[effect.outcome, default: [:]][group] = (effect.estimate, effect.standardError) } }
                let projection = try PaymentProjection(periods: periods, terms: terms, effects: effects)
                let (expected, draws) = (try projection.expected(),
                                         try projection.simulate(draws: definition.paymentDraws, stream: MonteCarloStream(seed: definition.seed)))
                payments = PaymentProjection.summarize(expected: expected, draws: draws)
                leftOut = projection.leftOut
                participants = projection.participants
                participantsByProvider = projection.participantsByProvider
                for variant in definition.variants where variant.changesPayments {
                    let changed = try projection.variant(variant)
                    let summary = PaymentProjection.summarize(
                        expected: try changed.expected(),
                        draws: try changed.simulate(draws: definition.paymentDraws, stream: MonteCarloStream(seed: definition.seed)))
                    paymentVariants.append((variant.name, summary, changed.participants))
                }
                if let financing = definition.financing {
                    let ends = Dictionary(uniqueKeysWithValues: contract.periods.map { ($0.label, $0.end) })
                    investors = try InvestorReturns(financing: financing, projection: projection, expected: expected, draws: draws, periodEnds: ends)
                }
            }
        }
        let results = ScenarioResultsDocument(result, payments: payments, paymentVariants: paymentVariants, leftOut: leftOut)
        // results_sha256 hashes the text the results have always had (keys in Foundation's order), except that
        // since issue 22 the chance each cap binds is keyed by the cap's code, no longer by its printed name.
        let resultsText = try SortedJSON.text(results)
        let runID = try connection.execute("""
            INSERT INTO scenario.runs (scenario_id, contract_id, version, contract_sha256, spec_text, spec_sha256, comparison_runs, seed, draws,
                                       results, results_sha256)
            VALUES (\(definition.id), \(contract.id), \(stored.version), \(stored.fileSHA256), \(text), \(SHA256.hex(text)),
                    \(runs.sorted())::bigint[], \(Int(definition.seed)), \(definition.draws),
                    \(try PostgresJSON(results)), \(SHA256.hex(resultsText)))
            RETURNING run_id
            """).scalar(Int.self)
        var outcome = Outcome(run: result, runID: runID, stored: stored, comparisonRuns: runs.sorted(), payments: payments,
                              participantsPaid: participants, participantsPaidByProvider: participantsByProvider, investors: investors,
                              paymentVariants: paymentVariants)
        outcome.paymentsLeaveOut = leftOut
        return outcome
    }

    /// The stored run's difference estimates of the effect's outcome: overall (provider nil) and per provider.
    private func storedEstimates(_ effect: ScenarioDefinition.Effect, _ stored: StoredContract, on connection: PostgresConnection) throws
        -> (Int, [(provider: String?, estimate: Double, se: Double)])
    {
        let (runID, evaluation): (Int?, String?) = switch effect.source {
        case .comparisonRun(let id): (id, nil)
        case .evaluation(let id): (nil, id)
        case .stated: (nil, nil)
        }
        let rows = try connection.execute("""
            SELECT run_id, estimates FROM evaluation.runs
            WHERE contract_id = \(stored.contract.id) AND version = \(stored.version)
              AND (run_id = \(runID) OR evaluation_id = \(evaluation))
            ORDER BY run_id DESC LIMIT 1
            """)
        let what = runID.map { "comparison run \($0)" } ?? "run of evaluation \(evaluation ?? "")"
        guard rows.count == 1 else {
            throw error(effect.line, .unknownName(.comparison, runID.map(String.init) ?? evaluation ?? ""), "effect on '\(effect.outcome)': there is no \(what) for version \(stored.version) of \(stored.contract.id); run `outcomes compare` first")
        }
        let found: Int = try rows[0].decode(at: 0)
        let estimates = try rows[0].decode(PostgresJSON<[EvaluationRunDocument.Estimate]>.self, at: 1).value
        let matching = estimates.filter { $0.outcome == effect.outcome && $0.analysis == .difference }
            .compactMap { row -> (provider: String?, estimate: Double, se: Double)? in
                guard let estimate = row.estimate, let se = row.standardError else { return nil }
                return (row.provider, estimate, se)
            }
        guard !matching.isEmpty else {
            throw error(effect.line, .inconsistent, "effect on '\(effect.outcome)': comparison run \(found) did not estimate it; its outcomes: \(Set(estimates.map(\.outcome)).sorted().joined(separator: ", "))")
        }
        return (found, matching)
    }
}
