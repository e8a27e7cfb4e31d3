import Foundation

extension PaymentProjection {
    /// A payment scenario's plan in integers, worked out once from the stored figures: the
    /// per-day lines (no draw moves them) as minor units in the caps' order, the rate card's
    /// achievements in the kernel's form with each draw's candidates for a flip sorted in advance.
    /// A draw then runs the rate card's kernel, the other mechanisms' own code on the moved
    /// figures, and the caps across every mechanism — the same rules the ledger's runs use, with
    /// nothing but integers per participant.
    struct Kernel: Sendable {
        /// One line: where the caps take it, whom it pays, in which included period (−1: none).
        typealias Line = ContractCapLine

        /// The participants of one provider in one period whose line bit is set, and those whose
        /// is not, each in the order flips take them (a hash of person and line).
        struct FlipCandidates: Sendable {
            let members: Int
            let achieved: [Int32]
            let notAchieved: [Int32]
        }

        let plan: PaymentPlan
        let order: ContractCapOrder
        let providers: [String]
        let providerIndex: [String: Int32]
        let included: [String: Int32]
        let perDay: [Line]
        let perDayCaps: Set<Cap>
        /// When effects move the per-day lines' days: those lines drawn afresh each time.
        let movedPerDay: PerDayPart?
        let rateCard: RateCardPart?

        struct RateCardPart: Sendable {
            let card: RateCard
            let kernel: RateCardKernel
            let input: RateCardInput
            /// The input's providers as the kernel's; each input period's included index.
            let provider: [Int32]
            let period: [Int32]
            /// Per input period and card line: the caps' major key.
            let major: [[Int]]
            /// Per input period, per card line × input provider.
            let candidates: [[FlipCandidates]]
        }

        /// nil when an amount is not a whole number of minor units (the engine's path then serves).
        init?(plan: PaymentPlan, snapshot: PaymentSnapshot, perDay lines: [PaymentLine], movedDayMetrics: [String]) throws {
            // A line paid per relative pays for the relatives in the data, which draws do not model: the engine's path serves.
            guard plan.terms.rateCard?.lines.contains(where: \.perRelative) != true else { return nil }
            self.plan = plan
            let order = ContractCapOrder(plan: plan)
            self.order = order
            let included = Dictionary(uniqueKeysWithValues: plan.periods.enumerated().map { ($1, Int32($0)) })
            self.included = included
            let (others, _) = try plan.linesOfEveryPeriod(snapshot, perDay: [], rateCard: false)
            var names = Set(lines.map(\.providerID)).union(others.map(\.providerID))
            names.formUnion(snapshot.achievements.flatMap { $0.participants.map(\.providerID) })
            names.formUnion(snapshot.values.flatMap { $0.outcomes.map(\.providerID) })
            providers = names.sorted()
            let providerIndex = Dictionary(uniqueKeysWithValues: providers.enumerated().map { ($1, Int32($0)) })
            self.providerIndex = providerIndex
            var perDay: [Line] = [], perDayCaps: Set<Cap> = []
            for line in lines {
                guard let minor = line.payable.minorUnits else { return nil }
                let period = included[line.period] ?? -1
                perDay.append(Line(major: order.major(period: line.period, line: line.lineID), person: line.personID ?? -1,
                                   provider: providerIndex[line.providerID]!, period: period, payable: minor))
                if period >= 0 { perDayCaps.formUnion(Self.caps(line.reasons)) }
            }
            (self.perDay, self.perDayCaps) = (perDay, perDayCaps)
            if movedDayMetrics.isEmpty {
                movedPerDay = nil
            } else {
                guard let part = PerDayPart(lines: plan.terms.perDayLines, values: snapshot.values.filter { !$0.payable || included[$0.period] != nil },
                                            metrics: movedDayMetrics, included: included, providerIndex: providerIndex, order: order) else { return nil }
                movedPerDay = part
            }
            rateCard = RateCardEngine(terms: plan.terms).map { engine in
                let input = RateCardInput(snapshot.achievements.filter { !$0.payable || included[$0.period] != nil })
                let card = engine.card
                let candidates = input.periods.map { period in
                    (0..<card.lines.count).flatMap { bit in
                        input.providers.indices.map { provider in
                            let members = period.person.indices.filter { period.provider[$0] == Int32(provider) }
                            func ranked(_ achieved: Bool) -> [Int32] {
                                members.filter { (period.lines[$0] & (1 << UInt64(bit)) != 0) == achieved }
                                    .sorted { PaymentProjection.order(input.persons[Int(period.person[$0])], bit)
                                        < PaymentProjection.order(input.persons[Int(period.person[$1])], bit) }
                                    .map { Int32($0) }
                            }
                            return FlipCandidates(members: members.count, achieved: ranked(true), notAchieved: ranked(false))
                        }
                    }
                }
                return RateCardPart(
                    card: card, kernel: engine.kernel, input: input, provider: input.providers.map { providerIndex[$0]! },
                    period: input.periods.map { included[$0.name] ?? -1 },
                    major: input.periods.map { period in card.lines.map { order.major(period: period.name, line: $0.id) } },
                    candidates: candidates)
            }
        }

        static func caps(_ reasons: [PaymentReason]) -> [Cap] {
            reasons.compactMap { if case .cap(let scope, _, _, _) = $0 { Cap(scope) } else { nil } }
        }

