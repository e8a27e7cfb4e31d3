import Foundation
import OutcomesDomain

/// A plain-language reading: three or four sentences at the top of an HTML report that say what
/// its numbers mean, the way WSIPP summarizes a program. Made only from figures the report's tables
/// show (suppressed cells are never cited), so each sentence can be held to them.
enum Reading {
    /// An amount as a sentence says it: whole units of the amount the tables show (its cents
    /// first, then the nearest unit), separators, the currency's sign where it has a common one
    /// (`$15,017`, `-$3,700`), else its code (`CHF 1,200`).
    static func spoken(_ money: Money) -> String {
        let shown = money.amount.rounded(scale: money.currency.minorUnits)  // as Money.plain shows it
        return signed(Money(shown.rounded(scale: 0), money.currency), decimals: false)
    }

    /// An amount to the cent, as the tables show it (`$4,997,615.50`): for payments, which add up.
    static func exact(_ money: Money) -> String { signed(money, decimals: true) }

    private static func signed(_ money: Money, decimals: Bool) -> String {
        let grouped = decimals ? money.grouped : String(money.grouped.split(separator: ".")[0])
        let digits = grouped.hasPrefix("-") ? String(grouped.dropFirst()) : grouped
        let signs = ["USD": "$", "GBP": "£", "EUR": "€"]
        let amount = signs[money.currency.code].map { $0 + digits } ?? "\(money.currency.code) \(digits)"
        return (grouped.hasPrefix("-") && digits.contains(where: { $0 != "0" && $0 != "." && $0 != "," }) ? "-" : "") + amount
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }

    // MARK: - Scenario

    struct Scenario {
        var cost, totalBenefits, taxpayers, net: Money
        var ratio: Decimal?
        var chance: Double
        var draws: Int
        /// The input whose low-to-high swing moves the net most (as a phrase: "the cost per
        /// participant"), and by how much.
        var largest: (phrase: String, swing: Money)?
        /// The share of the estimated effects at which benefits equal costs.
        var breakEvenScale: Double?
        var baseYear: Int
    }

    static func scenario(_ s: Scenario) -> [String] {
        var sentences: [String] = []
        let ratio = s.ratio.map { ", a benefit-cost ratio of " + Cell.ratio($0).display } ?? ""
        let taxpayers = s.taxpayers.amount < 0 ? "taxpayers lose \(spoken(Money(-s.taxpayers.amount, s.taxpayers.currency)))"
            : "taxpayers gain \(spoken(s.taxpayers))"
        let terms = " (\(taxpayers); present values at \(s.baseYear) prices)"
        let shortfall = Money(-s.net.amount, s.net.currency)
        let opening = "At a cost of \(spoken(s.cost)) per participant, "
        if s.totalBenefits.amount < 0 {
            // Losses elsewhere outweigh any gain: there are no benefits to set against the cost.
            sentences.append(opening + "the program's benefits are a net loss of \(spoken(Money(-s.totalBenefits.amount, s.totalBenefits.currency))) "
                             + "per participant\(terms), so they fall short of its cost by \(spoken(shortfall))\(ratio).")
        } else if spoken(s.net) == spoken(shortfall) {  // rounds to nothing either way
            sentences.append(opening + "the program's benefits of \(spoken(s.totalBenefits)) per participant\(terms) about equal its cost\(ratio).")
        } else if s.net.amount > 0 {
            sentences.append(opening + "the program's benefits of \(spoken(s.totalBenefits)) per participant\(terms) cover its cost: "
                             + "benefits exceed costs by \(spoken(s.net))\(ratio).")
        } else {
            sentences.append(opening + "the program's benefits of \(spoken(s.totalBenefits)) per participant\(terms) do not cover its cost: "
                             + "benefits fall short by \(spoken(shortfall))\(ratio).")
        }
        sentences.append("Benefits exceed costs in \(percent(s.chance)) of \(s.draws.formatted(.number.grouping(.automatic))) simulations "
                         + "of the effects' and values' uncertainty.")
        if let largest = s.largest {
            sentences.append("The largest driver is \(largest.phrase): between its low and high values, "
                             + "benefits minus costs move by \(spoken(largest.swing)) per participant.")
        }
        switch (s.net.amount >= 0, s.breakEvenScale) {
        case (false, let scale?) where scale > 0:
            sentences.append("The program would break even only with effects \(Cell.threeSignificantDigits(scale)) times those estimated.")
        case (false, _):
            sentences.append("No size of the estimated effects makes benefits equal the cost.")
        case (true, let scale?) where scale > 0 && scale < 1:
            sentences.append("Benefits would still equal the cost with effects at \(percent(scale)) of those estimated.")
        default: break
        }
        return sentences
    }

    // MARK: - Comparison

    struct Effect {
        /// The metric's id (as the estimates table names it) and its label.
        var id, label: String
        var estimate, low, high, meanTreated, meanControl: Double
    }

