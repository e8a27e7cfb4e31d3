import Foundation
import OutcomesDomain
import PostgresClient

/// What the ledger paid per participant in a contract's periods, by provider and period, with
/// the posted runs the lines came from. Per-participant lines only (rate-card outcomes, days
/// priced per day): a line that pays for a cohort's estimated effect, a share of savings or a
/// milestone has no person to count, and its amount can say how large a cohort was.
public enum PublishedPayments {
    /// What one provider (nil: all providers) was paid per participant in one period.
    public struct Paid: Sendable, Equatable {
        public let period: String
        public let provider: String?
        /// People whose lines, net of adjustments, paid a non-zero amount (distinct people in the total).
        public let participants: Int
        public let amount: Decimal
        /// People paid on each line that paid in the cell.
        public let perLine: [Int]
    }

    /// The cells of the posted runs of `periods`, net of every run; each period's latest run must be
    /// of the loaded version and rest on the data load its metrics are computed from (their
    /// suppression decides the cells').
    public static func read(_ stored: StoredContract, periods: [String], computations: [PublishedComputation],
                            on connection: PostgresConnection) throws -> (paid: [Paid], runs: [PublishedComputation]) {
        let id = stored.contract.id
        guard stored.contract.payments != nil else {
            throw DatabaseError(.noData, "\(id) version \(stored.version) has no payment terms: there are no payments to publish")
        }
        // Every run of the periods (the ledger's net sums them all), each with the version it was posted under.
        let runs = try connection.execute("""
            SELECT r.period, r.run_id, r.kind, r.version, c.file_sha256, r.load_id, l.description, l.content_hash,
                   to_char(r.run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
            FROM payments.runs r JOIN payments.contracts c USING (contract_id, version) JOIN ids.data_loads l USING (load_id)
            WHERE r.contract_id = \(id) AND r.period = ANY (\(periods)::text[])
            ORDER BY r.run_id
            """).map { row in
            let (runID, kind, version, text): (Int, String, Int, String) = (try row.decode(at: 1), try row.decode(at: 2), try row.decode(at: 3),
                                                                            try row.decode(at: 4))
            return PublishedComputation(
                period: try row.decode(at: 0), version: version, fileSHA256: text, loadID: try row.decode(at: 5),
                loadDescription: try row.decode(at: 6), contentHash: try row.decode(at: 7), computedOn: try row.decode(at: 8),
                origin: "posted in payment run \(runID) (\(kind), under contract version \(version), text SHA-256 \(text))")
        }
        for period in periods {
            guard let latest = runs.last(where: { $0.period == period }), latest.version == stored.version, latest.fileSHA256 == stored.fileSHA256 else {
                throw DatabaseError(.noData, "no payment run of \(id) version \(stored.version) is the latest posted for period \(period); post "
                                    + "one first: outcomes payments run --contract \(id) --period \(period)")
            }
            if let metrics = computations.first(where: { $0.period == period }), metrics.loadID != latest.loadID {
                throw DatabaseError(.noData, "period \(period)'s latest payment run rests on data load \(latest.loadID) but its metrics are now "
                                    + "computed from load \(metrics.loadID); post a run on the current metrics first (outcomes payments run "
                                    + "--contract \(id) --period \(period)), so that the payments are suppressed with the metrics they priced")
            }
        }
        // Per provider, period, person and line: the net amount; then the cells and their lines' counts.
        let rows = try connection.execute("""
            WITH net AS (
                SELECT provider_id, period, person_id, line_id, sum(amount) AS paid FROM payments.ledger
                WHERE contract_id = \(id) AND period = ANY (\(periods)::text[]) AND person_id IS NOT NULL
                GROUP BY 1, 2, 3, 4),
            people AS (
                SELECT provider_id, period, person_id, sum(paid) AS paid FROM net GROUP BY 1, 2, 3 HAVING sum(paid) <> 0),
            -- Distinct people: one paid by two providers in a period is one person in its total.
            cells AS (
                SELECT period, provider_id, count(DISTINCT person_id)::bigint AS participants, sum(paid) AS amount FROM people
                GROUP BY GROUPING SETS ((period, provider_id), (period))),
            lines AS (
                SELECT period, provider_id, line_id, count(DISTINCT person_id)::bigint AS people FROM net WHERE paid <> 0
                GROUP BY GROUPING SETS ((period, provider_id, line_id), (period, line_id)))
            SELECT c.period, c.provider_id, c.participants, c.amount,
                   coalesce((SELECT array_agg(l.people ORDER BY l.line_id) FROM lines l
                             WHERE l.period = c.period AND l.provider_id IS NOT DISTINCT FROM c.provider_id), '{}')
            FROM cells c ORDER BY c.period, c.provider_id NULLS LAST
            """)
        let paid = try rows.map { row in
            Paid(period: try row.decode(at: 0), provider: try row.decode(at: 1), participants: try row.decode(at: 2), amount: try row.decode(at: 3),
                 perLine: try row.decode([Int].self, at: 4))
        }
        return (paid, runs)
    }
}

