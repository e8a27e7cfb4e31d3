import Foundation
import OutcomesDomain
import Testing
@testable import OutcomesCLI

/// The plain-language reading at the top of each HTML report, from hand-worked figures: the words
/// are the subject here, so whole sentences are compared.
struct ReadingTests {
    static let usd = Currency(code: "USD")!
    static func usd(_ text: String) -> Money { Money(Decimal(string: text)!, usd) }

    @Test func amountsAreSpokenInWholeUnitsOfWhatTheTablesShow() {
        #expect(Reading.spoken(Self.usd("15016.58")) == "$15,017")
        #expect(Reading.spoken(Self.usd("-3700.18")) == "-$3,700")
        #expect(Reading.spoken(Self.usd("999.49")) == "$999")
        // The table shows 101.50 (its cents first), which is spoken as the nearest whole amount.
        #expect(Cell.money(Self.usd("101.495")).display == "101.50" && Reading.spoken(Self.usd("101.495")) == "$102")
        #expect(Reading.spoken(Self.usd("-0.40")) == "$0", "no sign on nothing")
        #expect(Reading.spoken(Money(Decimal(1200), Currency(code: "CHF")!)) == "CHF 1,200")
        #expect(Reading.exact(Self.usd("4997615.5")) == "$4,997,615.50" && Reading.exact(Self.usd("-12.3")) == "-$12.30")
    }

    static let housing = Reading.Scenario(
        cost: usd("15016.58"), totalBenefits: usd("3700.18"), taxpayers: usd("2205.37"), net: usd("-11316.40"),
        ratio: Decimal(string: "0.2464")!, chance: 0, draws: 10_000, largest: ("the cost per participant", usd("7767.30")),
        breakEvenScale: 5.915, baseYear: 2024)

