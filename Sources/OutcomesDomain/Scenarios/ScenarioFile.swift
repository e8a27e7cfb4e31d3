import Foundation
import OutcomesStatistics

extension ScenarioDefinition {
    static let keys = ["scenario", "contract", "base_year", "price_index", "discount_rate", "horizon", "timing", "cost_per_participant",
                       "deadweight_cost_of_taxation", "effects", "unit_values", "draws", "payment_draws", "seed", "variants", "finance"]

    public static func load(path: String) throws -> ScenarioDefinition {
        try parse(yaml: YAMLValue.readFile(path), file: path)
    }

    public static func parse(yaml text: String, file: String) throws -> ScenarioDefinition {
        let root = try YAMLValue.parse(text, file: file)
        let entries = try root.mapping(allowed: keys, context: "the scenario")
        let id = try entries.identifier("scenario", in: "the scenario", at: root)
        let (contract, contractLine) = try entries.contractReference(in: "the scenario", at: root)
        let indexNode = try entries.required("price_index", in: "the scenario", at: root)
        var index: [Int: Double] = [:]
        for (key, value) in try indexNode.pairs() {
            guard let year = try? NumberLiteral.integer(key), (1900...2200).contains(year) else {
                throw value.error(.wrongForm(expected: .year), "price_index: '\(key)' is not a year from 1900 to 2200")
            }
            let level = try double(value, "the price index of \(year)")
            guard level > 0 else { throw value.error(.outOfRange("price_index"), "price_index: the index of \(year) must be positive") }
            index[year] = level
        }
        let baseNode = try entries.required("base_year", in: "the scenario", at: root)
        let baseYear = try baseNode.int("base_year")
        func covered(_ year: Int, _ node: YAMLValue, _ what: String) throws {
            guard index[year] != nil else {
                throw node.error(.unknownName(.priceIndexYear, String(year)), "\(what): the price index has no \(year) (it covers \(index.keys.sorted().map(String.init).joined(separator: ", "))); add the year or state the amount in another")
            }
        }
        try covered(baseYear, baseNode, "base_year")

        let rateNode = try entries.required("discount_rate", in: "the scenario", at: root)
        let rate = try distribution(rateNode, "discount_rate")
        if rate.range.low <= -1 || rate.center <= -1 { throw rateNode.error(.outOfRange("discount_rate"), "discount_rate must stay above -100% (-1)") }
        let horizonNode = try entries.required("horizon", in: "the scenario", at: root)
        let horizon = try horizonNode.int("horizon")
        guard (1...100).contains(horizon) else { throw horizonNode.error(.outOfRange("horizon"), "horizon must be 1 to 100 years, not \(horizon)") }
        let timing = try entries["timing"]?.choice("timing", FlowTiming.allCases.map { ($0.rawValue, $0) }) ?? .endOfPeriod

        let costNode = try entries.required("cost_per_participant", in: "the scenario", at: root)
        let costFields = try costNode.mapping(allowed: ["amount", "low", "high", "year"], context: "cost_per_participant")
        let cost = try distribution(costNode, "cost_per_participant", valueKey: "amount")
        let costYearNode = try costFields.required("year", in: "cost_per_participant", at: costNode)
        let costYear = try costYearNode.int("year")
        try covered(costYear, costYearNode, "cost_per_participant")

        let effectsNode = try entries.required("effects", in: "the scenario", at: root)
        let effects = try effectsNode.list().map { item -> Effect in
            let fields = try item.mapping(allowed: ["outcome", "provider", "estimate", "std_error", "comparison", "comparison_run", "decay", "years"],
                                          context: "an effect")
            let source: EffectSource
            let stored = ["comparison", "comparison_run"].filter { fields[$0] != nil }
            if !stored.isEmpty {
                guard stored.count == 1, fields["estimate"] == nil, fields["std_error"] == nil else {
                    throw item.error(.conflictingKeys(["comparison", "comparison_run", "estimate", "std_error"].filter { fields[$0] != nil }), "an effect comes from one of comparison (an evaluation id), comparison_run (a run id), or estimate and std_error")
                }
                if let run = fields["comparison_run"] { source = .comparisonRun(try run.int("comparison_run")) }
                else { source = .evaluation(try fields["comparison"]!.string("comparison")) }
            } else {
                let estimate = try double(try fields.required("estimate", in: "an effect without comparison_run", at: item), "estimate")
                let se = try double(try fields.required("std_error", in: "an effect without comparison_run", at: item), "std_error")
                guard se >= 0 else { throw fields["std_error"]!.error(.outOfRange("std_error"), "std_error cannot be negative") }
                source = .stated(estimate: estimate, standardError: se)
            }
            let decay = try fields["decay"].map { try double($0, "decay") } ?? 0
            guard (0...1).contains(decay) else { throw fields["decay"]!.error(.outOfRange("decay"), "decay is the share lost each year: 0 to 1, not \(decay)") }
            let years = try fields["years"]?.int("years")
            if let years, years < 1 { throw fields["years"]!.error(.outOfRange("years"), "years must be 1 or more") }
            return Effect(outcome: try fields.required("outcome", in: "an effect", at: item).string("outcome"),
                          provider: try fields["provider"]?.string("provider"), source: source, decay: decay, years: years, line: item.line)
        }
        guard !effects.isEmpty else { throw effectsNode.error(.tooFew("effects"), "a scenario needs at least one effect") }

        let valuesNode = try entries.required("unit_values", in: "the scenario", at: root)
        let values = try valuesNode.list().map { item -> UnitValue in
            let fields = try item.mapping(allowed: ["outcome", "perspective", "value", "low", "high", "year"], context: "a unit value")
            let outcome = try fields.required("outcome", in: "a unit value", at: item).string("outcome")
            guard effects.contains(where: { $0.outcome == outcome }) else {
                throw item.error(.unknownName(.effectOutcome, outcome), "unit value of '\(outcome)': no effect names that outcome (effects: \(Set(effects.map(\.outcome)).sorted().joined(separator: ", ")))")
            }
            let yearNode = try fields.required("year", in: "a unit value (its dollars' year)", at: item)
            let year = try yearNode.int("year")
            try covered(year, yearNode, "unit value of '\(outcome)'")
            return UnitValue(outcome: outcome,
                             perspective: try fields.required("perspective", in: "a unit value", at: item)
                                .choice("perspective", Perspective.allCases.map { ($0.rawValue, $0) }),
                             value: try distribution(item, "value", valueKey: "value"), year: year, line: item.line)
        }
        let variants = try entries["variants"]?.list().map(parseVariant) ?? []
        if let repeated = Dictionary(grouping: variants, by: \.name).first(where: { $0.value.count > 1 }) {
            throw entries["variants"]!.error(.duplicateName(repeated.key), "variant '\(repeated.key)' is named twice")
        }
        let draws = try entries["draws"]?.int("draws") ?? 10_000
        guard (1...1_000_000).contains(draws) else { throw entries["draws"]!.error(.outOfRange("draws"), "draws must be 1 to 1,000,000, not \(draws)") }
        let paymentDraws = try entries["payment_draws"]?.int("payment_draws") ?? draws
        guard (1...1_000_000).contains(paymentDraws) else { throw entries["payment_draws"]!.error(.outOfRange("payment_draws"), "payment_draws must be 1 to 1,000,000") }
        let deadweight = try entries["deadweight_cost_of_taxation"].map { try double($0, "deadweight_cost_of_taxation") } ?? 0
        guard (0...2).contains(deadweight) else { throw entries["deadweight_cost_of_taxation"]!.error(.outOfRange("deadweight_cost_of_taxation"), "deadweight_cost_of_taxation is a share of each tax dollar: 0 to 2") }
        // A seed is a whole number from 0 up: the draws' generator takes it as an unsigned number.
        let seed = try entries["seed"]?.int("seed") ?? 1
        guard seed >= 0 else { throw entries["seed"]!.error(.outOfRange("seed"), "seed must be 0 or more, not \(seed)") }
        var definition = ScenarioDefinition(
            id: id, contract: contract, baseYear: baseYear, priceIndex: index, discountRate: rate, horizon: horizon, timing: timing,
            costPerParticipant: cost, costYear: costYear, deadweight: deadweight, effects: effects, unitValues: values, draws: draws, paymentDraws: paymentDraws,
            seed: UInt64(seed), variants: variants)
        definition.contractLine = contractLine
        definition.financing = try entries["finance"].map(parseFinance)
        return definition
    }

