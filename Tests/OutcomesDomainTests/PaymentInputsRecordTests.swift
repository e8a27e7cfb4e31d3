import Foundation
import Testing
@testable import OutcomesDomain

/// A run's inputs are stored as canonical text and read back exactly: what the engine consumed is
/// what `verify --recompute` gives it again.
@Suite struct PaymentInputsRecordTests {
    static let awkward = ["hearth", "tab\there", "new\nline", "back\\slash", "ünïcödé", "\\N", "", "carriage\rreturn"]

    /// A snapshot with every section, drawn from a seeded generator.
    static func snapshot(seed: UInt64) -> PaymentSnapshot {
        var random = SeededGenerator(seed: seed)
        func text() -> String { awkward[Int(random.next() % UInt64(awkward.count))] }
        func decimal() -> Decimal {
            let units = Int64(bitPattern: random.next() % 2_000_000_000) - 1_000_000_000
            return Decimal(units) / Decimal(sign: .plus, exponent: Int(random.next() % 7), significand: 1)
        }
        func group() -> GroupFigure { GroupFigure(participants: Int(random.next() % 500), total: decimal(), count: Int(random.next() % 500)) }
        var snapshot = PaymentSnapshot()
        for (index, period) in ["(before)", "2021", "2022"].enumerated() {
            snapshot.achievements.append(PeriodAchievements(period: period, participants: (0..<Int(random.next() % 20)).map { person in
                RateCardAchievement(personID: person * 7 + 1, providerID: text(), lines: random.next(), precondition: random.next() % 2 == 0)
            }, payable: index > 0))
            snapshot.values.append(PeriodOutcomes(period: period, outcomes: (0..<Int(random.next() % 20)).map { person in
                ParticipantOutcome(personID: person, providerID: text(), metricID: text(), value: random.next() % 3 == 0 ? nil : decimal())
            }, payable: index > 0))
        }
        snapshot.effectFigures["fewer\tnights"] = (cohorts: [EffectFigures(cohort: "2021", group: text(), treated: group(), comparison: group())],
                                                    overall: [EffectFigures(cohort: "all periods", group: text(), treated: group(), comparison: nil)])
        snapshot.effectFigures["b"] = (cohorts: [], overall: [])
        snapshot.savingsFigures["savings"] = [EffectFigures(cohort: "2022", group: text(), treated: group(), comparison: group())]
        snapshot.attestations["report"] = (by: text(), on: "2021-12-15")
        snapshot.clawbackFigures["claw"] = .some(group())
        snapshot.clawbackFigures["none"] = .some(nil)
        snapshot.comparisonRuns["fewer\tnights"] = 42
        return snapshot
    }

    static let header = PaymentRunHeader(contractID: "housing-2021", version: 3, fileSHA256: "ab12", period: "2022", kind: .interim,
                                         periods: ["2021", "2022"], isLastPeriod: true, loadID: 9)

    @Test(arguments: [1, 2, 3, 17, 99] as [UInt64]) func everySnapshotReadsBackExactly(seed: UInt64) throws {
        let snapshot = Self.snapshot(seed: seed)
        let record = PaymentInputsRecord(header: Self.header, snapshot: snapshot)
        let read = try PaymentInputsRecord.decode(record.text)
        #expect(read.header == Self.header)
        #expect(read.sha256 == record.sha256 && read.text == record.text)
        #expect(read.snapshot.achievements == snapshot.achievements && read.snapshot.values == snapshot.values)
        #expect(read.snapshot.effectFigures.keys.sorted() == snapshot.effectFigures.keys.sorted())
        for (line, figures) in snapshot.effectFigures {
            #expect(read.snapshot.effectFigures[line]!.cohorts == figures.cohorts && read.snapshot.effectFigures[line]!.overall == figures.overall)
        }
        #expect(read.snapshot.savingsFigures == snapshot.savingsFigures)
        #expect(read.snapshot.attestations["report"]! == snapshot.attestations["report"]!)
        #expect(read.snapshot.clawbackFigures == snapshot.clawbackFigures && read.snapshot.comparisonRuns == snapshot.comparisonRuns)
    }

    @Test func anythingButTheCanonicalTextIsRefused() throws {
        let text = String(decoding: PaymentInputsRecord(header: Self.header, snapshot: Self.snapshot(seed: 5)).text, as: UTF8.self)
        let broken = [
            text.replacingOccurrences(of: "end\n", with: ""),                       // cut short
            text + "values\t2023\tt\t0\n",                                           // after the end
            text.replacingOccurrences(of: "load\t9\n", with: "load\t09\n"),         // a number not as written
            text.replacingOccurrences(of: "version\t3\n", with: "version\t3\textra\n"),
            text.replacingOccurrences(of: "clawback\tclaw", with: "clawbacks\tclaw"), // an unknown section
            text.replacingOccurrences(of: "comparison_run\tfewer\\tnights\t42", with: "comparison_run\tfewer\\tnights\t4x2"),
            text.replacingOccurrences(of: "outcomes-payment-inputs\t1", with: "outcomes-payment-inputs\t2"),
        ]
        for (index, variant) in broken.enumerated() {
            #expect(variant != text, "variant \(index) changes nothing")
            #expect(throws: (any Error).self, "variant \(index)") { try PaymentInputsRecord.decode(Array(variant.utf8)) }
        }
    }

    @Test func aRunsContextReadsBack() throws {
        let usd = Currency(code: "USD")!
        let context = RunContext(prior: [
            LedgerKey(provider: "hearth", payer: "state", person: 12, line: "housed"): Money(Decimal(string: "1500.25")!, usd),
            LedgerKey(provider: "tab\there", payer: "county", person: nil, line: "fewer"): Money(Decimal(string: "-20.5")!, usd),
        ])
        #expect(try RunContext.decode(context.text, currency: usd) == context)
        #expect(try RunContext.decode(RunContext(prior: [:]).text, currency: usd) == RunContext(prior: [:]))
        let twice = String(decoding: context.text, as: UTF8.self) + "prior\thearth\tstate\t12\thoused\t1\n"
        #expect(throws: (any Error).self) { try RunContext.decode(Array(twice.utf8), currency: usd) }
    }

    @Test func theReaderTakesOnlyWhatTheWriterWrites() throws {
        var reader = CopyTextReader(Array("9223372036854775807\t-12\t9223372036854775808\t1e3\t\\N\n".utf8))
        let first = reader.next()
        #expect(first)
        #expect(try reader.int(0) == Int.max && reader.int(1) == -12)
        #expect(throws: CopyTextReader.Malformed.self) { try reader.int(2) }
        #expect(throws: CopyTextReader.Malformed.self) { try reader.decimal(3) }
        #expect(reader.isNull(4))
        #expect(try reader.optionalInt(4) == nil)
        let second = reader.next()
        #expect(!second)
        #expect(DecimalText.isPlain("-0.5") && DecimalText.isPlain("12") && !DecimalText.isPlain("1.") && !DecimalText.isPlain(".5")
                && !DecimalText.isPlain("1,000") && !DecimalText.isPlain("+1") && !DecimalText.isPlain("1.2.3"))
    }
}
