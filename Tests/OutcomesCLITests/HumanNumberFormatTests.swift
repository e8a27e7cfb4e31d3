import Foundation
import OutcomesDomain
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

    @Test func ratiosOfStatisticsHaveThreeSignificantDigitsToo() {
        #expect([1.5912, 0.98765, 1.1, 12.04, 0.9996, 9.996, -0.09996].map { Cell.realRatio($0).display }
                == ["1.59", "0.988", "1.10", "12.0", "1.00", "10.0", "-0.100"])
        #expect(Cell.realRatio(1.5912).csv == "1.5912")
    }

    @Test func ratesReadAsPercentagesWithOneDecimalAndStayExactForMachines() {
        let rate = Decimal(string: "0.7844")!
        #expect(Cell.roundedRate(Decimal(string: "0.78437")!) == .rate(rate))
        #expect(Cell.rate(rate).display == "78.4%" && Cell.rate(rate).csv == "0.7844")
        #expect(Cell.rate(Decimal(string: "0.0005")!).display == "0.1%" && Cell.rate(1).display == "100.0%")
    }

    @Test func moneyPercentilesHaveSeparatorsAndTheCurrencysDecimals() throws {
        let usd = try #require(Currency(code: "USD"))
        #expect(Cell.money(Money(Decimal(-21646.1349), usd)).display == "-21,646.13")
        #expect(Cell.money(Money(Decimal(-21646.1349), usd)).csv == "-21646.13")
    }

    @Test func aNamedValueIsItsNameForMachinesAndItsLabelForAPerson() {
        let cell = Cell.named("effect on housed_12m", label: "Effect on 12 consecutive months without a shelter stay")
        #expect(cell.csv == "effect on housed_12m" && cell.display == "Effect on 12 consecutive months without a shelter stay")
    }
}
