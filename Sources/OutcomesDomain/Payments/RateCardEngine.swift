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

    public init(period: String, outcomes: [ParticipantOutcome]) {
        self.period = period
        self.outcomes = outcomes
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
    public let payable: Money
    /// Why the amounts are what they are: tier, exclusion, the caps that bound.
    public let notes: [String]
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

    /// The lines of every period, in order; periods later than the one a run is for can be left out.
    public func lines(for periods: [PeriodOutcomes]) -> [PaymentLine] {
        var ledger = Ledger(currency: currency)
        return periods.flatMap { period in
            ledger.paidInPeriod = .zero(currency)  // the period cap starts afresh
            return lines(for: period, ledger: &ledger)
        }
    }

    private func lines(for period: PeriodOutcomes, ledger: inout Ledger) -> [PaymentLine] {
        var byPerson: [Int: (provider: String, values: [String: Decimal?])] = [:]
        for outcome in period.outcomes {
            byPerson[outcome.personID, default: (outcome.providerID, [:])].values[outcome.metricID] = outcome.value
        }
        var result: [PaymentLine] = []
        for person in byPerson.keys.sorted() {
            let (provider, values) = byPerson[person]!
            func isMet(_ test: OutcomeTest) -> Bool { test.isMet(by: values[test.metricID] ?? nil) }
            let achievedNow = Set(card.lines.filter { isMet($0.outcome) }.map(\.id))
            ledger.achievedLines[person, default: []].formUnion(achievedNow)
            if let precondition = card.precondition, isMet(precondition) { ledger.preconditionMet.insert(person) }
            guard card.precondition == nil || ledger.preconditionMet.contains(person) else { continue }
            var candidates = card.lines.filter { line in
                achievedNow.contains(line.id)
                    && (line.recurs || !ledger.counted.contains(Ledger.Key(person, line.id)))
                    && line.requires.allSatisfy { ledger.achievedLines[person, default: []].contains($0) }
            }
            // Of exclusive outcomes achieved together, only the highest-priced one pays.
            var competed: [String: [String]] = [:]
            for group in card.exclusiveGroups {
                let inGroup = candidates.filter { group.contains($0.id) }
                guard let winner = inGroup.max(by: { $0.pricing.firstPrice < $1.pricing.firstPrice }), inGroup.count > 1 else {
                    continue
                }
                for line in inGroup where line.id != winner.id { ledger.counted.insert(Ledger.Key(person, line.id)) }
                candidates.removeAll { group.contains($0.id) && $0.id != winner.id }
                competed[winner.id] = inGroup.map(\.id).sorted()
            }
            for line in candidates {
                ledger.counted.insert(Ledger.Key(person, line.id))
                var notes: [String] = []
                var earned = price(of: line, provider: provider, ledger: &ledger, notes: &notes)
                if let ids = competed[line.id] { notes.append("pays the highest of " + ids.joined(separator: ", ")) }
                if let group = card.exclusiveGroups.first(where: { $0.contains(line.id) }) {
                    // An outcome of the group paid earlier is topped up to the higher price, never paid twice.
                    let before = group.reduce(Money.zero(currency)) { $0 + ledger.earned[Ledger.Key(person, $1), default: .zero(currency)] }
                    if !before.isZero {
                        notes.append("less \(before.plain) earned earlier on " + group.sorted().joined(separator: ", "))
                        earned = (earned - before).clampedAtZero
                    }
                }
                let payable = ledger.allocate(earned, person: person, line: line, provider: provider, caps: card.caps, notes: &notes)
                ledger.earned[Ledger.Key(person, line.id), default: .zero(currency)] += earned
                result.append(PaymentLine(
                    period: period.period, providerID: provider, personID: person, lineID: line.id,
                    earned: earned, payable: payable, notes: notes))
            }
        }
        return result
    }

    /// The line's price for its next outcome (marginal tiers count outcomes per provider or per contract), rounded.
    private func price(of line: RateCard.Line, provider: String, ledger: inout Ledger, notes: inout [String]) -> Money {
        let key = card.tiersCountPer == .provider ? "\(line.id)/\(provider)" : line.id
        ledger.outcomesPriced[key, default: 0] += 1
        let ordinal = ledger.outcomesPriced[key]!
        let (price, tier) = line.pricing.price(ofOutcome: ordinal)
        if let tier {
            notes.append("tier \(tier): outcome \(ordinal) of this line" + (card.tiersCountPer == .provider ? " for the provider" : ""))
        }
        return price.rounded(rounding)
    }
}

/// Running totals across periods: what was earned and paid at every cap's scope.
private struct Ledger {
    struct Key: Hashable {
        let person: Int
        let line: String
        init(_ person: Int, _ line: String) { (self.person, self.line) = (person, line) }
    }

    let currency: Currency
    var achievedLines: [Int: Set<String>] = [:]
    var preconditionMet: Set<Int> = []
    /// Participant-line pairs already considered (one-off lines pay once; exclusion losers are spent).
    var counted: Set<Key> = []
    var outcomesPriced: [String: Int] = [:]
    var earned: [Key: Money] = [:]
    var paidByPerson: [Int: Money] = [:]
    var paidByLine: [String: Money] = [:]
    var paidByProvider: [String: Money] = [:]
    var paidInPeriod: Money
    var paidInContract: Money

    init(currency: Currency) {
        self.currency = currency
        paidInPeriod = .zero(currency)
        paidInContract = .zero(currency)
    }

    /// Pays as much of `earned` as every cap's remaining headroom allows, narrowest cap first,
    /// and notes each cap that bound.
    mutating func allocate(_ earned: Money, person: Int, line: RateCard.Line, provider: String, caps: RateCard.Caps,
                           notes: inout [String]) -> Money {
        let zero = Money.zero(currency)
        let scopes: [(String, Money?, Money)] = [
            ("participant cap", caps.participant, paidByPerson[person, default: zero]),
            ("cap of line \(line.id)", line.cap, paidByLine[line.id, default: zero]),
            ("provider cap", caps.provider, paidByProvider[provider, default: zero]),
            ("period cap", caps.period, paidInPeriod),
            ("contract cap", caps.contract, paidInContract),
        ]
        var payable = earned
        for (name, cap, used) in scopes {
            guard let cap else { continue }
            let headroom = (cap - used).clampedAtZero
            if headroom < payable {
                notes.append("\(name) \(cap.plain) reached: pays \(headroom.plain) of \(payable.plain)")
                payable = headroom
            }
        }
        paidByPerson[person, default: zero] += payable
        paidByLine[line.id, default: zero] += payable
        paidByProvider[provider, default: zero] += payable
        paidInPeriod += payable
        paidInContract += payable
        return payable
    }
}
