import Foundation

/// The order in which caps across every mechanism are shared out: period by period, line by line
/// in the contract's order, participants by id (lines not per participant first), providers by
/// name. Providers are given as indices into a list sorted by name.
struct ContractCapOrder: Sendable {
    let periodOrder: [String: Int]
    let lineOrder: [String: Int]
    let lineCount: Int

    init(plan: PaymentPlan) {
        periodOrder = Dictionary(uniqueKeysWithValues: plan.periods.enumerated().map { ($1, $0) })
        lineOrder = Dictionary(plan.terms.lineIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        lineCount = max(1, plan.terms.lineIDs.count)
    }

    /// Period and line together: `period × lines + line` (periods and lines the plan does not
    /// name sort first, as in every run).
    func major(period: String, line: String) -> Int { (periodOrder[period] ?? 0) * lineCount + (lineOrder[line] ?? 0) }

    /// How many distinct major keys there are.
    var majorCount: Int { max(1, periodOrder.count) * lineCount }

    /// The lines' indices in this order; lines with the same key keep the order they were given in.
    /// (A counting sort on the major key, then participant and provider within each: a payment
    /// scenario orders every draw's lines.)
    func sequence(_ lines: [ContractCapLine]) -> [Int] {
        var start = Array(repeating: 0, count: majorCount + 1)
        for line in lines { start[line.major + 1] += 1 }
        for i in 1..<start.count { start[i] += start[i - 1] }
        var next = start, sequence = Array(repeating: 0, count: lines.count)
        for (index, line) in lines.enumerated() {
            sequence[next[line.major]] = index
            next[line.major] += 1
        }
        for bucket in 0..<majorCount where start[bucket + 1] - start[bucket] > 1 {
            let range = start[bucket]..<start[bucket + 1]
            func before(_ a: Int, _ b: Int) -> Bool { (lines[a].person, lines[a].provider) < (lines[b].person, lines[b].provider) }
            // Most buckets arrive in order already (the engines give participants in id order).
            if range.dropFirst().contains(where: { before(sequence[$0], sequence[$0 - 1]) }) {
                sequence[range].sort { before($0, $1) || (!before($1, $0) && $0 < $1) }
            }
        }
        return sequence
    }
}

/// One line as the caps across every mechanism see it, in minor units.
struct ContractCapLine: Sendable {
    /// The order's major key (`ContractCapOrder.major`).
    let major: Int
    /// The participant's id; −1 for lines not per participant.
    let person: Int
    /// The index of the line's provider (providers sorted by name).
    let provider: Int32
    /// The index of the line's period among the plan's periods (−1: none of them).
    let period: Int32
    /// What the line pays; the caps cut it.
    var payable: Int
}

/// What the caps across every mechanism tell about a line they cut (`line` is its index, `given`
/// the line as it was): the ledger keeps each cut as a reason, a payment scenario only which caps bound.
protocol ContractCapRecorder {
    mutating func cap(line: Int, _ given: ContractCapLine, _ bound: ContractCapAllocator.Bound)
}

/// The caps across every mechanism (`payments: caps`), in minor units: the one implementation the
/// ledger's runs (`PaymentPlan`) and the payment scenarios (`PaymentProjection.Kernel`) share.
/// Lines are paid in `ContractCapOrder`; each is cut to what is left under its provider's cap and
/// then the contract's. Repayments (lines of zero or less) are left as they are.
struct ContractCapAllocator: Sendable {
    /// A cap that bound: what the line could pay before it and what is left under it.
    struct Bound: Sendable {
        /// The contract's cap (else the line's provider's).
        let acrossContract: Bool
        let cap: Int
        let payable: Int
        let before: Int
    }

    let contractCap: Int?
    let providerCaps: [Int?]

    init(caps: ContractCaps, providers: [String]) {
        contractCap = caps.contract?.exactMinorUnits
        providerCaps = providers.map { caps.provider?.cap(for: $0)?.exactMinorUnits }
    }

    /// Cuts every line's `payable` to what the caps allow, in the caps' order, telling the recorder
    /// each cap that bound. Running totals are checked: amounts beyond what 64-bit minor units hold
    /// are an error, never a crash.
    func allocate<Recorder: ContractCapRecorder>(_ lines: inout [ContractCapLine], order: ContractCapOrder, recorder: inout Recorder)
        throws
    {
        var paid = 0, paidByProvider = Array(repeating: 0, count: providerCaps.count)
        for index in order.sequence(lines) where lines[index].payable > 0 {
            let given = lines[index], provider = Int(given.provider)
            var payable = given.payable
            func limit(_ cap: Int?, _ used: Int, acrossContract: Bool) {
                guard let cap, cap - used < payable else { return }
                let headroom = max(0, cap - used)
                recorder.cap(line: index, given, Bound(acrossContract: acrossContract, cap: cap, payable: headroom, before: payable))
                payable = headroom
            }
            limit(providerCaps[provider], paidByProvider[provider], acrossContract: false)
            limit(contractCap, paid, acrossContract: true)
            let (total, overflow) = paid.addingReportingOverflow(payable)
            guard !overflow else { throw PaymentArithmeticError(.allMechanisms) }
            paid = total
            paidByProvider[provider] += payable  // at most `paid`
            if payable != given.payable { lines[index].payable = payable }
        }
    }
}

/// Which caps across every mechanism bound on lines of the plan's periods (a payment scenario's draw).
struct BoundContractCaps: ContractCapRecorder {
    /// Each provider's, then the contract's.
    private var bound: [Bool]

    init(providers: Int) { bound = Array(repeating: false, count: providers + 1) }

    mutating func cap(line: Int, _ given: ContractCapLine, _ cap: ContractCapAllocator.Bound) {
        guard given.period >= 0 else { return }
        bound[cap.acrossContract ? bound.count - 1 : Int(given.provider)] = true
    }

    func scopes(_ providers: [String]) -> [CapScope] {
        bound.indices.filter { bound[$0] }.map { $0 == providers.count ? CapScope.allMechanisms : .providerAllMechanisms(providers[$0]) }
    }
}

/// Every cut the caps across every mechanism make, as the ledger stores them: one reason per cap that bound.
struct ContractCapReasons: ContractCapRecorder {
    let providers: [String]
    let currency: Currency
    private(set) var reasons: [(line: Int, reason: PaymentReason)] = []

    init(providers: [String], currency: Currency) { (self.providers, self.currency) = (providers, currency) }

    mutating func cap(line: Int, _ given: ContractCapLine, _ bound: ContractCapAllocator.Bound) {
        let scope: CapScope = bound.acrossContract ? .allMechanisms : .providerAllMechanisms(providers[Int(given.provider)])
        reasons.append((line, .cap(scope, cap: Money(minorUnits: bound.cap, currency), payable: Money(minorUnits: bound.payable, currency),
                                   before: Money(minorUnits: bound.before, currency))))
    }
}
