import Foundation

/// A rate card's achievements in the engine's working form: each period's participants in
/// person-id order, people and providers as dense indices. Built once per run; a payment scenario
/// builds it once and flips bits of `lines` draw by draw.
struct RateCardInput: Sendable {
    struct Period: Sendable {
        let name: String
        let payable: Bool
        /// Per participant, in person-id order: the dense person, the dense provider, the bits, the precondition.
        let person: [Int32]
        let provider: [Int32]
        var lines: [UInt64]
        let precondition: [Bool]
        /// For lines paid per relative: participant (by position) → line → the relatives whose own
        /// value meets the line's test, by id.
        var relatives: [Int: [Int: [Int]]] = [:]
    }

    /// Dense index → person id; providers in name order (so their indices sort as their names).
    let persons: [Int]
    let providers: [String]
    var periods: [Period]

    init(_ periods: [PeriodAchievements]) {
        var personIndex: [Int: Int32] = [:], persons: [Int] = []
        let providers = Set(periods.lazy.flatMap { $0.participants.lazy.map(\.providerID) }).sorted()
        let providerIndex = Dictionary(uniqueKeysWithValues: providers.enumerated().map { ($1, Int32($0)) })
        self.periods = periods.map { period in
            let sorted = period.participants.sorted { $0.personID < $1.personID }
            return Period(
                name: period.period, payable: period.payable,
                person: sorted.map { participant in
                    if let index = personIndex[participant.personID] { return index }
                    persons.append(participant.personID)
                    personIndex[participant.personID] = Int32(persons.count - 1)
                    return Int32(persons.count - 1)
                },
                provider: sorted.map { providerIndex[$0.providerID]! }, lines: sorted.map(\.lines), precondition: sorted.map(\.precondition))
        }
        self.persons = persons
        self.providers = providers
    }
}

/// What the kernel owes: one line of one participant in one period, in minor units.
struct RateCardEntry: Sendable {
    let period: Int32
    let person: Int32
    let provider: Int32
    let line: Int32
    let earned: Int
    let payable: Int
    /// The participant's position in the period's input.
    let slot: Int32
}

/// A cap the kernel applies, by index: the card's lines and the input's providers.
enum RateCardCap: Sendable {
    case participant, line(Int), provider(Int), period, contract
}

/// What the kernel tells about the entry it is about to make (`entry` is its index): the ledger
/// keeps every reason, a payment scenario only which caps bound.
protocol RateCardRecorder {
    mutating func tier(entry: Int, number: Int, ordinal: Int)
    mutating func highestOf(entry: Int, lines: UInt64)
    mutating func lessEarnedEarlier(entry: Int, amount: Int, lines: UInt64)
    mutating func cap(entry: Int, _ cap: RateCardCap, limit: Int, payable: Int, before: Int)
    /// A line paid per relative: the relatives it pays for, and those a line paid for before.
    mutating func relatives(entry: Int, paid: [Int], paidBefore: [Int])
}

extension RateCardRecorder {
    mutating func relatives(entry: Int, paid: [Int], paidBefore: [Int]) {}
}

/// The rate card's rules in integers: the one implementation the ledger and the scenarios share.
/// Participants are taken in person-id order, lines in the card's order, so when a cap binds it
/// is clear who was paid first.
struct RateCardKernel: Sendable {
    let card: RateCard
    let recurs: [Bool]
    let requires: [UInt64]
    let groups: [UInt64]
    let groupOf: [UInt64?]
    /// Each line's prices: one open-ended entry for a flat price, the tiers otherwise.
    let prices: [[(upTo: Int?, minor: Int)]]
    let lineCaps: [Int?]
    let participantCap: Int?, periodCap: Int?, contractCap: Int?

    init(card: RateCard, rounding: RoundingRule) {
        self.card = card
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
        (participantCap, periodCap, contractCap) = (card.caps.participant?.exactMinorUnits, card.caps.period?.exactMinorUnits,
                                                    card.caps.contract?.exactMinorUnits)
    }

    /// A participant's history over the periods so far.
    private struct PersonState {
        var achieved: UInt64 = 0
        /// Lines already considered (one-off lines pay once; exclusion losers are spent).
        var counted: UInt64 = 0
        var preconditionMet = false
        var paid = 0
        /// What lines of exclusive groups earned, for topping up.
        var groupEarned: [Int: Int] = [:]
    }

