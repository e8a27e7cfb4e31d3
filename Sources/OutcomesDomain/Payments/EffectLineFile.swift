import Foundation

/// Reading `payments: effect:` lines.
extension TermsReader {
    static let effectKeys = [
        "id", "outcome", "achieved", "statistic", "better", "improvement", "comparison", "threshold", "tiers", "per_unit",
        "per_participant", "cap", "overall_threshold", "measured", "split",
    ]

    func effectLines(_ node: YAMLValue) throws -> [EffectLine] {
        var ids: Set<String> = []
        return try node.list().map { item in
            let line = try effectLine(item)
            guard ids.insert(line.id).inserted else { throw item.error(.duplicateName(line.id), "effect line id '\(line.id)' is used twice") }
            return line
        }
    }

    func effectLine(_ node: YAMLValue) throws -> EffectLine {
        let entries = try node.mapping(allowed: Self.effectKeys, context: "an effect line")
        let id = try lineID(entries, node, "an effect line")
        let context = "effect line '\(id)'"
        let statistic = try entries["statistic"]?.choice("statistic", EffectLine.Statistic.allCases.map { ($0.rawValue, $0) }) ?? .mean
        if statistic == .mean, let achieved = entries["achieved"] {
            throw achieved.error(.keyDoesNotApply("achieved"), "'achieved' applies to statistic: rate (a mean compares the values themselves)")
        }
        let better = try entries.required("better", in: context, at: node)
            .choice("better", EffectLine.Direction.allCases.map { ($0.rawValue, $0) })
        let improvement = try entries.required("improvement", in: context, at: node)
            .choice("improvement", EffectLine.Improvement.allCases.map { ($0.rawValue, $0) })
        let thresholdNode = try entries.required("threshold", in: context, at: node)
        let threshold = try thresholdNode.decimal("threshold")
        try checkRange(threshold, at: thresholdNode, "threshold", statistic: statistic, better: better, improvement: improvement)
        var overall: Decimal?
        if let overallNode = entries["overall_threshold"] {
            overall = try overallNode.decimal("overall_threshold")
            try checkRange(overall!, at: overallNode, "overall_threshold", statistic: statistic, better: better, improvement: improvement)
        }
        let pricing: EffectLine.Pricing
        switch (entries["tiers"], entries["per_unit"]) {
        case (let tiers?, nil): pricing = .tiers(try effectTiers(tiers, threshold: min(threshold, overall ?? threshold)))
        case (nil, let brackets?): pricing = .perUnit(try perUnit(brackets))
        case (_?, _?): throw node.error(.conflictingKeys(["tiers", "per_unit"]), "\(context) has both 'tiers' and 'per_unit'; give one")
        case (nil, nil): throw node.error(.missingOneOf(["tiers", "per_unit"]), "\(context) needs 'tiers' or 'per_unit'")
        }
        var line = EffectLine(
            id: id,
            outcome: try outcome(try entries.required("outcome", in: context, at: node), achieved: entries["achieved"]),
            statistic: statistic, better: better, improvement: improvement,
            comparison: try comparison(try entries.required("comparison", in: context, at: node)),
            threshold: threshold, pricing: pricing,
            perParticipant: try entries["per_participant"]?.bool("per_participant") ?? false,
            cap: try entries["cap"].map { try money($0, "cap") },
            overallThreshold: overall)
        line.measured = try measured(entries, at: node, context: context)
        return line
    }

    /// `measured: per_provider` (the default) or `measured: pooled` with `split: by_participants |
    /// equally | {to: PROVIDER}` — how the amount paid once for all providers together is shared.
    func measured(_ entries: [String: YAMLValue], at node: YAMLValue, context: String) throws -> EffectLine.Measured {
        enum Kind { case perProvider, pooled }
        let kind = try entries["measured"]?.choice("measured", [("per_provider", Kind.perProvider), ("pooled", .pooled)]) ?? .perProvider
        guard kind == .pooled else {
            if let split = entries["split"] {
                throw split.error(.keyDoesNotApply("split"), "'split' applies to measured: pooled (an effect paid once for every provider's participants together)")
            }
            return .perProvider
        }
        let splitNode = try entries.required("split", in: "\(context) (measured: pooled)", at: node)
        guard splitNode.node.mapping != nil else {
            return .pooled(try splitNode.choice("split", [("by_participants", EffectLine.Split.byParticipants), ("equally", .equally)]))
        }
        let fields = try splitNode.mapping(allowed: ["to"], context: "split")
        let toNode = try fields.required("to", in: "split", at: splitNode)
        let payee = try toNode.string("a provider")
        if !providers.isEmpty, !providers.contains(payee) {
            throw toNode.error(.unknownName(.provider, payee), "provider '\(payee)' is not a provider of the cohort; providers: \(providers.joined(separator: ", "))")
        }
        return .pooled(.to(payee))
    }

