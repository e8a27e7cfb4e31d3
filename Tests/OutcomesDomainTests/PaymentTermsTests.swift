import Foundation
import Testing
@testable import OutcomesDomain

@Suite struct MoneyTests {
    func rounded(_ text: String, _ rule: RoundingRule, _ code: String = "USD") -> String {
        Money(Decimal(string: text)!, Currency(code: code)!).rounded(rule).plain
    }

    @Test func oneRoundingRuleToTheCurrencysMinorUnits() {
        #expect(rounded("0.125", .halfEven) == "0.12")  // ties to the even cent
        #expect(rounded("0.135", .halfEven) == "0.14")
        #expect(rounded("-0.125", .halfEven) == "-0.12")
        #expect(rounded("0.125", .halfUp) == "0.13")
        #expect(rounded("-0.125", .halfUp) == "-0.13")  // half away from zero
        #expect(rounded("0.129", .down) == "0.12")
        #expect(rounded("-0.129", .down) == "-0.12")  // toward zero: a refund is not overstated
        #expect(rounded("1234.5", .halfEven, "JPY") == "1234")
        #expect(rounded("1235.5", .halfEven, "JPY") == "1236")
        #expect(rounded("1500", .halfEven) == "1500.00")
    }

    @Test func amountsPrintWithTheCurrencysDecimals() {
        #expect(["1500", "-12.5", "0.05", "-0.05", "0", "123456789012.34"].map { dollars($0).plain }
                == ["1500.00", "-12.50", "0.05", "-0.05", "0.00", "123456789012.34"])
        #expect(dollars("1234.567").plain == "1234.57" && dollars("1234.567").minorUnits == nil)
        #expect(dollars("-12.5").minorUnits == -1250 && Money(300, Currency(code: "JPY")!).plain == "300")
        #expect(Money(minorUnits: -1250, usd) == dollars("-12.5") && Money(minorUnits: 7, usd).plain == "0.07")
        #expect(Money(minorUnits: 300, Currency(code: "JPY")!) == Money(300, Currency(code: "JPY")!))
        let mixed = [Money(minorUnits: 1250, usd), dollars("0.105"), Money(minorUnits: -5, usd)]
        #expect(Money.sum(mixed, usd) == dollars("12.555") && Money.sum(mixed.prefix(1) + mixed.suffix(1), usd) == dollars("12.45"))
        #expect(Money.sum([Money](), usd) == dollars("0"))
        var buffer = CopyTextBuffer()
        buffer.money(dollars("-0.07"))
        buffer.money(nil)
        buffer.money(dollars("1.005"))
        #expect(String(decoding: buffer.bytes, as: UTF8.self) == "-0.07\t\\N\t1.00")
    }

    @Test func amountsAreExactDecimals() {
        // 0.1 + 0.2 is exactly 0.3 (it is not in binary floating point).
        #expect(dollars("0.1") + dollars("0.2") == dollars("0.3"))
        #expect((dollars("1000") * Decimal(string: "0.035")!).plain == "35.00")
        #expect(dollars("-12.5").plain == "-12.50")
        #expect(dollars("5").clampedAtZero == dollars("5") && dollars("-5").clampedAtZero == dollars("0"))
    }
}

@Suite struct PaymentTermsTests {
    func parse(_ payments: String, header: String = "version: 1\ncurrency: USD\n") throws -> OutcomeContract {
        try OutcomeContract.parse(yaml: paymentContract(metrics: ["housed", "employed"], payments: payments, header: header), file: "pay.yaml")
    }

    func problem(_ payments: String, header: String = "version: 1\ncurrency: USD\n") -> DefinitionFileError? {
        do {
            _ = try parse(payments, header: header)
            return nil
        } catch {
            return error as? DefinitionFileError
        }
    }