/// The estimates of a contract's latest comparison run of each evaluation and period, from the
/// loaded version, as stored (`evaluation.runs`), and the runs they came from.
public enum PublishedEstimates {
    public struct Estimate: Sendable {
        public let evaluation: String
        public let period: String
        /// `pool` (matched or weighted from the eligible pool) or `control_arm`.
        public let comparison: String
        public let outcome: String
        public let provider: String?
        public let analysis: String
        public let estimate, standardError: Double?
        public let standardErrorType: String
        public let ciLower, ciUpper, pValue: Double?
        public let treated, controls: Int
        public let meanTreated, meanControl: Double?
    }

    public static func read(_ stored: StoredContract, periods: [String],
                            on connection: PostgresConnection) throws -> (estimates: [Estimate], runs: [PublishedComputation]) {
        let id = stored.contract.id
        let latest = try connection.execute("""
            SELECT DISTINCT ON (evaluation_id, period) run_id FROM evaluation.runs
            WHERE contract_id = \(id) AND version = \(stored.version) AND contract_sha256 = \(stored.fileSHA256)
              AND period = ANY (\(periods)::text[])
            ORDER BY evaluation_id, period, run_at DESC, run_id DESC
            """).map { try $0.decode(Int.self, at: 0) }
        let rows = try self.rows(runs: latest, on: connection)
        if let missing = periods.first(where: { period in !rows.contains { $0.estimate.period == period } }) {
            throw DatabaseError(.noData, "no comparison of \(id) version \(stored.version) is stored for period \(missing) (a comparison run "
                                + "without --period covers every period and is not published by period); run one first: "
                                + "outcomes compare --evaluation FILE --period \(missing)")
        }
        return (rows.map(\.estimate), provenance(of: rows, stored))
    }

    /// Each run of `rows` once, as the provenance of what was published from it.
    static func provenance(of rows: [RunRow], _ stored: StoredContract, note: String = "") -> [PublishedComputation] {
        Set(rows.map(\.runID)).sorted().compactMap { run in
            rows.first { $0.runID == run }.map { row in
                PublishedComputation(
                    period: row.estimate.period, version: stored.version, fileSHA256: stored.fileSHA256, loadID: row.loadID,
                    loadDescription: row.loadDescription, contentHash: row.contentHash, computedOn: row.runOn,
                    origin: "estimated in comparison run \(run) (evaluation \(row.estimate.evaluation), its file's SHA-256 \(row.specSHA256))" + note)
            }
        }
    }

    /// A stored run's estimate with the run and data load it came from.
    struct RunRow {
        let runID: Int
        let loadID: Int
        let loadDescription: String
        let contentHash: String?
        let runOn: String
        let specSHA256: String
        let estimate: Estimate
    }

    /// The period of a comparison run over every period.
    public static let allPeriods = "(all periods)"

    /// Every estimate of `runs`, as stored; a run of all periods has the period `allPeriods`.
    static func rows(runs: [Int], on connection: PostgresConnection) throws -> [RunRow] {
        try connection.execute("""
            SELECT r.run_id, r.evaluation_id, coalesce(r.period, \(allPeriods)), r.comparison, r.load_id, l.description, l.content_hash,
                   to_char(r.run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), r.spec_sha256,
                   e.outcome, e.provider, e.analysis, e.estimate, e.std_error, e.se_type, e.ci_lower, e.ci_upper, e.p_value,
                   e.treated, e.controls, e.mean_treated, e.mean_control
            FROM evaluation.runs r JOIN ids.data_loads l USING (load_id),
                 jsonb_to_recordset(r.estimates) AS e(outcome text, provider text, analysis text, estimate float8, std_error float8,
                     se_type text, ci_lower float8, ci_upper float8, p_value float8, treated int, controls int,
                     mean_treated float8, mean_control float8)
            WHERE r.run_id = ANY (\(runs)::bigint[])
            ORDER BY r.evaluation_id, r.period, e.outcome, e.analysis, e.provider NULLS FIRST
            """).map { row in
            RunRow(runID: try row.decode(at: 0), loadID: try row.decode(at: 4), loadDescription: try row.decode(at: 5), contentHash: try row.decode(at: 6),
                   runOn: try row.decode(at: 7), specSHA256: try row.decode(at: 8), estimate: Estimate(
                    evaluation: try row.decode(at: 1), period: try row.decode(at: 2), comparison: try row.decode(at: 3), outcome: try row.decode(at: 9),
                    provider: try row.decode(at: 10), analysis: try row.decode(at: 11), estimate: try row.decode(at: 12),
                    standardError: try row.decode(at: 13), standardErrorType: try row.decode(at: 14), ciLower: try row.decode(at: 15),
                    ciUpper: try row.decode(at: 16), pValue: try row.decode(at: 17), treated: try row.decode(at: 18), controls: try row.decode(at: 19),
                    meanTreated: try row.decode(at: 20), meanControl: try row.decode(at: 21)))
        }
    }
}

