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

    /// Which lines' outcomes each participant achieved, from their metric values: the Swift
    /// rendering, for tests and callers that hold values, of the rule a payment run evaluates in
    /// PostgreSQL (`PaymentInputs.achievementsQuery`, with each condition's `predicate(on:)`).
    /// `RateCardAchievementsTests` holds the two to the same bits on random cards and values.
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
