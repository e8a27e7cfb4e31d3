import Foundation

/// Per-day lines under uncertain effects. An effect on a per-day line's metric (the days in the
/// state, or the days taken off) moves each period's days of the provider's participants by the
/// departure times their number, in whole days: each gets the same share, the remainder a day
/// each to those first by a hash of person and metric; days never go below zero.
extension PaymentProjection {
    /// The per-day metrics the effects move, in name order (each one's hash salt is its place).
    var movedDayMetrics: [String] { Self.movedDayMetrics(terms, effects) }

    static func movedDayMetrics(_ terms: PaymentTerms, _ effects: [String: [String?: (estimate: Double, se: Double)]]) -> [String] {
        Set(terms.perDayLines.flatMap { [$0.days] + ($0.less.map { [$0] } ?? []) }).filter { effects[$0] != nil }.sorted()
    }

    /// Whole days for each of `count` participants (in hash order) adding up to the departure × count.
    static func wholeDays(_ delta: Double, count: Int) -> [Int] {
        guard count > 0 else { return [] }
        let total = Int((delta * Double(count)).rounded()), share = total / count, rest = total - share * count
        return (0..<count).map { share + ($0 < abs(rest) ? rest.signum() : 0) }
    }

    /// The per-day metrics' values moved by the departures (false when nothing moves).
    func movedValues(_ snapshot: inout PaymentSnapshot, _ shifts: [String: [String?: Double]]) -> Bool {
        let metrics = movedDayMetrics
        guard !metrics.isEmpty, !shifts.isEmpty else { return false }
        snapshot.values = snapshot.values.map { period in
            var outcomes = period.outcomes
            for (salt, metric) in metrics.enumerated() {
                let rows = outcomes.indices.filter { outcomes[$0].metricID == metric && outcomes[$0].value != nil }
                for provider in Set(rows.map { outcomes[$0].providerID }) {
                    guard let delta = Self.shift(shifts, metric, provider) else { continue }
                    let members = rows.filter { outcomes[$0].providerID == provider }
                        .sorted { (Self.order(outcomes[$0].personID, 256 + salt), $0) < (Self.order(outcomes[$1].personID, 256 + salt), $1) }
                    for (row, days) in zip(members, Self.wholeDays(delta, count: members.count)) where days != 0 {
                        let o = outcomes[row]
                        outcomes[row] = ParticipantOutcome(personID: o.personID, providerID: o.providerID, metricID: o.metricID,
                                                           value: max(0, o.value! + Decimal(days)))
                    }
                }
            }
            return PeriodOutcomes(period: period.period, outcomes: outcomes, payable: period.payable)
        }
        return true
    }
}

extension PaymentProjection.Kernel {
    /// The per-day lines in integers, for a projection whose effects move their days: each
    /// period's participants in person order with their whole days per metric.
    struct PerDayPart: Sendable {
        struct Period: Sendable {
            let name: String
            let payable: Bool
            let included: Int32
            let persons: [Int]
            /// Each participant's index among everyone's (for running totals across periods).
            let slot: [Int32]
            let provider: [Int32]
            /// Per metric a line reads (in `read` order): each participant's days (`PerDayPart.none`: no value).
            let days: [[Int]]
            /// Per line: whether the participant meets its precondition in this period.
            let precondition: [[Bool]]
            /// Per moved metric (in `metrics` order), per provider: positions with a value, in hash order.
            let movers: [[Int32: [Int32]]]
        }

        static let none = Int.min

        let lines: [PerDayLine]
        /// The metrics the lines read; each line's days and days taken off as indices into it.
        let read: [String]
        let daysIndex: [Int]
        let lessIndex: [Int?]
        /// The moved metrics' indices into `read`.
        let movedIndex: [Int]
        let slots: Int
        let prices: [Int]
        let participantCaps: [Int?]
        let caps: [Int?]
        let metrics: [String]
        let periods: [Period]
        /// Per line and period: the caps' major key.
        let major: [[Int]]

