import Foundation
import Testing
@testable import OutcomesDomain

@Suite struct EffectLineTests {
    func line(_ yaml: String) throws -> EffectLine {
        let contract = try OutcomeContract.parse(
            yaml: paymentContract(metrics: ["jail_days", "employed"], payments: "  effect:\n" + yaml), file: "effect.yaml")
        return try #require(contract.payments?.effectLines.first)
    }

    func figures(_ cohort: String, _ treated: String, _ comparison: String?, participants: Int = 100) -> EffectFigures {
        EffectFigures(cohort: cohort, treatedParticipants: participants, treated: Decimal(string: treated)!,
                      comparison: comparison.map { Decimal(string: $0)! })
    }

    @Test func theCliffIsExactAndTiersAndTheCapApply() throws {
        let jail = try line("""
                - id: jail_reduction
                  outcome: jail_days
                  better: lower
                  improvement: relative
                  comparison: comparison_group
                  threshold: 10
                  tiers: [{from: 10, pays: 100000}, {from: 15, pays: 250000}]
                  cap: 300000
            """)
        let paid = jail.payments(cohorts: [
            figures("2021", "9", "10"),  // (10 − 9) / 10 = 10%: exactly the threshold
            figures("2022", "9.001", "10"),  // 9.99%: one basis point below
            figures("2023", "8.5", "10"),  // 15%: the higher tier, cut by the cap
        ], overall: nil, currency: usd, rounding: .halfEven)
        #expect(paid.map { $0.improvement?.rounded(scale: 4) } == [10, Decimal(string: "9.99"), 15])
        #expect(paid.map(\.earned) == ["100000", "0", "250000"].map(dollars))
        #expect(paid.map(\.payable) == ["100000", "0", "200000"].map(dollars))
        #expect(paid.map(\.determination.finding) == [.met, .belowThreshold, .met])
        // Wording is the subject: how the arithmetic and the reasons read.
        #expect(paid[1].determination.arithmetic.contains("improvement 9.99 < threshold 10: nothing is paid"))
        #expect(paid[2].reasons.map(\.text) == ["determination of 2023", "cap of line jail_reduction 300000.00 reached: pays 200000.00 of 250000.00"])
    }

    @Test func pricePerWholePointWithinBracketsPerParticipant() throws {
        let employment = try line("""
                - id: employment_gain
                  outcome: employed
                  statistic: rate
                  better: higher
                  improvement: absolute
                  comparison: {baseline: 0.50}
                  threshold: 5
                  per_unit: [{from: 5, to: 10, price: 100}, {from: 10, price: 50}]
                  per_participant: true
            """)
        func pays(_ rate: String) -> Money {
            employment.payments(cohorts: [figures("c", rate, nil, participants: 200)], overall: nil, currency: usd,
                                rounding: .halfEven)[0].payable
        }
        // 12 points: 5 × 100 + 2 × 50 = 600 per participant, 200 participants.
        #expect(pays("0.62") == dollars("120000"))
        #expect(pays("0.6299") == dollars("120000"))  // 12.99 points pay for 12 whole points
        #expect(pays("0.60") == dollars("100000"))  // 10 points: the second bracket starts at 10
        #expect(pays("0.55") == dollars("0"))  // 5 points: at the threshold, but no whole point above the bracket's start
        #expect(pays("0.56") == dollars("20000"))  // 6 points: 1 × 100 × 200
        #expect(pays("0.5499") == dollars("0"))  // 4.99 points: below the cliff
    }

    @Test func allCohortsTogetherPayWhatTheyEarnBeyondTheCohorts() throws {
        let jail = try line("""
                - id: jail_reduction
                  outcome: jail_days
                  better: lower
                  improvement: relative
                  comparison: comparison_group
                  threshold: 10
                  overall_threshold: 7.5
                  tiers: [{from: 7.5, pays: 50000}, {from: 10, pays: 100000}]
            """)
        func run(_ cohorts: [EffectFigures], _ overall: EffectFigures) -> [Money] {
            jail.payments(cohorts: cohorts, overall: overall, currency: usd, rounding: .halfEven).map(\.payable)
        }
        // Neither cohort reaches 10%, together they reach 8.5%: the overall tier pays.
        #expect(run([figures("1", "9.2", "10"), figures("2", "9.1", "10")], figures("all", "9.15", "10")) == ["0", "0", "50000"].map(dollars))
        // One cohort earned 100,000 already; the overall 9% earns 50,000: nothing more.
        #expect(run([figures("1", "9.2", "10"), figures("2", "8.8", "10")], figures("all", "9.1", "10")) == ["0", "100000", "0"].map(dollars))
    }

    @Test func withoutAComparisonFigureNothingIsPaid() throws {
        let jail = try line("""
                - {id: j, outcome: jail_days, better: lower, improvement: relative, comparison: comparison_group, threshold: 1, tiers: [{from: 1, pays: 10}]}
            """)
        let paid = jail.payments(cohorts: [figures("a", "5", nil), figures("b", "5", "0")], overall: nil, currency: usd, rounding: .halfEven)
        #expect(paid.map(\.payable) == ["0", "0"].map(dollars))
        #expect(paid.map(\.improvement) == [nil, nil])
    }

    @Test func badEffectLinesNameTheirLine() {
        let base = "    - {id: j, outcome: jail_days, better: lower, improvement: relative, comparison: comparison_group, "
        let cases: [(String, DefinitionFileError.Code)] = [
            (base + "threshold: 120, tiers: [{from: 120, pays: 1}]}", .outOfRange("threshold")),
            (base + "threshold: -1, tiers: [{from: 1, pays: 1}]}", .outOfRange("threshold")),
            (base + "threshold: 5, tiers: [{from: 10, pays: 2}, {from: 8, pays: 1}]}", .outOfOrder),
            (base + "threshold: 5, tiers: [{from: 4, pays: 2}]}", .inconsistent),
            (base + "threshold: 5, per_unit: [{from: 5, to: 10, price: 1}, {from: 8, price: 1}]}", .outOfOrder),
            (base + "threshold: 5, tiers: [{from: 5, pays: 1}], per_unit: [{from: 5, price: 1}]}", .conflictingKeys(["tiers", "per_unit"])),
            (base + "threshold: 5, achieved: '> 0', tiers: [{from: 5, pays: 1}]}", .keyDoesNotApply("achieved")),
            (base + "threshold: 5, tiers: [{from: 5, pays: -1}]}", .outOfRange("pays")),
        ]
        for (yaml, code) in cases {
            do {
                _ = try line(yaml)
                Issue.record("accepted: \(yaml)")
            } catch let error as DefinitionFileError {
                #expect(error.code == code, "\(yaml)")
                #expect(error.line == 12 && error.file == "effect.yaml", "\(code)")  // the line item: 12
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
