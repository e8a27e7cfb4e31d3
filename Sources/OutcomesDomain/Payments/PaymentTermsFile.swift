import Foundation

/// Reading the payment part of a contract file: `version`, `currency`, `rounding` and `payments`.
extension PaymentTerms {
    static let paymentKeys = ["rate_card", "effect", "per_day", "savings_share", "milestones", "clawback", "payers", "interim", "caps", "approval"]
    static let rateCardKeys = ["precondition", "lines", "exclusive", "caps", "tiers_count_per"]
    static let lineKeys = ["id", "outcome", "achieved", "price", "tiers", "recurs", "requires", "cap", "per"]

    /// The terms, or nil when the file has no `payments`. Every problem names its file:line.
    static func parse(_ entries: [String: YAMLValue], root: YAMLValue, metrics: [MetricDefinition], periods: [ReportingPeriod],
                      providers: [String]) throws -> PaymentTerms?
    {
        guard let paymentsNode = entries["payments"] else {
            for key in ["currency", "rounding"] where entries[key] != nil {
                throw entries[key]!.error(.keyDoesNotApply(key), "'\(key)' applies to payments, and this contract has no 'payments'")
            }
            return nil
        }
        guard let currencyNode = entries["currency"] else {
            throw root.error(.missingKey("currency"), "a contract with payments needs 'currency', an ISO 4217 code such as USD")
        }
        let code = try currencyNode.string("currency")
        guard let currency = Currency(code: code) else {
            throw currencyNode.error(.unknownWord(code, allowed: Currency.known.keys.sorted()), "unknown currency '\(code)'; known: \(Currency.known.keys.sorted().joined(separator: ", "))")
        }
        guard let versionNode = entries["version"] else {
            throw root.error(.missingKey("version"), "a contract with payments needs 'version', a whole number raised whenever the terms change")
        }
        let version = try versionNode.int("version")
        guard (1...OutcomeContract.maximumVersion).contains(version) else {
            throw versionNode.error(.outOfRange("version"), "version must be from 1 to \(OutcomeContract.maximumVersion)")
        }
        let rounding = try entries["rounding"]?.choice("rounding", RoundingRule.allCases.map { ($0.rawValue, $0) }) ?? .halfEven
        let payments = try paymentsNode.mapping(allowed: paymentKeys, context: "payments")
        guard !payments.isEmpty else { throw paymentsNode.error(.tooFew("payments"), "payments needs at least one of: \(paymentKeys.joined(separator: ", "))") }
        var reader = TermsReader(currency: currency, metrics: metrics, periods: periods)
        reader.providers = providers
        var terms = PaymentTerms(
            version: version, currency: currency, rounding: rounding,
            rateCard: try payments["rate_card"].map(reader.rateCard),
            effectLines: try payments["effect"].map(reader.effectLines) ?? [])
        terms.perDayLines = try payments["per_day"]?.list().map(reader.perDayLine) ?? []
        terms.savingsShares = try payments["savings_share"]?.list().map(reader.savingsShare) ?? []
        terms.milestones = try payments["milestones"]?.list().map(reader.milestone) ?? []
        terms.clawbacks = try payments["clawback"]?.list().map(reader.clawback) ?? []
        var seen: Set<String> = []
        for id in terms.lineIDs where !seen.insert(id).inserted {
            throw paymentsNode.error(.duplicateName(id), "line id '\(id)' is used twice in payments; every line of every mechanism needs its own")
        }
        if let payersNode = payments["payers"] { terms.payers = try reader.payers(payersNode, lineIDs: terms.lineIDs) }
        if let capsNode = payments["caps"] {
            let fields = try capsNode.mapping(allowed: ["contract", "provider"], context: "payments caps (across every mechanism)")
            terms.caps = ContractCaps(
                contract: try fields["contract"].map { try reader.money($0, "the contract cap") },
                provider: try fields["provider"].map { try reader.providerCaps($0) })
            guard !terms.caps.isEmpty else { throw capsNode.error(.missingOneOf(["contract", "provider"]), "payments caps needs 'contract', 'provider' or both") }
        }
        if let approvalNode = payments["approval"] {
            terms.approval = try approvalNode.choice("approval", PaymentApproval.allCases.map { ($0.rawValue, $0) })
        }
        if let interimNode = payments["interim"] {
            let fields = try interimNode.mapping(allowed: ["share"], context: "interim")
            terms.interimSharePercent = try reader.percent(try fields.required("share", in: "interim", at: interimNode), "interim share")
        }
        return terms
    }
}

/// Typed reads of payment terms against the contract's currency and metrics.
struct TermsReader {
    static let largestAmount = Decimal(string: "1000000000000000")!
    let currency: Currency
    let metrics: [MetricDefinition]
    let periods: [ReportingPeriod]
    /// The cohort's providers, when the contract lists them.
    var providers: [String] = []

