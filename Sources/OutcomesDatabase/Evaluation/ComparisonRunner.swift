import Foundation
import OutcomesDomain
import OutcomesStatistics
import PostgresClient

/// Runs an evaluation against the IDS: builds the units, their covariates and outcomes in
/// PostgreSQL (the metric compiler over a unit table), streams the one table once to the pure
/// `Evaluation`, and stores the run — and, when asked, the matched comparison group's metrics
/// (`<id>@matched`), which effect-based payment lines pay against.
public struct ComparisonRunner: Sendable {
    public let definition: EvaluationDefinition
    /// The evaluation file's text, stored with the run.
    public let text: String
    public let stored: StoredContract
    /// A reporting period of the contract: units are those its outcomes count in it; nil: all complete windows.
    public let period: ReportingPeriod?
    public let source: ComparisonSource
    public var design: EvaluationSpec
    public var storeComparison = false
    /// Also the estimates for the participants of each group of a person attribute (at the index
    /// date) against their own matches or weights — the same sample, one more pass of the estimators.
    public var groupBy: PersonAttribute?
    /// Told what is being done, step by step (the CLI prints it as notes; `--quiet` silences it).
    public var progress: @Sendable (String) -> Void = { _ in }

    public init(definition: EvaluationDefinition, text: String, stored: StoredContract, period: ReportingPeriod?, source: ComparisonSource) {
        (self.definition, self.text, self.stored, self.period, self.source) = (definition, text, stored, period, source)
        self.design = definition.design
    }

    public struct Outcome: Sendable {
        public let result: EvaluationResult
        public let table: EvaluationTable
        public let runID: Int
        public let loadID: Int
        public let inputsSHA256: String
        /// Participants whose outcomes do not count in the period (or whose age is unknown), left out.
        public let participantsLeftOut: Int
        /// With `groupBy`: the estimates by that attribute's groups (not stored; the run above is).
        public var byGroup: EvaluationResult? = nil
    }

    public func run(on connection: PostgresConnection) throws -> Outcome {
        let contract = stored.contract
        let outcomeMetrics = try definition.outcomes.map { outcome -> MetricDefinition in
            guard let metric = contract.metrics.first(where: { $0.id == outcome.name }) else {
                throw EvaluationError.design(.outcomeNotAMetric(outcome.name, contract: contract.id, metrics: contract.metrics.map(\.id)))
            }
            guard metric.measure.name != "days_to_event", metric.window.anchor != .reportingPeriod else {
                throw EvaluationError.design(.metricNotAnOutcome(metric.id))
            }
            return metric
        }
        if storeComparison {
            guard design.method != .aipw else {
                throw EvaluationError.option("store-comparison", .storeNeedsOneSetOfWeights)
            }
            guard period != nil, design.method != .none, source == .pool else {
                throw EvaluationError.option("store-comparison", .storeNeedsDesignFromPool)
            }
            guard design.estimand == .att else {
                throw EvaluationError.option("estimand", .storeNeedsATT)
            }
        }
        return try connection.transaction { connection in
            try connection.execute("SET LOCAL jit = off")
            let loadID = try DataLoads.current(on: connection)?.id
            guard let loadID else { throw DatabaseError(.noData, "There are no IDS data to compare: load an extract or run `outcomes synth` first.") }
            // Read before anything is computed, as a metrics run does: a stored group misses the data of a
            // load numbered before this one that has not finished, and a payment run on it refuses it once that load has.
            let pendingLoads = try storeComparison && LoadChanges.isKept(on: connection) ? LoadChanges.pending(through: loadID, on: connection) : nil
            let key = String(SHA256.hex(definition.id + "/" + UUID().uuidString).prefix(12))
            func work(_ name: String) -> SQLIdentifier { SQLIdentifier(validating: "evaluation.w\(key)_\(name)")! }
            let (units, covariates, outcomes) = (work("units"), work("covariates"), work("outcomes"))
            progress("Building the units: the participants and \(source == .pool ? "the comparison pool" : "the control arm")…")
            try ComparisonUnits(table: units, contract: contract, pool: definition.pool, source: source).create(on: connection)

            let covariateMetrics = definition.covariates.compactMap { if case .metric(let m) = $0 { m } else { nil } }
            if !covariateMetrics.isEmpty {
                progress("Computing \(covariateMetrics.count) covariates before each unit's index date…")
                var compiler = MetricCompiler(contract: contract.measuring(covariateMetrics, storedAs: contract.id + "@covariates", keepCohort: false),
                                              period: OutcomeContract.allTime, loadID: loadID)
                compiler.units = .table(units)
                compiler.wide = true
                try compiler.build(covariates, on: connection)
            }
            // Every metric of the contract a stored comparison may be paid on; else the outcomes.
            progress("Computing the outcomes after each unit's index date…")
            let measured = storeComparison ? contract.metrics.filter { $0.window.anchor != .reportingPeriod } : outcomeMetrics
            var compiler = MetricCompiler(contract: contract.measuring(measured, storedAs: contract.id + OutcomeContract.matchedSuffix, keepCohort: true),
                                          period: period ?? OutcomeContract.allTime, loadID: loadID)
            compiler.units = .table(units)
            try compiler.build(outcomes, on: connection)

            let (table, hash, participants) = try ComparisonTable(definition: definition, units: units, covariates: covariateMetrics.isEmpty ? nil : covariates,
                                                                  outcomes: outcomes, loadID: loadID).read(on: connection)
            // A comparison that cannot be made rolls back: nothing of it is stored.
            progress("Fitting the propensity model, \(design.method.step) and estimating on \(table.count) units…")
            let result = try Evaluation.run(design, on: table)
            let store = ComparisonStore(runner: self, loadID: loadID, pendingLoads: pendingLoads, inputsSHA256: hash)
            let group = storeComparison ? try ComparisonStore.group(result, table) : nil
            let runID = try store.record(result, table, group: group, on: connection)
            if let group { try store.storeMatchedGroup(group, table, outcomes: outcomes, on: connection) }
            var byGroup: EvaluationResult?
            if let groupBy {
                var values: [String: String] = [:]
                for row in try connection.execute("""
                    SELECT u.person_id::text, \(groupBy.sql(person: "ps", at: "u.start_date")) FROM \(identifier: units) u JOIN ids.persons ps USING (person_id) WHERE u.treated
                    """) { values[try row.decode(at: 0)] = try row.decode(at: 1) }
                var grouped = table
                grouped.groups = table.ids.indices.map { table.treated[$0] ? values[table.ids[$0]] : nil }
                progress("Estimating by \(groupBy.rawValue) on the same units…")
                byGroup = try Evaluation.run(design, on: grouped)
            }
            try connection.execute("DROP TABLE \(identifier: units), \(identifier: outcomes)")
            if !covariateMetrics.isEmpty { try connection.execute("DROP TABLE \(identifier: covariates)") }
            let treated = table.treated.filter { $0 }.count
            var outcome = Outcome(result: result, table: table, runID: runID, loadID: loadID, inputsSHA256: hash,
                                  participantsLeftOut: max(0, participants - treated))
            outcome.byGroup = byGroup
            return outcome
        }
    }
}
