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
            // 2024: the line is spent per child, not per participant: 1's child 11 now meets the
            // test and is paid for; 3's only child was paid for under 2 and 4 has none on record:
            // no line for either.
            ["2024", "1", "100.00", "1 relative paid for: 11 (1); paid for before: 10"],
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

    /// A cap that leaves a participant's line nothing leaves its relatives unpaid for: the next
    /// participant they count for is paid for them.
    @Test func aRelativeCappedToNothingIsPaidForUnderTheNextParticipant() throws {
        var card = Self.card
        card = RateCard(precondition: nil, lines: card.lines, exclusiveGroups: [], caps: RateCard.Caps(participant: Self.dollars("150")),
                        tiersCountPer: .provider)
        var snapshot = PaymentSnapshot()
        snapshot.relatives = [
            RelativeValues(period: "2023", personID: 1, metricID: "kids", ids: [10, 11], values: [1, 1]),
            RelativeValues(period: "2024", personID: 1, metricID: "kids", ids: [12], values: [1]),
            RelativeValues(period: "2024", personID: 2, metricID: "kids", ids: [12], values: [1]),
        ]
        let lines = try RateCardEngine(card: card, currency: Self.usd, rounding: .halfEven)
            .lines(for: [Self.achieved("2023", [1]), Self.achieved("2024", [1, 2])], snapshot: snapshot)
        #expect(lines.map { [$0.period, String($0.personID!), $0.earned.plain, $0.payable.plain] } == [
            ["2023", "1", "200.00", "150.00"],  // capped at 150
            ["2024", "1", "100.00", "0.00"],    // the cap is spent: 12 is not paid for under 1…
            ["2024", "2", "100.00", "100.00"],  // …so 2 is paid for 12
        ])
    }
}
