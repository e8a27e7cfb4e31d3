import Foundation
import OutcomesStatistics

/// What a contract's own payment terms would pay when the effects are uncertain: each draw moves
/// the figures the payment engine reads — effect and savings lines' treated figures, rate-card
/// achievements — by the draw's departure from the estimated effect, and runs the same
/// `PaymentPlan` on them, period by period. With no departure it computes exactly what a final
/// payment run of each period computes.
public struct PaymentProjection: Sendable {
    public struct Period: Sendable {
        public let period: String
        public let plan: PaymentPlan
        public let snapshot: PaymentSnapshot
        public init(period: String, plan: PaymentPlan, snapshot: PaymentSnapshot) {
            (self.period, self.plan, self.snapshot) = (period, plan, snapshot)
        }
    }

    public struct Key: Hashable, Sendable, Comparable {
        public let provider: String
        public let period: String
        public init(provider: String, period: String) { (self.provider, self.period) = (provider, period) }
        public static func < (a: Key, b: Key) -> Bool { (a.period, a.provider) < (b.period, b.provider) }
    }

    /// One draw: what each provider is owed in each period, and which caps cut a line.
    public struct Draw: Sendable, Equatable {
        public var owed: [Key: Decimal]
        public var capsBound: Set<Cap>
    }

    /// A cap whose binding a projection counts: a ledger scope, except that the rate card's caps
    /// per provider count as one (a draw tells whether a provider's cap bound, not whose).
    public enum Cap: Sendable, Hashable, Comparable {
        case scope(CapScope)
        /// The rate card's cap of one provider or another.
        case providerCap

        public init(_ scope: CapScope) {
            if case .provider = scope { self = .providerCap } else { self = .scope(scope) }
        }

        /// A stable code for stored JSON: the scope's (`line:housed`), `provider` for the provider cap.
        public var code: String {
            switch self {
            case .scope(let scope): scope.code
            case .providerCap: "provider"
            }
        }

        /// As `CapScope` orders scopes, the provider cap where the providers' scopes go.
        public static func < (a: Cap, b: Cap) -> Bool { a.rank < b.rank }

        private var rank: (Int, String) {
            switch self {
            case .scope(let scope): scope.rank
            case .providerCap: (CapScope.providersRank, "")
            }
        }
    }

    public let periods: [Period]
    public let terms: PaymentTerms
    /// Per outcome: the effect's estimate and standard error, per provider (nil: everyone's).
    public let effects: [String: [String?: (estimate: Double, se: Double)]]

    /// The last period's per-day lines, computed once (a scenario never moves their inputs).
    let perDay: [PaymentLine]?
    /// The plan in integers, worked out once (nil when an amount is not whole minor units: every
    /// draw then takes the engine's own path).
    let kernel: Kernel?

    /// Departures every draw starts from (a variant's effects against the ones the figures hold).
    public let baseline: [String: [String?: Double]]

    /// Terms of the contract the projection does not pay, and why (stated in the scenario's report).
    public let leftOut: [LeftOutTerm]

    public init(periods: [Period], terms: PaymentTerms, effects: [String: [String?: (estimate: Double, se: Double)]],
                baseline: [String: [String?: Double]] = [:]) throws {
        let periods = Self.withEarlierClawbacks(periods)
        (self.periods, self.terms, self.effects, self.baseline) = (periods, terms, effects, baseline)
        leftOut = Self.leftOut(terms, periods)
        let perDay = periods.last.map { $0.plan.perDayLines($0.snapshot) }
        self.perDay = perDay
        let moved = Self.movedDayMetrics(terms, effects)
        kernel = try periods.last.flatMap { try Kernel(plan: $0.plan, snapshot: $0.snapshot, perDay: perDay ?? [], movedDayMetrics: moved) }
    }

    /// The participants paid for: those of the rate card's payable periods, or the treated of the
    /// first effect line's cohorts, in the last period projected.
    public var participants: Int { participantsByProvider.values.reduce(0, +) }

