import Foundation
import OutcomesDomain
import PostgresClient

/// What an INDIGO publication of a contract reads: outcome payments from the ledger (by line,
/// period, payer and provider), the participants paid on each per-participant line, the
/// participants each metric counted, which periods had a final run, and the latest scenario's
/// expected payments (the planned ones). Aggregates only.
public struct IndigoFigures: Sendable {
    public struct Paid: Sendable { public let line, period, payer, provider: String; public let amount: Decimal }
    public struct Planned: Sendable { public let period, provider: String; public let amount: Decimal }

    public let paid: [Paid]
    /// Distinct participants with a payment on a per-participant line, by line and period.
    public let achieved: [String: [String: Int]]
    /// Participants each metric counted, all providers, by metric and period.
    public let engaged: [String: [String: Int]]
    public let finalPeriods: Set<String>
    public let planned: [Planned]

    public static func read(contract: String, on connection: PostgresConnection) throws -> IndigoFigures {
        let paid = try connection.execute("""
            SELECT line_id, period, payer_id, provider_id, sum(amount) FROM payments.ledger WHERE contract_id = \(contract)
            GROUP BY 1, 2, 3, 4 HAVING sum(amount) <> 0 ORDER BY 2, 1, 3, 4
            """).map { Paid(line: try $0.decode(at: 0), period: try $0.decode(at: 1), payer: try $0.decode(at: 2), provider: try $0.decode(at: 3),
                            amount: try $0.decode(at: 4)) }
        var achieved: [String: [String: Int]] = [:]
        for row in try connection.execute("""
            SELECT line_id, period, count(*)::bigint FROM (
                SELECT line_id, period, person_id FROM payments.ledger
                WHERE contract_id = \(contract) AND person_id IS NOT NULL GROUP BY 1, 2, 3 HAVING sum(amount) > 0) paid
            GROUP BY 1, 2
            """) { achieved[try row.decode(at: 0), default: [:]][try row.decode(at: 1)] = try row.decode(at: 2) }
        var engaged: [String: [String: Int]] = [:]
        for row in try connection.execute("""
            SELECT metric_id, period, participants FROM metrics.provider_results WHERE contract_id = \(contract) AND provider_id = '(all)'
            """) { engaged[try row.decode(at: 0), default: [:]][try row.decode(at: 1)] = try row.decode(at: 2) }
        let finals = try connection.execute("SELECT DISTINCT period FROM payments.runs WHERE contract_id = \(contract) AND kind = 'final'")
            .map { try $0.decode(String.self, at: 0) }
        // The latest scenario's expected payments, when it projected them.
        let runs = try connection.execute("""
            SELECT results->'payments'->'by_provider_period' FROM scenario.runs WHERE contract_id = \(contract) ORDER BY run_id DESC LIMIT 1
            """)
        let projected = runs.count == 0 ? [] : try runs[0].decode(PostgresJSON<[ScenarioResultsDocument.ProviderPeriod]>?.self, at: 0)?.value ?? []
        let planned = projected.map { Planned(period: $0.period, provider: $0.provider, amount: $0.expected.value) }
        return IndigoFigures(paid: paid, achieved: achieved, engaged: engaged, finalPeriods: Set(finals), planned: planned)
    }
}
