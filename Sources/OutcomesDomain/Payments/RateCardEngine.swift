import Foundation

/// One participant's value of one metric in one reporting period (from `metrics.person_results`).
public struct ParticipantOutcome: Sendable, Equatable {
    public let personID: Int
    public let providerID: String
    public let metricID: String
    public let value: Decimal?

    public init(personID: Int, providerID: String, metricID: String, value: Decimal?) {
        self.personID = personID
        self.providerID = providerID
        self.metricID = metricID
        self.value = value
    }
}

/// The outcomes of one reporting period; periods are given in contract order.
public struct PeriodOutcomes: Sendable, Equatable {
    public let period: String
    public let outcomes: [ParticipantOutcome]
    /// false for what came before the first reporting period: it meets preconditions, never pays.
    public let payable: Bool

    public init(period: String, outcomes: [ParticipantOutcome], payable: Bool = true) {
        self.period = period
        self.outcomes = outcomes
        self.payable = payable
    }
}

extension PeriodOutcomes {
    /// Each participant's provider and metric values.
    func byParticipant() -> [Int: (provider: String, values: [String: Decimal?])] {
        var byPerson: [Int: (provider: String, values: [String: Decimal?])] = [:]
        for outcome in outcomes {
            byPerson[outcome.personID, default: (outcome.providerID, [:])].values[outcome.metricID] = outcome.value
        }
        return byPerson
    }
}

/// What a rate-card line owes for one participant in one period.
public struct PaymentLine: Sendable, Equatable {
    public let period: String
    public let providerID: String
    /// The pseudonymous participant; nil for lines not owed per participant.
    public let personID: Int?
    public let lineID: String
    /// The price the outcome earns, before caps.
    public let earned: Money
    /// What is payable after caps.
    public var payable: Money
    /// Why the amounts are what they are: tier, exclusion, the caps that bound.
    public var reasons: [PaymentReason]

    public init(period: String, providerID: String, personID: Int?, lineID: String, earned: Money, payable: Money,
                reasons: [PaymentReason]) {
        self.period = period
        self.providerID = providerID
        self.personID = personID
        self.lineID = lineID
        self.earned = earned
        self.payable = payable
        self.reasons = reasons
    }

    /// The reasons in words.
    public var notes: [String] { reasons.map(\.text) }
}

/// What one participant achieved in a period, as a rate card sees it: bit k of `lines` for the
/// outcome of the card's k-th line, and whether the precondition was met.
public struct RateCardAchievement: Sendable, Equatable {
    public let personID: Int
    public let providerID: String
    public let lines: UInt64
    public let precondition: Bool

    public init(personID: Int, providerID: String, lines: UInt64, precondition: Bool) {
        self.personID = personID
        self.providerID = providerID
        self.lines = lines
        self.precondition = precondition
    }
}

/// The achievements of one reporting period; periods are given in contract order.
public struct PeriodAchievements: Sendable, Equatable {
    public let period: String
    public let participants: [RateCardAchievement]
    /// false for what came before the first reporting period: it meets preconditions and
    /// prerequisites, never pays.
    public let payable: Bool

    public init(period: String, participants: [RateCardAchievement], payable: Bool = true) {
        self.period = period
        self.participants = participants
        self.payable = payable
    }
}

extension RateCard {
    /// The most lines a card may have: achievements are bits of a 64-bit word.
    public static let maximumLines = 64

    /// Which lines' outcomes each participant achieved, from their metric values.
    public func achievements(_ period: PeriodOutcomes) -> PeriodAchievements {
        PeriodAchievements(period: period.period, participants: period.byParticipant().map { person, entry in
            var bits: UInt64 = 0
            for (index, line) in lines.enumerated() where line.outcome.isMet(by: entry.values[line.outcome.metricID] ?? nil) {
                bits |= 1 << UInt64(index)
            }
            let precondition = self.precondition.map { $0.isMet(by: entry.values[$0.metricID] ?? nil) } ?? false
            return RateCardAchievement(personID: person, providerID: entry.provider, lines: bits, precondition: precondition)
        }, payable: period.payable)
    }
}

/// Computes rate-card entitlements period by period from the outcomes alone: the same outcomes
/// give the same lines, and caps over the contract's life see every earlier period. Participants
/// are taken in person-id order, lines in contract order, so when a cap binds it is clear who was
/// paid first.
public struct RateCardEngine: Sendable {
    public let card: RateCard
    public let currency: Currency
    public let rounding: RoundingRule

    public init(card: RateCard, currency: Currency, rounding: RoundingRule) {
        self.card = card
        self.currency = currency
        self.rounding = rounding
    }

    public init?(terms: PaymentTerms) {
        guard let card = terms.rateCard else { return nil }
        self.init(card: card, currency: terms.currency, rounding: terms.rounding)
    }

