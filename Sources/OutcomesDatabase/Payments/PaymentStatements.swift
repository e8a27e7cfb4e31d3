import Foundation
import OutcomesDomain
import PostgresClient

/// A provider's statement: what each line earned and was paid, period by period, the caps that
/// cut it, the adjustments, and what each payer owes. Read from the ledger (a provider's own users
/// see only their rows: row-level security).
public struct ProviderStatement: Sendable {
    public struct LineRow: Sendable {
        public let period: String
        public let lineID: String
        /// Participants paid on the line; nil for lines owed for a whole cohort (effect, savings share).
        public let participants: Int?
        public let earned: Decimal
        public let payments: Decimal
        public let adjustments: Decimal
    }

    public struct CapRow: Sendable {
        public let period: String
        public let lineID: String
        public let cap: String
        /// Participants whose line the cap cut; nil for lines owed for a whole cohort.
        public let participants: Int?
    }

    public let contractID: String
    public let providerID: String
    public let currency: Currency
    public let lines: [LineRow]
    public let caps: [CapRow]
    public let payers: [(payer: String, amount: Decimal)]
    public let runs: [(runID: Int, period: String, kind: String, version: Int, runAt: String)]

    public static func read(contract: StoredContract, provider: String, on connection: PostgresConnection) throws -> ProviderStatement {
        let id = contract.contract.id
        let lines = try connection.execute("""
            SELECT period, line_id, nullif(count(DISTINCT person_id), 0)::int,
                   coalesce(sum(earned), 0),
                   coalesce(sum(amount) FILTER (WHERE entry = 'payment'), 0), coalesce(sum(amount) FILTER (WHERE entry = 'adjustment'), 0)
            FROM payments.ledger
            WHERE contract_id = \(id) AND provider_id = \(provider)
            GROUP BY period, line_id ORDER BY period, line_id
            """).map {
            LineRow(period: try $0.decode(at: 0), lineID: try $0.decode(at: 1), participants: try $0.decode(at: 2),
                    earned: try $0.decode(at: 3), payments: try $0.decode(at: 4), adjustments: try $0.decode(at: 5))
        }
        // Notes name each cap that bound as "<cap> <amount> reached: …".
        let caps = try connection.execute("""
            SELECT period, line_id, substring(note FROM '^(.*) [0-9.]+ reached') AS cap, nullif(count(DISTINCT person_id), 0)::int
            FROM payments.ledger, unnest(string_to_array(notes, '; ')) AS note
            WHERE contract_id = \(id) AND provider_id = \(provider) AND entry = 'payment' AND note LIKE '% reached: %'
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """).map {
            CapRow(period: try $0.decode(at: 0), lineID: try $0.decode(at: 1), cap: try $0.decode(at: 2), participants: try $0.decode(at: 3))
        }
        let payers = try connection.execute("""
            SELECT payer_id, sum(amount) FROM payments.ledger WHERE contract_id = \(id) AND provider_id = \(provider)
            GROUP BY 1 ORDER BY 1
            """).map { (payer: try $0.decode(String.self, at: 0), amount: try $0.decode(Decimal.self, at: 1)) }
        let runs = try connection.execute("""
            SELECT DISTINCT r.run_id, r.period, r.kind, r.version, to_char(r.run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
            FROM payments.ledger l JOIN payments.run_headers r USING (run_id)
            WHERE l.contract_id = \(id) AND l.provider_id = \(provider) ORDER BY r.run_id
            """).map {
            (runID: try $0.decode(Int.self, at: 0), period: try $0.decode(String.self, at: 1), kind: try $0.decode(String.self, at: 2),
             version: try $0.decode(Int.self, at: 3), runAt: try $0.decode(String.self, at: 4))
        }
        return ProviderStatement(contractID: id, providerID: provider, currency: contract.contract.payments!.currency,
                                 lines: lines, caps: caps, payers: payers, runs: runs)
    }
}

/// Paid to date by provider, payer and period, and the headroom left under each rate-card cap.
public struct PaymentSummary: Sendable {
    public struct PaidRow: Sendable {
        public let provider: String
        public let payer: String
        public let period: String
        public let amount: Decimal
    }

    public struct Headroom: Sendable {
        /// "contract", "provider hearth", "period 2021", "line employed", "participant (the most paid)".
        public let scope: String
        public let cap: Decimal
        public let paid: Decimal
        public var left: Decimal { max(0, cap - paid) }
    }

    public let contractID: String
    public let currency: Currency
    public let paid: [PaidRow]
    public let headroom: [Headroom]

    public static func read(contract stored: StoredContract, on connection: PostgresConnection) throws -> PaymentSummary {
        let id = stored.contract.id
        let terms = stored.contract.payments!
        let paid = try connection.execute("""
            SELECT provider_id, payer_id, period, sum(amount) FROM payments.ledger WHERE contract_id = \(id)
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """).map {
            PaidRow(provider: try $0.decode(at: 0), payer: try $0.decode(at: 1), period: try $0.decode(at: 2), amount: try $0.decode(at: 3))
        }
        var headroom: [Headroom] = []
        if let card = terms.rateCard {
            let lines = PostgresArrayLiteral.text(card.lines.map(\.id))
            /// Sums of the rate card's lines by one of the ledger's own columns (a fixed list, never user text).
            func sums(_ column: StaticString) throws -> [(String, Decimal)] {
                var query = PostgresQuery(unsafeSQL: "")
                let (contract, lineIDs) = (query.bind(id), query.bind(lines))
                query.append(sql: """
                    SELECT \(column)::text, sum(amount) FROM payments.ledger
                    WHERE contract_id = \(contract) AND line_id = ANY (\(lineIDs)::text[]) GROUP BY 1 ORDER BY 1
                    """)
                return try connection.execute(query).map { (try $0.decode(String.self, at: 0), try $0.decode(Decimal.self, at: 1)) }
            }
            if let cap = card.caps.contract {
                headroom.append(Headroom(scope: "contract", cap: cap.amount, paid: try sums("contract_id").first?.1 ?? 0))
            }
            if let cap = card.caps.provider {
                headroom += try sums("provider_id").map { Headroom(scope: "provider \($0.0)", cap: cap.amount, paid: $0.1) }
            }
            if let cap = card.caps.period {
                headroom += try sums("period").map { Headroom(scope: "period \($0.0)", cap: cap.amount, paid: $0.1) }
            }
            let byLine = Dictionary(uniqueKeysWithValues: try sums("line_id"))
            for line in card.lines { if let cap = line.cap { headroom.append(Headroom(scope: "line \(line.id)", cap: cap.amount, paid: byLine[line.id] ?? 0)) } }
            if let cap = card.caps.participant {
                let most = try sums("person_id").map(\.1).max() ?? 0
                headroom.append(Headroom(scope: "participant (the most paid to one)", cap: cap.amount, paid: most))
            }
        }
        let lineCaps = terms.effectLines.map { ($0.id, $0.cap) } + terms.perDayLines.map { ($0.id, $0.cap) }
            + terms.savingsShares.map { ($0.id, $0.cap) }
        for (lineID, lineCap) in lineCaps {
            guard let cap = lineCap else { continue }
            let paidOnLine = try connection.execute("""
                SELECT coalesce(sum(amount), 0) FROM payments.ledger WHERE contract_id = \(id) AND line_id = \(lineID)
                """).scalar(Decimal.self)
            headroom.append(Headroom(scope: "line \(lineID)", cap: cap.amount, paid: paidOnLine))
        }
        return PaymentSummary(contractID: id, currency: terms.currency, paid: paid, headroom: headroom)
    }
}
