import Foundation

/// The scope a cap limits.
public enum CapScope: Sendable, Hashable {
    case participant
    /// One payment line of any mechanism.
    case line(String)
    /// The rate card's cap for one provider.
    case provider(String)
    /// The rate card's cap per reporting period.
    case period
    /// The rate card's cap over the contract.
    case contract
    /// The contract's cap across every mechanism (`payments: caps: contract`).
    case allMechanisms
    /// One provider's cap across every mechanism (`payments: caps: provider`).
    case providerAllMechanisms(String)

    /// As printed: "participant cap", "cap of line housed", …
    public var name: String {
        switch self {
        case .participant: "participant cap"
        case .line(let id): "cap of line \(id)"
        case .provider: "provider cap"
        case .period: "period cap"
        case .contract: "contract cap"
        case .allMechanisms: "contract cap across all mechanisms"
        case .providerAllMechanisms(let provider): "cap of provider \(provider) across all mechanisms"
        }
    }

    /// The scope's kind as stored (`reasons` jsonb), with the line or provider it names.
    public var stored: (kind: String, subject: String?) {
        switch self {
        case .participant: ("participant", nil)
        case .line(let id): ("line", id)
        case .provider(let provider): ("provider", provider)
        case .period: ("period", nil)
        case .contract: ("contract", nil)
        case .allMechanisms: ("all_mechanisms", nil)
        case .providerAllMechanisms(let provider): ("provider_all_mechanisms", provider)
        }
    }

    /// The scope a stored kind and subject name (`stored` read back); nil for a kind this version
    /// does not know, or without the subject it needs.
    public init?(kind: String, subject: String?) {
        switch (kind, subject) {
        case ("participant", _): self = .participant
        case ("line", let id?): self = .line(id)
        case ("provider", let provider?): self = .provider(provider)
        case ("period", _): self = .period
        case ("contract", _): self = .contract
        case ("all_mechanisms", _): self = .allMechanisms
        case ("provider_all_mechanisms", let provider?): self = .providerAllMechanisms(provider)
        default: return nil
        }
    }

    /// A stable code for stored JSON: the stored kind, and its subject after a colon
    /// (`participant`, `line:housed`, `provider_all_mechanisms:hearth`).
    public var code: String {
        let (kind, subject) = stored
        return subject.map { "\(kind):\($0)" } ?? kind
    }
}

extension CapScope: Comparable {
    /// In the order reports list caps: each line's, each provider's across every mechanism, the
    /// contract's (the rate card's, then across every mechanism), the participant's, the period's,
    /// each provider's (the alphabetical order of their printed names, which reports have always used).
    public static func < (a: CapScope, b: CapScope) -> Bool { a.rank < b.rank }

    /// The scope's place in that order, then its line or provider.
    var rank: (Int, String) {
        switch self {
        case .line(let id): (0, id)
        case .providerAllMechanisms(let provider): (1, provider)
        case .contract: (2, "")
        case .allMechanisms: (3, "")
        case .participant: (4, "")
        case .period: (5, "")
        case .provider(let provider): (Self.providersRank, provider)
        }
    }

    static let providersRank = 6
}

/// Why a ledger amount is what it is — a typed value, stored as jsonb with the line and read by
/// statements as data. `text` is its wording for people.
public enum PaymentReason: Sendable, Equatable {
    /// A cap bound: the line pays `payable` of the `before` it would have paid.
    case cap(CapScope, cap: Money, payable: Money, before: Money)
    /// A marginal tier of a rate-card line: the outcome's ordinal among the line's outcomes.
    case tier(number: Int, ordinal: Int, perProvider: Bool)
    /// Exclusive outcomes achieved together: only the highest-priced one pays.
    case highestOf([String])
    /// An exclusive outcome topped up: what its group earned earlier is taken off.
    case lessEarnedEarlier(Money, lines: [String])
    /// A per-day line's days and price.
    case perDay(netDays: Decimal, inState: Decimal, less: Decimal, price: Money)
    /// An effect-based, savings-share or clawback amount: its determination is recorded with the run.
    case determination(cohort: String)
    /// The all-cohorts test pays only what it earns beyond what the cohorts earned.
    case lessEarnedByCohorts(Money)
    case milestoneAttested(by: String, on: String)
    /// An interim run pays a share of what is owed.
    case interim(sharePercent: Decimal, of: Money)
    /// A later run's difference from what was posted before.
    case adjustment(postedBefore: Money, nowOwed: Money)
    case noLongerOwed(postedBefore: Money)
    /// The participant's relatives behind a line priced from a metric over relatives: their
    /// pseudonymous ids and own values; for a line paid per relative, only those it pays for, how
    /// many, and those that met its test but were paid for before (by this line for another participant).
    case relatives(ids: [Int], values: [Decimal?], paidFor: Int?, paidBefore: [Int])

