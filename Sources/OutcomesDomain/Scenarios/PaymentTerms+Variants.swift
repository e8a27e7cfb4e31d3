import Foundation

/// The payment terms and figures a scenario's variant changes: dearer or cheaper prices, another
/// cap across every mechanism, fewer participants.
extension PaymentTerms {
    /// Every outcome price multiplied by `factor` and rounded as the contract rounds: rate-card
    /// prices and tiers, per-day prices, effect lines' tier amounts and per-unit prices. (A
    /// savings share's unit cost is what an outcome saves, not a price; milestones are not
    /// outcomes; caps stay as they are.)
    public func pricesScaled(by factor: Decimal) -> PaymentTerms {
        func scaled(_ price: Money) -> Money { (price * factor).rounded(rounding) }
        var terms = with(
            rateCard: rateCard.map { card in
                RateCard(precondition: card.precondition, lines: card.lines.map { line in
                    let pricing: RateCard.Pricing = switch line.pricing {
                    case .flat(let price): .flat(scaled(price))
                    case .tiers(let tiers): .tiers(tiers.map { RateCard.Tier(upTo: $0.upTo, price: scaled($0.price)) })
                    }
                    return RateCard.Line(id: line.id, outcome: line.outcome, pricing: pricing, recurs: line.recurs, requires: line.requires, cap: line.cap)
                }, exclusiveGroups: card.exclusiveGroups, caps: card.caps, tiersCountPer: card.tiersCountPer)
            },
            effectLines: effectLines.map { line in
                let pricing: EffectLine.Pricing = switch line.pricing {
                case .tiers(let tiers): .tiers(tiers.map { EffectLine.Tier(from: $0.from, amount: scaled($0.amount)) })
                case .perUnit(let unit):
                    .perUnit(EffectLine.PerUnit(brackets: unit.brackets.map { EffectLine.Bracket(from: $0.from, to: $0.to, price: scaled($0.price)) },
                                                units: unit.units, countedFrom: unit.countedFrom))
                }
                var scaledLine = EffectLine(id: line.id, outcome: line.outcome, statistic: line.statistic, better: line.better,
                                            improvement: line.improvement, comparison: line.comparison, threshold: line.threshold,
                                            pricing: pricing, perParticipant: line.perParticipant, cap: line.cap,
                                            overallThreshold: line.overallThreshold)
                scaledLine.measured = line.measured
                return scaledLine
            })
        terms.perDayLines = perDayLines.map { line in
            PerDayLine(id: line.id, days: line.days, less: line.less, precondition: line.precondition, pricePerDay: scaled(line.pricePerDay),
                       participantCap: line.participantCap, cap: line.cap)
        }
        return terms
    }

    /// The terms with the most the contract pays over its life set to `amount`: the cap across
    /// every mechanism, and the rate card's own contract cap when it has one (providers' caps stay).
    public func withContractCap(_ amount: Decimal) -> PaymentTerms {
        let cap = Money(amount, currency).rounded(rounding)
        var terms = with(
            rateCard: rateCard.map { card in
                guard card.caps.contract != nil else { return card }
                var caps = card.caps
                caps.contract = cap
                return RateCard(precondition: card.precondition, lines: card.lines, exclusiveGroups: card.exclusiveGroups, caps: caps,
                                tiersCountPer: card.tiersCountPer)
            },
            effectLines: effectLines)
        terms.caps.contract = cap
        return terms
    }

    /// These terms with another rate card and effect lines (the two mechanisms held as constants).
    private func with(rateCard: RateCard?, effectLines: [EffectLine]) -> PaymentTerms {
        var terms = PaymentTerms(version: version, currency: currency, rounding: rounding, rateCard: rateCard, effectLines: effectLines)
        (terms.perDayLines, terms.savingsShares, terms.milestones, terms.clawbacks, terms.payers) = (perDayLines, savingsShares, milestones, clawbacks, payers)
        (terms.interimSharePercent, terms.caps) = (interimSharePercent, caps)
        return terms
    }
}

extension PaymentSnapshot {
    /// The figures had only `share` of the participants enrolled, with the same outcomes each:
    /// participant-level records of a deterministic sample (by a hash of the person), and each
    /// treated group's counts scaled with its mean or rate kept. Comparison groups stay whole.
    public func enrolling(share: Double, terms: PaymentTerms) -> PaymentSnapshot {
        guard share < 1 else { return self }
        let threshold = UInt64(share * 18_446_744_073_709_551_616.0)  // share × 2^64, share < 1
        func kept(_ person: Int) -> Bool { PaymentProjection.order(person, 64) < threshold }
        func scaled(_ figure: GroupFigure, rate: Bool) -> GroupFigure {
            let count = Int((Double(figure.count) * share).rounded()), participants = Int((Double(figure.participants) * share).rounded())
            guard figure.count > 0 else { return GroupFigure(participants: participants, total: figure.total, count: figure.count) }
            let total = figure.total * Decimal(count) / Decimal(figure.count)
            return GroupFigure(participants: participants, total: rate ? total.rounded(scale: 0) : total.rounded(scale: 2), count: count)
        }
        func each(_ list: [EffectFigures], rate: Bool) -> [EffectFigures] {
            list.map { $0.with(treated: scaled($0.treated, rate: rate),
                               participantsByProvider: $0.participantsByProvider.mapValues { Int((Double($0) * share).rounded()) }) }
        }
        var result = self
        result.achievements = achievements.map { PeriodAchievements(period: $0.period, participants: $0.participants.filter { kept($0.personID) }, payable: $0.payable) }
        result.values = values.map { PeriodOutcomes(period: $0.period, outcomes: $0.outcomes.filter { kept($0.personID) }, payable: $0.payable) }
        let rates = Set(terms.effectLines.filter { $0.statistic == .rate }.map(\.id))
        for (id, figures) in effectFigures {
            result.effectFigures[id] = (each(figures.cohorts, rate: rates.contains(id)), each(figures.overall, rate: rates.contains(id)))
        }
        result.savingsFigures = savingsFigures.mapValues { each($0, rate: false) }
        let rateClawbacks = Set(terms.clawbacks.filter { $0.statistic == .rate }.map(\.id))
        for (id, figure) in clawbackFigures { result.clawbackFigures[id] = figure.map { scaled($0, rate: rateClawbacks.contains(id)) } }
        return result
    }
}

extension PaymentProjection {
    /// The projection under a variant: its prices and cap in the terms, its share of the
    /// participants in the figures, its effects as departures from the estimates the figures hold.
    public func variant(_ variant: ScenarioDefinition.Variant) throws -> PaymentProjection {
        var changed = terms
        if let scale = variant.priceScale { changed = changed.pricesScaled(by: scale) }
        if let cap = variant.contractCap { changed = changed.withContractCap(cap) }
        let moved = periods.map { period in
            Period(period: period.period, plan: PaymentPlan(terms: changed, periods: period.plan.periods, isLastPeriod: period.plan.isLastPeriod),
                   snapshot: variant.enrollmentScale.map { period.snapshot.enrolling(share: $0, terms: changed) } ?? period.snapshot)
        }
        var effects = self.effects, baseline: [String: [String?: Double]] = [:]
        for (outcome, byProvider) in self.effects {
            for (provider, effect) in byProvider {
                let (estimate, se) = variant.effect(estimate: effect.estimate, standardError: effect.se)
                effects[outcome]![provider] = (estimate, se)
                baseline[outcome, default: [:]][provider] = estimate - effect.estimate
            }
        }
        return try PaymentProjection(periods: moved, terms: changed, effects: effects, baseline: baseline)
    }
}
