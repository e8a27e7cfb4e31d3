import Foundation
import OutcomesDomain
import PostgresClient

/// A provider's statement: what each line earned and was paid, period by period in the contract's
/// order, every cap that bound with its amount and what it cut, how each effect-based,
/// savings-share and clawback line was determined, repayments due, and what each payer owes. Read
/// from the ledger (a provider's own users see only their rows: row-level security).
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
        public let scope: CapScope
        public let amount: Decimal
        /// What the cap took off the line (payment lines, before later adjustments).
        public let cut: Decimal
        /// Participants whose line the cap cut; nil for lines owed for a whole cohort.
        public let participants: Int?
    }

    /// The latest determination of a line for a cohort.
    public struct DeterminationRow: Sendable {
        public let period: String
        public let lineID: String
        public let mechanism: Determination.Mechanism
        public let cohort: String
        public let finding: Determination.Finding
        public let improvement: Decimal?
        public let threshold: Decimal?
        public let payable: Decimal
        public let arithmetic: String
        public let runID: Int
    }

    public let contractID: String
    public let providerID: String
    public let currency: Currency
    public let lines: [LineRow]
    public let caps: [CapRow]
    public let determinations: [DeterminationRow]
    /// Clawback lines: what the provider must repay, per period and line (positive amounts).
    public let repayments: [(period: String, lineID: String, amount: Decimal)]
    public let payers: [(payer: String, amount: Decimal)]
    public let runs: [(runID: Int, period: String, kind: PaymentRunKind, version: Int, runAt: String)]

    public static func read(contract: StoredContract, provider: String, on connection: PostgresConnection) throws -> ProviderStatement {
        let id = contract.contract.id
        try requireOwnStatement(provider, on: connection)
        try requireKnown(provider, of: contract.contract, on: connection)
        let order = ContractOrder(contract.contract)
        let clawbacks = Set(contract.contract.payments?.clawbacks.map(\.id) ?? [])
        let lines = try connection.execute("""
            SELECT period, line_id, nullif(count(DISTINCT person_id), 0)::int,
                   coalesce(sum(earned), 0),
                   coalesce(sum(amount) FILTER (WHERE entry = 'payment'), 0), coalesce(sum(amount) FILTER (WHERE entry = 'adjustment'), 0)
            FROM payments.ledger
            WHERE contract_id = \(id) AND provider_id = \(provider)
            GROUP BY period, line_id
            """).map {
            LineRow(period: try $0.decode(at: 0), lineID: try $0.decode(at: 1), participants: try $0.decode(at: 2),
                    earned: try $0.decode(at: 3), payments: try $0.decode(at: 4), adjustments: try $0.decode(at: 5))
        }.sorted { order.key($0.period, $0.lineID) < order.key($1.period, $1.lineID) }
        let caps = try connection.execute("""
            SELECT period, line_id, scope, subject, cap, sum(cut), nullif(count(DISTINCT person_id), 0)::int
            FROM payments.ledger_caps
            WHERE contract_id = \(id) AND provider_id = \(provider) AND entry = 'payment'
            GROUP BY 1, 2, 3, 4, 5
            """).map {
            CapRow(period: try $0.decode(at: 0), lineID: try $0.decode(at: 1),
                   scope: try .ofLedgerCap(kind: $0.decode(at: 2), subject: $0.decode(at: 3)),
                   amount: try $0.decode(at: 4), cut: try $0.decode(at: 5), participants: try $0.decode(at: 6))
        }.sorted { (order.key($0.period, $0.lineID), $0.scope) < (order.key($1.period, $1.lineID), $1.scope) }
        let determinations: [DeterminationRow] = try connection.execute("""
            SELECT DISTINCT ON (d.period, d.line_id, d.cohort) d.period, d.line_id, d.mechanism, d.cohort, d.finding, d.improvement,
                   d.threshold, d.payable, d.detail->>'arithmetic', d.run_id
            FROM payments.determinations d
            WHERE d.contract_id = \(id) AND d.provider_id = \(provider)
            ORDER BY d.period, d.line_id, d.cohort, d.run_id DESC
            """).map {
            DeterminationRow(period: try $0.decode(at: 0), lineID: try $0.decode(at: 1), mechanism: try $0.decode(at: 2),
                             cohort: try $0.decode(at: 3), finding: try $0.decode(at: 4), improvement: try $0.decode(at: 5),
                             threshold: try $0.decode(at: 6), payable: try $0.decode(at: 7), arithmetic: try $0.decode(at: 8),
                             runID: try $0.decode(at: 9))
        }.sorted { order.key($0.period, $0.lineID, then: $0.cohort) < order.key($1.period, $1.lineID, then: $1.cohort) }
        let repayments: [(period: String, lineID: String, amount: Decimal)] = lines.filter { clawbacks.contains($0.lineID) && $0.payments + $0.adjustments < 0 }
            .map { (period: $0.period, lineID: $0.lineID, amount: -($0.payments + $0.adjustments)) }
        let payers = try connection.execute("""
            SELECT payer_id, sum(amount) FROM payments.ledger WHERE contract_id = \(id) AND provider_id = \(provider)
            GROUP BY 1 ORDER BY 1
            """).map { (payer: try $0.decode(String.self, at: 0), amount: try $0.decode(Decimal.self, at: 1)) }
        let runs = try connection.execute("""
            SELECT r.run_id, r.period, r.kind, r.version, to_char(r.run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
            FROM payments.run_headers r
            WHERE r.run_id IN (SELECT run_id FROM payments.ledger WHERE contract_id = \(id) AND provider_id = \(provider))
               OR r.run_id IN (SELECT run_id FROM payments.determinations WHERE contract_id = \(id) AND provider_id = \(provider))
            ORDER BY r.run_id
            """).map {
            (runID: try $0.decode(Int.self, at: 0), period: try $0.decode(String.self, at: 1), kind: try $0.decode(PaymentRunKind.self, at: 2),
             version: try $0.decode(Int.self, at: 3), runAt: try $0.decode(String.self, at: 4))
        }
        return ProviderStatement(contractID: id, providerID: provider, currency: contract.contract.payments!.currency,
                                 lines: lines, caps: caps, determinations: determinations, repayments: repayments, payers: payers,
                                 runs: runs)
    }
}

