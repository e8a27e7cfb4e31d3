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
                guard precondition == nil || metPrecondition.contains(person), let inState = values[days] ?? nil else { continue }
                let taken = less.flatMap { values[$0] ?? nil } ?? 0
                let netDays = max(0, inState - taken)
                var notes = ["\(netDays) days × \(pricePerDay.plain)" + (taken > 0 ? " (\(inState) less \(taken))" : "")]
                let earned = (pricePerDay * netDays).rounded(rounding)
                var payable = earned
                let personPaid = paidByPerson[person, default: .zero(currency)]
                if let participantCap, participantCap - personPaid < payable {
                    payable = (participantCap - personPaid).clampedAtZero
                    notes.append("participant cap \(participantCap.plain) reached: pays \(payable.plain) of \(earned.plain)")
                }
                if let cap, cap - paid < payable {
                    let before = payable
                    payable = (cap - paid).clampedAtZero
                    notes.append("cap of line \(id) \(cap.plain) reached: pays \(payable.plain) of \(before.plain)")
                }
                paidByPerson[person] = personPaid + payable
                paid += payable
                lines.append(PaymentLine(period: period.period, providerID: provider, personID: person, lineID: id,
                                         earned: earned, payable: payable, notes: notes))
            }
        }
        return lines
    }
}

/// A share of the cost avoided: (comparison figure − participants' figure) × a unit cost, per
/// participant, for the cohort; nothing when there is no saving.
public struct SavingsShareLine: Sendable, Equatable {
    public let id: String
    /// The metric whose mean is compared (e.g. jail days, placements).
    public let outcome: String
    public let comparison: EffectLine.Comparison
    /// The cost of one unit of the metric (a jail day, a placement).
    public let unitCost: Money
    /// The provider's share of the saving, in percent.
    public let sharePercent: Decimal
    public let cap: Money?

    public func payments(cohorts: [EffectFigures], rounding: RoundingRule) -> [EffectPayment] {
        let currency = unitCost.currency
        var paid = Money.zero(currency)
        return cohorts.map { figures in
            let reference: Decimal?
            switch comparison {
            case .baseline(let value): reference = value
            case .comparisonGroup: reference = figures.comparison
            }
            guard let reference else {
                return EffectPayment(lineID: id, cohort: figures.cohort, group: figures.group, improvement: nil, earned: .zero(currency),
                                     payable: .zero(currency), notes: ["no comparison figure to measure a saving against"])
            }
            let avoided = reference - figures.treated
            let saving = (unitCost * avoided * Decimal(figures.treatedParticipants)).clampedAtZero
            let earned = (saving * (sharePercent / 100)).rounded(rounding)
            var notes = ["saving \(saving.plain): \(avoided) units avoided per participant × \(unitCost.plain) × \(figures.treatedParticipants) participants; \(sharePercent)% of it"]
            var payable = earned
            if let cap, cap - paid < payable {
                payable = (cap - paid).clampedAtZero
                notes.append("cap \(cap.plain) reached: pays \(payable.plain) of \(earned.plain)")
            }
            paid += payable
            return EffectPayment(lineID: id, cohort: figures.cohort, group: figures.group, improvement: avoided, earned: earned,
                                 payable: payable, notes: notes)
        }
    }
}