    /// The same, per provider.
    public var participantsByProvider: [String: Int] {
        guard let last = periods.last?.snapshot else { return [:] }
        if last.achievements.contains(where: { $0.payable && !$0.participants.isEmpty }) {
            // A participant counted once, with the provider of their first payable period.
            var seen: Set<Int> = [], counts: [String: Int] = [:]
            for period in last.achievements where period.payable {
                for participant in period.participants.sorted(by: { $0.personID < $1.personID }) where seen.insert(participant.personID).inserted {
                    counts[participant.providerID, default: 0] += 1
                }
            }
            return counts
        }
        if let line = terms.effectLines.first, let figures = last.effectFigures[line.id] {
            // A pooled cohort (every provider together) counts each provider's own participants.
            let counts = figures.cohorts.flatMap { $0.participantsByProvider.isEmpty ? [($0.group, $0.treated.participants)] : $0.participantsByProvider.map { ($0.key, $0.value) } }
            return Dictionary(counts.filter { $0.1 > 0 }, uniquingKeysWith: +)
        }
        return [:]
    }

    /// The draw with every effect at its estimate: the figures as they are.
    public func expected() throws -> Draw { try draw(shifts: baseline) }

    /// What is owed when each effect departs from its estimate by the given amount (per outcome,
    /// per provider; nil: everyone's).
    public func owed(shifts: [String: [String?: Double]]) throws -> Draw { try draw(shifts: shifts) }

    /// `draws` draws, each effect's departure a normal with its standard error; draw i's inputs
    /// depend only on the seed and i.
    public func simulate(draws: Int, stream: MonteCarloStream) throws -> [Draw] {
        try (0..<draws).map { try draw(shifts: shifts(draw: $0, stream: stream)) }
    }

    /// Draw i's departures: per outcome and provider, a normal with the effect's standard error.
    func shifts(draw i: Int, stream: MonteCarloStream) -> [String: [String?: Double]] {
        var shifts: [String: [String?: Double]] = [:]
        for (o, outcome) in outcomes.enumerated() {
            for (p, provider) in effectProviders.enumerated() {
                guard let effect = effects[outcome]?[provider] else { continue }
                let u = stream.uniform(draw: i, variable: 10_000 + o * 100 + p)
                shifts[outcome, default: [:]][provider] = (baseline[outcome]?[provider] ?? 0) + effect.se * Normal.quantile(u)
            }
        }
        return shifts
    }

    private var outcomes: [String] { effects.keys.sorted() }
    private var effectProviders: [String?] { Set(effects.values.flatMap(\.keys)).sorted { ($0 ?? "") < ($1 ?? "") } }

    /// A provider's departure for an outcome: its own, else everyone's.
    static func shift(_ shifts: [String: [String?: Double]], _ outcome: String, _ provider: String) -> Double? {
        shifts[outcome].flatMap { $0[provider] ?? $0[nil] }
    }

    /// What each period's own run owes: the kernel's integer pass where it can, else the engine's.
    func draw(shifts: [String: [String?: Double]]) throws -> Draw {
        guard let last = periods.last else { return Draw(owed: [:], capsBound: []) }
        var snapshot = last.snapshot
        if !shifts.isEmpty { movedFigures(&snapshot, shifts) }
        if let kernel, let draw = try kernel.draw(snapshot: snapshot, shifts: shifts, terms: terms) { return draw }
        if !shifts.isEmpty { movedAchievements(&snapshot, shifts) }
        let daysMoved = movedValues(&snapshot, shifts)
        return try engineDraw(snapshot, daysMoved: daysMoved)
    }

    /// The same draw by the payment engine itself: one pass of the last period's plan over every
    /// period (the kernel is held to it by `PaymentProjectionKernelTests`).
    func referenceDraw(shifts: [String: [String?: Double]]) throws -> Draw {
        guard let last = periods.last else { return Draw(owed: [:], capsBound: []) }
        var snapshot = last.snapshot
        if !shifts.isEmpty {
            movedFigures(&snapshot, shifts)
            movedAchievements(&snapshot, shifts)
        }
        let daysMoved = movedValues(&snapshot, shifts)
        return try engineDraw(snapshot, daysMoved: daysMoved)
    }

