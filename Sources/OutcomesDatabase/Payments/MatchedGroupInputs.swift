import Foundation
import OutcomesDomain
import PostgresClient

extension EffectInputs {
    /// The stored comparison groups (matched or weighted) a run reads, read once: for each period
    /// with one, the comparison run that stored it (the newest run with `--store-comparison` for the
    /// contract and period, the one whose members `<id>@matched` holds) and its members' weights,
    /// brought to one common denominator so that sums over periods stay exact.
    struct MatchedGroups: Sendable {
        /// Period → evaluation run id.
        var runs: [String: Int] = [:]
        /// The common denominator of every period's weights.
        var denominator = 1
        var periods: [String] = [], persons: [Int] = [], providers: [String] = [], weights: [Int] = []

        static let none = MatchedGroups()

        /// The groups of `periods`, when a line of the contract compares with a matched group.
        static func read(contract: OutcomeContract, periods: [String], on connection: PostgresConnection) throws -> MatchedGroups {
            guard contract.needsMatchedGroup else { return .none }
            var result = MatchedGroups()
            var denominators: [Int: Int] = [:]
            for row in try connection.execute("""
                SELECT DISTINCT ON (r.period) r.period, r.run_id,
                       (SELECT max(w.weight_denominator) FROM evaluation.matched_weights w WHERE w.run_id = r.run_id)::bigint,
                       (SELECT min(w.weight_denominator) FROM evaluation.matched_weights w WHERE w.run_id = r.run_id)::bigint
                FROM evaluation.runs r
                WHERE r.contract_id = \(contract.id) AND r.stored_comparison AND r.period = ANY (\(periods)::text[])
                ORDER BY r.period, r.run_id DESC
                """) {
                let (period, run): (String, Int) = (try row.decode(at: 0), try row.decode(at: 1))
                let found: Int? = try row.decode(at: 2), smallest: Int? = try row.decode(at: 3)
                guard let denominator = found else { continue }
                // One run stores one denominator; a row with another was added to it afterwards.
                guard smallest == denominator else {
                    throw DatabaseError(.comparisonWeightsInconsistent, """
                        The stored comparison group of \(contract.id) for \(period) (comparison run \(run)) has weights over different \
                        denominators (1/\(smallest ?? 0) and 1/\(denominator)): rows were added to it after it was stored, so it is not \
                        the group that run computed. Store the period's group again with compare --store-comparison.
                        """)
                }
                result.runs[period] = run
                denominators[run] = denominator
            }
            guard !result.runs.isEmpty else { return result }
            // Weighted groups keep 1/10⁹ and matched ones the lcm of their match counts: every sum of
            // weights PostgreSQL makes is a sum of some of these rows, so their total bounds them all.
            func tooLarge() -> DatabaseError {
                DatabaseError(.comparisonWeightsTooLarge, """
                    The stored comparison groups of \(contract.id) for \(result.runs.keys.sorted().joined(separator: ", ")) (comparison runs \
                    \(result.runs.values.sorted().map(String.init).joined(separator: ", ")), weights in \(denominators.keys.sorted().map { "1/\(denominators[$0]!)" }.joined(separator: ", "))) \
                    cannot be summed exactly: brought to one denominator, their weights add up to more than a 64-bit integer holds. \
                    Pay fewer periods in one run, or store the periods' groups again with designs whose denominators agree.
                    """)
            }
            for denominator in denominators.values {
                let (product, overflow) = (result.denominator / gcd(result.denominator, denominator)).multipliedReportingOverflow(by: denominator)
                guard !overflow else { throw tooLarge() }
                result.denominator = product
            }
            let periodOfRun = Dictionary(uniqueKeysWithValues: result.runs.map { ($1, $0) })
            var total = 0
            try connection.stream("""
                SELECT run_id, person_id, provider_id, weight FROM evaluation.matched_weights
                WHERE run_id = ANY (\(result.runs.values.sorted())::bigint[])
                ORDER BY run_id, person_id, provider_id
                """) { row in
                let run: Int = try row.decode(at: 0)
                result.periods.append(periodOfRun[run]!)
                result.persons.append(try row.decode(at: 1))
                result.providers.append(try row.decode(at: 2))
                let weight: Int = try row.decode(at: 3)
                let (scaled, overflow) = weight.multipliedReportingOverflow(by: result.denominator / denominators[run]!)
                let (sum, beyond) = total.addingReportingOverflow(scaled)
                guard !overflow, !beyond else { throw tooLarge() }
                total = sum
                result.weights.append(scaled)
            }
            return result
        }

        /// For the inputs hash: which run each period's group came from, and the common denominator.
        var text: String {
            runs.keys.sorted().map { "matched_group\t\($0)\trun \(runs[$0]!)\t1/\(denominator)\n" }.joined()
        }

        private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
    }

    /// A matched group's figures: each stored control counted by its weight under the provider it
    /// serves (or under every provider, pooled), summed in PostgreSQL from the stored weights as
    /// exact totals and counts in units of 1/denominator.
    static func weightedStatistics(_ line: Subject, _ storedID: String, _ periods: [String], pooledPeriods: Bool, pooledProviders: Bool,
                                   groups: MatchedGroups, on connection: PostgresConnection) throws -> [Key: GroupFigure]
    {
        let (total, count): (PostgresQuery, PostgresQuery) = line.statistic == .rate
            ? ("sum(w.weight * CASE WHEN \(line.outcome.condition.predicate(on: "r.value")) THEN 1 ELSE 0 END)", "sum(w.weight)")
            : ("sum(w.weight * r.value)", "sum(w.weight) FILTER (WHERE r.value IS NOT NULL)")
        let (period, provider): (PostgresQuery, PostgresQuery) = (pooledPeriods ? "''" : "r.period", pooledProviders ? "''" : "r.provider_id")
        let query: PostgresQuery = """
            SELECT \(period), \(provider),
                   count(DISTINCT (r.person_id, r.period))::int, coalesce(\(total), 0), coalesce(\(count), 0)::bigint
            FROM metrics.person_results r
            JOIN unnest(\(groups.periods)::text[], \(groups.persons)::bigint[], \(groups.providers)::text[], \(groups.weights)::bigint[])
                 AS w(period, person_id, provider_id, weight)
              ON w.period = r.period AND w.person_id = r.person_id AND w.provider_id = r.provider_id
            WHERE r.contract_id = \(storedID) AND r.period = ANY (\(periods)::text[]) AND r.metric_id = \(line.outcome.metricID)
            GROUP BY 1, 2
            """
        var result: [Key: GroupFigure] = [:]
        for row in try connection.execute(query) {
            let key = Key(period: pooledPeriods ? Determination.allPeriods : try row.decode(at: 0), provider: try row.decode(at: 1))
            result[key] = GroupFigure(participants: try row.decode(at: 2), total: try row.decode(at: 3), count: try row.decode(at: 4),
                                      weightDenominator: groups.denominator)
        }
        return result
    }
}
