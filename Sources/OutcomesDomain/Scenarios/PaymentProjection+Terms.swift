import Foundation

extension PaymentProjection {
    /// A term of the contract a payment projection does not pay.
    public enum LeftOutTerm: Sendable, Equatable {
        /// A milestone of a projected period whose delivery nobody has attested: the ledger would
        /// not pay it, and neither does the projection (it is not assumed delivered).
        case milestoneNotAttested(id: String, period: String, amount: Money)
        /// A milestone or clawback of a period after the last one whose metrics are computed.
        case periodNotProjected(id: String, period: String)
    }

    /// Clawbacks are assessed in their own period: each period's snapshot reads the figures of the
    /// clawbacks assessed in it. The one pass over every period (the last period's plan) needs them
    /// all, so the earlier periods' figures are carried into the last snapshot.
    static func withEarlierClawbacks(_ periods: [Period]) -> [Period] {
        guard let last = periods.last else { return periods }
        var snapshot = last.snapshot
        for earlier in periods.dropLast() {
            for (id, figure) in earlier.snapshot.clawbackFigures where snapshot.clawbackFigures[id] == nil {
                snapshot.clawbackFigures[id] = figure
            }
        }
        var result = periods
        result[result.count - 1] = Period(period: last.period, plan: last.plan, snapshot: snapshot)
        return result
    }

    /// Milestones not attested in the periods projected, and milestones and clawbacks of periods
    /// not projected, in the contract's order.
    static func leftOut(_ terms: PaymentTerms, _ periods: [Period]) -> [LeftOutTerm] {
        let projected = Set(periods.map(\.period))
        let attested = periods.last?.snapshot.attestations ?? [:]
        var result: [LeftOutTerm] = []
        for milestone in terms.milestones {
            if !projected.contains(milestone.period) {
                result.append(.periodNotProjected(id: milestone.id, period: milestone.period))
            } else if attested[milestone.id] == nil {
                result.append(.milestoneNotAttested(id: milestone.id, period: milestone.period, amount: milestone.amount))
            }
        }
        for clawback in terms.clawbacks where !projected.contains(clawback.assessedIn) {
            result.append(.periodNotProjected(id: clawback.id, period: clawback.assessedIn))
        }
        return result
    }
}

extension PaymentProjection.LeftOutTerm {
    public var id: String {
        switch self {
        case .milestoneNotAttested(let id, _, _), .periodNotProjected(let id, _): id
        }
    }

    public var text: String {
        switch self {
        case .milestoneNotAttested(let id, let period, let amount):
            "milestone \(id) (\(amount.grouped), \(period)) is not attested: not projected, as the ledger would not pay it"
        case .periodNotProjected(let id, let period):
            "\(id) belongs to \(period), whose metrics are not computed: not projected"
        }
    }
}
