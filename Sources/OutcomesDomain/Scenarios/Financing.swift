import Foundation
import OutcomesStatistics

/// Pay-for-success finance: investors fund the service up front in tranches and are repaid from
/// the outcome payments through a waterfall — fees first, then each tranche in order of seniority
/// (its accrued return, then its principal), whatever is left to the most junior tranche; a
/// guarantee covers part of a tranche's unpaid principal at the end.
public struct Financing: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case senior, subordinate
        case recoverableGrant = "recoverable_grant"
    }

    public struct Tranche: Sendable, Equatable {
        public var id: String
        public var kind: Kind
        public var amount: Double
        /// Annual return accrued on the balance (compounded by actual days / 365); 0 for a grant.
        public var coupon: Double
        public init(id: String, kind: Kind, amount: Double, coupon: Double) { (self.id, self.kind, self.amount, self.coupon) = (id, kind, amount, coupon) }
    }

    public struct Guarantee: Sendable, Equatable {
        public var tranche: String
        /// Share of the tranche's unpaid principal the guarantor pays at the end.
        public var covers: Double
    }

    public var start: LocalDate
    public var tranches: [Tranche]
    public var upfrontFee: Double
    public var annualFee: Double
    public var guarantee: Guarantee?

    public init(start: LocalDate, tranches: [Tranche], upfrontFee: Double, annualFee: Double, guarantee: Guarantee?) {
        (self.start, self.tranches, self.upfrontFee, self.annualFee, self.guarantee) = (start, tranches, upfrontFee, annualFee, guarantee)
    }

    /// What one tranche's investors put in and got back.
    public struct TrancheFlows: Sendable, Equatable {
        public let id: String
        public let flows: [(day: Int, amount: Double)]
        public let invested: Double
        public let received: Double
        /// Paid its accrued return and principal in full.
        public let repaidInFull: Bool
        public var multiple: Double { invested > 0 ? received / invested : 0 }
        public var rateOfReturn: RateOfReturn { Finance.xirr(flows) }

        public static func == (a: TrancheFlows, b: TrancheFlows) -> Bool {
            a.id == b.id && a.invested == b.invested && a.received == b.received && a.repaidInFull == b.repaidInFull
                && a.flows.map(\.day) == b.flows.map(\.day) && a.flows.map(\.amount) == b.flows.map(\.amount)
        }
    }

    /// The waterfall over dated outcome payments (in order). A period whose payments net to a
    /// repayment (a clawback larger than what the period pays) is set off against the next
    /// payments before anything else; what no later payment covers is paid back at the last
    /// payment's date by the most junior investing tranche.
    public func waterfall(_ payments: [(date: LocalDate, amount: Double)]) -> [TrancheFlows] {
        let order = tranches.indices.sorted { rank(tranches[$0].kind) < rank(tranches[$1].kind) }
        var owed = tranches.map(\.amount)  // accrued return and principal still owed
        var principal = tranches.map(\.amount)
        var flows: [[(day: Int, amount: Double)]] = tranches.map { [(day: start.daysSinceEpoch, amount: -$0.amount)] }
        var received = Array(repeating: 0.0, count: tranches.count)
        var feesDue = upfrontFee
        var repaymentDue = 0.0
        var last = start.daysSinceEpoch
        for payment in payments.sorted(by: { $0.date < $1.date }) {
            let day = payment.date.daysSinceEpoch
            let years = Double(day - last) / 365
            for i in tranches.indices { owed[i] *= pow(1 + tranches[i].coupon, years) }
            feesDue += annualFee * years
            last = day
            var available = payment.amount - repaymentDue
            repaymentDue = max(0, -available)
            available = max(0, available)
            let fees = min(available, feesDue)
            (available, feesDue) = (available - fees, feesDue - fees)
            for i in order where available > 0 {
                let paid = min(available, owed[i])
                guard paid > 0 else { continue }
                // Return before principal: principal falls only once the accrued return is paid.
                let accrued = owed[i] - principal[i]
                principal[i] -= max(0, paid - accrued)
                owed[i] -= paid
                available -= paid
                received[i] += paid
                flows[i].append((day: day, amount: paid))
            }
            // What remains goes to the most junior investing tranche (the equity's upside).
            if available > 0, let junior = order.last(where: { tranches[$0].kind != .recoverableGrant }) ?? order.last {
                received[junior] += available
                flows[junior].append((day: day, amount: available))
            }
        }
        let junior = order.last(where: { tranches[$0].kind != .recoverableGrant }) ?? order.last
        if repaymentDue > 0, let junior {
            received[junior] -= repaymentDue
            flows[junior].append((day: last, amount: -repaymentDue))
        }
        if let guarantee, let i = tranches.firstIndex(where: { $0.id == guarantee.tranche }), principal[i] > 0 {
            let covered = guarantee.covers * principal[i]
            received[i] += covered
            flows[i].append((day: last, amount: covered))
        }
        return tranches.indices.map {
            TrancheFlows(id: tranches[$0].id, flows: flows[$0], invested: tranches[$0].amount, received: received[$0], repaidInFull: owed[$0] <= 0.005)
        }
    }

    private func rank(_ kind: Kind) -> Int {
        switch kind {
        case .senior: 0
        case .subordinate: 1
        case .recoverableGrant: 2
        }
    }
}