    func money(_ node: YAMLValue, _ what: String) throws -> Money {
        let value = try node.decimal(what)
        guard value >= 0 else { throw node.error(.outOfRange(what), "\(what) cannot be negative (\(value))") }
        guard value < Self.largestAmount else { throw node.error(.outOfRange(what), "\(what) \(value) is too large: amounts stay below 10^15") }
        guard value.rounded(scale: currency.minorUnits) == value else {
            throw node.error(.outOfRange(what), "\(what) \(value) has more decimals than \(currency.code) has minor units (\(currency.minorUnits))")
        }
        return Money(value, currency)
    }

    /// `metric_id`, optionally with `achieved: "> 0"` beside it in `entries`.
    func outcome(_ node: YAMLValue, achieved: YAMLValue?) throws -> OutcomeTest {
        let id = try node.string("outcome")
        guard metrics.contains(where: { $0.id == id }) else {
            throw node.error(.unknownName(.metric, id), "unknown outcome '\(id)': not a metric of this contract; metrics: \(metrics.map(\.id).joined(separator: ", "))")
        }
        return OutcomeTest(metricID: id, condition: try achieved?.comparison("achieved") ?? AmountCondition(.greater, 0))
    }

    /// `metric_id`, or `{outcome: metric_id, achieved: "> 0"}`.
    func precondition(_ node: YAMLValue) throws -> OutcomeTest {
        guard node.node.mapping != nil else { return try outcome(node, achieved: nil) }
        let fields = try node.mapping(allowed: ["outcome", "achieved"], context: "precondition")
        return try outcome(try fields.required("outcome", in: "precondition", at: node), achieved: fields["achieved"])
    }

    func rateCard(_ node: YAMLValue) throws -> RateCard {
        let entries = try node.mapping(allowed: PaymentTerms.rateCardKeys, context: "rate_card")
        let linesNode = try entries.required("lines", in: "rate_card", at: node)
        var lines: [RateCard.Line] = []
        var lineNodes: [String: YAMLValue] = [:]
        for item in linesNode.list() {
            let line = try self.line(item)
            guard lineNodes[line.id] == nil else { throw item.error(.duplicateName(line.id), "line id '\(line.id)' is used twice") }
            lines.append(line)
            lineNodes[line.id] = item
        }
        guard !lines.isEmpty else { throw linesNode.error(.tooFew("lines"), "rate_card needs at least one line") }
        guard lines.count <= RateCard.maximumLines else {
            throw linesNode.error(.tooMany("lines"), "rate_card has \(lines.count) lines; at most \(RateCard.maximumLines)")
        }
        try checkRequirements(lines, lineNodes)
        return RateCard(
            precondition: try entries["precondition"].map(precondition), lines: lines,
            exclusiveGroups: try entries["exclusive"].map { try exclusiveGroups($0, lines: lines) } ?? [],
            caps: try entries["caps"].map(caps) ?? RateCard.Caps(),
            tiersCountPer: try entries["tiers_count_per"]?.choice(
                "tiers_count_per", RateCard.TierScope.allCases.map { ($0.rawValue, $0) }) ?? .provider)
    }

    func line(_ node: YAMLValue) throws -> RateCard.Line {
        let entries = try node.mapping(allowed: PaymentTerms.lineKeys, context: "a rate-card line")
        let id = try lineID(entries, node, "a rate-card line")
        let context = "line '\(id)'"
        let pricing: RateCard.Pricing
        switch (entries["price"], entries["tiers"]) {
        case (let price?, nil): pricing = .flat(try money(price, "price"))
        case (nil, let tiers?): pricing = .tiers(try self.tiers(tiers))
        case (_?, _?): throw node.error(.conflictingKeys(["price", "tiers"]), "\(context) has both 'price' and 'tiers'; give one")
        case (nil, nil): throw node.error(.missingOneOf(["price", "tiers"]), "\(context) needs 'price' or 'tiers'")
        }
        var line = RateCard.Line(
            id: id,
            outcome: try outcome(try entries.required("outcome", in: context, at: node), achieved: entries["achieved"]),
            pricing: pricing,
            recurs: try entries["recurs"]?.bool("recurs") ?? false,
            requires: try entries["requires"]?.list().map { try $0.string("a required line") } ?? [],
            cap: try entries["cap"].map { try money($0, "cap") })
        if let perNode = entries["per"] {
            line.perRelative = try perNode.choice("per", [("relative", true)])
            guard metrics.first(where: { $0.id == line.outcome.metricID })?.relatives != nil else {
                throw perNode.error(.unsupported, "per: relative prices each relative of a metric over relatives (of:); '\(line.outcome.metricID)' is measured on the participant")
            }
            guard case .flat = pricing else {
                throw perNode.error(.unsupported, "\(context): a line paid per relative has one price, not tiers")
            }
        }
        return line
    }

