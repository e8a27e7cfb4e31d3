import Foundation

/// An amount too large for the arithmetic that decides payments (a price of 10^14 times millions
/// of participants, say): the run is refused with this error, never crashes.
public struct PaymentArithmeticError: UserFacingError, Equatable {
    /// Which amounts overflowed.
    public enum Scope: Sendable, Equatable {
        case rateCardTotals, allMechanisms, periodAmounts
        /// The amounts of one payment line, by id.
        case line(String)
    }

    public let scope: Scope
    public init(_ scope: Scope) { self.scope = scope }

    var what: String {
        switch scope {
        case .rateCardTotals: "the rate card's running totals"
        case .allMechanisms: "the payments across every mechanism"
        case .periodAmounts: "the amounts owed in a period"
        case .line(let id): "amounts of line \(id)"
        }
    }

    public var message: String {
        "\(what) go beyond what the payment arithmetic holds (about 9.2 × 10^16 in the currency); check the prices and caps "
            + "of the contract. Nothing was posted."
    }
    public var exitStatus: ExitStatus { .dataError }
}

/// Interim runs pay a share of what is owed so far; the final run reconciles.
public enum PaymentRunKind: String, Sendable { case interim, final }

/// Where a ledger amount belongs: provider, payer, participant (if any) and payment line.
public struct LedgerKey: Hashable, Comparable, Sendable {
    public let provider: String
    public let payer: String
    public let person: Int?
    public let line: String

    public init(provider: String, payer: String, person: Int?, line: String) {
        self.provider = provider
        self.payer = payer
        self.person = person
        self.line = line
    }

    public static func < (lhs: LedgerKey, rhs: LedgerKey) -> Bool {
        (lhs.provider, lhs.person ?? -1, lhs.line, lhs.payer) < (rhs.provider, rhs.person ?? -1, rhs.line, rhs.payer)
    }
}

/// What a period owes on one ledger key.
public struct OwedAmount: Sendable, Equatable {
    public let key: LedgerKey
    public let amount: Money
    /// What the outcome earned before caps, recorded once (on the first payer's part).
    public let earned: Money?
    public let reasons: [PaymentReason]
}

/// One line a run posts to the ledger (or, on a dry run, would post).
public struct LedgerEntry: Sendable, Equatable {
    public enum Kind: String, Sendable { case payment, adjustment }

    public let providerID: String
    public let payerID: String
    public let personID: Int?
    public let lineID: String
    public let kind: Kind
    public let amount: Money
    public let earned: Money?
    public let reasons: [PaymentReason]

    public var notes: String { reasons.map(\.text).joined(separator: "; ") }
}

/// Everything a payment run reads, taken in one snapshot of the database.
public struct PaymentSnapshot: Sendable {
    /// Rate-card achievements and per-day values of every period up to the one paid, in order.
    public var achievements: [PeriodAchievements] = []
    public var values: [PeriodOutcomes] = []
    /// Each effect line's figures (every period up to the one paid; all cohorts together in the last).
    public var effectFigures: [String: (cohorts: [EffectFigures], overall: [EffectFigures])] = [:]
    public var savingsFigures: [String: [EffectFigures]] = [:]
    /// Milestones whose delivery is attested, by id.
    public var attestations: [String: (by: String, on: String)] = [:]
    /// Each clawback's assessed figure (nil when its provider had no participants).
    public var clawbackFigures: [String: GroupFigure?] = [:]
    /// The stored comparison run (`evaluation.runs`) whose matched group each period's
    /// `matched_group` lines were measured against, by period.
    public var comparisonRuns: [String: Int] = [:]
    /// The relatives behind the values of metrics over relatives that rate-card and per-day lines
    /// price, in period, participant and metric order: what a line paid per relative counts, and
    /// what the reasons of every such line name.
    public var relatives: [RelativeValues] = []

    public init() {}