    /// Every period's entries, in order. Running totals are checked: amounts beyond what 64-bit
    /// minor units hold are an error, never a crash.
    func entries<Recorder: RateCardRecorder>(_ input: RateCardInput, recorder: inout Recorder) throws -> [RateCardEntry] {
        let lineCount = card.lines.count, providerCount = input.providers.count
        let providerCaps = input.providers.map { provider in card.caps.provider.flatMap { $0.cap(for: provider)?.exactMinorUnits } }
        let perProvider = card.tiersCountPer == .provider
        var people = Array(repeating: PersonState(), count: input.persons.count)
        var priced = Array(repeating: 0, count: (perProvider ? providerCount : 1) * lineCount)
        var paidByLine = Array(repeating: 0, count: lineCount), paidByProvider = Array(repeating: 0, count: providerCount)
        var paidInContract = 0, overflowed = false
        // A relative is paid for once by a line: once over the contract, or once a period for a recurring line.
        let perRelative = card.lines.map(\.perRelative)
        var claimed = Array(repeating: Set<Int>(), count: lineCount)
        var result: [RateCardEntry] = []
        result.reserveCapacity(input.periods.reduce(0) { $0 + ($1.payable ? $1.person.count : 0) })
        for (periodIndex, period) in input.periods.enumerated() {
            var paidInPeriod = 0  // the period cap starts afresh
            for index in 0..<lineCount where recurs[index] && perRelative[index] { claimed[index].removeAll() }
            for k in period.person.indices {
                let slot = Int(period.person[k]), provider = Int(period.provider[k]), bits = period.lines[k]
                people[slot].achieved |= bits
                if period.precondition[k] { people[slot].preconditionMet = true }
                // Before the first period: achievements count toward preconditions and prerequisites only.
                guard period.payable, card.precondition == nil || people[slot].preconditionMet else { continue }
                var candidates: UInt64 = 0
                var remaining = bits
                while remaining != 0 {
                    let index = remaining.trailingZeroBitCount, bit = UInt64(1) << UInt64(index)
                    remaining &= remaining - 1
                    // A line paid per relative is spent per relative (`claimed`), never per participant.
                    if (recurs[index] || perRelative[index] || people[slot].counted & bit == 0) && requires[index] & ~people[slot].achieved == 0 {
                        candidates |= bit
                    }
                }
                // Of exclusive outcomes achieved together, only the highest-priced one pays.
                var competed: [(winner: Int, members: UInt64)] = []
                for group in groups {
                    let inGroup = candidates & group
                    guard inGroup.nonzeroBitCount > 1 else { continue }
                    let members = Self.indices(of: inGroup)
                    let winner = members.max { card.lines[$0].pricing.firstPrice < card.lines[$1].pricing.firstPrice }!
                    let losers = inGroup & ~(1 << UInt64(winner))
                    people[slot].counted |= losers
                    candidates &= ~losers
                    competed.append((winner, inGroup))
                }
                remaining = candidates
                while remaining != 0 {
                    let index = remaining.trailingZeroBitCount, bit = UInt64(1) << UInt64(index)
                    remaining &= remaining - 1
                    // A line paid per relative: the relatives it has not paid for before; none, no entry.
                    var fresh: [Int] = []
                    if perRelative[index] {
                        fresh = (period.relatives[k]?[index] ?? []).filter { !claimed[index].contains($0) }
                        if fresh.isEmpty { continue }
                    }
                    let entry = result.count
                    people[slot].counted |= bit
                    // The line's price for its next outcome (marginal tiers count outcomes per provider or per contract).
                    let linePrices = prices[index]
                    var earned = linePrices[0].minor
                    if linePrices.count > 1 || linePrices[0].upTo != nil {
                        let counter = (perProvider ? provider * lineCount : 0) + index
                        priced[counter] += 1
                        let ordinal = priced[counter]
                        let tier = linePrices.firstIndex { $0.upTo.map { ordinal <= $0 } ?? true } ?? linePrices.count - 1
                        recorder.tier(entry: entry, number: tier + 1, ordinal: ordinal)
                        earned = linePrices[tier].minor
                    }
                    // A line paid per relative: its price for each relative it has not paid for before.
                    if perRelative[index] {
                        recorder.relatives(entry: entry, paid: fresh, paidBefore: (period.relatives[k]?[index] ?? []).filter { !fresh.contains($0) })
                        let (product, overflow) = earned.multipliedReportingOverflow(by: fresh.count)
                        if overflow { overflowed = true } else { earned = product }
                    }
                    if let members = competed.first(where: { $0.winner == index })?.members { recorder.highestOf(entry: entry, lines: members) }
                    if let group = groupOf[index] {
                        // An outcome of the group paid earlier is topped up to the higher price, never paid twice.
                        let before = Self.indices(of: group).reduce(0) { $0 + (people[slot].groupEarned[$1] ?? 0) }
                        if before != 0 {
                            recorder.lessEarnedEarlier(entry: entry, amount: before, lines: group)
                            earned = max(0, earned - before)
                        }
                        people[slot].groupEarned[index, default: 0] &+= earned  // bounded by the card's prices: never near Int.max
                    }
                    // As much of `earned` as every cap's remaining headroom allows, narrowest cap first.
                    var payable = earned
                    func limit(_ cap: Int?, _ used: Int, _ scope: @autoclosure () -> RateCardCap) {
                        guard let cap else { return }
                        let headroom = max(0, cap - used)
                        if headroom < payable {
                            recorder.cap(entry: entry, scope(), limit: cap, payable: headroom, before: payable)
                            payable = headroom
                        }
                    }
                    let providerCap = providerCaps[provider]
                    limit(participantCap, people[slot].paid, .participant)
                    limit(lineCaps[index], paidByLine[index], .line(index))
                    if providerCap != nil { limit(providerCap, paidByProvider[provider], .provider(provider)) }
                    limit(periodCap, paidInPeriod, .period)
                    limit(contractCap, paidInContract, .contract)
                    func add(_ total: inout Int) {
                        let (sum, overflow) = total.addingReportingOverflow(payable)
                        if overflow { overflowed = true } else { total = sum }
                    }
                    // The relatives are paid for once something is paid: a cap that leaves nothing
                    // leaves them to the next participant they count for.
                    if perRelative[index], payable > 0 { claimed[index].formUnion(fresh) }
                    add(&people[slot].paid)
                    add(&paidByLine[index])
                    if providerCap != nil { add(&paidByProvider[provider]) }
                    add(&paidInPeriod)
                    add(&paidInContract)
                    result.append(RateCardEntry(period: Int32(periodIndex), person: Int32(slot), provider: Int32(provider), line: Int32(index),
                                                earned: earned, payable: payable, slot: Int32(k)))
                }
            }
        }
        if overflowed { throw PaymentArithmeticError(.rateCardTotals) }
        return result
    }

    /// The indices of the set bits, lowest first.
    static func indices(of bits: UInt64) -> [Int] {
        var remaining = bits, result: [Int] = []
        while remaining != 0 {
            result.append(remaining.trailingZeroBitCount)
            remaining &= remaining - 1
        }
        return result
    }
}
