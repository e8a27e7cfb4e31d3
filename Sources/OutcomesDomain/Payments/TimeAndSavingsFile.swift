import Foundation

/// Reading `per_day`, `savings_share`, `milestones`, `clawback` and `payers`.
extension TermsReader {
    func lineID(_ entries: [String: YAMLValue], _ node: YAMLValue, _ context: String) throws -> String {
        let id = try entries.required("id", in: context, at: node).string("id")
        guard id.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) != nil else {
            throw entries["id"]!.error("line id '\(id)' may hold only a-z, 0-9 and '_', starting with a letter")
        }
        return id
    }

    func metricID(_ node: YAMLValue, _ what: String) throws -> String {
        try outcome(node, achieved: nil).metricID
    }

    /// A percentage from 0 to 100.
    func percent(_ node: YAMLValue, _ what: String) throws -> Decimal {
        let value = try node.decimal(what)
        guard value >= 0, value <= 100 else { throw node.error("\(what) \(value) is outside its range: a percent from 0 to 100") }
        return value
    }

    func period(_ node: YAMLValue, _ what: String) throws -> String {
        let label = try node.string(what)
        guard periods.contains(where: { $0.label == label }) else {
            throw node.error("unknown period '\(label)'; periods: \(periods.map(\.label).joined(separator: ", "))")
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
            sharePercent: try percent(try entries.required("share", in: context, at: node), "share"),
            cap: try entries["cap"].map { try money($0, "cap") })
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
            target: try entries.required("target", in: context, at: node).comparison("target"),
            assessedIn: try period(try entries.required("assessed_in", in: context, at: node), "assessed_in"),
            provider: try entries.required("provider", in: context, at: node).string("provider"))
    }

    /// Each line belongs to at most one payer; shares add up to 100 when some line is not named.
    func payers(_ node: YAMLValue, lineIDs: [String]) throws -> [Payer] {
        var named: [String: String] = [:]
        var payers: [Payer] = []
        for item in node.list() {
            let entries = try item.mapping(allowed: ["id", "lines", "share"], context: "a payer")
            let id = try entries.required("id", in: "a payer", at: item).string("id")
            guard !payers.contains(where: { $0.id == id }) else { throw item.error("payer '\(id)' is named twice") }
            let lines = try entries["lines"]?.list().map { try $0.string("a line id") } ?? []
            for line in lines {
                guard lineIDs.contains(line) else {
                    throw item.error("payer '\(id)' names unknown line '\(line)'; lines: \(lineIDs.joined(separator: ", "))")
                }
                if let other = named.updateValue(id, forKey: line) {
                    throw item.error("line '\(line)' is named by payers '\(other)' and '\(id)'; a line has one payer")
                }
            }
            let share = try entries["share"].map { try percent($0, "share") }
            guard !lines.isEmpty || share != nil else { throw item.error("payer '\(id)' needs 'lines', 'share' or both") }
            payers.append(Payer(id: id, lines: lines, sharePercent: share))
        }
        let total = payers.compactMap(\.sharePercent).reduce(0, +)
        let unnamed = lineIDs.filter { named[$0] == nil }
        if !unnamed.isEmpty, total != 100 {
            throw node.error("payer shares add up to \(total)%, not 100%, and lines \(unnamed.joined(separator: ", ")) are named by no payer")
        }
        return payers
    }
}
