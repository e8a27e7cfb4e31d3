import Foundation

/// What a contract pays for and how: the payment part of a contract file.
public struct PaymentTerms: Sendable, Equatable {
    /// The contract file's version; every payment run records it.
    public let version: Int
    public let currency: Currency
    public let rounding: RoundingRule
    public let rateCard: RateCard?
    public let effectLines: [EffectLine]
    public var perDayLines: [PerDayLine] = []
    public var savingsShares: [SavingsShareLine] = []
    public var milestones: [Milestone] = []
    public var clawbacks: [Clawback] = []
    public var payers: [Payer] = []
    /// Interim runs pay this percent of what is owed so far; the final run pays the rest.
    public var interimSharePercent: Decimal? = nil
    /// Caps across every mechanism (`payments: caps`), applied after each mechanism's own.
    public var caps = ContractCaps()
    /// Who posts a run: the login that computes it, or a second login approving it (maker–checker).
    public var approval = PaymentApproval.oneLogin

    /// Every line id of every mechanism, in file order.
    public var lineIDs: [String] {
        (rateCard?.lines.map(\.id) ?? []) + effectLines.map(\.id) + perDayLines.map(\.id) + savingsShares.map(\.id)
            + milestones.map(\.id) + clawbacks.map(\.id)
    }
}

/// Caps over the contract's life across every mechanism — rate card, per-day, effect, savings
/// share and milestones together (a clawback's repayment is not capped and frees no headroom).
public struct ContractCaps: Sendable, Equatable {
    public var contract: Money?
    public var provider: ProviderCaps?

    public init(contract: Money? = nil, provider: ProviderCaps? = nil) {
        self.contract = contract
        self.provider = provider
    }

    public var isEmpty: Bool { contract == nil && provider == nil }
}

/// When a participant's metric value counts as the outcome achieved, e.g. `value > 0`.
public struct OutcomeTest: Sendable, Equatable {
    public let metricID: String
    public let condition: AmountCondition

    public init(metricID: String, condition: AmountCondition = AmountCondition(.greater, 0)) {
        self.metricID = metricID
        self.condition = condition
    }

    public func isMet(by value: Decimal?) -> Bool { condition.matches(value) }
}

/// A price per outcome per participant, with the rules real rate cards combine: one-off or
/// recurring outcomes, prerequisites, a precondition before any payment, mutually exclusive
/// outcomes (the higher pays), marginal tiers, and caps per participant, outcome line, provider,
/// period and contract.
public struct RateCard: Sendable, Equatable {
    /// An outcome the participant must have achieved (in this or an earlier period) before any line pays.
    public let precondition: OutcomeTest?
    public let lines: [Line]
    /// Groups of line ids of which a participant is paid only the highest price.
    public let exclusiveGroups: [[String]]
    public let caps: Caps
    /// Whether marginal tiers count a line's outcomes per provider or over the whole contract.
    public let tiersCountPer: TierScope

    public enum TierScope: String, Sendable, CaseIterable { case provider, contract }

    public struct Line: Sendable, Equatable {
        public let id: String
        public let outcome: OutcomeTest
        public let pricing: Pricing
        /// Pays every period the outcome is achieved; otherwise once per participant.
        public let recurs: Bool
        /// Lines whose outcomes the participant must have achieved first (or in the same period).
        public let requires: [String]
        /// The most this line pays over the contract, all participants together.
        public let cap: Money?
        /// `per: relative`: the line's metric is over relatives, its test applies to each
        /// relative's own value, and it pays its price for each relative who meets it ("per child
        /// who stays out of foster care").
        public var perRelative = false
    }

    public enum Pricing: Sendable, Equatable {
        case flat(Money)
        /// Marginal tiers: the first `upTo` outcomes at one price, the next at the following tier's.
        case tiers([Tier])
    }

    public struct Tier: Sendable, Equatable {
        /// The last outcome (1-based, cumulative) priced by this tier; nil for the last tier.
        public let upTo: Int?
        public let price: Money
    }

    /// Caps over the contract's life, except `period`, which limits each reporting period.
    public struct Caps: Sendable, Equatable {
        public var participant: Money?
        public var provider: ProviderCaps?
        public var period: Money?
        public var contract: Money?

        public init(participant: Money? = nil, provider: ProviderCaps? = nil, period: Money? = nil, contract: Money? = nil) {
            self.participant = participant
            self.provider = provider
            self.period = period
            self.contract = contract
        }
    }

    public func line(_ id: String) -> Line? { lines.first { $0.id == id } }
}

/// A cap per provider: one amount for each, or amounts given provider by provider (with one for
/// the providers not named, if the file gives `others`).
public enum ProviderCaps: Sendable, Equatable {
    case each(Money)
    case named([String: Money], others: Money?)

    public func cap(for provider: String) -> Money? {
        switch self {
        case .each(let cap): cap
        case .named(let caps, let others): caps[provider] ?? others
        }
    }

    /// The providers named, in order, and the cap of the others.
    public var listed: [(provider: String?, cap: Money)] {
        switch self {
        case .each(let cap): [(nil, cap)]
        case .named(let caps, let others): caps.keys.sorted().map { ($0, caps[$0]!) } + (others.map { [(nil, $0)] } ?? [])
        }
    }
}

extension RateCard.Pricing {
    /// The highest price the line can pay (for choosing among exclusive outcomes).
    var firstPrice: Money {
        switch self {
        case .flat(let price): price
        case .tiers(let tiers): tiers[0].price
        }
    }
}
