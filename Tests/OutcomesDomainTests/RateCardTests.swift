import Foundation
import Testing
@testable import OutcomesDomain

/// A contract file with one `any` metric per id and the given payment terms.
func paymentContract(metrics: [String], payments: String, header: String = "version: 1\ncurrency: USD\n") -> String {
    let metricList = metrics.map {
        "  - {id: \($0), measure: any, domain: jail, window: {anchor: enrollment_start, from: 0 days, to: 12 months}}"
    }.joined(separator: "\n")
    return """
        contract: pay-test
        program: housing
        data_through: 2024-12-31
        \(header)periods: {every: year, from: 2021-01-01, to: 2024-12-31}
        metrics:
        \(metricList)
        payments:
        \(payments)
        """
}

let usd = Currency(code: "USD")!
func dollars(_ text: String) -> Money { Money(Decimal(string: text)!, usd) }

/// Outcomes of one period: (person, provider, metric, value).
func period(_ label: String, _ rows: [(Int, String, String, Int)]) -> PeriodOutcomes {
    PeriodOutcomes(period: label, outcomes: rows.map {
        ParticipantOutcome(personID: $0.0, providerID: $0.1, metricID: $0.2, value: Decimal($0.3))
    })
}

@Suite struct RateCardTests {
    static let metrics = ["housed_6m", "housed_12m", "engaged", "part_time", "full_time", "employed", "qualified"]

    func engine(_ payments: String) throws -> RateCardEngine {
        let contract = try OutcomeContract.parse(yaml: paymentContract(metrics: Self.metrics, payments: payments), file: "pay.yaml")
        let terms = try #require(contract.payments)
        return try #require(RateCardEngine(terms: terms))
    }

    /// (period, person, line) → payable, for lines that exist.
    func payable(_ lines: [PaymentLine]) -> [String: Money] {
        Dictionary(uniqueKeysWithValues: lines.map { ("\($0.period)/\($0.personID!)/\($0.lineID)", $0.payable) })
    }