    /// Marginal tiers: `up_to` strictly increasing, the last tier open-ended.
    func tiers(_ node: YAMLValue) throws -> [RateCard.Tier] {
        let items = node.list()
        var tiers: [RateCard.Tier] = []
        for (index, item) in items.enumerated() {
            let entries = try item.mapping(allowed: ["up_to", "price"], context: "a tier")
            let upTo = try entries["up_to"]?.int("up_to")
            let isLast = index == items.count - 1
            if isLast, upTo != nil {
                throw item.error(.keyDoesNotApply("up_to"), "the last tier has no up_to: it prices every outcome after the tiers before it")
            }
            if !isLast {
                guard let upTo else { throw item.error(.missingKey("up_to"), "only the last tier may leave out up_to") }
                let floor = tiers.last?.upTo ?? 0
                guard upTo > floor else {
                    throw entries["up_to"]!.error(.outOfOrder, "tiers must be in order with no overlap: up_to \(upTo) does not come after \(floor)")
                }
            }
            tiers.append(RateCard.Tier(upTo: upTo, price: try money(try entries.required("price", in: "a tier", at: item), "price")))
        }
        guard !tiers.isEmpty else { throw node.error(.tooFew("tiers"), "tiers needs at least one tier") }
        return tiers
    }

    func caps(_ node: YAMLValue) throws -> RateCard.Caps {
        let entries = try node.mapping(allowed: ["participant", "provider", "period", "contract"], context: "caps")
        return RateCard.Caps(
            participant: try entries["participant"].map { try money($0, "the participant cap") },
            provider: try entries["provider"].map { try providerCaps($0) },
            period: try entries["period"].map { try money($0, "the period cap") },
            contract: try entries["contract"].map { try money($0, "the contract cap") })
    }

    /// `provider: 20000` (each provider) or `provider: {hearth: 20000, keystone: 15000, others: 5000}`.
    func providerCaps(_ node: YAMLValue) throws -> ProviderCaps {
        guard node.node.mapping != nil else { return .each(try money(node, "the provider cap")) }
        var named: [String: Money] = [:]
        var others: Money?
        for (key, value) in try node.pairs() {
            if key == "others" {
                others = try money(value, "the cap of the other providers")
                continue
            }
            if !providers.isEmpty, !providers.contains(key) {
                throw value.error(.unknownName(.provider, key), "provider '\(key)' is not a provider of the cohort; providers: \(providers.joined(separator: ", ")), or others")
            }
            named[key] = try money(value, "the cap of provider \(key)")
        }
        guard !named.isEmpty || others != nil else { throw node.error(.tooFew("provider"), "provider caps name at least one provider") }
        return .named(named, others: others)
    }

    func exclusiveGroups(_ node: YAMLValue, lines: [RateCard.Line]) throws -> [[String]] {
        var seen: Set<String> = []
        return try node.list().map { groupNode in
            let ids = try groupNode.list().map { try $0.string("a line id") }
            guard Set(ids).count >= 2 else { throw groupNode.error(.tooFew("exclusive"), "an exclusive group names two or more different lines") }
            for id in ids {
                guard lines.contains(where: { $0.id == id }) else { throw groupNode.error(.unknownName(.line, id), "exclusive group names unknown line '\(id)'") }
                guard seen.insert(id).inserted else { throw groupNode.error(.duplicateName(id), "line '\(id)' is in two exclusive groups") }
                guard lines.first(where: { $0.id == id })?.perRelative != true else {
                    throw groupNode.error(.unsupported, "line '\(id)' pays per relative: it is not in an exclusive group, whose lines pay once")
                }
            }
            return ids
        }
    }

    /// Required lines must exist and must not lead back to the line that requires them.
    func checkRequirements(_ lines: [RateCard.Line], _ nodes: [String: YAMLValue]) throws {
        let byID = Dictionary(uniqueKeysWithValues: lines.map { ($0.id, $0) })
        for line in lines {
            for required in line.requires {
                guard required != line.id else { throw nodes[line.id]!.error(.circular([line.id, line.id]), "line '\(line.id)' requires itself") }
                guard byID[required] != nil else {
                    throw nodes[line.id]!.error(.unknownName(.line, required), "line '\(line.id)' requires unknown line '\(required)'")
                }
            }
            var path = [line.id]
            func visit(_ id: String) throws {
                for next in byID[id]?.requires ?? [] {
                    if next == line.id {
                        throw nodes[line.id]!.error(.circular(path + [next]), "lines require each other in a circle: \((path + [next]).joined(separator: " → "))")
                    }
                    guard !path.contains(next) else { continue }
                    path.append(next)
                    try visit(next)
                    path.removeLast()
                }
            }
            try visit(line.id)
        }
    }
}
