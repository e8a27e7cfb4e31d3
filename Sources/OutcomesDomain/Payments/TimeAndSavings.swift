import Foundation

/// A price per day a participant spends in an outcome state, net of days in another state
/// (housed, minus days in jail), once a precondition is met (a lease held).
public struct PerDayLine: Sendable, Equatable {
    public let id: String
    /// The metric holding each participant's days in the state (e.g. days covered).
    public let days: String
    /// A metric whose days are taken off (e.g. days in jail), if any.
    public let less: String?
    public let precondition: OutcomeTest?
    public let pricePerDay: Money
    /// The most one participant earns from the line over the contract.
    public let participantCap: Money?
    public let cap: Money?

    /// What each participant earns in each period, in period order; caps see earlier periods.
    public func payments(for periods: [PeriodOutcomes], rounding: RoundingRule) -> [PaymentLine] {
        let currency = pricePerDay.currency
        var metPrecondition: Set<Int> = [], paidByPerson: [Int: Money] = [:]
        var paid = Money.zero(currency)
        var lines: [PaymentLine] = []
        for period in periods {
            let byPerson = period.byParticipant()
            for person in byPerson.keys.sorted() {
                let (provider, values) = byPerson[person]!
                if let precondition, precondition.isMet(by: values[precondition.metricID] ?? nil) { metPrecondition.insert(person) }
                guard period.payable else { continue }  // before the first period: preconditions only
                guard precondition == nil || metPrecondition.contains(person), let inState = values[days] ?? nil else { continue }
                let taken = less.flatMap { values[$0] ?? nil } ?? 0
                let netDays = max(0, inState - taken)
                var reasons: [PaymentReason] = [.perDay(netDays: netDays, inState: inState, less: taken, price: pricePerDay)]
                let earned = (pricePerDay * netDays).rounded(rounding)
                var payable = earned
                let personPaid = paidByPerson[person, default: .zero(currency)]
                if let participantCap, participantCap - personPaid < payable {
                    payable = (participantCap - personPaid).clampedAtZero
                    reasons.append(.cap(.participant, cap: participantCap, payable: payable, before: earned))
                }
                if let cap, cap - paid < payable {
                    let before = payable
                    payable = (cap - paid).clampedAtZero
                    reasons.append(.cap(.line(id), cap: cap, payable: payable, before: before))
                }
                paidByPerson[person] = personPaid + payable
                paid += payable
                lines.append(PaymentLine(period: period.period, providerID: provider, personID: person, lineID: id,
                                         earned: earned, payable: payable, reasons: reasons))
            }
        }
        return lines
    }
}

/// A share of the cost avoided: (comparison figure − participants' figure) × a unit cost, per
/// participant, for the cohort; nothing when there is no saving. The share may step down as the
/// line's payments grow (once investors are repaid, say).
public struct SavingsShareLine: Sendable, Equatable {
    public let id: String
    /// The metric whose mean is compared (e.g. jail days, placements).
    public let outcome: String
    public let comparison: EffectLine.Comparison
    /// The cost of one unit of the metric (a jail day, a placement).
    public let unitCost: Money
    /// The provider's share of the saving: one step, or steps in order of what the line has paid.
    public let schedule: [ShareStep]
    public let cap: Money?

    /// `percent` of the saving until the line's payments reach `until` (the last step has none).
    public struct ShareStep: Sendable, Equatable {
        public let percent: Decimal
        public let until: Money?

        public init(percent: Decimal, until: Money? = nil) {
            self.percent = percent
            self.until = until
        }
    }

    public init(id: String, outcome: String, comparison: EffectLine.Comparison, unitCost: Money, schedule: [ShareStep], cap: Money?) {
        self.id = id
        self.outcome = outcome
        self.comparison = comparison
        self.unitCost = unitCost
        self.schedule = schedule
        self.cap = cap
    }

    /// The share of a saving when the line has already paid `paid`: each step's percent applies
    /// to the part of the saving that brings the line's payments up to the step's `until`.
    func share(of saving: ExactRatio, paid: Money) -> ExactRatio {
        var left = saving, total = ExactRatio.zero, reached = ExactRatio(paid.amount)
        for step in schedule where left > .zero {
            let rate = ExactRatio(step.percent) * ExactRatio(Decimal(1), 100)
            guard let until = step.until.map({ ExactRatio($0.amount) }) else {
                total = total + left * rate
                break
            }
            guard reached < until, !rate.isZero else { continue }
            let room = until - reached
            let needed = (room / rate)!
            let used = ExactRatio.min(needed, left)
            total = total + used * rate
            reached = reached + used * rate
            left = left - used
        }
        return total
    }

    public func payments(cohorts: [EffectFigures], rounding: RoundingRule) -> [EffectPayment] {
        let currency = unitCost.currency
        var paid = Money.zero(currency)
        return cohorts.map { figures in
            let reference: ExactRatio? = switch comparison {
            case .baseline(let value): ExactRatio(value)
            default: figures.comparison?.value
            }
            let avoided = reference.flatMap { reference in figures.treated.value.map { reference - $0 } }
            let saving = avoided.map { ExactRatio.max(.zero, ExactRatio(unitCost.amount) * $0 * ExactRatio(figures.treatedParticipants)) }
            let earned = saving.map { Money.rounding(share(of: $0, paid: paid), currency, rounding) } ?? .zero(currency)
            var payable = earned
            var reasons: [PaymentReason] = []
            if let cap, cap - paid < payable {
                payable = (cap - paid).clampedAtZero
                reasons.append(.cap(.line(id), cap: cap, payable: payable, before: earned))
            }
            paid += payable
            let step = saving.map {
                PricingStep(from: 0, to: nil, units: avoided!, price: unitCost, amount: $0)
            }
            let determination = Determination(
                lineID: id, mechanism: .savingsShare, cohort: figures.cohort, provider: figures.group, treated: figures.treated,
                basis: comparison.basis, comparison: figures.comparison, improvement: avoided, threshold: nil,
                finding: figures.treatedParticipants == 0 ? .noParticipants : avoided == nil ? .notMeasurable : earned.isZero ? .belowThreshold : .met,
                steps: step.map { [$0] } ?? [],
                scale: figures.treatedParticipants, earned: earned, payable: payable, reasons: reasons)
            return EffectPayment(lineID: id, cohort: figures.cohort, group: figures.group, improvement: avoided, earned: earned,
                                 payable: payable, determination: determination)
        }
    }
}