    /// The relatives by period, participant and metric (built once per use: a run holds many).
    func relativesIndex() -> [RelativeValues.Key: RelativeValues] {
        Dictionary(relatives.map { (RelativeValues.Key(period: $0.period, person: $0.personID, metric: $0.metricID), $0) }) { first, _ in first }
    }
}

/// A participant's relatives measured by a metric over relatives in one period, as the metrics
/// stored them: their pseudonymous ids and their own values, in id order.
public struct RelativeValues: Sendable, Equatable {
    public let period: String
    public let personID: Int
    public let metricID: String
    public let ids: [Int]
    public let values: [Decimal?]

    public init(period: String, personID: Int, metricID: String, ids: [Int], values: [Decimal?]) {
        (self.period, self.personID, self.metricID, self.ids, self.values) = (period, personID, metricID, ids, values)
    }

    struct Key: Hashable {
        let period: String, person: Int, metric: String
    }

    /// The relatives whose own value meets `condition`.
    public func meeting(_ condition: AmountCondition) -> RelativeValues {
        let kept = ids.indices.filter { condition.matches(values[$0]) }
        return RelativeValues(period: period, personID: personID, metricID: metricID, ids: kept.map { ids[$0] }, values: kept.map { values[$0] })
    }
}

/// What a run computes: what the period owes, the difference from the ledger, and the
/// determinations of its effect, savings-share and clawback lines.
public struct PaymentComputation: Sendable {
    public let owed: [OwedAmount]
    public let entries: [LedgerEntry]
    public let determinations: [Determination]
    public let owedTotal: Money
    public let total: Money
    public let postedBefore: Money
}

/// The one pure function from (terms, a snapshot of figures, what was already posted) to the
/// ledger lines a run posts. `PaymentRunner` reads the snapshot and writes the result.
public struct PaymentPlan: Sendable {
    /// The payer named on lines of a contract that names none.
    public static let soleOutcomePayer = "outcome_payer"

    public let terms: PaymentTerms
    /// The contract's periods up to and including the one paid, in order.
    public let periods: [String]
    /// Whether the period paid is the contract's last (all cohorts are then tested together).
    public let isLastPeriod: Bool

    public init(terms: PaymentTerms, periods: [String], isLastPeriod: Bool) {
        self.terms = terms
        self.periods = periods
        self.isLastPeriod = isLastPeriod
    }

    public var period: String { periods.last! }

    public func compute(kind: PaymentRunKind, snapshot: PaymentSnapshot, posted: [LedgerKey: Money]) throws -> PaymentComputation {
        let currency = terms.currency
        // The lines of every period are let go once the period's amounts are known.
        let (owed, determinations) = try { () throws -> ([OwedAmount], [Determination]) in
            var (lines, determinations) = try linesOfEveryPeriod(snapshot)
            if !terms.caps.isEmpty { try applyContractCaps(&lines) }
            determinations.sort { ($0.lineOrder(terms), $0.cohort, $0.provider) < ($1.lineOrder(terms), $1.cohort, $1.provider) }
            return (owedAmounts(lines, kind: kind), determinations)
        }()
        let entries = differences(owed: owed, posted: posted)
        return PaymentComputation(
            owed: owed, entries: entries, determinations: determinations, owedTotal: Money.sum(owed.lazy.map(\.amount), currency),
            total: Money.sum(entries.lazy.map(\.amount), currency), postedBefore: posted.values.reduce(Money.zero(currency), +))
    }

