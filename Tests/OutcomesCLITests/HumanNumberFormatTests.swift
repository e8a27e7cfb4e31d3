import Foundation
import Testing
@testable import OutcomesCLI

/// Numbers as a person reads them in Markdown and HTML, and as a machine reads them in JSON and
/// CSV: p-values the way MatchIt and cobalt print them, ratios to three significant digits.
struct HumanNumberFormatTests {
    @Test func pValuesReadAsMatchItPrintsThem() {
        #expect([0.6484, 0.0123, 0.001, 0.000999, 1.523e-40, 0].map { Cell.pValue($0).display }
                == ["0.648", "0.012", "0.001", "< 0.001", "< 0.001", "< 0.001"])
        // Exact for machines.
        #expect(Cell.pValue(1.523e-40).csv == "1.523e-40" && Cell.pValue(0.6484).plain == "0.6484")
    }

    @Test func ratiosHaveThreeSignificantDigits() {
        let ratios: [Decimal] = [Decimal(string: "-0.2")!, Decimal(string: "1.23456")!, Decimal(string: "12.345")!, Decimal(string: "0.0996")!,
                                 Decimal(string: "1234.5")!, 0]
        #expect(ratios.map { Cell.ratio($0).display } == ["-0.200", "1.23", "12.3", "0.0996", "1234", "0.00"])
        #expect(Cell.ratio(Decimal(string: "1.23456")!).csv == "1.23456", "exact for machines")
    }
}