    private func engineDraw(_ snapshot: PaymentSnapshot, daysMoved: Bool) throws -> Draw {
        var result = Draw(owed: [:], capsBound: [])
        guard let last = periods.last else { return result }
        let (owed, caps) = try last.plan.payableInEveryPeriod(snapshot: snapshot, perDay: daysMoved ? nil : perDay)
        for (period, byProvider) in owed {
            for (provider, amount) in byProvider where !amount.amount.isZero { result.owed[Key(provider: provider, period: period)] = amount.amount }
        }
        result.capsBound = Set(caps.map(Cap.init))
        return result
    }

    /// Effect and savings lines' treated figures moved by the departures.
    func movedFigures(_ snapshot: inout PaymentSnapshot, _ shifts: [String: [String?: Double]]) {
        func move(_ figure: GroupFigure?, _ outcome: String, _ provider: String, rate: Bool) -> GroupFigure? {
            guard let figure, let delta = Self.shift(shifts, outcome, provider), figure.count > 0 else { return figure }
            let count = Decimal(figure.count)
            var total = figure.total + Decimal(delta) * count
            if rate { total = min(max(total.rounded(scale: 0), 0), count) } else { total = total.rounded(scale: 2) }
            return GroupFigure(participants: figure.participants, total: total, count: figure.count)
        }
        for line in terms.effectLines {
            guard let found = snapshot.effectFigures[line.id] else { continue }
            let rate = line.statistic == .rate
            func each(_ list: [EffectFigures]) -> [EffectFigures] {
                list.map { $0.with(treated: move($0.treated, line.outcome.metricID, $0.group, rate: rate)!) }
            }
            snapshot.effectFigures[line.id] = (each(found.cohorts), each(found.overall))
        }
        for line in terms.savingsShares {
            guard let found = snapshot.savingsFigures[line.id] else { continue }
            snapshot.savingsFigures[line.id] = found.map { $0.with(treated: move($0.treated, line.outcome, $0.group, rate: false)!) }
        }
        // A clawback's figure is its provider's participants' figure of its outcome: it moves with that effect.
        for clawback in terms.clawbacks {
            guard let figure = snapshot.clawbackFigures[clawback.id] else { continue }
            snapshot.clawbackFigures[clawback.id] = move(figure, clawback.outcome.metricID, clawback.provider, rate: clawback.statistic == .rate)
        }
    }

    /// Rate-card achievements moved by the departures: in each period, a provider's participants
    /// gain (or lose) the line's outcome, as many as the departure times their number, those
    /// first whose hash of person and line is lowest.
    func movedAchievements(_ snapshot: inout PaymentSnapshot, _ shifts: [String: [String?: Double]]) {
        if let card = terms.rateCard {
            snapshot.achievements = snapshot.achievements.map { period in
                var participants = period.participants
                for (bit, line) in card.lines.enumerated() {
                    let mask = UInt64(1) << UInt64(bit)
                    for provider in Set(participants.map(\.providerID)) {
                        guard let delta = Self.shift(shifts, line.outcome.metricID, provider) else { continue }
                        let members = participants.indices.filter { participants[$0].providerID == provider }
                        let flips = Int((delta * Double(members.count)).rounded())
                        guard flips != 0 else { continue }
                        // Deterministic: those who would change first are ordered by a hash of person and line.
                        let candidates = members.filter { (participants[$0].lines & mask != 0) == (flips < 0) }
                            .sorted { (Self.order(participants[$0].personID, bit), $0) < (Self.order(participants[$1].personID, bit), $1) }
                        for index in candidates.prefix(abs(flips)) {
                            let p = participants[index]
                            participants[index] = RateCardAchievement(personID: p.personID, providerID: p.providerID,
                                                                      lines: flips > 0 ? p.lines | mask : p.lines & ~mask, precondition: p.precondition)
                        }
                    }
                }
                return PeriodAchievements(period: period.period, participants: participants, payable: period.payable)
            }
        }
    }

    static func order(_ person: Int, _ line: Int) -> UInt64 {
        var z = UInt64(bitPattern: Int64(person)) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(line)
        z = (z ^ (z >> 31)) &* 0xBF58_476D_1CE4_E5B9
        return z ^ (z >> 29)
    }
}