        /// nil when a value is not a whole number of days.
        init?(lines: [PerDayLine], values: [PeriodOutcomes], metrics: [String], included: [String: Int32], providerIndex: [String: Int32],
              order: ContractCapOrder) {
            // A precondition on a moved metric would move with it: the engine's own path serves that.
            guard lines.allSatisfy({ line in line.precondition.map { !metrics.contains($0.metricID) } ?? true }) else { return nil }
            let read = Set(lines.flatMap { [$0.days] + ($0.less.map { [$0] } ?? []) }).sorted()
            var periods: [Period] = [], slotOf: [Int: Int32] = [:]
            for period in values {
                let byPerson = period.byParticipant()
                let persons = byPerson.keys.sorted()
                var days: [[Int]] = []
                for metric in read {
                    var column: [Int] = []
                    column.reserveCapacity(persons.count)
                    for person in persons {
                        guard let value = byPerson[person]!.values[metric] ?? nil else { column.append(Self.none); continue }
                        guard let whole = Int(exactly: NSDecimalNumber(decimal: value).doubleValue), Decimal(whole) == value,
                              abs(whole) < 1 << 40 else { return nil }
                        column.append(whole)
                    }
                    days.append(column)
                }
                let providers = persons.map { providerIndex[byPerson[$0]!.provider] }
                guard providers.allSatisfy({ $0 != nil }) else { return nil }
                let provider = providers.map { $0! }
                let movers = metrics.enumerated().map { salt, metric in
                    let column = days[read.firstIndex(of: metric)!]
                    return Dictionary(grouping: persons.indices.filter { column[$0] != Self.none }.map { Int32($0) }, by: { provider[Int($0)] })
                        .mapValues { $0.sorted { PaymentProjection.order(persons[Int($0)], 256 + salt) < PaymentProjection.order(persons[Int($1)], 256 + salt) } }
                }
                let slot = persons.map { person in
                    if let known = slotOf[person] { return known }
                    slotOf[person] = Int32(slotOf.count)
                    return Int32(slotOf.count - 1)
                }
                periods.append(Period(
                    name: period.period, payable: period.payable, included: included[period.period] ?? -1, persons: persons, slot: slot,
                    provider: provider, days: days,
                    precondition: lines.map { line in persons.map { person in line.precondition.map { $0.isMet(by: byPerson[person]!.values[$0.metricID] ?? nil) } ?? false } },
                    movers: movers))
            }
            self.read = read
            daysIndex = lines.map { read.firstIndex(of: $0.days)! }
            lessIndex = lines.map { line in line.less.map { read.firstIndex(of: $0)! } }
            movedIndex = metrics.map { read.firstIndex(of: $0)! }
            slots = slotOf.count
            guard lines.allSatisfy({ $0.pricePerDay.minorUnits != nil }) else { return nil }
            self.lines = lines
            prices = lines.map { $0.pricePerDay.minorUnits! }
            participantCaps = lines.map { $0.participantCap?.minorUnits }
            caps = lines.map { $0.cap?.minorUnits }
            self.metrics = metrics
            self.periods = periods
            major = lines.map { line in periods.map { order.major(period: $0.name, line: line.id) } }
        }

        /// The draw's per-day lines (the rules of `PerDayLine.payments`, in minor units), with the caps that bound.
        func append(to result: inout [PaymentProjection.Kernel.Line], capsBound: inout Set<PaymentProjection.Cap>, shifts: [String: [String?: Double]],
                    providers: [String]) throws {
            // Each period's days, moved.
            let moved: [[[Int]]] = periods.map { period in
                var days = period.days
                for (m, metric) in metrics.enumerated() {
                    let column = movedIndex[m]
                    for (provider, members) in period.movers[m] {
                        guard let delta = PaymentProjection.shift(shifts, metric, providers[Int(provider)]) else { continue }
                        for (position, change) in zip(members, PaymentProjection.wholeDays(delta, count: members.count)) where change != 0 {
                            days[column][Int(position)] = max(0, days[column][Int(position)] + change)
                        }
                    }
                }
                return days
            }
            var paidByPerson = Array(repeating: 0, count: slots), met = Array(repeating: false, count: slots)
            var participantCapBound = false, lineCapBound = Array(repeating: false, count: lines.count)
            defer {
                if participantCapBound { capsBound.insert(.scope(.participant)) }
                for (l, line) in lines.enumerated() where lineCapBound[l] { capsBound.insert(.scope(.line(line.id))) }
            }
            for (l, line) in lines.enumerated() {
                var paid = 0
                for i in 0..<slots { (paidByPerson[i], met[i]) = (0, false) }
                for (p, period) in periods.enumerated() {
                    let inState = moved[p][daysIndex[l]], taken = lessIndex[l].map { moved[p][$0] }
                    let precondition = period.precondition[l]
                    for k in period.persons.indices {
                        let slot = Int(period.slot[k])
                        if precondition[k] { met[slot] = true }
                        let days = inState[k]
                        guard period.payable, line.precondition == nil || met[slot], days != Self.none else { continue }
                        let less = taken.map { $0[k] == Self.none ? 0 : $0[k] } ?? 0
                        let net = max(0, days - less)
                        let (earned, overflow) = prices[l].multipliedReportingOverflow(by: net)
                        guard !overflow else { throw PaymentArithmeticError(.line(line.id)) }
                        var payable = earned
                        let personPaid = paidByPerson[slot]
                        if let cap = participantCaps[l], cap - personPaid < payable {
                            payable = max(0, cap - personPaid)
                            if period.included >= 0 { participantCapBound = true }
                        }
                        if let cap = caps[l], cap - paid < payable {
                            payable = max(0, cap - paid)
                            if period.included >= 0 { lineCapBound[l] = true }
                        }
                        paidByPerson[slot] = personPaid + payable
                        paid += payable
                        result.append(.init(major: major[l][p], person: period.persons[k], provider: period.provider[k], period: period.included, payable: payable))
                    }
                }
            }
        }
    }
}