    /// The lines of every period, in order, from metric values.
    public func lines(for periods: [PeriodOutcomes]) throws -> [PaymentLine] {
        try lines(for: periods.map(card.achievements))
    }

    /// The lines of every period, in order; periods later than the one a run is for can be left out.
    /// Running totals are checked: amounts beyond what 64-bit minor units hold are an error, never a crash.
    public func lines(for periods: [PeriodAchievements]) throws -> [PaymentLine] {
        var ledger = Ledger(card: card, currency: currency, rounding: rounding)
        let result = periods.flatMap { period in
            ledger.paidInPeriod = 0  // the period cap starts afresh
            return lines(for: period, ledger: &ledger)
        }
        if ledger.overflowed { throw PaymentArithmeticError(what: "the rate card's running totals") }
        return result
    }

    private func lines(for period: PeriodAchievements, ledger: inout Ledger) -> [PaymentLine] {
        let plan = ledger.plan
        var result: [PaymentLine] = []
        result.reserveCapacity(period.participants.count)
        for participant in period.participants.sorted(by: { $0.personID < $1.personID }) {
            let person = participant.personID
            var state = ledger.people[person] ?? PersonState()
            defer { ledger.people[person] = state }
            state.achieved |= participant.lines
            if participant.precondition { state.preconditionMet = true }
            // Before the first period: achievements count toward preconditions and prerequisites only.
            guard period.payable else { continue }
            guard card.precondition == nil || state.preconditionMet else { continue }
            var candidates: UInt64 = 0
            for index in plan.indices(of: participant.lines)
            where (plan.recurs[index] || state.counted & (1 << UInt64(index)) == 0) && plan.requires[index] & ~state.achieved == 0 {
                candidates |= 1 << UInt64(index)
            }
            // Of exclusive outcomes achieved together, only the highest-priced one pays.
            var competed: [Int: [String]] = [:]
            for group in plan.groups {
                let inGroup = candidates & group
                guard inGroup.nonzeroBitCount > 1 else { continue }
                let members = plan.indices(of: inGroup)
                let winner = members.max { card.lines[$0].pricing.firstPrice < card.lines[$1].pricing.firstPrice }!
                let losers = inGroup & ~(1 << UInt64(winner))
                state.counted |= losers
                candidates &= ~losers
                competed[winner] = members.map { card.lines[$0].id }.sorted()
            }
            for index in plan.indices(of: candidates) {
                let line = card.lines[index]
                state.counted |= 1 << UInt64(index)
                var reasons: [PaymentReason] = []
                var earned = price(of: index, provider: participant.providerID, ledger: &ledger, reasons: &reasons)
                if let lines = competed[index] { reasons.append(.highestOf(lines)) }
                if let group = plan.groupOf[index] {
                    // An outcome of the group paid earlier is topped up to the higher price, never paid twice.
                    let before = plan.indices(of: group).reduce(0) { $0 + (state.groupEarned[$1] ?? 0) }
                    if before != 0 {
                        reasons.append(.lessEarnedEarlier(money(before), lines: plan.indices(of: group).map { card.lines[$0].id }.sorted()))
                        earned = max(0, earned - before)
                    }
                    state.groupEarned[index, default: 0] &+= earned  // bounded by the card's prices: never near Int.max
                }
                let payable = ledger.allocate(earned, person: &state, line: index, provider: participant.providerID, reasons: &reasons)
                result.append(PaymentLine(
                    period: period.period, providerID: participant.providerID, personID: person, lineID: line.id,
                    earned: money(earned), payable: money(payable), reasons: reasons))
            }
        }
        return result
    }

    /// The line's price for its next outcome (marginal tiers count outcomes per provider or per
    /// contract), rounded, in minor units.
    private func price(of index: Int, provider: String, ledger: inout Ledger, reasons: inout [PaymentReason]) -> Int {
        let prices = ledger.plan.prices[index]
        guard prices.count > 1 || prices[0].upTo != nil else { return prices[0].minor }
        let scope = card.tiersCountPer == .provider ? provider : ""
        ledger.outcomesPriced[scope, default: Array(repeating: 0, count: card.lines.count)][index] += 1
        let ordinal = ledger.outcomesPriced[scope]![index]
        let tier = prices.firstIndex { $0.upTo.map { ordinal <= $0 } ?? true } ?? prices.count - 1
        reasons.append(.tier(number: tier + 1, ordinal: ordinal, perProvider: card.tiersCountPer == .provider))
        return prices[tier].minor
    }

    /// An amount in minor units as money of the contract's currency.
    private func money(_ minor: Int) -> Money { Money(minorUnits: minor, currency) }
}

