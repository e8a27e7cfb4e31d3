import Foundation
import OutcomesDomain
import PostgresClient

/// One metric's aggregate for one provider (or `(all)`) in a period.
public struct ProviderMetricResult: Sendable, Equatable {
    public let metricID: String
    public let providerID: String
    public let measure: String
    public let participants: Int
    public let withValue: Int
    public let total: Decimal?
    public let mean: Decimal?
    public let rate: Decimal?

    public init(metricID: String, providerID: String, measure: String, participants: Int, withValue: Int, total: Decimal?,
                mean: Decimal?, rate: Decimal?) {
        (self.metricID, self.providerID, self.measure, self.participants, self.withValue, self.total, self.mean, self.rate) =
            (metricID, providerID, measure, participants, withValue, total, mean, rate)
    }
}

/// Where a run's contract came from, recorded with its results in `metrics.computed_periods`.
public enum MetricsSource: Sendable, Equatable {
    /// A loaded version, computed from its stored text: what payment runs read.
    case stored(version: Int, fileSHA256: String)
    /// A file tried out (`outcomes metrics --file`): stored apart as `<id>@trial`, never paid on.
    case trial(fileSHA256: String?)
}

/// Computes a contract's metrics for a reporting period: person-level values, then provider
/// aggregates, replacing that contract-period's earlier results in one transaction.
public struct MetricsRunner: Sendable {
    public let contract: OutcomeContract
    public let source: MetricsSource
    public static let allProviders = "(all)"

    /// The metrics of a loaded contract version, computed from its stored text.
    public init(stored: StoredContract) {
        self.contract = stored.contract
        self.source = .stored(version: stored.version, fileSHA256: stored.fileSHA256)
    }

    /// The metrics of a contract file tried out; its results are kept apart (`<id>@trial`).
    public init(trying contract: OutcomeContract, fileSHA256: String? = nil) {
        self.contract = contract.trial
        self.source = .trial(fileSHA256: fileSHA256)
    }

    /// Computes the period's metrics — and, when an effect-based payment compares the participants
    /// with the control arm, the same metrics over the control arm (stored as `<id>@control`), in
    /// the same transaction, so both arms always come from the same data load. With the first
    /// period, when the terms look back before it, everything before it too (`priorPeriod`).
    ///
    /// A period computed before is computed again only for the persons the loads since changed
    /// (and those whose relatives they changed), when every such load logged its changes and the
    /// contract is the same; otherwise, or with `full`, in full.
    @discardableResult
    public func run(period: ReportingPeriod, full: Bool = false, on connection: PostgresConnection) throws -> [ProviderMetricResult] {
        try compute(period: period, full: full, on: connection).results
    }

    /// `run`, saying how each stored contract-period was computed.
    public func compute(period: ReportingPeriod, full: Bool = false, on connection: PostgresConnection) throws -> MetricsComputation {
        try connection.transaction { connection in
            try requireKnownDomains(on: connection)
            var arms = [try runArm(contract, period: period, full: full, on: connection)]
            if contract.needsComparisonArm, let arm = contract.comparisonArm {
                arms.append(try runArm(arm, period: period, full: full, on: connection))
            }
            if period.label == contract.periods.first?.label, contract.needsPriorPeriod {
                arms.append(try runArm(contract, period: contract.priorPeriod, full: full, on: connection))
            }
            return MetricsComputation(results: try Self.read(contract: contract, period: period, on: connection), arms: arms)
        }
    }

    /// Every domain a metric names is in the loaded vocabulary (`ids.event_domains`), and days
    /// are counted over spells.
    private func requireKnownDomains(on connection: PostgresConnection) throws {
        var shapes: [String: String] = [:]
        for row in try connection.execute("SELECT domain, shape FROM ids.event_domains") { shapes[try row.decode(at: 0)] = try row.decode(at: 1) }
        for metric in contract.metrics {
            for domain in metric.events.domains + (metric.events.overlap?.events.domains ?? []) where shapes[domain] == nil {
                throw DatabaseError(
                    .unknownDomain,
                    "metric \(metric.id) of contract \(contract.id) names domain '\(domain)', which the IDS does not know; its "
                        + "domains: \(shapes.keys.sorted().joined(separator: ", ")). Load it with an extract's event_domains.csv "
                        + "(domain, shape).")
            }
        }
    }