extension ProviderStatement {
    /// Whoever acts as a provider (`payments.acts_as_provider()`: a provider's login, or a session
    /// after SET ROLE outcomes_provider) reads only the statement of the provider its login is
    /// mapped to in `payments.provider_users`: anything else is refused (exit 77) before a row is
    /// read, so the refusal tells nothing of other providers. Analysts, the payments role and the
    /// schema's owner read every provider's.
    static func requireOwnStatement(_ provider: String, on connection: PostgresConnection) throws {
        guard try connection.execute("SELECT payments.acts_as_provider()").scalar(Bool.self) else { return }
        let user = try connection.execute("SELECT session_user::text").scalar(String.self)
        let mapped = try connection.execute("""
            SELECT DISTINCT provider_id FROM payments.provider_users WHERE user_name IN (current_user, session_user) ORDER BY 1
            """).map { try $0.decode(String.self, at: 0) }
        if mapped.contains(provider) { return }
        throw DatabaseError(
            .providerNotPermitted,
            !mapped.isEmpty
                ? "user \(user) reads the statement of \(mapped.joined(separator: ", ")) only, the provider it is mapped to; the "
                    + "statement of another provider is not shown."
                : ("user \(user) acts as a provider but is mapped to no provider, so it may read no statement; a DBA maps it with "
                    + "`outcomes db grant --user \(user) --role provider --provider ID` (see README, \"Roles\")."))
    }

    /// A provider the contract does not know is an error, not an empty statement. The providers are
    /// the cohort's, when the file lists them, else those enrolled under the contract or on its ledger.
    static func requireKnown(_ provider: String, of contract: OutcomeContract, on connection: PostgresConnection) throws {
        let found = try ContractProviders.of(contract, on: connection)
        let (known, readsEnrollments) = (found.providers, found.readsEnrollments)
        guard known.contains(provider) else {
            let scope = readsEnrollments ? "" : " whose lines you may read"
            throw DatabaseError(
                .noData,
                "\(provider) is not a provider of contract \(contract.id)\(scope); "
                    + (known.isEmpty ? "none is known yet (no enrollments or payments\(scope))."
                                     : "its providers\(readsEnrollments ? "" : " you may read"): \(known.sorted().joined(separator: ", "))."))
        }
    }
}

/// Periods and lines in the contract's own order.
struct ContractOrder {
    let periods: [String: Int]
    let lines: [String: Int]