    @Test func oneOffOutcomesPayOnceAndRecurringOnesEveryPeriod() throws {
        let engine = try engine("""
              rate_card:
                lines:
                  - {id: housed, outcome: housed_6m, price: 1500}
                  - {id: employed, outcome: employed, price: 300.50, recurs: true}
            """)
        let lines = try engine.lines(for: [
            period("2021", [(1, "a", "housed_6m", 1), (2, "a", "housed_6m", 1), (3, "b", "housed_6m", 0), (1, "a", "employed", 1)]),
            period("2022", [(1, "a", "housed_6m", 1), (3, "b", "housed_6m", 1), (1, "a", "employed", 1), (2, "a", "employed", 0)]),
        ])
        #expect(payable(lines) == [
            "2021/1/housed": dollars("1500"), "2021/2/housed": dollars("1500"), "2021/1/employed": dollars("300.50"),
            "2022/3/housed": dollars("1500"), "2022/1/employed": dollars("300.50"),
        ])
        #expect(lines.allSatisfy { $0.earned == $0.payable && $0.notes.isEmpty })
    }

    @Test func prerequisitesAndThePreconditionGatePayments() throws {
        let engine = try engine("""
              rate_card:
                precondition: engaged
                lines:
                  - {id: six, outcome: housed_6m, price: 1000}
                  - {id: twelve, outcome: housed_12m, price: 2000, requires: [six]}
            """)
        let lines = try engine.lines(for: [
            period("2021", [
                (1, "a", "engaged", 1), (1, "a", "housed_6m", 1),  // engaged and housed together: paid
                (2, "a", "housed_6m", 1),  // never engaged
                (3, "a", "engaged", 1),  // engaged now, housed later
                (4, "a", "engaged", 1), (4, "a", "housed_12m", 1),  // twelve without six: nothing
                (5, "a", "engaged", 1), (5, "a", "housed_6m", 1), (5, "a", "housed_12m", 1),  // both at once
            ]),
            period("2022", [(1, "a", "housed_12m", 1), (3, "a", "housed_6m", 1), (2, "a", "housed_12m", 1)]),
        ])
        #expect(payable(lines) == [
            "2021/1/six": dollars("1000"), "2021/5/six": dollars("1000"), "2021/5/twelve": dollars("2000"),
            "2022/1/twelve": dollars("2000"), "2022/3/six": dollars("1000"),
        ])
    }

    @Test func exclusiveOutcomesPayTheHigherAndTopUpLater() throws {
        let engine = try engine("""
              rate_card:
                exclusive: [[part, full]]
                lines:
                  - {id: part, outcome: part_time, price: 500}
                  - {id: full, outcome: full_time, price: 1200}
            """)
        let lines = try engine.lines(for: [
            period("2021", [(1, "a", "part_time", 1), (1, "a", "full_time", 1), (2, "a", "part_time", 1)]),
            period("2022", [(2, "a", "full_time", 1), (1, "a", "part_time", 1), (3, "a", "full_time", 1), (3, "a", "part_time", 0)]),
            period("2023", [(3, "a", "part_time", 1)]),  // the lower outcome after the higher: nothing more
        ])
        #expect(payable(lines) == [
            "2021/1/full": dollars("1200"), "2021/2/part": dollars("500"),
            "2022/2/full": dollars("700"), "2022/3/full": dollars("1200"), "2023/3/part": dollars("0"),
        ])
        #expect(lines.first { $0.personID == 1 }?.notes == ["pays the highest of full, part"])
        #expect(lines.first { $0.period == "2022" && $0.personID == 2 }?.notes == ["less 500.00 earned earlier on full, part"])
    }

    @Test func marginalTiersCountPerProviderOrPerContract() throws {
        let tiers = """
                lines:
                  - id: qualified
                    outcome: qualified
                    tiers: [{up_to: 2, price: 1000}, {up_to: 3, price: 800}, {price: 600}]
            """
        let outcomes = [
            period("2021", [(1, "a", "qualified", 1), (2, "a", "qualified", 1), (3, "b", "qualified", 1)]),
            period("2022", [(4, "a", "qualified", 1), (5, "a", "qualified", 1), (6, "b", "qualified", 1)]),
        ]
        let perProvider = try engine("  rate_card:\n" + tiers).lines(for: outcomes)
        #expect(perProvider.map(\.payable) == ["1000", "1000", "1000", "800", "600", "1000"].map(dollars))
        #expect(perProvider[3].notes == ["tier 2: outcome 3 of this line for the provider"])
        let perContract = try engine("  rate_card:\n    tiers_count_per: contract\n" + tiers).lines(for: outcomes)
        #expect(perContract.map(\.payable) == ["1000", "1000", "800", "600", "600", "600"].map(dollars))
    }

    @Test func eachCapBindsAtItsOwnLevel() throws {
        func run(_ caps: String, lineCap: String = "", _ outcomes: [PeriodOutcomes]) throws -> [Money] {
            try engine("""
                  rate_card:
                    caps: {\(caps)}
                    lines:
                      - {id: a, outcome: housed_6m, price: 1500\(lineCap)}
                      - {id: b, outcome: employed, price: 1000}
                """).lines(for: outcomes).map(\.payable)
        }
        let three = period("2021", [(1, "x", "housed_6m", 1), (2, "x", "housed_6m", 1), (3, "y", "housed_6m", 1)])
        let threeMore = period("2022", [(4, "x", "housed_6m", 1), (5, "y", "housed_6m", 1), (6, "y", "housed_6m", 1)])
        // Participant: 1500 + 1000 earned, 2000 allowed.
        #expect(try run("participant: 2000", [period("2021", [(1, "x", "housed_6m", 1), (1, "x", "employed", 1)])])
            == ["1500", "500"].map(dollars))
        // Line: 3000 for line a.
        #expect(try run("", lineCap: ", cap: 3000", [three]) == ["1500", "1500", "0"].map(dollars))
        // Provider: 2500 each; x has persons 1, 2 and 4.
        #expect(try run("provider: 2500", [three, threeMore]) == ["1500", "1000", "1500", "0", "1000", "0"].map(dollars))
        // Period: 4000 per period, afresh each period.
        #expect(try run("period: 4000", [three, threeMore]) == ["1500", "1500", "1000", "1500", "1500", "1000"].map(dollars))
        // Contract: 5000 over the contract's life.
        #expect(try run("contract: 5000", [three, threeMore]) == ["1500", "1500", "1500", "500", "0", "0"].map(dollars))
        let capped = try engine("""
              rate_card:
                caps: {contract: 5000}
                lines: [{id: a, outcome: housed_6m, price: 1500}]
            """).lines(for: [three, threeMore])
        #expect(capped[3].notes == ["contract cap 5000.00 reached: pays 500.00 of 1500.00"])
        #expect(capped[3].earned == dollars("1500"))
    }

    @Test func theNarrowestCapIsNotedFirstAndLaterOnesOnlyIfTheyBindFurther() throws {
        let lines = try engine("""
              rate_card:
                caps: {participant: 1200, provider: 1000}
                lines: [{id: a, outcome: housed_6m, price: 1500}]
            """).lines(for: [period("2021", [(1, "x", "housed_6m", 1)])])
        #expect(lines[0].payable == dollars("1000"))
        #expect(lines[0].notes == ["participant cap 1200.00 reached: pays 1200.00 of 1500.00",
                                   "provider cap 1000.00 reached: pays 1000.00 of 1200.00"])
    }
}

