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
    public func lines(for periods: [PeriodAchievements]) throws -> [PaymentLine] {
        let input = RateCardInput(periods)
        var reasons = ReasonRecorder(card: card, currency: currency, providers: input.providers)
        let entries = try kernel.entries(input, recorder: &reasons)
        return entries.enumerated().map { index, entry in
            PaymentLine(period: input.periods[Int(entry.period)].name, providerID: input.providers[Int(entry.provider)],
                        personID: input.persons[Int(entry.person)], lineID: card.lines[Int(entry.line)].id,
                        earned: Money(minorUnits: entry.earned, currency), payable: Money(minorUnits: entry.payable, currency),
                        reasons: reasons.reasons[index] ?? [])
        }
    }
}

/// Every reason the kernel gives, as the ledger stores them.
struct ReasonRecorder: RateCardRecorder {
    let card: RateCard
    let currency: Currency
    let providers: [String]
    var reasons: [Int: [PaymentReason]] = [:]

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