        /// The draw, from figures already moved and the departures for the rate card; nil when a
        /// line falls outside what the kernel was built for.
        func draw(snapshot: PaymentSnapshot, shifts: [String: [String?: Double]], terms: PaymentTerms) throws -> Draw? {
            var lines = movedPerDay == nil ? perDay : []
            var capsBound = movedPerDay == nil ? perDayCaps : []
            try movedPerDay?.append(to: &lines, capsBound: &capsBound, shifts: shifts, providers: providers)
            // Effect, savings-share, milestone and clawback lines: their own code on the moved figures.
            let (others, _) = try plan.linesOfEveryPeriod(snapshot, perDay: [], rateCard: false)
            for line in others {
                guard let provider = providerIndex[line.providerID], let minor = line.payable.minorUnits else { return nil }
                let period = included[line.period] ?? -1
                lines.append(Line(major: order.major(period: line.period, line: line.lineID), person: line.personID ?? -1,
                                  provider: provider, period: period, payable: minor))
                if period >= 0 { capsBound.formUnion(Self.caps(line.reasons)) }
            }
            if let rateCard { try rateCard.append(to: &lines, capsBound: &capsBound, shifts: shifts) }
            if !terms.caps.isEmpty { try applyCaps(&lines, capsBound: &capsBound, terms: terms) }
            return try totals(lines, capsBound: capsBound, currency: terms.currency)
        }

        /// The caps across every mechanism: the ledger's own allocation, noting only which caps bound.
        private func applyCaps(_ lines: inout [Line], capsBound: inout Set<Cap>, terms: PaymentTerms) throws {
            var bound = BoundContractCaps(providers: providers.count)
            try ContractCapAllocator(caps: terms.caps, providers: providers).allocate(&lines, order: order, recorder: &bound)
            capsBound.formUnion(bound.scopes(providers).map(Cap.scope))
        }

        private func totals(_ lines: [Line], capsBound: Set<Cap>, currency: Currency) throws -> Draw {
            var sums = Array(repeating: 0, count: plan.periods.count * providers.count)
            for line in lines where line.period >= 0 {
                let cell = Int(line.period) * providers.count + Int(line.provider)
                let (sum, overflow) = sums[cell].addingReportingOverflow(line.payable)
                guard !overflow else { throw PaymentArithmeticError(.periodAmounts) }
                sums[cell] = sum
            }
            var owed: [Key: Decimal] = [:]
            for (cell, sum) in sums.enumerated() where sum != 0 {
                owed[Key(provider: providers[cell % providers.count], period: plan.periods[cell / providers.count])] =
                    Money(minorUnits: sum, currency).amount
            }
            return Draw(owed: owed, capsBound: capsBound)
        }
    }
}

extension PaymentProjection.Kernel.RateCardPart {
    /// The draw's achievements (the stored ones with the departures' flips), through the rate
    /// card's kernel, as lines.
    func append(to lines: inout [PaymentProjection.Kernel.Line], capsBound: inout Set<PaymentProjection.Cap>, shifts: [String: [String?: Double]]) throws {
        var moved = input
        if !shifts.isEmpty {
            let deltas = card.lines.map { line in input.providers.map { PaymentProjection.shift(shifts, line.outcome.metricID, $0) } }
            for p in moved.periods.indices {
                for bit in card.lines.indices {
                    let mask = UInt64(1) << UInt64(bit)
                    for (provider, delta) in deltas[bit].enumerated() {
                        guard let delta else { continue }
                        let group = candidates[p][bit * input.providers.count + provider]
                        guard group.members > 0 else { continue }
                        let flips = Int((delta * Double(group.members)).rounded())
                        if flips > 0 {
                            for k in group.notAchieved.prefix(flips) { moved.periods[p].lines[Int(k)] |= mask }
                        } else if flips < 0 {
                            for k in group.achieved.prefix(-flips) { moved.periods[p].lines[Int(k)] &= ~mask }
                        }
                    }
                }
            }
        }
        var bound = BoundCaps(lineCount: card.lines.count)
        let entries = try kernel.entries(moved, recorder: &bound)
        lines.reserveCapacity(lines.count + entries.count)
        for entry in entries {
            lines.append(.init(major: major[Int(entry.period)][Int(entry.line)], person: input.persons[Int(entry.person)],
                               provider: provider[Int(entry.provider)], period: period[Int(entry.period)], payable: entry.payable))
        }
        capsBound.formUnion(bound.caps(card))
    }
}

/// Which of the rate card's caps bound, and nothing else.
struct BoundCaps: RateCardRecorder {
    /// participant, provider, period, contract, then each line's.
    var bound: [Bool]
    init(lineCount: Int) { bound = Array(repeating: false, count: 4 + lineCount) }

    mutating func tier(entry: Int, number: Int, ordinal: Int) {}
    mutating func highestOf(entry: Int, lines: UInt64) {}
    mutating func lessEarnedEarlier(entry: Int, amount: Int, lines: UInt64) {}
    mutating func cap(entry: Int, _ cap: RateCardCap, limit: Int, payable: Int, before: Int) {
        switch cap {
        case .participant: bound[0] = true
        case .provider: bound[1] = true
        case .period: bound[2] = true
        case .contract: bound[3] = true
        case .line(let index): bound[4 + index] = true
        }
    }

    func caps(_ card: RateCard) -> [PaymentProjection.Cap] {
        let caps: [PaymentProjection.Cap] = [.scope(.participant), .providerCap, .scope(.period), .scope(.contract)]
            + card.lines.map { .scope(.line($0.id)) }
        return zip(caps, bound).compactMap { $1 ? $0 : nil }
    }
}
