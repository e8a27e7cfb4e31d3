import Foundation
import OutcomesDomain

/// The figures a scenario run printed, as stored with it (`scenario.runs.results`, jsonb):
/// amounts as exact decimal strings, shares and percentiles as numbers, `null` where there is no
/// figure. `results_sha256` hashes its `SortedJSON` text, the text it had before it was a type.
struct ScenarioResultsDocument: Codable, Equatable {
    /// A row of the benefit-cost table, per participant, in cents: each perspective's benefits,
    /// their total, the cost, benefits minus costs and their ratio (nil for a free program).
    struct Figures: Equatable {
        var benefits: [ScenarioDefinition.Perspective: DecimalString]
        var totalBenefits: DecimalString
        var cost: DecimalString
        var benefitsMinusCosts: DecimalString
        var benefitCostRatio: DecimalString?
    }

    /// A group of participants (nil: all providers) with the chance its benefits exceed its costs.
    struct Group: Equatable {
        var figures: Figures
        var group: String?
        var chanceBenefitsExceedCosts: Double
        var netP5: Double
        var netP95: Double
        var breakEvenScale: Double?
    }

    struct Variant: Equatable {
        var figures: Figures
        var variant: String
        var chanceBenefitsExceedCosts: Double
    }

    struct Distribution: Codable, Equatable {
        var mean: DecimalString
        var p5: DecimalString
        var p50: DecimalString
        var p95: DecimalString
    }

    /// A provider's expected payments in a period, and their spread over the draws.
    struct ProviderPeriod: Codable, Equatable {
        var provider: String
        var period: String
        var expected: DecimalString
        var draws: Distribution
    }

    struct LeftOut: Codable, Equatable {
        var term: String
        var why: String
    }

    /// The contract's payments under the uncertain effects.
    struct Payments: Codable, Equatable {
        var byProviderPeriod: [ProviderPeriod]
        var worstYear: Distribution
        var total: Distribution
        var expectedTotal: DecimalString
        /// Share of draws in which each cap cut a line, keyed by the cap's code (`line:housed`, `provider`); runs stored earlier keyed it by the printed name.
        var capBinds: [String: Double]
        var draws: Int
        var leftOut: [LeftOut]
    }

    /// The payments of a variant that changes them.
    struct PaymentVariant: Codable, Equatable {
        var variant: String
        var participants: Int
        var expectedTotal: DecimalString
        var total: Distribution
        var worstYear: Distribution
        var anyCapBinds: Double
    }

    var groups: [Group]
    var variants: [Variant]
    /// With payment terms and computed metrics only (both keys are left out otherwise).
    var payments: Payments?
    var paymentVariants: [PaymentVariant]?
}

extension ScenarioResultsDocument {
    init(_ run: ScenarioRun, payments: PaymentProjection.Summary?, paymentVariants: [(name: String, summary: PaymentProjection.Summary, participants: Int)],
         leftOut: [PaymentProjection.LeftOutTerm] = []) {
        func distribution(_ d: PaymentProjection.Summary.Distribution) -> Distribution {
            Distribution(mean: DecimalString(d.mean), p5: DecimalString(d.p5), p50: DecimalString(d.p50), p95: DecimalString(d.p95))
        }
        groups = run.groups.map { group in
            Group(figures: Figures(group.expected), group: group.group, chanceBenefitsExceedCosts: group.simulated.chanceBenefitsExceedCosts,
                  netP5: group.simulated.netP5, netP95: group.simulated.netP95, breakEvenScale: group.breakEvenScale)
        }
        variants = run.variants.map {
            Variant(figures: Figures($0.expected), variant: $0.name, chanceBenefitsExceedCosts: $0.simulated.chanceBenefitsExceedCosts)
        }
        guard let payments else { return }
        self.payments = Payments(
            byProviderPeriod: payments.byProviderPeriod.map {
                ProviderPeriod(provider: $0.key.provider, period: $0.key.period, expected: DecimalString($0.expected), draws: distribution($0.draws))
            },
            worstYear: distribution(payments.worstYear), total: distribution(payments.total), expectedTotal: DecimalString(payments.expectedTotal),
            capBinds: Dictionary(uniqueKeysWithValues: payments.capBinds.map { ($0.cap.code, $0.probability) }), draws: payments.draws,
            leftOut: leftOut.map { LeftOut(term: $0.id, why: $0.text) })
        self.paymentVariants = paymentVariants.map {
            PaymentVariant(variant: $0.name, participants: $0.participants, expectedTotal: DecimalString($0.summary.expectedTotal),
                           total: distribution($0.summary.total), worstYear: distribution($0.summary.worstYear), anyCapBinds: $0.summary.anyCapBinds)
        }
    }
}