    static func parseFinance(_ node: YAMLValue) throws -> Financing {
        let fields = try node.mapping(allowed: ["start", "fees", "tranches", "guarantee"], context: "finance")
        let start = try fields.required("start", in: "finance", at: node).date("start")
        var (upfront, annual) = (0.0, 0.0)
        if let feesNode = fields["fees"] {
            let fees = try feesNode.mapping(allowed: ["upfront", "annual"], context: "fees")
            upfront = try fees["upfront"].map { try double($0, "upfront") } ?? 0
            annual = try fees["annual"].map { try double($0, "annual") } ?? 0
            guard upfront >= 0, annual >= 0 else { throw feesNode.error(.outOfRange("fees"), "fees cannot be negative") }
        }
        let tranchesNode = try fields.required("tranches", in: "finance", at: node)
        let tranches = try tranchesNode.list().map { item -> Financing.Tranche in
            let t = try item.mapping(allowed: ["id", "kind", "amount", "coupon"], context: "a tranche")
            let kind = try t.required("kind", in: "a tranche", at: item).choice("tranche kind", Financing.Kind.allCases.map { ($0.rawValue, $0) })
            let amount = try double(try t.required("amount", in: "a tranche", at: item), "amount")
            guard amount > 0 else { throw t["amount"]!.error(.outOfRange("amount"), "a tranche's amount must be positive") }
            let coupon = try t["coupon"].map { try double($0, "coupon") } ?? 0
            guard coupon > -1, coupon < 1 else { throw t["coupon"]!.error(.outOfRange("coupon"), "coupon is an annual rate between -100% and 100%") }
            if kind == .recoverableGrant, coupon != 0 { throw t["coupon"]!.error(.unsupported, "a recoverable grant earns no coupon") }
            return .init(id: try t.required("id", in: "a tranche", at: item).string("id"), kind: kind, amount: amount, coupon: coupon)
        }
        guard !tranches.isEmpty else { throw tranchesNode.error(.tooFew("tranches"), "finance needs at least one tranche") }
        if let repeated = Dictionary(grouping: tranches, by: \.id).first(where: { $0.value.count > 1 }) {
            throw tranchesNode.error(.duplicateName(repeated.key), "tranche '\(repeated.key)' is named twice")
        }
        var guarantee: Financing.Guarantee?
        if let guaranteeNode = fields["guarantee"] {
            let g = try guaranteeNode.mapping(allowed: ["tranche", "covers"], context: "guarantee")
            let tranche = try g.required("tranche", in: "guarantee", at: guaranteeNode).string("tranche")
            guard tranches.contains(where: { $0.id == tranche }) else {
                throw guaranteeNode.error(.unknownName(.tranche, tranche), "the guarantee covers tranche '\(tranche)', which is not one of \(tranches.map(\.id).joined(separator: ", "))")
            }
            let covers = try double(try g.required("covers", in: "guarantee", at: guaranteeNode), "covers")
            guard (0...1).contains(covers) else { throw g["covers"]!.error(.outOfRange("covers"), "covers is a share of unpaid principal: 0 to 1") }
            guarantee = .init(tranche: tranche, covers: covers)
        }
        return Financing(start: start, tranches: tranches, upfrontFee: upfront, annualFee: annual, guarantee: guarantee)
    }