    @Test func aFullRateCardReads() throws {
        let contract = try parse("""
              rate_card:
                precondition: {outcome: employed, achieved: ">= 1"}
                tiers_count_per: contract
                caps: {participant: 5000, provider: 100000.50, period: 40000, contract: 250000}
                exclusive: [[a, b]]
                lines:
                  - {id: a, outcome: housed, price: 1500, cap: 90000}
                  - {id: b, outcome: housed, achieved: ">= 2", tiers: [{up_to: 10, price: 2000}, {price: 1000}], requires: [a]}
            """, header: "version: 3\ncurrency: GBP\nrounding: half_up\n")
        let terms = try #require(contract.payments)
        #expect(terms.version == 3 && terms.currency.code == "GBP" && terms.rounding == .halfUp)
        let card = try #require(terms.rateCard)
        let gbp = Currency(code: "GBP")!
        #expect(card.precondition == OutcomeTest(metricID: "employed", condition: AmountCondition(.greaterOrEqual, 1)))
        #expect(card.caps == RateCard.Caps(participant: Money(5000, gbp), provider: .each(Money(Decimal(string: "100000.50")!, gbp)),
                                           period: Money(40000, gbp), contract: Money(250000, gbp)))
        #expect(card.tiersCountPer == .contract && card.exclusiveGroups == [["a", "b"]])
        #expect(card.lines[1] == RateCard.Line(
            id: "b", outcome: OutcomeTest(metricID: "housed", condition: AmountCondition(.greaterOrEqual, 2)),
            pricing: .tiers([RateCard.Tier(upTo: 10, price: Money(2000, gbp)), RateCard.Tier(upTo: nil, price: Money(1000, gbp))]),
            recurs: false, requires: ["a"], cap: nil))
        #expect(card.lines[0].cap == Money(90000, gbp))
    }

    @Test func contractsWithoutPaymentsStillRead() throws {
        #expect(try OutcomeContract.parse(yaml: """
            contract: m
            program: housing
            data_through: 2024-12-31
            periods: {every: year, from: 2021-01-01, to: 2021-12-31}
            metrics: [{id: x, measure: any, domain: jail, window: {anchor: enrollment_start, from: 0 days, to: 1 year}}]
            """, file: "m.yaml").payments == nil)
    }

    /// Each bad input names its line (`payments:` is line 10, the first rate-card line 13) and the reason.
    @Test func badTermsAreRejectedWithFileLineAndReason() {
        let line = { (payments: String) in "  rate_card:\n    lines:\n" + payments }
        let cases: [(String, String, Int, DefinitionFileError.Code)] = [
            ("version: 1\ncurrency: USD\n", line("      - {id: a, outcome: housing, price: 10}"), 13,
             .unknownName(.metric, "housing")),
            ("version: 1\ncurrency: USD\n", line("      - {id: a, outcome: housed, price: -10}"), 13, .outOfRange("price")),
            ("version: 1\ncurrency: USD\n", "  rate_card:\n    caps: {provider: -1}\n    lines: [{id: a, outcome: housed, price: 1}]", 12,
             .outOfRange("the provider cap")),
            ("version: 1\ncurrency: USD\n", line("      - {id: a, outcome: housed, price: 10.005}"), 13,
             .outOfRange("price")),
            ("version: 1\ncurrency: USD\n", line("      - {id: a, outcome: housed, tiers: [{up_to: 5, price: 1}, {up_to: 5, price: 2}, {price: 3}]}"),
             13, .outOfOrder),
            ("version: 1\ncurrency: USD\n", line("      - {id: a, outcome: housed, tiers: [{up_to: 5, price: 1}, {up_to: 9, price: 2}]}"), 13,
             .keyDoesNotApply("up_to")),
            ("version: 1\ncurrency: USD\n", line("      - {id: a, outcome: housed, price: 1, tiers: [{price: 1}]}"), 13,
             .conflictingKeys(["price", "tiers"])),
            ("version: 1\ncurrency: USD\n", line("      - {id: a, outcome: housed, price: 1, requires: [a]}"), 13, .circular(["a", "a"])),
            ("version: 1\ncurrency: USD\n",
             line("      - {id: a, outcome: housed, price: 1, requires: [b]}\n      - {id: b, outcome: housed, price: 1, requires: [a]}"), 13,
             .circular(["a", "b", "a"])),
            ("version: 1\ncurrency: USD\n", line("      - {id: a, outcome: housed, price: 1, requires: [z]}"), 13, .unknownName(.line, "z")),
            ("version: 1\n", line("      - {id: a, outcome: housed, price: 1}"), 1,
             .missingKey("currency")),
            ("version: 1\ncurrency: XYZ\n", line("      - {id: a, outcome: housed, price: 1}"), 5,
             .unknownWord("XYZ", allowed: ["AUD", "CAD", "CHF", "DKK", "EUR", "GBP", "ISK", "JPY", "KRW", "NOK", "NZD", "SEK", "USD"])),
            ("currency: USD\n", line("      - {id: a, outcome: housed, price: 1}"), 1,
             .missingKey("version")),
            ("version: 1\ncurrency: USD\n", "  rate_card:\n    exclusive: [[a]]\n    lines: [{id: a, outcome: housed, price: 1}]", 12,
             .tooFew("exclusive")),
            ("version: 1\ncurrency: USD\nrounding: nearest\n", line("      - {id: a, outcome: housed, price: 1}"), 6,
             .unknownWord("nearest", allowed: ["half_even", "half_up", "down"])),
        ]
        for (header, payments, expectedLine, code) in cases {
            let error = problem(payments, header: header)
            #expect(error?.code == code, "\(payments)")
            #expect(error?.line == expectedLine, "line of: \(code)")
            #expect(error?.file == "pay.yaml")
        }
    }
}

/// The worked examples under scenarios/ read, with the payment terms their comments describe.
@Suite struct ScenarioPaymentTests {
    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scenarios")

    @Test func theScenarioContractsCarryTheirTerms() throws {
        let reentry = try OutcomeContract.load(path: Self.scenarios.appendingPathComponent("reentry-2021.yaml").path)
        let card = try #require(reentry.payments?.rateCard)
        #expect(card.caps == RateCard.Caps(participant: dollars("5000"), provider: .each(dollars("2500000")), contract: dollars("4000000")))
        #expect(card.lines.map(\.id) == ["employed_after_exit", "employed_4_quarters"])
        #expect(reentry.payments?.payers.map(\.sharePercent) == [70, 30])
        let housing = try OutcomeContract.load(path: Self.scenarios.appendingPathComponent("housing-2021.yaml").path)
        let effect = try #require(housing.payments?.effectLines.first)
        #expect(effect.threshold == 5 && effect.statistic == .rate && effect.perParticipant)
        #expect(housing.payments?.milestones.map(\.amount) == [dollars("75000")])
    }
}
