import Foundation

/// Who posts a contract's runs: the login that runs them, or — maker–checker — a run staged by one
/// login is posted only when a different login approves it (`payments: approval: maker_checker`).
public enum PaymentApproval: String, Sendable, Equatable, CaseIterable {
    case oneLogin = "one_login"
    case makerChecker = "maker_checker"
}

/// What the ledger's door checks every posted line against, derived from a contract version's terms
/// when it is loaded and stored beside its text (`payments.contract_terms`): the providers, payers
/// and line ids the contract names, and every cap its terms state as a limit on ledger sums. The
/// door refuses lines outside them; `payments verify --recompute` recomputes the lines themselves.
public struct PaymentDoorTerms: Sendable, Equatable {
    /// A limit on the sum of the ledger lines of some line ids, within each group.
    public struct Cap: Sendable, Equatable {
        public enum Group: String, Sendable { case contract, provider, period, person }
        public let scope: String
        public let lines: [String]
        public let group: Group
        /// Only this provider's lines (a cap given provider by provider).
        public let provider: String?
        /// Every provider but these (the `others` of caps given provider by provider).
        public let exceptProviders: [String]
        public let amount: Decimal
    }

    /// The cohort's providers, when the contract lists them; nil when any provider of the program's
    /// participants may be paid (the door then asks the contract's computed results).
    public let providers: [String]?
    /// Providers the terms name themselves (milestones, clawbacks, caps).
    public let namedProviders: [String]
    public let payers: [String]
    public let lineIDs: [String]
    /// The contract's reporting periods, in order: a run's caps see the periods up to the one it pays.
    public let periods: [String]
    public let caps: [Cap]
    public let approval: PaymentApproval

    public init(contract: OutcomeContract) {
        let terms = contract.payments
        providers = contract.cohort.providers.isEmpty ? nil : contract.cohort.providers
        var named: [String] = (terms?.milestones.map(\.provider) ?? []) + (terms?.clawbacks.map(\.provider) ?? [])
        payers = terms.map { $0.payers.isEmpty ? [PaymentPlan.soleOutcomePayer] : $0.payers.map(\.id) } ?? []
        lineIDs = terms?.lineIDs ?? []
        periods = contract.periods.map(\.label)
        approval = terms?.approval ?? .oneLogin
        var caps: [Cap] = []
        func add(_ scope: String, _ lines: [String], _ group: Cap.Group, _ amount: Money?, provider: String? = nil,
                 except: [String] = [])
        {
            guard let amount, !lines.isEmpty else { return }
            caps.append(Cap(scope: scope, lines: lines, group: group, provider: provider, exceptProviders: except, amount: amount.amount))
        }
        func addProviders(_ scope: String, _ lines: [String], _ providerCaps: ProviderCaps?) {
            switch providerCaps {
            case .each(let cap): add(scope, lines, .provider, cap)
            case .named(let caps, let others):
                for provider in caps.keys.sorted() { add(scope, lines, .provider, caps[provider], provider: provider) }
                add(scope, lines, .provider, others, except: caps.keys.sorted())
                named += caps.keys
            case nil: break
            }
        }
        if let card = terms?.rateCard {
            let lines = card.lines.map(\.id)
            add("participant", lines, .person, card.caps.participant)
            addProviders("provider", lines, card.caps.provider)
            add("period", lines, .period, card.caps.period)
            add("contract", lines, .contract, card.caps.contract)
            for line in card.lines { add("line", [line.id], .contract, line.cap) }
        }
        for line in terms?.effectLines ?? [] { add("line", [line.id], .contract, line.cap) }
        for line in terms?.perDayLines ?? [] {
            add("participant", [line.id], .person, line.participantCap)
            add("line", [line.id], .contract, line.cap)
        }
        for line in terms?.savingsShares ?? [] { add("line", [line.id], .contract, line.cap) }
        if let terms, !terms.caps.isEmpty {
            // A clawback's repayment is not capped and frees no headroom: the caps across every mechanism leave it out.
            let clawbacks = Set(terms.clawbacks.map(\.id))
            let lines = terms.lineIDs.filter { !clawbacks.contains($0) }
            add("all_mechanisms", lines, .contract, terms.caps.contract)
            addProviders("provider_all_mechanisms", lines, terms.caps.provider)
        }
        self.caps = caps
        namedProviders = Array(Set(named)).sorted()
    }

    /// As stored for the door (jsonb): keys sorted, amounts as decimal strings.
    public func jsonText() throws -> String {
        struct StoredCap: Encodable {
            let scope: String, lines: [String], group: String, provider: String?, except_providers: [String], amount: String
        }
        struct Stored: Encodable {
            let providers: [String]?, named_providers: [String], payers: [String], line_ids: [String], periods: [String], approval: String
            let caps: [StoredCap]
        }
        let stored = Stored(
            providers: providers, named_providers: namedProviders, payers: payers, line_ids: lineIDs, periods: periods, approval: approval.rawValue,
            caps: caps.map {
                StoredCap(scope: $0.scope, lines: $0.lines, group: $0.group.rawValue, provider: $0.provider,
                          except_providers: $0.exceptProviders, amount: "\($0.amount)")
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(stored), as: UTF8.self)
    }
}