    static let variantKeys = ["name", "effect_scale", "effects_at", "cost_per_participant", "discount_rate", "horizon", "price_scale", "contract_cap",
                              "enrollment_scale"]

    static func parseVariant(_ item: YAMLValue) throws -> Variant {
        let fields = try item.mapping(allowed: variantKeys, context: "a variant")
        var variant = Variant(name: try fields.required("name", in: "a variant", at: item).string("name"))
        guard fields.count > 1 else { throw item.error(.missingOneOf(Array(variantKeys.dropFirst())), "variant '\(variant.name)' changes nothing; give one of \(variantKeys.dropFirst().joined(separator: ", "))") }
        variant.effectScale = try fields["effect_scale"].map { try double($0, "effect_scale") }
        variant.effectsAt = try fields["effects_at"]?.choice("effects_at", Variant.Bound.allCases.map { ($0.rawValue, $0) })
        variant.costPerParticipant = try fields["cost_per_participant"].map { try double($0, "cost_per_participant") }
        variant.discountRate = try fields["discount_rate"].map { try double($0, "discount_rate") }
        if let rate = variant.discountRate, rate <= -1 { throw fields["discount_rate"]!.error(.outOfRange("discount_rate"), "discount_rate must stay above -100% (-1)") }
        variant.horizon = try fields["horizon"]?.int("horizon")
        if let horizon = variant.horizon, !(1...100).contains(horizon) { throw fields["horizon"]!.error(.outOfRange("horizon"), "horizon must be 1 to 100 years") }
        variant.priceScale = try fields["price_scale"]?.decimal("price_scale")
        if let scale = variant.priceScale, !(scale > 0 && scale <= 100) { throw fields["price_scale"]!.error(.outOfRange("price_scale"), "price_scale must be above 0 and at most 100 (1.1: prices 10% higher), not \(scale)") }
        variant.contractCap = try fields["contract_cap"]?.decimal("contract_cap")
        if let cap = variant.contractCap, cap < 0 { throw fields["contract_cap"]!.error(.outOfRange("contract_cap"), "contract_cap must be 0 or more, not \(cap)") }
        variant.enrollmentScale = try fields["enrollment_scale"].map { try double($0, "enrollment_scale") }
        if let share = variant.enrollmentScale, !(share > 0 && share <= 1) {
            throw fields["enrollment_scale"]!.error(.outOfRange("enrollment_scale"), "enrollment_scale must be above 0 and at most 1 (0.8: 20% fewer participants), not \(share)")
        }
        variant.line = item.line
        return variant
    }