    private func runArm(_ contract: OutcomeContract, period: ReportingPeriod, full: Bool, on connection: PostgresConnection) throws
        -> ArmComputation
    {
        let arm = ArmRunner(contract: contract)
        return try connection.transaction { connection in
            // Serialize runs of the same contract and period; others proceed in parallel.
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext(\(contract.storedID + "/" + period.label)))")
            // JIT compilation costs more than it saves on these statements.
            try connection.execute("SET LOCAL jit = off")
            let loadID = try DataLoads.current(on: connection)?.id
            guard let loadID else {
                throw DatabaseError(
                    .noData, "There are no IDS data to compute metrics from: load an extract or run `outcomes synth` first.")
            }
            let (version, fileSHA256): (Int?, String?) = switch source {
            case .stored(let version, let hash): (version, hash)
            case .trial(let hash): (nil, hash)
            }
            let tables = ResultPartitions(contractID: contract.storedID, period: period.label)
            let kept = try LoadChanges.isKept(on: connection)
            // Read before anything is computed: a load that finishes later is taken in by the next run.
            let pending = kept ? try LoadChanges.pending(through: loadID, on: connection) : []
            let (recomputation, laterLoads) = try LoadChanges.recomputation(
                of: contract.storedID, period: period.label, version: version, fileSHA256: fileSHA256,
                currentLoad: loadID, partition: tables.periodTable, fullRequested: full, kept: kept, on: connection)
            var recomputed: Int? = nil, base: Int? = nil
            switch recomputation {
            case .full:
                try arm.computePersonResults(period: period, loadID: loadID, on: connection)
                try arm.aggregateByProvider(period: period, loadID: loadID, on: connection)
            case .incremental(let since):
                let persons = try LoadChanges.persons(changedBy: laterLoads, relatives: contract.metrics.contains { $0.relatives != nil },
                                                      on: connection)
                try arm.updatePersonResults(of: persons, period: period, loadID: loadID, on: connection)
                (recomputed, base) = (persons.count, since)
            }
            // A database an earlier release migrated (the upgrade tests) has none of 0028's columns.
            let incremental: [(column: SQLIdentifier, value: PostgresQuery)] = kept ? [
                ("base_load_id", "\(base)::integer"), ("recomputed_persons", "\(recomputed)::integer"),
                ("pending_loads", "\(pending)::integer[]"), ("engine", "\(MetricCompiler.engine)::text"),
            ] : []
            let columns: [SQLIdentifier] = ["contract_id", "period", "load_id", "version", "file_sha256"] + incremental.map(\.column)
            let values: [PostgresQuery] = ["\(contract.storedID)", "\(period.label)", "\(loadID)", "\(version)", "\(fileSHA256)"]
                + incremental.map(\.value)
            let updates: [PostgresQuery] = columns.dropFirst(2).map { "\(identifier: $0) = excluded.\(identifier: $0)" }
            try connection.execute("""
                INSERT INTO metrics.computed_periods (\(columns.map { "\(identifier: $0)" as PostgresQuery }.joined(separator: ", ")))
                VALUES (\(values.joined(separator: ", ")))
                ON CONFLICT (contract_id, period) DO UPDATE SET \(updates.joined(separator: ", ")), computed_at = now()
                """)
            return ArmComputation(storedID: contract.storedID, period: period.label, loadID: loadID, recomputation: recomputation,
                                  recomputedPersons: recomputed)
        }
    }
}

/// What a metrics run did: the period's provider aggregates, and how each stored contract-period
/// (the contract's, its control arm's, the time before its first period) was computed.
public struct MetricsComputation: Sendable, Equatable {
    public let results: [ProviderMetricResult]
    public let arms: [ArmComputation]
}

/// How one stored contract-period was computed.
public struct ArmComputation: Sendable, Equatable {
    public let storedID: String
    public let period: String
    public let loadID: Int
    public let recomputation: MetricsRecomputation
    /// For an incremental run, how many persons' results were computed again.
    public let recomputedPersons: Int?

    public init(storedID: String, period: String, loadID: Int, recomputation: MetricsRecomputation, recomputedPersons: Int?) {
        (self.storedID, self.period, self.loadID) = (storedID, period, loadID)
        (self.recomputation, self.recomputedPersons) = (recomputation, recomputedPersons)
    }
}

/// The statements that compute one arm's results.
struct ArmRunner {
    let contract: OutcomeContract

