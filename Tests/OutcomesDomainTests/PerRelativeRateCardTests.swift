import Foundation
import Testing
@testable import OutcomesDomain

/// A rate-card line paid per relative, worked by hand: its price for each relative whose own value
/// meets its test, each relative paid for once by the line (over the contract for a one-off line),
/// the relatives named in the reasons; the relatives sealed in a run's inputs read back exactly.
@Suite struct PerRelativeRateCardTests {
    static let usd = Currency(code: "USD")!
    static func dollars(_ text: String) -> Money { Money(Decimal(string: text)!, usd) }

    static let card = RateCard(
        precondition: nil,
        lines: [{
            var line = RateCard.Line(id: "per_child", outcome: OutcomeTest(metricID: "kids"), pricing: .flat(dollars("100")), recurs: false,
                                     requires: [], cap: nil)
            line.perRelative = true
            return line
        }()],
        exclusiveGroups: [], caps: RateCard.Caps(), tiersCountPer: .provider)

    static func achieved(_ period: String, _ persons: [Int]) -> PeriodAchievements {
        PeriodAchievements(period: period, participants: persons.map { RateCardAchievement(personID: $0, providerID: "nest", lines: 1, precondition: false) })
    }

    static var snapshot: PaymentSnapshot {
        var snapshot = PaymentSnapshot()
        snapshot.relatives = [
            RelativeValues(period: "2023", personID: 1, metricID: "kids", ids: [10, 11], values: [1, 0]),
            RelativeValues(period: "2023", personID: 2, metricID: "kids", ids: [10, 12], values: [1, 1]),
            RelativeValues(period: "2024", personID: 1, metricID: "kids", ids: [10, 11], values: [1, 1]),
            RelativeValues(period: "2024", personID: 3, metricID: "kids", ids: [12], values: [1]),
        ]
        return snapshot
    }

    @Test func eachRelativeIsPaidForOnce() throws {
        let engine = RateCardEngine(card: Self.card, currency: Self.usd, rounding: .halfEven)
        let lines = try engine.lines(for: [Self.achieved("2023", [1, 2]), Self.achieved("2024", [1, 3, 4])], snapshot: Self.snapshot)
        let got = lines.map { [$0.period, String($0.personID!), $0.earned.plain] + $0.reasons.map(\.text) }
        #expect(got == [
            // 1: child 10 meets the test (11's value is 0).
            ["2023", "1", "100.00", "1 relative paid for: 10 (1)"],
            // 2: 10 was paid for under 1; 12 is paid for.
            ["2023", "2", "100.00", "1 relative paid for: 12 (1); paid for before: 10"],
            // 2024: the line is one-off, so 1 is not paid again; 3's only child was paid for under 2;
            // 4 achieved with no relatives on record: nothing to pay for.
            ["2024", "3", "0.00", "no relative paid for; paid for before: 12"],
            ["2024", "4", "0.00"],
        ])
    }

    @Test func theRelativesReadBackFromASealedRecord() throws {
        var snapshot = Self.snapshot
        snapshot.relatives.append(RelativeValues(period: "2024", personID: 5, metricID: "kids", ids: [13, 14], values: [nil, Decimal(string: "0.5")!]))
        let header = PaymentRunHeader(contractID: "family-2021", version: 1, fileSHA256: String(repeating: "0", count: 64), period: "2024",
                                      kind: .final, periods: ["2023", "2024"], isLastPeriod: true, loadID: 3)
        let record = PaymentInputsRecord(header: header, snapshot: snapshot)
        let read = try PaymentInputsRecord.decode(record.text)
        #expect(read.snapshot.relatives == snapshot.relatives && read.sha256 == record.sha256)
        let text = String(decoding: record.text, as: UTF8.self)
        #expect(text.contains("relatives\t5\n2023\t1\tkids\t2\t10\t1\t11\t0\n"))
        // A row whose count does not match its fields is refused.
        #expect(throws: (any Error).self) {
            try PaymentInputsRecord.decode(Array(text.replacingOccurrences(of: "2023\t1\tkids\t2\t10", with: "2023\t1\tkids\t3\t10").utf8))
        }
        // A record without relatives has no such section (the earlier runs' records read as before).
        let plain = PaymentInputsRecord(header: header, snapshot: PaymentSnapshot())
        #expect(!String(decoding: plain.text, as: UTF8.self).contains("relatives"))
    }
}