    /// Improvements are never negative; a relative reduction, or a difference of rates in points, is at most 100.
    func checkRange(_ value: Decimal, at node: YAMLValue, _ what: String, statistic: EffectLine.Statistic,
                    better: EffectLine.Direction, improvement: EffectLine.Improvement) throws {
        guard value >= 0 else { throw node.error(.outOfRange(what), "\(what) \(value) is outside its range: an improvement cannot be negative") }
        let bounded = (improvement == .relative && better == .lower) || (improvement == .absolute && statistic == .rate)
        if bounded, value > 100 {
            throw node.error(.outOfRange(what), "\(what) \(value) is outside its range: this improvement is at most 100 "
                             + (improvement == .relative ? "(percent)" : "(percentage points)"))
        }
    }

    func comparison(_ node: YAMLValue) throws -> EffectLine.Comparison {
        if node.node.mapping != nil {
            let entries = try node.mapping(allowed: ["baseline"], context: "comparison")
            let baselineNode = try entries.required("baseline", in: "comparison", at: node)
            let baseline = try baselineNode.decimal("baseline")
            guard baseline >= 0 else { throw baselineNode.error(.outOfRange("baseline"), "baseline cannot be negative (\(baseline))") }
            return .baseline(baseline)
        }
        return try node.choice("comparison", [
            ("comparison_group", EffectLine.Comparison.comparisonGroup), ("shared_control_group", .sharedControlGroup),
            ("matched_group", .matchedGroup),
        ])
    }

    func effectTiers(_ node: YAMLValue, threshold: Decimal) throws -> [EffectLine.Tier] {
        var tiers: [EffectLine.Tier] = []
        for item in node.list() {
            let entries = try item.mapping(allowed: ["from", "pays"], context: "a tier")
            let fromNode = try entries.required("from", in: "a tier", at: item)
            let from = try fromNode.decimal("from")
            guard from >= threshold else { throw fromNode.error(.inconsistent, "tier from \(from) is below the threshold \(threshold): it could never pay") }
            if let last = tiers.last, from <= last.from {
                throw fromNode.error(.outOfOrder, "tiers must be in order with no overlap: from \(from) does not come after \(last.from)")
            }
            tiers.append(EffectLine.Tier(from: from, amount: try money(try entries.required("pays", in: "a tier", at: item), "pays")))
        }
        guard !tiers.isEmpty else { throw node.error(.tooFew("tiers"), "tiers needs at least one tier") }
        return tiers
    }

    /// `per_unit: [brackets]` (whole units, each counted from its bracket's start), or
    /// `per_unit: {units: whole|fractional, counted_from: bracket_start|zero, brackets: […]}`.
    func perUnit(_ node: YAMLValue) throws -> EffectLine.PerUnit {
        guard node.node.mapping != nil else { return EffectLine.PerUnit(brackets: try effectBrackets(node)) }
        let entries = try node.mapping(allowed: ["units", "counted_from", "brackets"], context: "per_unit")
        return EffectLine.PerUnit(
            brackets: try effectBrackets(try entries.required("brackets", in: "per_unit", at: node)),
            units: try entries.required("units", in: "per_unit", at: node)
                .choice("units", EffectLine.PerUnit.Units.allCases.map { ($0.rawValue, $0) }),
            countedFrom: try entries.required("counted_from", in: "per_unit", at: node)
                .choice("counted_from", EffectLine.PerUnit.CountedFrom.allCases.map { ($0.rawValue, $0) }))
    }

    func effectBrackets(_ node: YAMLValue) throws -> [EffectLine.Bracket] {
        let items = node.list()
        var brackets: [EffectLine.Bracket] = []
        for (index, item) in items.enumerated() {
            let entries = try item.mapping(allowed: ["from", "to", "price"], context: "a bracket")
            let from = try entries.required("from", in: "a bracket", at: item).decimal("from")
            let to = try entries["to"]?.decimal("to")
            guard from >= 0 else { throw item.error(.outOfRange("from"), "bracket from \(from) cannot be negative") }
            if let to, to <= from { throw item.error(.outOfOrder, "bracket to \(to) must come after its from \(from)") }
            if to == nil, index < items.count - 1 { throw item.error(.missingKey("to"), "only the last bracket may leave out 'to'") }
            if let last = brackets.last, let lastTo = last.to, from < lastTo {
                throw item.error(.outOfOrder, "brackets must be in order with no overlap: from \(from) comes before the previous bracket's to \(lastTo)")
            }
            brackets.append(EffectLine.Bracket(
                from: from, to: to, price: try money(try entries.required("price", in: "a bracket", at: item), "price")))
        }
        guard !brackets.isEmpty else { throw node.error(.tooFew("per_unit"), "per_unit needs at least one bracket") }
        return brackets
    }
}