    /// Provider aggregates and the contract's `(all)` row, rolled up from per-provider counts and
    /// sums in `scratch` (metric_id, provider_id, participants, with_value, total), which it drops.
    /// Totals are stored without trailing zeros, so that a total moved by an incremental run reads
    /// exactly as one summed afresh.
    func rollUp(_ scratch: SQLIdentifier, period: ReportingPeriod, loadID: Int, on connection: PostgresConnection) throws {
        try connection.execute(
            "DELETE FROM metrics.provider_results WHERE contract_id = \(contract.storedID) AND period = \(period.label)")
        let kindRows: [PostgresQuery] = contract.metrics.map { metric in
            "(\(metric.id), \(metric.measureName), \(metric.isBinary))"
        }
        let aggregation: PostgresQuery = """
            INSERT INTO metrics.provider_results
                (contract_id, metric_id, period, provider_id, measure, participants, with_value, total, mean, rate, load_id)
            SELECT \(contract.storedID), g.metric_id, \(period.label), coalesce(g.provider_id, \(MetricsRunner.allProviders)), k.measure,
                   sum(g.participants), sum(g.with_value), trim_scale(sum(g.total)),
                   trim_scale(sum(g.total)) / nullif(sum(g.with_value), 0),
                   CASE WHEN k.is_binary THEN trim_scale(sum(g.total)) / nullif(sum(g.with_value), 0) END, \(loadID)
            FROM \(identifier: scratch) g
            JOIN (VALUES \(kindRows.joined(separator: ", "))) AS k(metric_id, measure, is_binary) USING (metric_id)
            GROUP BY GROUPING SETS ((g.metric_id, k.measure, k.is_binary, g.provider_id), (g.metric_id, k.measure, k.is_binary))
            """
        try connection.execute(aggregation)
        try connection.execute("DROP TABLE \(identifier: scratch)")
    }

    /// Provider aggregates from every stored result of the period. Counts and sums per provider are
    /// taken by a CREATE TABLE AS (parallel, unlike an INSERT); the small result is then rolled up.
    func aggregateByProvider(period: ReportingPeriod, loadID: Int, on connection: PostgresConnection) throws {
        let scratch = ResultPartitions(contractID: contract.storedID, period: period.label).providerTable
        // The new partition has no statistics yet; without them the planner would sort it.
        try connection.execute("SET LOCAL enable_sort = off")
        try connection.execute("""
            CREATE TABLE \(identifier: scratch) AS
            SELECT metric_id, provider_id, count(*) AS participants, count(value) AS with_value, sum(value) AS total
            FROM metrics.person_results
            WHERE contract_id = \(contract.storedID) AND period = \(period.label)
            GROUP BY metric_id, provider_id
            """)
        try connection.execute("SET LOCAL enable_sort TO DEFAULT")
        try rollUp(scratch, period: period, loadID: loadID, on: connection)
    }

    /// Builds the participants' values in a staged table, one slice of participants per parallel
    /// worker the server allows, and swaps it in for the contract-period's old results.
    func computePersonResults(period: ReportingPeriod, loadID: Int, on connection: PostgresConnection) throws {
        let tables = ResultPartitions(contractID: contract.storedID, period: period.label)
        var compiler = MetricCompiler(contract: contract, period: period, loadID: loadID)
        compiler.resultSet = try tables.resultSet(on: connection)
        try compiler.build(tables.stagedTable, on: connection)
        try tables.swapIn(resultSet: compiler.resultSet, on: connection)
    }
}

extension MetricsRunner {
    /// The stored provider aggregates, in the contract's metric order, providers alphabetically, `(all)` last.
    public static func read(contract: OutcomeContract, period: ReportingPeriod, on connection: PostgresConnection) throws
        -> [ProviderMetricResult]
    {
        let rows = try connection.execute("""
            SELECT metric_id, provider_id, measure, participants, with_value, total, mean, rate
            FROM metrics.provider_results WHERE contract_id = \(contract.storedID) AND period = \(period.label)
            ORDER BY metric_id, provider_id = \(allProviders), provider_id
            """).map {
            ProviderMetricResult(
                metricID: try $0.decode(at: 0), providerID: try $0.decode(at: 1), measure: try $0.decode(at: 2),
                participants: try $0.decode(at: 3), withValue: try $0.decode(at: 4), total: try $0.decode(at: 5),
                mean: try $0.decode(at: 6), rate: try $0.decode(at: 7))
        }
        let order = Dictionary(uniqueKeysWithValues: contract.metrics.enumerated().map { ($1.id, $0) })
        return rows.enumerated().sorted { (order[$0.element.metricID] ?? 0, $0.offset) < (order[$1.element.metricID] ?? 0, $1.offset) }
            .map(\.element)
    }
}
