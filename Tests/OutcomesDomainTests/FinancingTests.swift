import Foundation
import OutcomesStatistics
import Testing
@testable import OutcomesDomain

/// The pay-for-success waterfall against cases worked by hand.
@Suite struct FinancingTests {
    let start = LocalDate(iso: "2021-01-01")!

    @Test func seniorFirstReturnBeforePrincipalThenJuniorThenGuarantee() throws {
        var financing = Financing(start: start, tranches: [
            .init(id: "junior", kind: .subordinate, amount: 500, coupon: 0),
            .init(id: "senior", kind: .senior, amount: 1000, coupon: 0.10),
        ], upfrontFee: 0, annualFee: 0, guarantee: nil)
        // After a year the senior owes 1,100: 600 pays it down to 500; a year later 550 clears it and 450 goes to the junior.
        let payments = [(date: LocalDate(iso: "2022-01-01")!, amount: 600.0), (date: LocalDate(iso: "2023-01-01")!, amount: 1000.0)]
        let flows = financing.waterfall(payments)
        let senior = try #require(flows.first { $0.id == "senior" }), junior = try #require(flows.first { $0.id == "junior" })
        #expect(senior.flows.map(\.amount) == [-1000, 600, 550] && senior.repaidInFull)
        guard case .unique(let rate) = senior.rateOfReturn else { Issue.record("no unique senior XIRR"); return }
        #expect(abs(rate - 0.10) < 1e-9)  // 1000 → 1100 − 600 = 500 → 550: 10% a year, on 365-day years
        #expect(junior.flows.map(\.amount) == [-500, 450] && !junior.repaidInFull && abs(junior.multiple - 0.9) < 1e-12)
        // A guarantee of half the junior's unpaid principal (50) pays 25 at the end.
        financing.guarantee = .init(tranche: "junior", covers: 0.5)
        let guaranteed = financing.waterfall(payments).first { $0.id == "junior" }!
        #expect(guaranteed.flows.map(\.amount) == [-500, 450, 25])
    }

    @Test func feesFirstAndTheRestToTheJuniorInvestors() {
        let financing = Financing(start: start, tranches: [
            .init(id: "senior", kind: .senior, amount: 100, coupon: 0),
            .init(id: "junior", kind: .subordinate, amount: 100, coupon: 0),
            .init(id: "grant", kind: .recoverableGrant, amount: 50, coupon: 0),
        ], upfrontFee: 10, annualFee: 0, guarantee: nil)
        let flows = financing.waterfall([(date: LocalDate(iso: "2022-01-01")!, amount: 300)])
        // 300 − 10 in fees = 290: senior 100, junior 100, grant 50, and the remaining 40 to the junior.
        #expect(flows.map(\.received) == [100, 140, 50])
        #expect(flows.allSatisfy { $0.repaidInFull })
    }
}