    /// Every mechanism's lines for every period up to the one paid (caps over the contract's life
    /// see them all), and the determinations of the period paid. A payment scenario gives the
    /// per-day lines it computed once and works the rate card itself (`rateCard: false`).
    func linesOfEveryPeriod(_ snapshot: PaymentSnapshot, perDay cached: [PaymentLine]? = nil, rateCard: Bool = true) throws
        -> ([PaymentLine], [Determination])
    {
        var lines: [PaymentLine] = []
        var determinations: [Determination] = []
        // Only the periods up to the one paid: a later period's figures never reach a cap.
        let included = Set(periods)
        // What came before the first period (not payable) is read for preconditions and prerequisites.
        if rateCard, let engine = RateCardEngine(terms: terms) {
            lines += try engine.lines(for: snapshot.achievements.filter { !$0.payable || included.contains($0.period) }, snapshot: snapshot)
        }
        for line in terms.effectLines {
            let figures = snapshot.effectFigures[line.id] ?? ([], [])
            for payment in line.payments(cohorts: figures.cohorts.filter { included.contains($0.cohort) }, overall: isLastPeriod ? figures.overall : [],
                                         currency: terms.currency, rounding: terms.rounding) {
                // The all-cohorts test is owed in the last period.
                let owedIn = periods.contains(payment.cohort) ? payment.cohort : period
                if owedIn == period { determinations.append(payment.determination.citing(snapshot.comparisonRuns, line.comparison)) }
                lines.append(PaymentLine(period: owedIn, providerID: payment.group, personID: nil, lineID: line.id,
                                         earned: payment.earned, payable: payment.payable, reasons: payment.reasons))
            }
        }
        lines += cached ?? perDayLines(snapshot)
        for line in terms.savingsShares {
            for payment in line.payments(cohorts: (snapshot.savingsFigures[line.id] ?? []).filter { included.contains($0.cohort) },
                                         rounding: terms.rounding) {
                if payment.cohort == period { determinations.append(payment.determination.citing(snapshot.comparisonRuns, line.comparison)) }
                lines.append(PaymentLine(period: payment.cohort, providerID: payment.group, personID: nil, lineID: line.id,
                                         earned: payment.earned, payable: payment.payable, reasons: payment.reasons))
            }
        }
        for milestone in terms.milestones where periods.contains(milestone.period) {
            guard let attestation = snapshot.attestations[milestone.id] else { continue }
            lines.append(PaymentLine(period: milestone.period, providerID: milestone.provider, personID: nil, lineID: milestone.id,
                                     earned: milestone.amount, payable: milestone.amount,
                                     reasons: [.milestoneAttested(by: attestation.by, on: attestation.on)]))
        }
        // Clawbacks of earlier periods too (a payment scenario's one pass over every period reads their figures).
        for clawback in terms.clawbacks where included.contains(clawback.assessedIn) {
            let (amount, determination) = clawback.repayment(figure: snapshot.clawbackFigures[clawback.id] ?? nil,
                                                             rounding: terms.rounding)
            if clawback.assessedIn == period { determinations.append(determination) }
            lines.append(PaymentLine(period: clawback.assessedIn, providerID: clawback.provider, personID: nil, lineID: clawback.id,
                                     earned: amount, payable: amount, reasons: [.determination(cohort: clawback.assessedIn)]))
        }
        return (lines, determinations)
    }

