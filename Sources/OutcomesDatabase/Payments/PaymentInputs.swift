import Foundation
import OutcomesDomain
import PostgresClient

/// The stored outcome values a payment run reads: every participant's value of every metric the
/// per-participant lines use, for each period up to the one paid (caps over the contract's life
/// need the earlier ones), with a digest of exactly those values.
struct PaymentInputs {
    let periods: [PeriodOutcomes]
    let loadID: Int
    /// SHA-256 over the values read, in a canonical order.
    let digest: String

    static func read(contract: OutcomeContract, terms: PaymentTerms, periods labels: [String], on connection: PostgresConnection)
        throws -> PaymentInputs
    {
        let computed = try connection.execute("""
            SELECT period, max(load_id) FROM metrics.provider_results
            WHERE contract_id = \(contract.id) AND period = ANY (\(PostgresArrayLiteral.text(labels))::text[]) GROUP BY period
            """)
        var loads: [String: Int] = [:]
        for row in computed { loads[try row.decode(at: 0)] = try row.decode(at: 1) }
        let missing = labels.filter { loads[$0] == nil }
        guard missing.isEmpty else {
            throw DatabaseError(
                .noData,
                "the outcome metrics of contract \(contract.id) are not computed for \(missing.joined(separator: ", ")); a payment "
                    + "run reads every period up to the one it pays. Run `outcomes metrics --contract FILE --period P` for each first.",
                exitStatus: .dataError)
        }
        let metrics = Set(
            (terms.rateCard.map { card in card.lines.map(\.outcome.metricID) + (card.precondition.map { [$0.metricID] } ?? []) } ?? [])
                + terms.perDayLines.flatMap { [$0.days] + ($0.less.map { [$0] } ?? []) + ($0.precondition.map { [$0.metricID] } ?? []) }
        ).sorted()
        var byPeriod: [String: [ParticipantOutcome]] = [:]
        var hash = SHA256()
        if !metrics.isEmpty {
            var buffer = CopyTextBuffer()
            try connection.stream("""
                SELECT period, person_id, provider_id, metric_id, value FROM metrics.person_results
                WHERE contract_id = \(contract.id) AND period = ANY (\(PostgresArrayLiteral.text(labels))::text[])
                  AND metric_id = ANY (\(PostgresArrayLiteral.text(metrics))::text[])
                ORDER BY period, person_id, metric_id
                """) { row in
                let (period, person, provider, metric): (String, Int, String, String) =
                    (try row.decode(at: 0), try row.decode(at: 1), try row.decode(at: 2), try row.decode(at: 3))
                let value: Decimal? = try row.decode(at: 4)
                byPeriod[period, default: []].append(
                    ParticipantOutcome(personID: person, providerID: provider, metricID: metric, value: value))
                buffer.text(period)
                buffer.int(person)
                buffer.text(provider)
                buffer.text(metric)
                buffer.text(value.map { "\($0)" })
                buffer.endRow()
                if buffer.count > 1 << 16 {
                    buffer.bytes.withUnsafeBytes { hash.update($0) }
                    buffer.removeAll()
                }
            }
            buffer.bytes.withUnsafeBytes { hash.update($0) }
        }
        return PaymentInputs(
            periods: labels.map { PeriodOutcomes(period: $0, outcomes: byPeriod[$0] ?? []) },
            loadID: loads.values.max() ?? 0, digest: hash.hexDigest())
    }
}