    @Test func aScenarioBelowItsCostSaysByHowMuchWhatDrivesItAndWhatWouldBreakEven() {
        #expect(Reading.scenario(Self.housing) == [
            "At a cost of $15,017 per participant, the program's benefits of $3,700 per participant (taxpayers gain $2,205; "
                + "present values at 2024 prices) do not cover its cost: benefits fall short by $11,316, a benefit-cost ratio of 0.246.",
            "Benefits exceed costs in 0.0% of 10,000 simulations of the effects' and values' uncertainty.",
            "The largest driver is the cost per participant: between its low and high values, benefits minus costs move by $7,767 per participant.",
            "The program would break even only with effects 5.92 times those estimated.",
        ])
        var never = Self.housing
        never.breakEvenScale = nil
        #expect(Reading.scenario(never).last == "No size of the estimated effects makes benefits equal the cost.")
    }

    @Test func benefitsThatAreALossAreCalledOne() {
        var loss = Self.housing
        (loss.totalBenefits, loss.net, loss.ratio) = (Self.usd("-1982.40"), Self.usd("-16998.98"), Decimal(string: "-0.132")!)
        #expect(Reading.scenario(loss).first == "At a cost of $15,017 per participant, the program's benefits are a net loss of $1,982 per participant "
                + "(taxpayers gain $2,205; present values at 2024 prices), so they fall short of its cost by $16,999, a benefit-cost ratio of -0.132.")
        var even = Self.housing
        (even.net, even.taxpayers) = (Self.usd("-0.30"), Self.usd("-10"))
        #expect(Reading.scenario(even).first?.contains("(taxpayers lose $10; present values at 2024 prices) about equal its cost, a benefit-cost ratio") == true)
    }

    @Test func aScenarioAboveItsCostSaysHowFarTheEffectsMayFall() {
        var good = Self.housing
        (good.totalBenefits, good.net, good.ratio, good.chance, good.breakEvenScale) = (Self.usd("20000"), Self.usd("4983.42"), Decimal(string: "1.3319")!, 0.874, 0.6)
        let sentences = Reading.scenario(good)
        #expect(sentences.first == "At a cost of $15,017 per participant, the program's benefits of $20,000 per participant (taxpayers gain $2,205; "
                + "present values at 2024 prices) cover its cost: benefits exceed costs by $4,983, a benefit-cost ratio of 1.33.")
        #expect(sentences[1].hasPrefix("Benefits exceed costs in 87.4% of 10,000 simulations"))
        #expect(sentences.last == "Benefits would still equal the cost with effects at 60.0% of those estimated.")
    }

    @Test func aComparisonSaysWhichIntervalsExcludeZero() {
        let effects: [Reading.Effect] = [
            .init(id: "shelter_entries_12m", label: "Shelter entries in the 12 months", estimate: -0.2648, low: -0.3034, high: -0.2261,
                  meanTreated: 0.2782, meanControl: 0.5429),
            .init(id: "jail_days_12m", label: "Days in jail", estimate: -0.5, low: -1.2, high: 0.2, meanTreated: 8.1, meanControl: 8.6),
        ]
        let c = Reading.Comparison(treated: 2538, controls: 2538, step: "matching", covariates: 14, imbalanced: 0, threshold: 0.1,
                                   confidence: 0.95, effects: effects, hidden: 1)
        #expect(Reading.comparison(c) == [
            "2,538 participants were compared with 2,538 comparison units; after matching, all 14 covariates are balanced (|SMD| at most 0.1).",
            "The 95% interval excludes zero for 1 of 2 outcomes: Shelter entries in the 12 months (shelter_entries_12m: 0.2782 against 0.5429, a difference of -0.2648).",
            "No clear effect (the 95% interval includes zero) on Days in jail (jail_days_12m).",
            "1 estimate is suppressed: an arm is a small count.",
        ])
        var other = c
        (other.imbalanced, other.hidden, other.confidence) = (2, 0, 0.9)
        let sentences = Reading.comparison(other)
        #expect(sentences.first
                == "2,538 participants were compared with 2,538 comparison units; after matching, 2 of 14 covariates remain imbalanced (|SMD| above 0.1), so read the estimates with care.")
        #expect(sentences[1].hasPrefix("The 90% interval excludes zero for 1 of 2 outcomes"))
    }

    @Test func metricsNameTheRangeAcrossProviders() {
        let rate = Reading.Rate(label: "Housed 12 months", all: 0.7581, lowest: ("keystone", 0.7082), highest: ("hearth", 0.7844))
        #expect(Reading.metrics(period: "2023", participants: 1293, providers: 2, rates: [rate], threshold: 11) == [
            "In 2023, up to 1,293 participants were measured across 2 providers.",
            "Housed 12 months: 75.8% of participants with a value, from 70.8% at keystone to 78.4% at hearth.",
            "Counts of 1 to 10 are hidden, with the cells that would give them away.",
        ])
        #expect(Reading.metrics(period: "2023", participants: nil, providers: 2, rates: [], threshold: 11)
                == ["Counts of 1 to 10 are hidden, with the cells that would give them away."])
    }

    @Test func paymentsSayWhatWasEarnedPaidAndCutToTheCent() {
        #expect(Reading.statement(provider: "hearth", contract: "housing-2021", earned: Self.usd("6170227.00"), net: Self.usd("4997615.50"),
                                  cut: Self.usd("1172611.50"), periods: ["2021", "2022"], runs: 2)
                == ["Over the lines below, hearth earned $6,170,227.00 under housing-2021 in 2021 and 2022, and was paid $4,997,615.50 net, in 2 runs.",
                    "Caps cut $1,172,611.50 of what the outcomes earned."])
        #expect(Reading.summary(contract: "housing-2021", paid: Self.usd("6240615.50"), providers: 2, tightest: ("line housing_stability", Self.usd("0")))
                == ["housing-2021 has paid $6,240,615.50 to date to 2 providers.", "The closest cap is line housing_stability, with $0.00 left under it."])
    }
}