    /// The caps across every mechanism, shared out period by period, line by line in the
    /// contract's order, participants by id (`ContractCapAllocator`, which payment scenarios share).
    /// Repayments (negative lines) are left as they are.
    func applyContractCaps(_ lines: inout [PaymentLine]) throws {
        let providers = Set(lines.lazy.map(\.providerID)).sorted()
        let providerIndex = Dictionary(uniqueKeysWithValues: providers.enumerated().map { ($1, Int32($0)) })
        let order = ContractCapOrder(plan: self)
        let periodIndex = Dictionary(uniqueKeysWithValues: periods.enumerated().map { ($1, Int32($0)) })
        let allocator = ContractCapAllocator(caps: terms.caps, providers: providers)
        var inexact: [Int] = []
        var capped = lines.indices.map { index in
            let line = lines[index]
            let positive = line.payable.amount > 0, minor = positive ? line.payable.minorUnits : 0
            if minor == nil { inexact.append(index) }
            return ContractCapLine(major: order.major(period: line.period, line: line.lineID), person: line.personID ?? -1,
                                   provider: providerIndex[line.providerID]!, period: periodIndex[line.period] ?? -1, payable: minor ?? 0)
        }
        if !inexact.isEmpty {
            // Refused at the first such line in the caps' order, unless the lines before it overflow first.
            let sequence = order.sequence(capped), stop = sequence.firstIndex { inexact.contains($0) }!
            var before = sequence[..<stop].map { capped[$0] }, none = ContractCapReasons(providers: providers, currency: terms.currency)
            try allocator.allocate(&before, order: order, recorder: &none)
            throw PaymentArithmeticError(.line(lines[sequence[stop]].lineID))
        }
        var reasons = ContractCapReasons(providers: providers, currency: terms.currency)
        try allocator.allocate(&capped, order: order, recorder: &reasons)
        // A line is cut exactly when a cap bound on it.
        for (index, reason) in reasons.reasons {
            lines[index].reasons.append(reason)
            lines[index].payable = Money(minorUnits: capped[index].payable, terms.currency)
        }
    }

    /// What the period paid owes on each (provider, payer, participant, line): the interim share,
    /// split among the payers, lines owed per cohort merged on their key. (The lines of earlier
    /// periods are skipped in place: a run holds hundreds of thousands.)
    /// Every period's owed amounts from one pass over the lines of all of them: caps are shared
    /// out period by period in order, so each period's amounts are what its own final run owes
    /// (a payment scenario's shortcut; `PaymentProjectionTests` holds it to the posted runs).
    public func owedInEveryPeriod(snapshot: PaymentSnapshot) throws -> [String: [OwedAmount]] {
        var (lines, _) = try linesOfEveryPeriod(snapshot)
        if !terms.caps.isEmpty { try applyContractCaps(&lines) }
        return Dictionary(uniqueKeysWithValues: periods.map { ($0, owedAmounts(lines, kind: .final, in: $0)) })
    }

    /// The per-day lines of every period up to the one paid, before caps: they depend on the
    /// participants' values alone, which a payment scenario never moves, so it computes them once.
    public func perDayLines(_ snapshot: PaymentSnapshot) -> [PaymentLine] {
        let included = Set(periods)
        let values = snapshot.values.filter { !$0.payable || included.contains($0.period) }
        let index = snapshot.relativesIndex()
        return terms.perDayLines.flatMap { line in
            line.payments(for: values, rounding: terms.rounding).map { payment in
                // A line priced from a metric over relatives names them.
                guard !index.isEmpty, let person = payment.personID,
                      let relatives = index[.init(period: payment.period, person: person, metric: line.days)] else { return payment }
                var named = payment
                named.reasons.insert(.relatives(ids: relatives.ids, values: relatives.values, paidFor: nil, paidBefore: []), at: 0)
                return named
            }
        }
    }

    /// What each provider is owed in each period, all payers together, from the same one pass, and
    /// the caps that cut a line: the payer split is left out (its parts add up to the line).
    public func payableInEveryPeriod(snapshot: PaymentSnapshot, perDay: [PaymentLine]? = nil) throws
        -> (owed: [String: [String: Money]], capsBound: Set<CapScope>)
    {
        var (lines, _) = try linesOfEveryPeriod(snapshot, perDay: perDay)
        if !terms.caps.isEmpty { try applyContractCaps(&lines) }
        var owed: [String: [String: [Money]]] = [:]
        var caps: Set<CapScope> = []
        let included = Set(periods)
        for line in lines where included.contains(line.period) {
            owed[line.period, default: [:]][line.providerID, default: []].append(line.payable)
            for reason in line.reasons { if case .cap(let scope, _, _, _) = reason { caps.insert(scope) } }
        }
        return (owed.mapValues { $0.mapValues { Money.sum($0, terms.currency) } }, caps)
    }

