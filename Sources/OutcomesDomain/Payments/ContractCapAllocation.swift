import Foundation

/// The order in which caps across every mechanism are shared out: period by period, line by line
/// in the contract's order, participants by id (lines not per participant first), providers by
/// name. Providers are given as indices into a list sorted by name.
struct ContractCapOrder: Sendable {
    struct Key: Comparable, Sendable {
        /// Period and line together: `period × lines + line`.
        let major: Int
        let person: Int
        let provider: Int
        static func < (a: Key, b: Key) -> Bool { (a.major, a.person, a.provider) < (b.major, b.person, b.provider) }
    }

    let periodOrder: [String: Int]
    let lineOrder: [String: Int]
    let lineCount: Int

    init(plan: PaymentPlan) {
        periodOrder = Dictionary(uniqueKeysWithValues: plan.periods.enumerated().map { ($1, $0) })
        lineOrder = Dictionary(plan.terms.lineIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        lineCount = max(1, plan.terms.lineIDs.count)
    }

    /// The major part alone (periods and lines the plan does not name sort first, as in every run).
    func major(period: String, line: String) -> Int { (periodOrder[period] ?? 0) * lineCount + (lineOrder[line] ?? 0) }

    func key(period: String, line: String, person: Int?, provider: Int) -> Key {
        Key(major: major(period: period, line: line), person: person ?? -1, provider: provider)
    }

    /// How many distinct major keys there are.
    var majorCount: Int { max(1, periodOrder.count) * lineCount }
}

/// The caps across every mechanism (`payments: caps`), in minor units: what is left under the
/// contract's cap and each provider's as lines are paid in order. The ledger's runs and the
/// payment scenarios share it.
struct ContractCapAllocator: Sendable {
    struct Bound {
        /// The contract's cap (else the provider's).
        let acrossContract: Bool
        let cap: Int
        let payable: Int
        let before: Int
    }

    let contractCap: Int?
    let providerCaps: [Int?]
    private var paid = 0
    private var paidByProvider: [Int]

    init(caps: ContractCaps, providers: [String]) {
        contractCap = caps.contract?.exactMinorUnits
        providerCaps = providers.map { caps.provider?.cap(for: $0)?.exactMinorUnits }
        paidByProvider = Array(repeating: 0, count: providers.count)
    }

    /// Pays as much of a positive amount as the provider's cap and then the contract's allow,
    /// telling each cap that bound.
    mutating func allocate(_ amount: Int, provider: Int, bound: (Bound) -> Void) throws -> Int {
        var payable = amount
        func limit(_ cap: Int?, _ used: Int, acrossContract: Bool) {
            guard let cap, cap - used < payable else { return }
            let headroom = max(0, cap - used)
            bound(Bound(acrossContract: acrossContract, cap: cap, payable: headroom, before: payable))
            payable = headroom
        }
        limit(providerCaps[provider], paidByProvider[provider], acrossContract: false)
        limit(contractCap, paid, acrossContract: true)
        let (total, overflow) = paid.addingReportingOverflow(payable)
        guard !overflow else { throw PaymentArithmeticError(what: "the payments across every mechanism") }
        paid = total
        paidByProvider[provider] += payable  // at most `paid`
        return payable
    }
}