/// The latest benefit-cost scenario run of each scenario of a contract's loaded version: its
/// per-participant figures (all providers, each provider, each variant), and the estimates it
/// took its effects from (the cited comparison runs' rows of differences in means), so that a
/// figure resting on a hidden estimate can be hidden with it.
public enum PublishedScenarios {
    public struct Figures: Sendable {
        public let scenario: String
        /// nil: all providers together.
        public let provider: String?
        /// nil: the scenario as written; else the variant's name.
        public let variant: String?
        public let benefits: [(perspective: String, amount: Decimal)]
        public let totalBenefits, cost, benefitsMinusCosts: Decimal
        public let benefitCostRatio: Decimal?
        public let chanceBenefitsExceedCosts: Double
        public let netP5, netP95, breakEvenScale: Double?
        /// The comparison runs its effects came from.
        public let comparisonRuns: [Int]
    }

    public static func read(_ stored: StoredContract, on connection: PostgresConnection)
        throws -> (figures: [Figures], cited: [(run: Int, estimate: PublishedEstimates.Estimate)], runs: [PublishedComputation])
    {
        let id = stored.contract.id
        let latest = try connection.execute("""
            SELECT DISTINCT ON (scenario_id) run_id, scenario_id, comparison_runs, seed, draws, spec_sha256, results_sha256, results::text,
                   to_char(run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
            FROM scenario.runs
            WHERE contract_id = \(id) AND version = \(stored.version) AND contract_sha256 = \(stored.fileSHA256)
            ORDER BY scenario_id, run_at DESC, run_id DESC
            """)
        guard latest.count > 0 else {
            throw DatabaseError(.noData, "no benefit-cost scenario of \(id) version \(stored.version) is stored; run one first: "
                                + "outcomes scenario run FILE")
        }
        var figures: [Figures] = [], runs: [PublishedComputation] = [], citedRuns = Set<Int>()
        for row in latest {
            let (runID, scenario, cited): (Int, String, [Int]) = (try row.decode(at: 0), try row.decode(at: 1), try row.decode(at: 2))
            let (seed, draws, spec, results): (Int, Int, String, String) = (try row.decode(at: 3), try row.decode(at: 4), try row.decode(at: 5), try row.decode(at: 6))
            let document = try JSONDecoder().decode(ScenarioResultsDocument.self, from: Data(try row.decode(String.self, at: 7).utf8))
            citedRuns.formUnion(cited)
            runs.append(PublishedComputation(
                period: scenario, version: stored.version, fileSHA256: stored.fileSHA256, loadID: 0, loadDescription: "", contentHash: nil,
                computedOn: try row.decode(at: 8),
                origin: "simulated in scenario run \(runID) (its file's SHA-256 \(spec); seed \(seed), \(draws) draws; results SHA-256 \(results); "
                    + (cited.isEmpty ? "effects as the file states them" : "effects from comparison runs " + cited.map(String.init).joined(separator: ", ")) + ")",
                subject: "Scenario \(scenario)"))
            func make(_ f: ScenarioResultsDocument.Figures, provider: String?, variant: String?, chance: Double, p5: Double?, p95: Double?,
                      breakEven: Double?) -> Figures {
                Figures(scenario: scenario, provider: provider, variant: variant,
                        benefits: ScenarioDefinition.Perspective.allCases.map { ($0.rawValue, f.benefits[$0]?.value ?? 0) },
                        totalBenefits: f.totalBenefits.value, cost: f.cost.value, benefitsMinusCosts: f.benefitsMinusCosts.value,
                        benefitCostRatio: f.benefitCostRatio?.value, chanceBenefitsExceedCosts: chance, netP5: p5, netP95: p95,
                        breakEvenScale: breakEven, comparisonRuns: cited)
            }
            figures += document.groups.map {
                make($0.figures, provider: $0.group, variant: nil, chance: $0.chanceBenefitsExceedCosts, p5: $0.netP5, p95: $0.netP95, breakEven: $0.breakEvenScale)
            }
            figures += document.variants.map {
                make($0.figures, provider: nil, variant: $0.variant, chance: $0.chanceBenefitsExceedCosts, p5: nil, p95: nil, breakEven: nil)
            }
        }
        // The cited comparisons' rows, each run whole (its rows' complements depend on each other), and their data loads.
        let cited = try PublishedEstimates.rows(runs: citedRuns.sorted(), on: connection)
        runs += PublishedEstimates.provenance(of: cited, stored, note: ", which the scenarios cite")
        return (figures, cited.map { ($0.runID, $0.estimate) }, runs)
    }
}