    func owedAmounts(_ lines: [PaymentLine], kind: PaymentRunKind, in paid: String? = nil) -> [OwedAmount] {
        let period = paid ?? self.period
        var owed: [OwedAmount] = []
        for line in lines where line.period == period {
            var payable = line.payable, reasons = line.reasons
            if kind == .interim, let share = terms.interimSharePercent {
                payable = (payable * (share / 100)).rounded(terms.rounding)
                reasons.append(.interim(sharePercent: share, of: line.payable))
            }
            let parts = terms.payers.isEmpty
                ? [(payer: Self.soleOutcomePayer, amount: payable)] : terms.payers.split(payable, line: line.lineID, rounding: terms.rounding)
            for (index, part) in parts.enumerated() {
                // What the outcome earned is recorded once, on the first payer's part, so sums of it stay true.
                let key = LedgerKey(provider: line.providerID, payer: part.payer, person: line.personID, line: line.lineID)
                owed.append(OwedAmount(key: key, amount: part.amount, earned: index == 0 ? line.earned : nil, reasons: reasons))
            }
        }
        return merged(owed)
    }

    /// One entry per key: an effect line's cohort and all-cohorts payments in the same run share a
    /// key. (Per-participant lines are unique by construction and are left alone.)
    func merged(_ owed: [OwedAmount]) -> [OwedAmount] {
        var position: [LedgerKey: Int] = [:]
        var result: [OwedAmount] = []
        result.reserveCapacity(owed.count)
        for entry in owed {
            guard entry.key.person == nil else {
                result.append(entry)
                continue
            }
            guard let index = position[entry.key] else {
                position[entry.key] = result.count
                result.append(entry)
                continue
            }
            let earlier = result[index]
            let earned: Money? = switch (earlier.earned, entry.earned) {
            case (let a?, let b?): a + b
            case (let a, let b): a ?? b
            }
            result[index] = OwedAmount(key: entry.key, amount: earlier.amount + entry.amount, earned: earned,
                                       reasons: earlier.reasons + entry.reasons)
        }
        return result
    }

    /// Owed minus posted, per key, in a stable order (owed keys as the engines gave them, then keys
    /// no longer owed); keys with nothing to change are left out.
    func differences(owed: [OwedAmount], posted: [LedgerKey: Money]) -> [LedgerEntry] {
        // The period's first run posts payments; every later run's lines adjust it.
        let kind: LedgerEntry.Kind = posted.isEmpty ? .payment : .adjustment
        var entries: [LedgerEntry] = []
        entries.reserveCapacity(owed.count)
        var seen: Set<LedgerKey> = []
        for due in owed {
            let already = posted[due.key]
            if !posted.isEmpty { seen.insert(due.key) }
            let change = already.map { due.amount - $0 } ?? due.amount
            // A first line is posted even at zero when the outcome earned something (a cap took it all).
            let earnedSomething = due.earned.map { !$0.isZero } ?? false
            guard !change.isZero || (already == nil && earnedSomething) else { continue }
            var reasons = due.reasons
            if let already { reasons.append(.adjustment(postedBefore: already, nowOwed: due.amount)) }
            entries.append(LedgerEntry(
                providerID: due.key.provider, payerID: due.key.payer, personID: due.key.person, lineID: due.key.line,
                kind: kind, amount: change, earned: already == nil ? due.earned : nil, reasons: reasons))
        }
        for key in posted.keys.filter({ !seen.contains($0) }).sorted() where !posted[key]!.isZero {
            entries.append(LedgerEntry(
                providerID: key.provider, payerID: key.payer, personID: key.person, lineID: key.line, kind: kind,
                amount: .zero(terms.currency) - posted[key]!, earned: nil, reasons: [.noLongerOwed(postedBefore: posted[key]!)]))
        }
        return entries
    }
}

extension Determination {
    func lineOrder(_ terms: PaymentTerms) -> Int { terms.lineIDs.firstIndex(of: lineID) ?? 0 }
}