/// A participant's history over the periods so far. Amounts are in minor units (cents): the
/// engine's running totals are exact integers, and only lines become `Money`.
private struct PersonState {
    var achieved: UInt64 = 0
    /// Lines already considered (one-off lines pay once; exclusion losers are spent).
    var counted: UInt64 = 0
    var preconditionMet = false
    var paid = 0
    /// What lines of exclusive groups earned, for topping up.
    var groupEarned: [Int: Int] = [:]
}

/// The card's lines as bit masks, arrays and minor units, worked out once.
private struct LinePlan {
    let recurs: [Bool]
    let requires: [UInt64]
    let groups: [UInt64]
    let groupOf: [UInt64?]
    /// Each line's prices: one open-ended entry for a flat price, the tiers otherwise.
    let prices: [[(upTo: Int?, minor: Int)]]
    let lineCaps: [Int?]

    init(card: RateCard, rounding: RoundingRule) {
        let index = Dictionary(uniqueKeysWithValues: card.lines.enumerated().map { ($1.id, $0) })
        func mask(_ ids: [String]) -> UInt64 { ids.reduce(0) { $0 | (1 << UInt64(index[$1]!)) } }
        recurs = card.lines.map(\.recurs)
        requires = card.lines.map { mask($0.requires) }
        groups = card.exclusiveGroups.map(mask)
        groupOf = card.lines.map { line in card.exclusiveGroups.first { $0.contains(line.id) }.map(mask) }
        prices = card.lines.map { line in
            switch line.pricing {
            case .flat(let price): [(nil, price.rounded(rounding).exactMinorUnits)]
            case .tiers(let tiers): tiers.map { ($0.upTo, $0.price.rounded(rounding).exactMinorUnits) }
            }
        }
        lineCaps = card.lines.map { $0.cap?.exactMinorUnits }
    }

    /// The indices of the set bits, lowest first.
    func indices(of bits: UInt64) -> [Int] {
        var remaining = bits, result: [Int] = []
        while remaining != 0 {
            result.append(remaining.trailingZeroBitCount)
            remaining &= remaining - 1
        }
        return result
    }
}

/// Running totals across periods, in minor units: what was paid at every cap's scope.
private struct Ledger {
    let card: RateCard
    let currency: Currency
    let plan: LinePlan
    let caps: (participant: Int?, provider: ProviderCaps?, period: Int?, contract: Int?)
    var people: [Int: PersonState] = [:]
    var outcomesPriced: [String: [Int]] = [:]
    var paidByLine: [Int]
    var paidByProvider: [String: Int] = [:]
    var paidInPeriod = 0
    var paidInContract = 0
    /// A running total went past what an Int holds: the run is refused.
    var overflowed = false

    init(card: RateCard, currency: Currency, rounding: RoundingRule) {
        self.card = card
        self.currency = currency
        plan = LinePlan(card: card, rounding: rounding)
        caps = (card.caps.participant?.exactMinorUnits, card.caps.provider, card.caps.period?.exactMinorUnits,
                card.caps.contract?.exactMinorUnits)
        paidByLine = Array(repeating: 0, count: card.lines.count)
    }

    /// Pays as much of `earned` as every cap's remaining headroom allows, narrowest cap first,
    /// and notes each cap that bound.
    mutating func allocate(_ earned: Int, person: inout PersonState, line: Int, provider: String,
                           reasons: inout [PaymentReason]) -> Int {
        var payable = earned
        let currency = self.currency
        func limit(_ scope: @autoclosure () -> CapScope, _ cap: Int?, _ used: Int) {
            guard let cap else { return }
            let headroom = max(0, cap - used)
            if headroom < payable {
                reasons.append(.cap(scope(), cap: Money(minorUnits: cap, currency), payable: Money(minorUnits: headroom, currency),
                                    before: Money(minorUnits: payable, currency)))
                payable = headroom
            }
        }
        let providerCap = caps.provider.flatMap { $0.cap(for: provider)?.exactMinorUnits }
        limit(.participant, caps.participant, person.paid)
        limit(.line(card.lines[line].id), plan.lineCaps[line], paidByLine[line])
        if providerCap != nil { limit(.provider(provider), providerCap, paidByProvider[provider, default: 0]) }
        limit(.period, caps.period, paidInPeriod)
        limit(.contract, caps.contract, paidInContract)
        func add(_ total: inout Int) {
            let (sum, overflow) = total.addingReportingOverflow(payable)
            if overflow { overflowed = true } else { total = sum }
        }
        add(&person.paid)
        add(&paidByLine[line])
        if providerCap != nil { add(&paidByProvider[provider, default: 0]) }
        add(&paidInPeriod)
        add(&paidInContract)
        return payable
    }
}
