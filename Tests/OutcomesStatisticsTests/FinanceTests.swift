import Foundation
import Testing
@testable import OutcomesStatistics

/// Discounting and rates of return against numpy-financial and pyxirr
/// (reference/finance_reference.py wrote finance_reference.json), and cases worked by hand.
@Suite struct FinanceTests {
    static var reference: [String: Any] {
        let url = Bundle.module.url(forResource: "finance_reference.json", withExtension: nil, subdirectory: "reference")!
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    func near(_ a: Double, _ b: Double, _ what: String, relative: Double = 1e-10, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(abs(a - b) <= relative * max(1, abs(b)), "\(what): \(a) vs \(b)", sourceLocation: sourceLocation)
    }

    @Test func periodicFlowsEqualNumpyFinancialAndPyxirr() throws {
        let cases = Self.reference["periodic"] as! [String: [String: Any]]
        #expect(cases.count == 4)
        for (name, values) in cases {
            let flows = (values["flows"] as! [NSNumber]).map(\.doubleValue)
            for (rate, value) in values["npv_first_at_zero"] as! [String: NSNumber] {
                near(Finance.npv(rate: Double(rate)!, flows: flows, timing: .firstAtZero), value.doubleValue, "\(name) npv at \(rate)")
            }
            for (rate, value) in values["npv_spreadsheet"] as! [String: NSNumber] {
                near(Finance.npv(rate: Double(rate)!, flows: flows, timing: .endOfPeriod), value.doubleValue, "\(name) spreadsheet npv at \(rate)")
            }
            near(try #require(Finance.mirr(flows, financeRate: 0.06, reinvestRate: 0.04)), (values["mirr"] as! NSNumber).doubleValue, "\(name) mirr")
            let irr = (values["irr"] as! NSNumber).doubleValue
            switch Finance.irr(flows) {
            case .unique(let rate):
                #expect(name != "two_sign_changes")
                near(rate, irr, "\(name) irr", relative: 1e-9)
            case .notUnique(let roots):
                // numpy-financial picks one root; both are reported.
                #expect(name == "two_sign_changes")
                #expect(roots.count == 2 && roots.contains { abs($0 - irr) < 1e-9 } && roots.contains { abs($0 - 0.2) < 1e-9 }, "\(roots)")
            case .none: Issue.record("\(name): no IRR")
            }
        }
    }

    @Test func datedFlowsEqualPyxirr() throws {
        for (name, values) in Self.reference["dated"] as! [String: [String: Any]] {
            let flows = zip((values["days"] as! [NSNumber]).map(\.intValue), (values["amounts"] as! [NSNumber]).map(\.doubleValue))
                .map { (day: $0, amount: $1) }
            for (rate, value) in values["xnpv"] as! [String: NSNumber] {
                near(Finance.xnpv(rate: Double(rate)!, flows: flows), value.doubleValue, "\(name) xnpv at \(rate)")
            }
            guard case .unique(let rate) = Finance.xirr(flows) else { Issue.record("\(name): no unique XIRR"); continue }
            near(rate, (values["xirr"] as! NSNumber).doubleValue, "\(name) xirr", relative: 1e-9)
        }
    }

    @Test func conventionsAndPaybackByHand() {
        // 100 now and 110 in a year at 10%: 200 at t = 0; 181.818… a period later; mid-period in between.
        near(Finance.npv(rate: 0.1, flows: [100, 110], timing: .firstAtZero), 200, "first at zero")
        near(Finance.npv(rate: 0.1, flows: [100, 110], timing: .endOfPeriod), 100 / 1.1 + 110 / 1.21, "end of period")
        near(Finance.npv(rate: 0.1, flows: [100, 110], timing: .midPeriod), 100 / 1.1.squareRoot() + 110 / pow(1.1, 1.5), "mid period")
        // −100, 30, 40, 50: owed 30 after two periods, recovered at 30/50 of the third.
        near(Finance.paybackPeriod([-100, 30, 40, 50])!, 2.6, "payback")
        #expect(Finance.paybackPeriod([-100, 30, 40]) == nil)
        #expect(Finance.irr([100, 50]) == .none && Finance.irr([-100, -50]) == .none)
        #expect(Finance.mirr([100, 50], financeRate: 0.05, reinvestRate: 0.05) == nil)
    }
}
