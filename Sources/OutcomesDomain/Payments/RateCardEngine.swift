import Foundation

/// Computes rate-card entitlements period by period from the outcomes alone: the same outcomes
/// give the same lines, and caps over the contract's life see every earlier period. Participants
/// are taken in person-id order, lines in contract order, so when a cap binds it is clear who was
/// paid first. (The rules live in `RateCardKernel`, in integers; this type writes its lines with
/// their reasons.)
public struct RateCardEngine: Sendable {
    public let card: RateCard
    public let currency: Currency
    public let rounding: RoundingRule
    let kernel: RateCardKernel

    public init(card: RateCard, currency: Currency, rounding: RoundingRule) {
        self.card = card
        self.currency = currency
        self.rounding = rounding
        kernel = RateCardKernel(card: card, rounding: rounding)
    }

    public init?(terms: PaymentTerms) {
        guard let card = terms.rateCard else { return nil }
        self.init(card: card, currency: terms.currency, rounding: terms.rounding)
    }

    /// The lines of every period, in order, from metric values (`RateCard.achievements`; a payment
    /// run reads the achievements from PostgreSQL instead).
    public func lines(for periods: [PeriodOutcomes]) throws -> [PaymentLine] {
        try lines(for: periods.map(card.achievements))
    }

    /// The lines of every period, in order; periods later than the one a run is for can be left out.
    /// Running totals are checked: amounts beyond what 64-bit minor units hold are an error, never a crash.
    /// `snapshot.relatives` gives a line paid per relative the relatives it may pay for, and every
    /// line priced from a metric over relatives the relatives its reasons name.
    public func lines(for periods: [PeriodAchievements], snapshot: PaymentSnapshot = PaymentSnapshot()) throws -> [PaymentLine] {
        var input = RateCardInput(periods)
        let index = snapshot.relativesIndex()
        // Per entry of a line priced from a metric over relatives: its relatives, found below.
        var measured: [Int: [Int: RelativeValues]] = [:]
        if !index.isEmpty {
            for (periodIndex, period) in input.periods.enumerated() {
                for k in period.person.indices {
                    let person = input.persons[Int(period.person[k])]
                    for (line, definition) in card.lines.enumerated() where period.lines[k] & (1 << UInt64(line)) != 0 {
                        guard let relatives = index[.init(period: period.name, person: person, metric: definition.outcome.metricID)] else { continue }
                        measured[periodIndex << 32 | k, default: [:]][line] = relatives
                        if definition.perRelative {
                            input.periods[periodIndex].relatives[k, default: [:]][line] = relatives.meeting(definition.outcome.condition).ids
                        }
                    }
                }
            }
        }
        var reasons = ReasonRecorder(card: card, currency: currency, providers: input.providers)
        let entries = try kernel.entries(input, recorder: &reasons)
        return entries.enumerated().map { number, entry in
            var lineReasons = reasons.reasons[number] ?? []
            if let relatives = measured[Int(entry.period) << 32 | Int(entry.slot)]?[Int(entry.line)] {
                if let paid = reasons.paidRelatives[number] {
                    let values = Dictionary(zip(relatives.ids, relatives.values)) { first, _ in first }
                    lineReasons.insert(.relatives(ids: paid.paid, values: paid.paid.map { values[$0] ?? nil }, paidFor: paid.paid.count,
                                                  paidBefore: paid.paidBefore), at: 0)
                } else {
                    lineReasons.insert(.relatives(ids: relatives.ids, values: relatives.values, paidFor: nil, paidBefore: []), at: 0)
                }
            }
            return PaymentLine(period: input.periods[Int(entry.period)].name, providerID: input.providers[Int(entry.provider)],
                               personID: input.persons[Int(entry.person)], lineID: card.lines[Int(entry.line)].id,
                               earned: Money(minorUnits: entry.earned, currency), payable: Money(minorUnits: entry.payable, currency),
                               reasons: lineReasons)
        }
    }
}

/// Every reason the kernel gives, as the ledger stores them.
struct ReasonRecorder: RateCardRecorder {
    let card: RateCard
    let currency: Currency
    let providers: [String]
    var reasons: [Int: [PaymentReason]] = [:]
    /// Per entry of a line paid per relative: the relatives paid for, and those paid for before.
    var paidRelatives: [Int: (paid: [Int], paidBefore: [Int])] = [:]

    mutating func relatives(entry: Int, paid: [Int], paidBefore: [Int]) { paidRelatives[entry] = (paid, paidBefore) }

    private func ids(_ lines: UInt64) -> [String] { RateCardKernel.indices(of: lines).map { card.lines[$0].id }.sorted() }
    private func money(_ minor: Int) -> Money { Money(minorUnits: minor, currency) }

    mutating func tier(entry: Int, number: Int, ordinal: Int) {
        reasons[entry, default: []].append(.tier(number: number, ordinal: ordinal, perProvider: card.tiersCountPer == .provider))
    }

    mutating func highestOf(entry: Int, lines: UInt64) { reasons[entry, default: []].append(.highestOf(ids(lines))) }

    mutating func lessEarnedEarlier(entry: Int, amount: Int, lines: UInt64) {
        reasons[entry, default: []].append(.lessEarnedEarlier(money(amount), lines: ids(lines)))
    }

    mutating func cap(entry: Int, _ cap: RateCardCap, limit: Int, payable: Int, before: Int) {
        let scope: CapScope = switch cap {
        case .participant: .participant
        case .line(let index): .line(card.lines[index].id)
        case .provider(let index): .provider(providers[index])
        case .period: .period
        case .contract: .contract
        }
        reasons[entry, default: []].append(.cap(scope, cap: money(limit), payable: money(payable), before: money(before)))
    }
}