    public var text: String {
        switch self {
        case .cap(let scope, let cap, let payable, let before):
            "\(scope.name) \(cap.plain) reached: pays \(payable.plain) of \(before.plain)"
        case .tier(let number, let ordinal, let perProvider):
            "tier \(number): outcome \(ordinal) of this line" + (perProvider ? " for the provider" : "")
        case .highestOf(let lines): "pays the highest of " + lines.joined(separator: ", ")
        case .lessEarnedEarlier(let amount, let lines): "less \(amount.plain) earned earlier on " + lines.joined(separator: ", ")
        case .perDay(let net, let inState, let less, let price):
            "\(net) days × \(price.plain)" + (less > 0 ? " (\(inState) less \(less))" : "")
        case .determination(let cohort): "determination of \(cohort)"
        case .lessEarnedByCohorts(let amount): "less \(amount.plain) earned by the cohorts"
        case .milestoneAttested(let by, let on): "delivery attested by \(by) on \(on)"
        case .interim(let share, let of): "interim: \(share)% of \(of.plain)"
        case .adjustment(let before, let now): "\(before.plain) posted before; now owed \(now.plain)"
        case .noLongerOwed(let before): "no longer owed; \(before.plain) posted before"
        case .relatives(let ids, let values, let paidFor, let paidBefore):
            Self.relativesText(ids: ids, values: values, paidFor: paidFor)
                + (paidBefore.isEmpty ? "" : "; paid for before: " + paidBefore.map { String($0) }.joined(separator: ", "))
        }
    }
}

extension PaymentReason {
    static func relativesText(ids: [Int], values: [Decimal?], paidFor: Int?) -> String {
        if ids.isEmpty { return paidFor == nil ? "no relatives" : "no relative paid for" }
        let lead: String = paidFor.map { "\($0) relative" + ($0 == 1 ? "" : "s") + " paid for: " } ?? "relatives: "
        let listed: [String] = zip(ids, values).map { id, value in "\(id) (" + (value.map { "\($0)" } ?? "no value") + ")" }
        return lead + listed.joined(separator: ", ")
    }
}

extension [PaymentReason] {
    /// The reasons as a JSON array (the ledger's `reasons` column), written by hand: a run writes
    /// hundreds of thousands of them.
    public var json: String {
        guard !isEmpty else { return "[]" }
        var out = "["
        for (index, reason) in enumerated() {
            if index > 0 { out += "," }
            out += reason.json
        }
        return out + "]"
    }
}

extension PaymentReason {
    var json: String {
        func string(_ value: String) -> String {
            var escaped = "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": escaped += "\\\""
                case "\\": escaped += "\\\\"
                case _ where scalar.value < 0x20: escaped += String(format: "\\u%04x", scalar.value)
                default: escaped.unicodeScalars.append(scalar)
                }
            }
            return escaped + "\""
        }
        func object(_ kind: String, _ fields: [(String, String)]) -> String {
            "{\"kind\":\"\(kind)\"" + fields.map { ",\"\($0.0)\":\($0.1)" }.joined() + "}"
        }
        func money(_ value: Money) -> String { string(value.plain) }
        switch self {
        case .cap(let scope, let cap, let payable, let before):
            let (kind, subject) = scope.stored
            return object("cap", [("scope", string(kind))] + (subject.map { [("subject", string($0))] } ?? [])
                + [("cap", money(cap)), ("payable", money(payable)), ("before", money(before)), ("cut", money(before - payable))])
        case .tier(let number, let ordinal, let perProvider):
            return object("tier", [("tier", "\(number)"), ("ordinal", "\(ordinal)"), ("per_provider", "\(perProvider)")])
        case .highestOf(let lines): return object("highest_of", [("lines", "[" + lines.map(string).joined(separator: ",") + "]")])
        case .lessEarnedEarlier(let amount, let lines):
            return object("less_earned_earlier", [("amount", money(amount)), ("lines", "[" + lines.map(string).joined(separator: ",") + "]")])
        case .perDay(let net, let inState, let less, let price):
            return object("per_day", [("days", string("\(net)")), ("in_state", string("\(inState)")), ("less", string("\(less)")),
                                      ("price", money(price))])
        case .determination(let cohort): return object("determination", [("cohort", string(cohort))])
        case .lessEarnedByCohorts(let amount): return object("less_earned_by_cohorts", [("amount", money(amount))])
        case .milestoneAttested(let by, let on): return object("attested", [("by", string(by)), ("on", string(on))])
        case .interim(let share, let of): return object("interim", [("share_percent", string("\(share)")), ("of", money(of))])
        case .adjustment(let before, let now): return object("adjustment", [("posted_before", money(before)), ("now_owed", money(now))])
        case .noLongerOwed(let before): return object("no_longer_owed", [("posted_before", money(before))])
        case .relatives(let ids, let values, let paidFor, let paidBefore):
            let idList: String = "[" + ids.map { String($0) }.joined(separator: ",") + "]"
            let valueList: String = "[" + values.map { (value: Decimal?) -> String in value.map { string("\($0)") } ?? "null" }.joined(separator: ",") + "]"
            var fields: [(String, String)] = [("ids", idList), ("values", valueList)]
            if let paidFor { fields.append(("paid_for", String(paidFor))) }
            if !paidBefore.isEmpty { fields.append(("paid_before", "[" + paidBefore.map { String($0) }.joined(separator: ",") + "]")) }
            return object("relatives", fields)
        }
    }
}