extension ScenarioResultsDocument.Figures {
    init(_ figures: BenefitCost.Figures) {
        let cents = BenefitCostRow(figures)
        benefits = cents.benefits.mapValues(DecimalString.init)
        totalBenefits = DecimalString(cents.total)
        cost = DecimalString(cents.cost)
        benefitsMinusCosts = DecimalString(cents.net)
        benefitCostRatio = cents.ratio.map(DecimalString.init)
    }
}

// A group's and a variant's rows hold the benefit-cost figures beside their own keys, in one
// object; a ratio, group or break-even scale that is missing is written as null.
struct ScenarioRowKey: CodingKey, ExpressibleByStringLiteral {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    init(stringLiteral value: String) { stringValue = value }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

extension ScenarioResultsDocument.Figures {
    func encode(into container: inout KeyedEncodingContainer<ScenarioRowKey>) throws {
        for (perspective, amount) in benefits { try container.encode(amount, forKey: ScenarioRowKey(stringValue: perspective.rawValue)) }
        try container.encode(totalBenefits, forKey: "total_benefits")
        try container.encode(cost, forKey: "cost")
        try container.encode(benefitsMinusCosts, forKey: "benefits_minus_costs")
        try container.encode(benefitCostRatio, forKey: "benefit_cost_ratio")
    }

    init(from container: KeyedDecodingContainer<ScenarioRowKey>) throws {
        var benefits: [ScenarioDefinition.Perspective: DecimalString] = [:]
        for perspective in ScenarioDefinition.Perspective.allCases {
            let key = ScenarioRowKey(stringValue: perspective.rawValue)
            // Runs stored before households were a perspective (migration 0024) have none: 0.
            benefits[perspective] = perspective == .households
                ? try container.decodeIfPresent(DecimalString.self, forKey: key) ?? DecimalString(0)
                : try container.decode(DecimalString.self, forKey: key)
        }
        self.benefits = benefits
        totalBenefits = try container.decode(DecimalString.self, forKey: "total_benefits")
        cost = try container.decode(DecimalString.self, forKey: "cost")
        benefitsMinusCosts = try container.decode(DecimalString.self, forKey: "benefits_minus_costs")
        benefitCostRatio = try container.decodeIfPresent(DecimalString.self, forKey: "benefit_cost_ratio")
    }
}

extension ScenarioResultsDocument.Group: Codable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ScenarioRowKey.self)
        figures = try ScenarioResultsDocument.Figures(from: container)
        group = try container.decodeIfPresent(String.self, forKey: "group")
        chanceBenefitsExceedCosts = try container.decode(Double.self, forKey: "chance_benefits_exceed_costs")
        netP5 = try container.decode(Double.self, forKey: "net_p5")
        netP95 = try container.decode(Double.self, forKey: "net_p95")
        breakEvenScale = try container.decodeIfPresent(Double.self, forKey: "break_even_scale")
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ScenarioRowKey.self)
        try figures.encode(into: &container)
        try container.encode(group, forKey: "group")
        try container.encode(chanceBenefitsExceedCosts, forKey: "chance_benefits_exceed_costs")
        try container.encode(netP5, forKey: "net_p5")
        try container.encode(netP95, forKey: "net_p95")
        try container.encode(breakEvenScale, forKey: "break_even_scale")
    }
}

extension ScenarioResultsDocument.Variant: Codable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ScenarioRowKey.self)
        figures = try ScenarioResultsDocument.Figures(from: container)
        variant = try container.decode(String.self, forKey: "variant")
        chanceBenefitsExceedCosts = try container.decode(Double.self, forKey: "chance_benefits_exceed_costs")
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ScenarioRowKey.self)
        try figures.encode(into: &container)
        try container.encode(variant, forKey: "variant")
        try container.encode(chanceBenefitsExceedCosts, forKey: "chance_benefits_exceed_costs")
    }
}

extension ScenarioResultsDocument {
    enum CodingKeys: String, CodingKey {
        case groups, variants, payments
        case paymentVariants = "payment_variants"
    }
}

extension ScenarioResultsDocument.Payments {
    enum CodingKeys: String, CodingKey {
        case total, draws
        case byProviderPeriod = "by_provider_period", worstYear = "worst_year", expectedTotal = "expected_total", capBinds = "cap_binds"
        case leftOut = "left_out"
    }
}

extension ScenarioResultsDocument.PaymentVariant {
    enum CodingKeys: String, CodingKey {
        case variant, participants, total
        case expectedTotal = "expected_total", worstYear = "worst_year", anyCapBinds = "any_cap_binds"
    }
}
