import Foundation
import OutcomesDomain
import PostgresClient

/// What a payment run reads from the stored outcome metrics, for each period up to the one paid
/// (caps over the contract's life need the earlier ones):
/// - for the rate card, which lines' outcomes each participant achieved — evaluated in PostgreSQL,
///   one row per participant and period;
/// - for per-day lines, the participants' values of the metrics those lines use.
struct PaymentInputs {
    let achievements: [PeriodAchievements]
    let values: [PeriodOutcomes]
    /// The relatives behind the values of metrics over relatives that rate-card and per-day lines price.
    var relatives: [RelativeValues] = []

    /// Reads the stored values of a run whose metrics are current — and of what came before the
    /// first period when the terms look back.
    static func read(contract: OutcomeContract, terms: PaymentTerms, periods paid: [String], on connection: PostgresConnection) throws
        -> PaymentInputs
    {
        let labels = PaymentRun.periodsRead(contract, paid: paid)
        let unpaid = Set(labels).subtracting(paid)
        var achievements: [PeriodAchievements] = []
        if let card = terms.rateCard {
            var byPeriod: [String: [RateCardAchievement]] = [:]
            try connection.stream(achievementsQuery(card, contract: contract.id, periods: labels)) { row in
                let (period, person, provider, bits, precondition): (String, Int, String, Int, Bool) =
                    (try row.decode(at: 0), try row.decode(at: 1), try row.decode(at: 2), try row.decode(at: 3), try row.decode(at: 4))
                byPeriod[period, default: []].append(RateCardAchievement(
                    personID: person, providerID: provider, lines: UInt64(bitPattern: Int64(bits)), precondition: precondition))
            }
            // In person order: sorted here, where 100,000 ids take milliseconds, not by the server after its aggregate.
            achievements = labels.map {
                PeriodAchievements(period: $0, participants: (byPeriod[$0] ?? []).sorted { $0.personID < $1.personID },
                                   payable: !unpaid.contains($0))
            }
        }
        let metrics = Set(terms.perDayLines.flatMap {
            [$0.days] + ($0.less.map { [$0] } ?? []) + ($0.precondition.map { [$0.metricID] } ?? [])
        }).sorted()
        var values: [String: [ParticipantOutcome]] = [:]
        if !metrics.isEmpty {
            try connection.stream("""
                SELECT period, person_id, provider_id, metric_id, value FROM metrics.person_results
                WHERE contract_id = \(contract.id) AND period = ANY (\(labels)) AND metric_id = ANY (\(metrics))
                ORDER BY period, person_id, metric_id
                """) { row in
                let (period, person, provider, metric): (String, Int, String, String) =
                    (try row.decode(at: 0), try row.decode(at: 1), try row.decode(at: 2), try row.decode(at: 3))
                values[period, default: []].append(
                    ParticipantOutcome(personID: person, providerID: provider, metricID: metric, value: try row.decode(at: 4)))
            }
        }
        var inputs = PaymentInputs(
            achievements: achievements,
            values: labels.map { PeriodOutcomes(period: $0, outcomes: values[$0] ?? [], payable: !unpaid.contains($0)) })
        let priced = Set((terms.rateCard?.lines.map(\.outcome.metricID) ?? []) + terms.perDayLines.map(\.days))
        let overRelatives = contract.metrics.filter { $0.relatives != nil && priced.contains($0.id) }.map(\.id)
        if !overRelatives.isEmpty {
            try connection.stream("""
                SELECT period, person_id, metric_id, relative_ids, relative_values FROM metrics.person_results
                WHERE contract_id = \(contract.id) AND period = ANY (\(labels)::text[]) AND metric_id = ANY (\(overRelatives)::text[])
                  AND relatives > 0
                ORDER BY array_position(\(labels)::text[], period), person_id, metric_id
                """) { row in
                inputs.relatives.append(RelativeValues(
                    period: try row.decode(at: 0), personID: try row.decode(at: 1), metricID: try row.decode(at: 2),
                    ids: try row.decode(at: 3), values: try row.decode(at: 4)))
            }
        }
        return inputs
    }

    /// One row per participant and period: the bits of the lines whose outcome the values meet
    /// (bit k for line k) and whether the precondition is met. Metric ids and thresholds are bound;
    /// the comparison operators come from the fixed vocabulary of `AmountCondition`.
    static func achievementsQuery(_ card: RateCard, contract: String, periods: [String]) -> PostgresQuery {
        func test(_ outcome: OutcomeTest) -> PostgresQuery {
            "metric_id = \(outcome.metricID) AND \(outcome.condition.predicate(on: "value"))"
        }
        // A line paid per relative: any relative whose own value meets the test.
        func perRelative(_ outcome: OutcomeTest) -> PostgresQuery {
            "metric_id = \(outcome.metricID) AND EXISTS (SELECT 1 FROM unnest(relative_values) AS v(v) WHERE \(outcome.condition.predicate(on: "v.v")))"
        }
        let bits: [PostgresQuery] = card.lines.enumerated().map { index, line in
            "(CASE WHEN \(line.perRelative ? perRelative(line.outcome) : test(line.outcome)) THEN \(Int(Int64(bitPattern: 1 << UInt64(index))))::bigint ELSE 0 END)"
        }
        let precondition: PostgresQuery = card.precondition.map { "coalesce(bool_or(\(test($0))), false)" } ?? "false"
        let metrics = Set(card.lines.map(\.outcome.metricID) + (card.precondition.map { [$0.metricID] } ?? [])).sorted()
        let query: PostgresQuery = """
            SELECT period, person_id, min(provider_id), coalesce(bit_or(\(bits.joined(separator: " | "))), 0), \(precondition)
            FROM metrics.person_results
            WHERE contract_id = \(contract) AND period = ANY (\(periods)::text[]) AND metric_id = ANY (\(metrics)::text[])
            GROUP BY period, person_id
            """
        return query
    }
}
