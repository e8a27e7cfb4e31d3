import Foundation
import OutcomesDomain
import OutcomesStatistics
import PostgresClient

/// Writes a comparison run to the `evaluation` schema, and a matched comparison group's metrics
/// to `metrics.person_results` as `<id>@matched` (recorded in `metrics.computed_periods` with the
/// contract version and text it was built for, so a payment run can check where it came from).
struct ComparisonStore {
    let runner: ComparisonRunner
    let loadID: Int
    /// Loads numbered up to `loadID` that had not finished when the comparison began; nil on a
    /// database an earlier release migrated (no `pending_loads`, migration 0028).
    let pendingLoads: [Int]?
    let inputsSHA256: String

    /// A stored comparison group: each comparison unit under each provider it serves, with its
    /// weight as a whole number of 1/`denominator`.
    struct Group {
        let denominator: Int
        let members: [MatchedGroup.Member]
    }

    /// The matched controls with their matching weights under each provider they serve (nearest-
    /// neighbour matching, denominator the lcm of the match counts), or, for the weighting designs,
    /// the comparison units with each provider's own weights to 1e-9 (`WeightedGroup`).
    static func group(_ result: EvaluationResult, _ table: EvaluationTable) throws -> Group {
        if result.spec.method == .nearest {
            let matched = MatchedGroup(matches: result.matches ?? [:], provider: { table.groups[$0] ?? "" })
            return Group(denominator: matched.denominator, members: matched.members)
        }
        let weighted = try WeightedGroup(result, treated: table.treated, groups: table.groups)
        return Group(denominator: WeightedGroup.denominator, members: weighted.members)
    }

    /// The run, its units and, with `group`, the stored comparison group's weights.
    func record(_ result: EvaluationResult, _ table: EvaluationTable, group: Group?, on connection: PostgresConnection) throws -> Int {
        let stored = EvaluationRunDocument(result)
        let runID = try connection.execute("""
            INSERT INTO evaluation.runs (evaluation_id, contract_id, version, contract_sha256, period, comparison, load_id,
                                         spec_text, spec_sha256, design, inputs_sha256, sample_sizes, estimates, balance,
                                         propensity_model, warnings, stored_comparison)
            VALUES (\(runner.definition.id), \(runner.stored.contract.id), \(runner.stored.version), \(runner.stored.fileSHA256),
                    \(runner.period?.label), \(runner.source.rawValue), \(loadID), \(runner.text), \(SHA256.hex(runner.text)),
                    \(try PostgresJSON(stored.design)), \(inputsSHA256), \(try PostgresJSON(stored.sampleSizes)),
                    \(try PostgresJSON(stored.estimates)), \(try PostgresJSON(stored.balance)), \(try PostgresJSON(stored.propensityModel)),
                    \(try PostgresJSON(stored.warnings)), \(runner.storeComparison))
            RETURNING run_id
            """).scalar(Int.self)
        let units = result.units
        // Unknowns travel through the arrays as NaN, 0 and '' and are stored as NULL.
        try connection.execute("""
            INSERT INTO evaluation.run_units (person_id, run_id, treated, provider_id, index_date, propensity, weight, subclass)
            SELECT u.person_id, \(runID), u.treated, nullif(u.provider_id, ''), u.index_date,
                   CASE WHEN u.propensity = 'NaN' THEN NULL ELSE u.propensity END, u.weight, nullif(u.subclass, 0)
            FROM unnest(\(units.map { table.ids[$0.index] })::bigint[], \(units.map { table.treated[$0.index] })::boolean[],
                        \(units.map { table.groups[$0.index] ?? "" })::text[], \(units.map { table.indexDates[$0.index] })::date[],
                        \(units.map { $0.propensity ?? .nan })::float8[], \(units.map(\.weight))::float8[],
                        \(units.map { $0.subclass ?? 0 })::int[])
                 AS u(person_id, treated, provider_id, index_date, propensity, weight, subclass)
            """)
        if let group {
            try connection.execute("""
                INSERT INTO evaluation.matched_weights (person_id, run_id, provider_id, weight, weight_denominator)
                SELECT m.person_id, \(runID), m.provider_id, m.weight, \(group.denominator)
                FROM unnest(\(group.members.map { table.ids[$0.unit] })::bigint[], \(group.members.map(\.provider))::text[],
                            \(group.members.map(\.weight))::bigint[]) AS m(person_id, provider_id, weight)
                """)
        }
        return runID
    }

    /// The stored group's members' values of every metric, each under every provider it serves
    /// (a matched control: the providers of the participants it was matched to; a weighted
    /// comparison unit: the providers whose weights are above 0 for it — once per provider; its
    /// weights are in `evaluation.matched_weights`), as the contract-period's `<id>@matched`
    /// results, replacing earlier ones.
    func storeMatchedGroup(_ group: Group, _ table: EvaluationTable, outcomes: SQLIdentifier, on connection: PostgresConnection) throws {
        let contract = runner.stored.contract, period = runner.period!
        let storedID = contract.id + OutcomeContract.matchedSuffix
        let members = group.members
        let partitions = ResultPartitions(contractID: storedID, period: period.label)
        let resultSet = try partitions.resultSet(on: connection)
        try PersonLevelTable(table: partitions.stagedTable).create(as: """
            SELECT r.person_id, \(storedID)::text AS contract_id, r.metric_id, r.period, r.enrollment_id, m.provider_id,
                   r.window_start, r.window_end, r.value, r.pre_value, r.post_value, r.ratio, r.load_id, r.computed_at,
                   \(resultSet)::integer AS result_set, r.relatives, r.relative_ids, r.relative_values
            FROM \(identifier: outcomes) r
            JOIN unnest(\(members.map { table.ids[$0.unit] })::bigint[],
                        \(members.map(\.provider))::text[]) AS m(person_id, provider_id)
              USING (person_id)
            """, layout: try TableLayout.of(connection), on: connection)
        try partitions.swapIn(resultSet: resultSet, on: connection)
        let pending: (column: PostgresQuery, value: PostgresQuery, update: PostgresQuery) = pendingLoads.map {
            (", pending_loads", ", \($0)::integer[]", ", pending_loads = excluded.pending_loads")
        } ?? ("", "", "")
        try connection.execute("""
            INSERT INTO metrics.computed_periods (contract_id, period, load_id, version, file_sha256\(pending.column))
            VALUES (\(storedID), \(period.label), \(loadID), \(runner.stored.version), \(runner.stored.fileSHA256)\(pending.value))
            ON CONFLICT (contract_id, period) DO UPDATE
            SET load_id = excluded.load_id, version = excluded.version, file_sha256 = excluded.file_sha256\(pending.update), computed_at = now()
            """)
    }
}
