import Foundation
import Testing
@testable import OutcomesDomain

@Suite struct OtherMechanismsTests {
    static let metrics = ["housed_days", "jail_days", "lease", "employed", "placed"]

    func terms(_ payments: String) throws -> PaymentTerms {
        let contract = try OutcomeContract.parse(yaml: paymentContract(metrics: Self.metrics, payments: payments), file: "other.yaml")
        return try #require(contract.payments)
    }

    func outcomes(_ label: String, _ rows: [(Int, String, Int)]) -> PeriodOutcomes {
        PeriodOutcomes(period: label, outcomes: rows.map {
            ParticipantOutcome(personID: $0.0, providerID: "a", metricID: $0.1, value: Decimal($0.2))
        })
    }

    @Test func perDayNetOfOtherDaysAfterAPreconditionWithinCaps() throws {
        let line = try #require(try terms("""
              per_day:
                - {id: housed, days: housed_days, less: jail_days, precondition: lease, price: 45.50, participant_cap: 5000, cap: 9000}
            """).perDayLines.first)
        let lines = line.payments(for: [
            outcomes("2021", [(1, "lease", 1), (1, "housed_days", 100), (1, "jail_days", 10),
                              (2, "housed_days", 50), (3, "lease", 1), (3, "housed_days", 30), (3, "jail_days", 40)]),
            outcomes("2022", [(1, "housed_days", 40), (2, "lease", 1), (2, "housed_days", 100)]),
        ], rounding: .halfEven)
        #expect(lines.map { "\($0.period)/\($0.personID!)" } == ["2021/1", "2021/3", "2022/1", "2022/2"])
        #expect(lines.map(\.earned) == ["4095", "0", "1820", "4550"].map(dollars))  // 90, 0, 40 and 100 days × 45.50
        #expect(lines.map(\.payable) == ["4095", "0", "905", "4000"].map(dollars))
        #expect(lines[0].notes == ["90 days × 45.50 (100 less 10)"])
        #expect(lines[2].notes.last == "participant cap 5000.00 reached: pays 905.00 of 1820.00")
        #expect(lines[3].notes.last == "cap of line housed 9000.00 reached: pays 4000.00 of 4550.00")
    }

    @Test func aShareOfTheAvoidedCostRoundedOnce() throws {
        let line = try #require(try terms("""
              savings_share:
                - {id: jail_savings, outcome: jail_days, comparison: {baseline: 30}, unit_cost: 150, share: 40}
            """).savingsShares.first)
        func paid(_ treated: String, _ participants: Int) -> Money {
            line.payments(cohorts: [EffectFigures(cohort: "c", treatedParticipants: participants, treated: Decimal(string: treated)!,
                                                  comparison: nil)], rounding: .halfEven)[0].payable
        }
        #expect(paid("25.5", 80) == dollars("21600"))  // 4.5 days × 150 × 80 = 54,000; 40% of it
        #expect(paid("31", 80) == dollars("0"))  // no saving: nothing, never a negative payment
        #expect(paid("29.6667", 3) == dollars("59.99"))  // 0.3333 × 150 × 3 = 149.985; 40% = 59.994
    }

    @Test func milestonesAndClawback() throws {
        let terms = try terms("""
              milestones: [{id: launch, amount: 50000, period: "2021", provider: hearth}]
              clawback:
                - {id: missed_jobs, contract_value: 1000000, share: 10, outcome: employed, statistic: rate, target: ">= 0.6", assessed_in: "2024", provider: hearth}
            """)
        #expect(terms.milestones == [Milestone(id: "launch", amount: dollars("50000"), period: "2021", provider: "hearth")])
        let clawback = try #require(terms.clawbacks.first)
        func figure(_ achieved: Int, of participants: Int) -> GroupFigure {
            GroupFigure(participants: participants, total: Decimal(achieved), count: participants)
        }
        #expect(clawback.repayment(figure: figure(58, of: 100), rounding: .halfEven).amount == dollars("-100000"))
        #expect(clawback.repayment(figure: figure(60, of: 100), rounding: .halfEven).amount == dollars("0"))
        let missed = clawback.repayment(figure: figure(58, of: 100), rounding: .halfEven).determination
        #expect(missed.finding == .targetMissed && missed.improvement == ExactRatio(Decimal(string: "0.58")!))
        // A provider without participants: a determination that pays nothing, never a repayment.
        let nobody = clawback.repayment(figure: nil, rounding: .halfEven)
        #expect(nobody.determination.finding == .noParticipants && nobody.amount == dollars("0"))
    }

    @Test func payersSplitLinesExactly() throws {
        let terms = try terms("""
              rate_card: {lines: [{id: job, outcome: employed, price: 1000.01}]}
              per_day: [{id: housed, days: housed_days, price: 10}]
              payers:
                - {id: county, lines: [housed]}
                - {id: state, share: 60}
                - {id: federal, share: 40}
            """)
        let job = terms.payers.split(dollars("1000.01"), line: "job", rounding: .halfEven)
        #expect(job.map(\.payer) == ["state", "federal"])
        #expect(job.map(\.amount) == ["600.01", "400.00"].map(dollars))  // 600.006 rounds to 600.01; federal takes the rest
        #expect(terms.payers.split(dollars("500"), line: "housed", rounding: .halfEven).map(\.amount) == [dollars("500")])
        var random = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            let amount = Money(Decimal(random.int(in: 0...10_000_000)) / 100, usd)
            let parts = terms.payers.split(amount, line: "job", rounding: .halfEven)
            #expect(parts.reduce(Money.zero(usd)) { $0 + $1.amount } == amount)
        }
    }

    @Test func badTermsNameTheirLine() {
        let cases: [(String, DefinitionFileError.Code)] = [
            ("  payers:\n    - {id: state, share: 60}\n    - {id: federal, share: 30}\n  rate_card: {lines: [{id: job, outcome: employed, price: 1}]}",
             .inconsistent),
            ("  milestones: [{id: launch, amount: 1, period: \"2031\", provider: x}]", .unknownName(.period, "2031")),
            ("  savings_share: [{id: s, outcome: jail_days, comparison: comparison_group, unit_cost: 1, share: 140}]", .outOfRange("share")),
            ("  milestones: [{id: job, amount: 1, period: \"2021\", provider: x}]\n  rate_card: {lines: [{id: job, outcome: employed, price: 1}]}",
             .duplicateName("job")),
            ("  per_day: [{id: d, days: housing, price: 1}]", .unknownName(.metric, "housing")),
            ("  payers:\n    - {id: a, lines: [d]}\n    - {id: b, lines: [d]}\n  per_day: [{id: d, days: housed_days, price: 1}]",
             .duplicateName("d")),
        ]
        for (payments, code) in cases {
            do {
                _ = try terms(payments)
                Issue.record("accepted: \(payments)")
            } catch let error as DefinitionFileError {
                #expect(error.code == code, "\(payments)")
                #expect(error.line >= 10 && error.file == "other.yaml")
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
