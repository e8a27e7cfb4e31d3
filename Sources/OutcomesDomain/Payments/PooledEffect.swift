import Foundation

/// An effect measured on every provider's participants together, against one comparison, and
/// paid once: the pooled amount is split among the providers by the rule the contract states.
extension EffectLine {
    /// Whose participants one determination measures.
    public enum Measured: Sendable, Equatable {
        /// Each provider's participants on their own (against its own control arm, the shared
        /// control group, its matched group or the baseline): each provider is paid for its own effect.
        case perProvider
        /// All providers' participants together, against one comparison, paid once and split.
        case pooled(Split)
    }

    /// How a pooled amount is shared among the providers.
    public enum Split: Sendable, Equatable {
        /// In proportion to each provider's participants in the pooled cohort.
        case byParticipants
        /// In equal parts among the providers with participants in the pooled cohort.
        case equally
        /// All of it to one provider.
        case to(String)

        public var stored: String {
            switch self {
            case .byParticipants: "by_participants"
            case .equally: "equally"
            case .to(let provider): "to \(provider)"
            }
        }

        /// Who shares, with their weights: providers with participants, in id order (or the one payee).
        func weights(_ participants: [String: Int]) -> [(provider: String, weight: Int)] {
            switch self {
            case .to(let provider): [(provider, 1)]
            case .byParticipants: participants.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            case .equally: participants.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { ($0.key, 1) }
            }
        }
    }
}

/// What a pooled determination records beside its provider's share: the pooled amounts, the rule
/// and every provider's part.
public struct PooledSplit: Sendable, Equatable {
    public struct Share: Sendable, Equatable {
        public let provider: String
        /// The provider's participants in the pooled cohort.
        public let participants: Int
        public let earned: Money
        public let payable: Money
    }

    public let rule: EffectLine.Split
    public let earned: Money
    public let payable: Money
    public let shares: [Share]

    /// Each share of `amount` in minor units, exactly: amount × weight / Σ weights, rounded down,
    /// then the minor units left over one each to the largest remainders (ties to the provider
    /// first by id), so the shares add up to the amount exactly. A negative amount is split as
    /// its magnitude. Empty when nobody shares.
    public static func largestRemainder(_ amount: Money, weights: [(provider: String, weight: Int)]) -> [(provider: String, amount: Money)] {
        let total = weights.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return [] }
        let currency = amount.currency
        var scale = Decimal(1)
        for _ in 0..<currency.minorUnits { scale *= 10 }
        let negative = amount.amount < 0
        let minor = (negative ? -amount.amount : amount.amount) * scale
        let whole = Decimal(total)
        var parts = weights.map { share -> (provider: String, units: Decimal, remainder: Decimal) in
            let exact = ExactRatio(minor * Decimal(share.weight), whole)
            let units = exact.floor
            return (share.provider, units, minor * Decimal(share.weight) - units * whole)
        }
        var left = minor - parts.reduce(Decimal(0)) { $0 + $1.units }
        let order = parts.indices.sorted { (-parts[$0].remainder, parts[$0].provider) < (-parts[$1].remainder, parts[$1].provider) }
        for index in order where left > 0 {
            parts[index].units += 1
            left -= 1
        }
        return parts.map { part in
            let value = part.units / scale
            return (part.provider, Money(negative ? -value : value, currency))
        }
    }

    /// The split of a pooled cohort's amounts among its providers by `rule`.
    static func of(earned: Money, payable: Money, rule: EffectLine.Split, participants: [String: Int]) -> PooledSplit {
        let weights = rule.weights(participants)
        let earnedParts = largestRemainder(earned, weights: weights), payableParts = largestRemainder(payable, weights: weights)
        let shares = weights.indices.map {
            Share(provider: weights[$0].provider, participants: participants[weights[$0].provider] ?? 0,
                  earned: earnedParts[$0].amount, payable: payableParts[$0].amount)
        }
        return PooledSplit(rule: rule, earned: earned, payable: payable, shares: shares)
    }

    /// "split by participants (largest remainder): hearth 60 → 6,000.00; keystone 40 → 4,000.00".
    public var text: String {
        let rule: String = switch self.rule {
        case .byParticipants: "split by participants"
        case .equally: "split equally"
        case .to(let provider): "paid to \(provider)"
        }
        guard !shares.isEmpty else { return rule + ": no provider has participants" }
        return rule + " (largest remainder): " + shares.map { "\($0.provider) \($0.participants) → \($0.payable.grouped)" }
            .joined(separator: "; ")
    }
}