    struct Comparison {
        var treated, controls: Int
        /// How the comparisons were chosen ("matching", "weighting"); nil: none (raw difference).
        var step: String?
        /// Covariates, and those still imbalanced after the step (the propensity score left out of both).
        var covariates, imbalanced: Int
        var threshold: Double
        /// The intervals' level (0.95).
        var confidence: Double
        /// Overall effects (all providers, the first analysis of each outcome) not suppressed.
        var effects: [Effect]
        var hidden: Int
    }

    static func comparison(_ c: Comparison) -> [String] {
        var sentences: [String] = []
        let sizes = "\(c.treated.formatted(.number.grouping(.automatic))) participants were compared with "
            + "\(c.controls.formatted(.number.grouping(.automatic))) comparison units"
        let threshold = String(format: "%g", c.threshold)
        if let step = c.step {
            let balance = c.imbalanced == 0
                ? "after \(step), all \(c.covariates) covariates are balanced (|SMD| at most \(threshold))"
                : "after \(step), \(c.imbalanced) of \(c.covariates) covariates remain imbalanced (|SMD| above \(threshold)), so read the estimates with care"
            sentences.append("\(sizes); \(balance).")
        } else {
            sentences.append("\(sizes), without matching or weighting.")
        }
        let level = String(format: "%g%%", c.confidence * 100)
        let clear = c.effects.filter { $0.low > 0 || $0.high < 0 }, unclear = c.effects.filter { !($0.low > 0 || $0.high < 0) }
        if !clear.isEmpty {
            let named = clear.prefix(3).map { e in
                "\(e.label) (\(e.id): \(number(e.meanTreated)) against \(number(e.meanControl)), a difference of \(number(e.estimate)))"
            }
            sentences.append("The \(level) interval excludes zero for \(clear.count) of \(c.effects.count) outcomes: "
                             + named.joined(separator: "; ") + (clear.count > 3 ? "; and \(clear.count - 3) more" : "") + ".")
        }
        if !unclear.isEmpty {
            sentences.append("No clear effect (the \(level) interval includes zero) on " + unclear.prefix(3).map { "\($0.label) (\($0.id))" }.joined(separator: "; ")
                             + (unclear.count > 3 ? "; and \(unclear.count - 3) more" : "") + ".")
        }
        if c.hidden > 0 { sentences.append("\(c.hidden) estimate\(c.hidden == 1 ? " is" : "s are") suppressed: an arm is a small count.") }
        return sentences
    }

    // MARK: - Metrics

    struct Rate {
        var label: String
        var all: Double
        var lowest: (provider: String, rate: Double)?
        var highest: (provider: String, rate: Double)?
    }

    /// `participants`: the most participants any metric counted over all providers (as the table shows them).
    static func metrics(period: String, participants: Int?, providers: Int, rates: [Rate], threshold: Int) -> [String] {
        var sentences: [String] = []
        if let participants {
            sentences.append("In \(period), up to \(participants.formatted(.number.grouping(.automatic))) participants were measured across "
                             + "\(providers) provider\(providers == 1 ? "" : "s").")
        }
        for rate in rates.prefix(2) {
            var sentence = "\(rate.label): \(percent(rate.all)) of participants with a value"
            if let low = rate.lowest, let high = rate.highest, low.provider != high.provider {
                sentence += ", from \(percent(low.rate)) at \(low.provider) to \(percent(high.rate)) at \(high.provider)"
            }
            sentences.append(sentence + ".")
        }
        if threshold > 1 {
            sentences.append("Counts of 1 to \(threshold - 1) are hidden, with the cells that would give them away.")
        }
        return sentences
    }

    // MARK: - Payments

    /// Sums of the statement's lines (earned, and net of adjustments) and of its caps' cuts, to the cent.
    static func statement(provider: String, contract: String, earned: Money, net: Money, cut: Money, periods: [String], runs: Int) -> [String] {
        guard !periods.isEmpty else { return ["The ledger holds no payments to \(provider) under \(contract)."] }
        var sentences = ["Over the lines below, \(provider) earned \(exact(earned)) under \(contract) in \(list(periods)), "
                         + "and was paid \(exact(net)) net, in \(runs) run\(runs == 1 ? "" : "s")."]
        if cut.amount > 0 { sentences.append("Caps cut \(exact(cut)) of what the outcomes earned.") }
        return sentences
    }

    static func summary(contract: String, paid: Money, providers: Int, tightest: (scope: String, left: Money)?) -> [String] {
        var sentences = ["\(contract) has paid \(exact(paid)) to date to \(providers) provider\(providers == 1 ? "" : "s")."]
        if let tightest { sentences.append("The closest cap is \(tightest.scope), with \(exact(tightest.left)) left under it.") }
        return sentences
    }

    // MARK: - Words

    static func number(_ value: Double) -> String { Cell.real(value).display }

    static func list(_ items: [String]) -> String {
        items.count <= 2 ? items.joined(separator: " and ") : items.dropLast().joined(separator: ", ") + " and " + items.last!
    }
}
