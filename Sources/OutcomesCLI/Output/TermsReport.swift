import Foundation
import OutcomesDomain

extension Clawback.Target {
    var wording: String {
        switch self {
        case .figure(let condition): "\(condition.comparison.rawValue) \(condition.value)"
        case .change(let baseline, let better, let improvement, let atLeast):
            "an improvement of \(atLeast)\(improvement == .relative ? "%" : "") on the baseline \(baseline) (\(better.rawValue) is better)"
        }
    }
}

extension Report {
    static func providerCapRows(_ caps: ProviderCaps?) -> [[Cell]] {
        (caps?.listed ?? []).map { entry in
            [.text(entry.provider.map { "provider \($0)" } ?? (caps.map { if case .each = $0 { true } else { false } } == true
                                                              ? "per provider" : "each other provider")), .money(entry.cap)]
        }
    }

    /// A contract as loaded: its payment terms, or its metrics when it has none.
    init(contract: OutcomeContract, title: String, notes: [String] = []) {
        if let terms = contract.payments {
            self.init(terms: terms, contract: contract, title: title, notes: notes)
            return
        }
        self.init(title: title)
        self.notes = notes + ["Version \(contract.version); metrics only, no payment terms."]
        var metrics = ReportTable(name: "metrics", title: "Metrics", columns: ["metric", "label", "measure"])
        metrics.rows = contract.metrics.map { [.text($0.id), .text($0.label), .text($0.measureName)] }
        tables = [metrics]
    }

    /// A contract's payment terms, line by line: what each pays for, how it is priced, its limits.
    init(terms: PaymentTerms, contract: OutcomeContract, title: String, notes: [String] = []) {
        self.init(title: title)
        self.notes = notes + [
            "Version \(terms.version); amounts in \(terms.currency.code), rounded \(terms.rounding.rawValue.replacingOccurrences(of: "_", with: "-")) "
                + "to \(terms.currency.minorUnits) decimals once per line."
                + (terms.interimSharePercent.map { " Interim runs pay \($0)% of what is owed so far." } ?? "")
                + (terms.approval == .makerChecker
                   ? " Runs are staged by the login that computes them and posted when a different login approves them (maker–checker)." : ""),
        ]
        var lines = ReportTable(name: "lines", title: "Payment lines", columns: ["line", "mechanism", "outcome", "pays", "conditions", "cap"])
        lines.rows = terms.describedLines.map {
            [.text($0.id), .text($0.mechanism), $0.outcome.map(Cell.text) ?? .null, .text($0.pays), .text($0.conditions), $0.cap.map(Cell.money) ?? .null]
        }
        tables.append(lines)
        if let caps = terms.rateCard?.caps {
            var capTable = ReportTable(name: "caps", title: "Rate-card caps", columns: ["scope", "cap"])
            for (scope, cap) in [("per participant", caps.participant), ("per period", caps.period), ("per contract", caps.contract)] {
                if let cap { capTable.rows.append([.text(scope), .money(cap)]) }
            }
            capTable.rows += Self.providerCapRows(caps.provider)
            if !capTable.rows.isEmpty { tables.append(capTable) }
        }
        if !terms.caps.isEmpty {
            var capTable = ReportTable(name: "contract_caps", title: "Caps across every mechanism", columns: ["scope", "cap"])
            if let cap = terms.caps.contract { capTable.rows.append([.text("per contract"), .money(cap)]) }
            capTable.rows += Self.providerCapRows(terms.caps.provider)
            tables.append(capTable)
        }
        if !terms.payers.isEmpty {
            var payers = ReportTable(name: "payers", title: "Payers", columns: ["payer", "lines", "share of other lines"])
            payers.rows = terms.payers.map {
                [.text($0.id), .text($0.lines.joined(separator: ", ")), $0.sharePercent.map { .text("\($0)%") } ?? .null]
            }
            tables.append(payers)
        }
    }
}

/// One line of payment terms as a person reads it: its mechanism, what it pays for and how much,
/// on what conditions, and its cap. The terms report prints these; INDIGO's export words its
/// outcome metrics and pricings with them.
struct DescribedLine {
    let id: String
    let mechanism: String
    /// The metric (or days) it pays on; none for a milestone.
    let outcome: String?
    let pays: String
    let conditions: String
    let cap: Money?
}