/// Invariants over many random rate cards and outcome histories.
@Suite struct RateCardPropertyTests {
    /// A rate card with every feature the engine has, its prices and the given caps drawn at random.
    static func randomCard(caps: [String], using random: inout SeededGenerator) -> String {
        func amount(_ range: ClosedRange<Int>) -> String { "\(random.int(in: range))" }
        return """
              rate_card:
                \(random.bernoulli(0.5) ? "precondition: engaged" : "")
                tiers_count_per: \(random.bernoulli(0.5) ? "provider" : "contract")
                caps: {\(caps.joined(separator: ", "))}
                exclusive: [[part, full]]
                lines:
                  - {id: six, outcome: housed_6m, price: \(amount(100...2000)), cap: \(amount(3000...30000))}
                  - {id: twelve, outcome: housed_12m, price: \(amount(100...3000)), requires: [six]}
                  - {id: part, outcome: part_time, price: \(amount(100...900))}
                  - {id: full, outcome: full_time, price: \(amount(500...1500))}
                  - {id: job, outcome: employed, recurs: true, tiers: [{up_to: \(amount(1...5)), price: 300}, {price: 150.25}]}
            """
    }

    @Test(arguments: 1...40)
    func capsHoldAndTheResultDependsOnlyOnTheOutcomes(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed))
        func amount(_ range: ClosedRange<Int>) -> String { "\(random.int(in: range))" }
        func maybeCap(_ name: String, _ range: ClosedRange<Int>) -> String? { random.bernoulli(0.6) ? "\(name): \(amount(range))" : nil }
        let caps = [maybeCap("participant", 500...4000), maybeCap("provider", 2000...20000),
                    maybeCap("period", 3000...15000), maybeCap("contract", 5000...40000)].compactMap { $0 }
        let payments = Self.randomCard(caps: caps, using: &random)
        let contract = try OutcomeContract.parse(yaml: paymentContract(metrics: RateCardTests.metrics, payments: payments), file: "p.yaml")
        let terms = try #require(contract.payments)
        let card = try #require(terms.rateCard)
        let engine = RateCardEngine(card: card, currency: usd, rounding: .halfEven)
        let periods = (2021...2024).map { year in
            period("\(year)", (1...30).flatMap { person in
                RateCardTests.metrics.compactMap { metric in
                    random.bernoulli(0.3) ? (person, "p\(person % 3)", metric, random.int(in: 0...1)) : nil
                }
            })
        }
        let lines = try engine.lines(for: periods)
        let shuffled = periods.map { PeriodOutcomes(period: $0.period, outcomes: $0.outcomes.shuffled(using: &random)) }
        #expect(try engine.lines(for: shuffled) == lines)

        func total(_ selected: [PaymentLine]) -> Money { selected.reduce(.zero(usd)) { $0 + $1.payable } }
        for line in lines { #expect(line.payable <= line.earned && !(line.payable < .zero(usd))) }
        for (person, own) in Dictionary(grouping: lines, by: { $0.personID! }) {
            if let cap = card.caps.participant { #expect(!(cap < total(own)), "participant \(person)") }
            for id in ["six", "twelve", "part", "full"] { #expect(own.filter { $0.lineID == id }.count <= 1, "\(id) pays once") }
            // Exclusive outcomes: never more than the higher price in all, however they arrive.
            let higher = max(card.line("part")!.pricing.firstPrice, card.line("full")!.pricing.firstPrice)
            #expect(own.filter { ["part", "full"].contains($0.lineID) }.reduce(Money.zero(usd)) { $0 + $1.earned } <= higher)
        }
        for (provider, own) in Dictionary(grouping: lines, by: \.providerID) {
            if let cap = card.caps.provider?.cap(for: provider) { #expect(!(cap < total(own)), "provider \(provider)") }
        }
        for (label, own) in Dictionary(grouping: lines, by: \.period) {
            if let cap = card.caps.period { #expect(!(cap < total(own)), "period \(label)") }
        }
        if let cap = card.caps.contract { #expect(!(cap < total(lines))) }
        if let cap = card.line("six")?.cap { #expect(!(cap < total(lines.filter { $0.lineID == "six" }))) }
        #expect(lines.contains { !$0.payable.isZero }, "the random contract pays something")
    }
}
