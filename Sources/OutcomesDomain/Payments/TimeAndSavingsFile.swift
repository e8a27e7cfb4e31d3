import Foundation

/// Reading `per_day`, `savings_share`, `milestones`, `clawback` and `payers`.
extension TermsReader {
    func lineID(_ entries: [String: YAMLValue], _ node: YAMLValue, _ context: String) throws -> String {
        let id = try entries.required("id", in: context, at: node).string("id")
        guard id.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) != nil else {
            throw entries["id"]!.error(.wrongForm(expected: .identifier), "line id '\(id)' may hold only a-z, 0-9 and '_', starting with a letter")
        }
        return id
    }

    func metricID(_ node: YAMLValue, _ what: String) throws -> String {
        try outcome(node, achieved: nil).metricID
    }

    /// A percentage from 0 to 100.
    func percent(_ node: YAMLValue, _ what: String) throws -> Decimal {
        let value = try node.decimal(what)
        guard value >= 0, value <= 100 else { throw node.error(.outOfRange(what), "\(what) \(value) is outside its range: a percent from 0 to 100") }
        return value
    }

    func period(_ node: YAMLValue, _ what: String) throws -> String {
        let label = try node.string(what)
        guard periods.contains(where: { $0.label == label }) else {
            throw node.error(.unknownName(.period, label), "unknown period '\(label)'; periods: \(periods.map(\.label).joined(separator: ", "))")
        }
        return label
    }

    func perDayLine(_ node: YAMLValue) throws -> PerDayLine {
        let entries = try node.mapping(
            allowed: ["id", "days", "less", "precondition", "price", "participant_cap", "cap"], context: "a per-day line")
        let id = try lineID(entries, node, "a per-day line")
        return PerDayLine(
            id: id,
            days: try metricID(try entries.required("days", in: "per-day line '\(id)'", at: node), "days"),
            less: try entries["less"].map { try metricID($0, "less") },
            precondition: try entries["precondition"].map(precondition),
            pricePerDay: try money(try entries.required("price", in: "per-day line '\(id)'", at: node), "price"),
            participantCap: try entries["participant_cap"].map { try money($0, "participant_cap") },
            cap: try entries["cap"].map { try money($0, "cap") })
    }

    func savingsShare(_ node: YAMLValue) throws -> SavingsShareLine {
        let entries = try node.mapping(
            allowed: ["id", "outcome", "comparison", "unit_cost", "share", "cap"], context: "a savings-share line")
        let id = try lineID(entries, node, "a savings-share line")
        let context = "savings-share line '\(id)'"
        return SavingsShareLine(
            id: id,
            outcome: try metricID(try entries.required("outcome", in: context, at: node), "outcome"),
            comparison: try comparison(try entries.required("comparison", in: context, at: node)),
            unitCost: try money(try entries.required("unit_cost", in: context, at: node), "unit_cost"),
            schedule: try shareSchedule(try entries.required("share", in: context, at: node)),
            cap: try entries["cap"].map { try money($0, "cap") })
    }

    /// `share: 50`, or steps `share: [{percent: 50, until: 2000000}, {percent: 20}]` in order of
    /// what the line has paid; only the last step leaves out `until`.
    func shareSchedule(_ node: YAMLValue) throws -> [SavingsShareLine.ShareStep] {
        guard node.node.sequence != nil else { return [SavingsShareLine.ShareStep(percent: try percent(node, "share"))] }
        let items = node.list()
        var steps: [SavingsShareLine.ShareStep] = []
        for (index, item) in items.enumerated() {
            let entries = try item.mapping(allowed: ["percent", "until"], context: "a share step")
            let step = SavingsShareLine.ShareStep(
                percent: try percent(try entries.required("percent", in: "a share step", at: item), "percent"),
                until: try entries["until"].map { try money($0, "until") })
            if step.until == nil, index < items.count - 1 { throw item.error(.missingKey("until"), "only the last share step may leave out 'until'") }
            if step.until != nil, index == items.count - 1 {
                throw item.error(.keyDoesNotApply("until"), "the last share step has no 'until': it applies to everything after the steps before it")
            }
            if let last = steps.last?.until, let until = step.until, until <= last {
                throw item.error(.outOfOrder, "share steps must be in order: until \(until.plain) does not come after \(last.plain)")
            }
            steps.append(step)
        }
        guard !steps.isEmpty else { throw node.error(.tooFew("share"), "share needs at least one step") }
        return steps
    }

    func milestone(_ node: YAMLValue) throws -> Milestone {
        let entries = try node.mapping(allowed: ["id", "amount", "period", "provider"], context: "a milestone")
        let id = try lineID(entries, node, "a milestone")
        return Milestone(
            id: id, amount: try money(try entries.required("amount", in: "milestone '\(id)'", at: node), "amount"),
            period: try period(try entries.required("period", in: "milestone '\(id)'", at: node), "period"),
            provider: try entries.required("provider", in: "milestone '\(id)'", at: node).string("provider"))
    }

    func clawback(_ node: YAMLValue) throws -> Clawback {
        let entries = try node.mapping(
            allowed: ["id", "contract_value", "share", "outcome", "achieved", "statistic", "target", "assessed_in", "provider"],
            context: "a clawback")
        let id = try lineID(entries, node, "a clawback")
        let context = "clawback '\(id)'"
        let statistic = try entries["statistic"]?.choice("statistic", EffectLine.Statistic.allCases.map { ($0.rawValue, $0) }) ?? .rate
        return Clawback(
            id: id,
            contractValue: try money(try entries.required("contract_value", in: context, at: node), "contract_value"),
            sharePercent: try percent(try entries.required("share", in: context, at: node), "share"),
            outcome: try outcome(try entries.required("outcome", in: context, at: node), achieved: entries["achieved"]),
            statistic: statistic,
            target: try clawbackTarget(try entries.required("target", in: context, at: node), statistic: statistic),
            assessedIn: try period(try entries.required("assessed_in", in: context, at: node), "assessed_in"),
            provider: try entries.required("provider", in: context, at: node).string("provider"))
    }

    /// `target: "<= 0.05"` (the figure itself), or a change from a baseline:
    /// `target: {baseline: 0.40, better: lower, improvement: relative, at_least: 10}`.
    func clawbackTarget(_ node: YAMLValue, statistic: EffectLine.Statistic) throws -> Clawback.Target {
        guard node.node.mapping != nil else { return .figure(try node.comparison("target")) }
        let entries = try node.mapping(allowed: ["baseline", "better", "improvement", "at_least"], context: "a clawback target")
        let baselineNode = try entries.required("baseline", in: "a clawback target", at: node)
        let baseline = try baselineNode.decimal("baseline")
        guard baseline >= 0 else { throw baselineNode.error(.outOfRange("baseline"), "baseline cannot be negative (\(baseline))") }
        let better = try entries.required("better", in: "a clawback target", at: node)
            .choice("better", EffectLine.Direction.allCases.map { ($0.rawValue, $0) })
        let improvement = try entries.required("improvement", in: "a clawback target", at: node)
            .choice("improvement", EffectLine.Improvement.allCases.map { ($0.rawValue, $0) })
        if improvement == .relative, baseline == 0 {
            throw baselineNode.error(.unsupported, "a relative change from a baseline of 0 cannot be measured; give improvement: absolute")
        }
        let atLeastNode = try entries.required("at_least", in: "a clawback target", at: node)
        let atLeast = try atLeastNode.decimal("at_least")
        try checkRange(atLeast, at: atLeastNode, "at_least", statistic: statistic, better: better, improvement: improvement)
        return .change(baseline: baseline, better: better, improvement: improvement, atLeast: atLeast)
    }

    /// Each line belongs to at most one payer; shares add up to 100 when some line is not named.
    func payers(_ node: YAMLValue, lineIDs: [String]) throws -> [Payer] {
        var named: [String: String] = [:]
        var payers: [Payer] = []
        for item in node.list() {
            let entries = try item.mapping(allowed: ["id", "lines", "share"], context: "a payer")
            let id = try entries.required("id", in: "a payer", at: item).string("id")
            guard !payers.contains(where: { $0.id == id }) else { throw item.error(.duplicateName(id), "payer '\(id)' is named twice") }
            let lines = try entries["lines"]?.list().map { try $0.string("a line id") } ?? []
            for line in lines {
                guard lineIDs.contains(line) else {
                    throw item.error(.unknownName(.line, line), "payer '\(id)' names unknown line '\(line)'; lines: \(lineIDs.joined(separator: ", "))")
                }
                if let other = named.updateValue(id, forKey: line) {
                    throw item.error(.duplicateName(line), "line '\(line)' is named by payers '\(other)' and '\(id)'; a line has one payer")
                }
            }
            let share = try entries["share"].map { try percent($0, "share") }
            guard !lines.isEmpty || share != nil else { throw item.error(.missingOneOf(["lines", "share"]), "payer '\(id)' needs 'lines', 'share' or both") }
            payers.append(Payer(id: id, lines: lines, sharePercent: share))
        }
        let total = payers.compactMap(\.sharePercent).reduce(0, +)
        let unnamed = lineIDs.filter { named[$0] == nil }
        if !unnamed.isEmpty, total != 100 {
            throw node.error(.inconsistent, "payer shares add up to \(total)%, not 100%, and lines \(unnamed.joined(separator: ", ")) are named by no payer")
        }
        return payers
    }
}