extension PaymentTerms {
    /// Every line of the terms, described, in the order the terms report lists them.
    var describedLines: [DescribedLine] {
        var lines: [DescribedLine] = []
        if let card = rateCard {
            for line in card.lines {
                let pays: String = switch line.pricing {
                case .flat(let price): "\(price.plain) per \(line.perRelative ? "relative" : "participant")"
                case .tiers(let tiers):
                    tiers.map { tier in tier.upTo.map { "up to \($0): \(tier.price.plain)" } ?? "then \(tier.price.plain)" }
                        .joined(separator: "; ")
                }
                let who = line.perRelative ? "relative" : "participant"
                var conditions = [line.recurs ? "every period achieved" : "once per \(who)",
                                  (line.perRelative ? "a relative's own value achieved when " : "achieved when ")
                                      + "\(line.outcome.condition.comparison.rawValue) \(line.outcome.condition.value)"]
                if !line.requires.isEmpty { conditions.append("after " + line.requires.joined(separator: ", ")) }
                if let group = card.exclusiveGroups.first(where: { $0.contains(line.id) }) {
                    conditions.append("the highest of " + group.joined(separator: ", "))
                }
                if let precondition = card.precondition { conditions.append("once \(precondition.metricID) is achieved") }
                lines.append(DescribedLine(id: line.id, mechanism: "rate card", outcome: line.outcome.metricID, pays: pays,
                                           conditions: conditions.joined(separator: "; "), cap: line.cap))
            }
        }
        for line in effectLines {
            let unit = line.improvement == .relative ? "%" : (line.statistic == .rate ? " points" : " units")
            let pays: String = switch line.pricing {
            case .tiers(let tiers): tiers.map { "from \($0.from)\(unit): \($0.amount.plain)" }.joined(separator: "; ")
            case .perUnit(let rule):
                rule.brackets.enumerated().map { index, bracket in
                    let from = rule.countedFrom == .zero && index == 0 ? "0 (once the threshold is met)" : "\(bracket.from)"
                    return "\(bracket.price.plain) per \(rule.units == .whole ? "whole" : "fractional")\(unit) counted from \(from)"
                        + (bracket.to.map { " to \($0)" } ?? "")
                }.joined(separator: "; ")
            }
            let against: String = switch line.comparison {
            case .comparisonGroup: "each provider's own control arm"
            case .sharedControlGroup: "the control group the providers share"
            case .matchedGroup: "each provider's matched comparison group"
            case .baseline(let value): "a baseline of \(value)"
            }
            var conditions = ["\(line.better.rawValue) \(line.statistic.rawValue) is better, against \(against)",
                              "nothing below \(line.threshold)\(unit)"]
            if line.perParticipant { conditions.append("per treated participant") }
            if let overall = line.overallThreshold { conditions.append("all cohorts together from \(overall)\(unit)") }
            lines.append(DescribedLine(id: line.id, mechanism: "effect", outcome: line.outcome.metricID, pays: pays,
                                       conditions: conditions.joined(separator: "; "), cap: line.cap))
        }
        for line in perDayLines {
            var conditions = line.less.map { ["less the days of \($0)"] } ?? []
            if let precondition = line.precondition { conditions.append("once \(precondition.metricID) is achieved") }
            if let cap = line.participantCap { conditions.append("at most \(cap.plain) per participant") }
            lines.append(DescribedLine(id: line.id, mechanism: "per day", outcome: line.days, pays: "\(line.pricePerDay.plain) per day",
                                       conditions: conditions.joined(separator: "; "), cap: line.cap))
        }
        for line in savingsShares {
            let pays = line.schedule.map { step in
                "\(step.percent)% of \(line.unitCost.plain) per unit avoided" + (step.until.map { " until the line has paid \($0.plain)" } ?? "")
            }
            lines.append(DescribedLine(id: line.id, mechanism: "savings share", outcome: line.outcome, pays: pays.joined(separator: "; then "),
                                       conditions: "", cap: line.cap))
        }
        for milestone in milestones {
            lines.append(DescribedLine(id: milestone.id, mechanism: "milestone", outcome: nil, pays: milestone.amount.plain,
                                       conditions: "when delivered; paid in \(milestone.period)", cap: nil))
        }
        for clawback in clawbacks {
            lines.append(DescribedLine(id: clawback.id, mechanism: "clawback", outcome: clawback.outcome.metricID,
                                       pays: "repays \(clawback.sharePercent)% of \(clawback.contractValue.plain)",
                                       conditions: "when the \(clawback.statistic.rawValue) misses \(clawback.target.wording) in \(clawback.assessedIn)",
                                       cap: nil))
        }
        return lines
    }
}