    init(_ contract: OutcomeContract) {
        periods = Dictionary(uniqueKeysWithValues: contract.periods.enumerated().map { ($1.label, $0) })
        lines = Dictionary((contract.payments?.lineIDs ?? []).enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Sorts by period, then line (unknown ones last); then by `then`.
    func key(_ period: String, _ line: String, then: String = "") -> Key {
        Key(period: periods[period] ?? Int.max, line: lines[line] ?? Int.max, then: then)
    }

    struct Key: Comparable {
        let period: Int, line: Int
        let then: String
        static func < (a: Key, b: Key) -> Bool { (a.period, a.line, a.then) < (b.period, b.line, b.then) }
    }
}

extension CapScope {
    /// The scope of a row of `payments.ledger_caps`: its kind and subject as the reasons store them.
    static func ofLedgerCap(kind: String, subject: String?) throws -> CapScope {
        guard let scope = CapScope(kind: kind, subject: subject) else {
            throw PostgresError(
                kind: .decoding, message: "payments.ledger_caps: a cap of scope '\(kind)' (\(subject ?? "no subject")) is unknown to this version")
        }
        return scope
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
        /// The participant cap's row counts what was paid to the participant paid the most.
        public let scope: CapScope
        /// The period a period cap's row counts (one row per period).
        public var period: String? = nil
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
            let lines = card.lines.map(\.id)
            /// Sums of the rate card's lines by one of the ledger's own columns (a fixed list, never user text).
            func sums(_ column: SQLIdentifier) throws -> [(String, Decimal)] {
                try connection.execute("""
                    SELECT \(identifier: column)::text, sum(amount) FROM payments.ledger
                    WHERE contract_id = \(id) AND line_id = ANY (\(lines)::text[]) GROUP BY 1 ORDER BY 1
                    """).map { (try $0.decode(String.self, at: 0), try $0.decode(Decimal.self, at: 1)) }
            }
            if let cap = card.caps.contract {
                headroom.append(Headroom(scope: .contract, cap: cap.amount, paid: try sums("contract_id").first?.1 ?? 0))
            }
            if let caps = card.caps.provider {
                headroom += try sums("provider_id").compactMap { provider, paid in
                    caps.cap(for: provider).map { Headroom(scope: .provider(provider), cap: $0.amount, paid: paid) }
                }
            }
            if let cap = card.caps.period {
                headroom += try sums("period").map { Headroom(scope: .period, period: $0.0, cap: cap.amount, paid: $0.1) }
            }
            let byLine = Dictionary(uniqueKeysWithValues: try sums("line_id"))
            for line in card.lines { if let cap = line.cap { headroom.append(Headroom(scope: .line(line.id), cap: cap.amount, paid: byLine[line.id] ?? 0)) } }
            if let cap = card.caps.participant {
                let most = try sums("person_id").map(\.1).max() ?? 0
                headroom.append(Headroom(scope: .participant, cap: cap.amount, paid: most))
            }
        }
        if !terms.caps.isEmpty {
            // Caps across every mechanism count what all lines paid but repayments.
            let byProvider = try connection.execute("""
                SELECT provider_id, coalesce(sum(amount) FILTER (WHERE NOT line_id = ANY (\(terms.clawbacks.map(\.id))::text[])), 0)
                FROM payments.ledger WHERE contract_id = \(id) GROUP BY 1 ORDER BY 1
                """).map { (try $0.decode(String.self, at: 0), try $0.decode(Decimal.self, at: 1)) }
            if let cap = terms.caps.contract {
                headroom.append(Headroom(scope: .allMechanisms, cap: cap.amount, paid: byProvider.reduce(0) { $0 + $1.1 }))
            }
            if let caps = terms.caps.provider {
                let paid = Dictionary(uniqueKeysWithValues: byProvider)
                var providers = Set(byProvider.map(\.0))
                if case .named(let named, _) = caps { providers.formUnion(named.keys) }
                for provider in providers.sorted() {
                    guard let cap = caps.cap(for: provider) else { continue }
                    headroom.append(Headroom(scope: .providerAllMechanisms(provider), cap: cap.amount, paid: paid[provider] ?? 0))
                }
            }
        }
        let lineCaps = terms.effectLines.map { ($0.id, $0.cap) } + terms.perDayLines.map { ($0.id, $0.cap) }
            + terms.savingsShares.map { ($0.id, $0.cap) }
        for (lineID, lineCap) in lineCaps {
            guard let cap = lineCap else { continue }
            let paidOnLine = try connection.execute("""
                SELECT coalesce(sum(amount), 0) FROM payments.ledger WHERE contract_id = \(id) AND line_id = \(lineID)
                """).scalar(Decimal.self)
            headroom.append(Headroom(scope: .line(lineID), cap: cap.amount, paid: paidOnLine))
        }
        return PaymentSummary(contractID: id, currency: terms.currency, paid: paid, headroom: headroom)
    }
}