    static func double(_ node: YAMLValue, _ what: String) throws -> Double {
        NSDecimalNumber(decimal: try node.decimal(what)).doubleValue
    }

    /// A number, or `{value|amount: central, low:, high:}` (triangular), or `{low:, high:}` (uniform).
    static func distribution(_ node: YAMLValue, _ what: String, valueKey: String = "value") throws -> Distribution {
        if node.node.scalar != nil { return .fixed(try double(node, what)) }
        let fields = try node.mapping(allowed: [valueKey, "low", "high", "year", "outcome", "perspective"], context: what)
        let low = try fields["low"].map { try double($0, "\(what) low") }
        let high = try fields["high"].map { try double($0, "\(what) high") }
        let central = try fields[valueKey].map { try double($0, "\(what) \(valueKey)") }
        switch (low, central, high) {
        case (nil, let c?, nil): return .fixed(c)
        case (let l?, let c?, let h?):
            guard l <= c, c <= h else { throw node.error(.outOfOrder, "\(what): low \(l), \(valueKey) \(c) and high \(h) must be in order (low ≤ \(valueKey) ≤ high)") }
            return .triangular(low: l, mode: c, high: h)
        case (let l?, nil, let h?):
            guard l <= h else { throw node.error(.outOfOrder, "\(what): low \(l) is above high \(h)") }
            return .uniform(low: l, high: h)
        default:
            throw node.error(.missingOneOf([valueKey, "low", "high"]), "\(what): give \(valueKey), or low and high, or all three")
        }
    }
}
