import Foundation
import Testing
@testable import OutcomesDomain

/// The one grammar for numbers in input files: every literal it accepts reads back exactly, and
/// everything people write around a number — separators, units, exponents, hex — is refused by name.
@Suite struct NumberLiteralTests {
    /// A random literal of the grammar, with its digits: an optional '-', a whole part without a
    /// leading zero (or a lone 0), and maybe a point and digits; 30 digits at most.
    static func literal(_ generator: inout SeededGenerator) -> (text: String, negative: Bool, whole: String, fraction: String) {
        let digit = { (g: inout SeededGenerator) in String(Int.random(in: 0...9, using: &g)) }
        let negative = Bool.random(using: &generator)
        var whole = Int.random(in: 0..<4, using: &generator) == 0 ? "0" : String(Int.random(in: 1...9, using: &generator))
        if whole != "0" { for _ in 0..<Int.random(in: 0...17, using: &generator) { whole += digit(&generator) } }
        var fraction = ""
        if Bool.random(using: &generator) {
            for _ in 0..<Int.random(in: 1...min(12, 30 - whole.count), using: &generator) { fraction += digit(&generator) }
        }
        let text = (negative ? "-" : "") + whole + (fraction.isEmpty ? "" : "." + fraction)
        return (text, negative, whole, fraction)
    }

    /// The value built from its digit strings alone, never through a decimal parser: the whole and
    /// fraction digits as one integer significand, times ten to minus the fraction's length.
    static func oracle(negative: Bool, whole: String, fraction: String) -> Decimal {
        var significand = Decimal(0)
        for character in whole + fraction { significand = significand * 10 + Decimal(Int(character.asciiValue! - 48)) }
        let magnitude = Decimal(sign: .plus, exponent: -fraction.count, significand: significand)
        return negative ? -magnitude : magnitude
    }

    /// The same value's canonical text, by string rules only: no leading zeros, no trailing
    /// fraction zeros, no "-0".
    static func canonical(negative: Bool, whole: String, fraction: String) -> String {
        let whole = String(whole.drop { $0 == "0" })
        var fraction = fraction
        while fraction.last == "0" { fraction.removeLast() }
        let digits = (whole.isEmpty ? "0" : whole) + (fraction.isEmpty ? "" : "." + fraction)
        return (negative && digits != "0" ? "-" : "") + digits
    }

    @Test func everyAcceptedLiteralRoundTripsExactly() throws {
        var generator = SeededGenerator(seed: 20)
        for _ in 0..<5_000 {
            let (text, negative, whole, fraction) = Self.literal(&generator)
            let parsed = try NumberLiteral(text)
            let value = parsed.decimal
            #expect(value == Self.oracle(negative: negative, whole: whole, fraction: fraction), "\(text)")
            // Printing is the subject: the canonical text of the value.
            #expect(value.description == Self.canonical(negative: negative, whole: whole, fraction: fraction), "\(text) printed \(value)")
            // Printed and read again: the same value.
            #expect(try NumberLiteral(value.description).decimal == value, "\(text)")
            // Every dialect reads a plain literal the same.
            #expect(try NumberLiteral(text, .extract).decimal == value)
            #expect(try NumberLiteral(text, .dataTable).double == Double(text)!)
            #expect(NumberLiteral.double(text) == Double(text)!)
            if fraction.isEmpty, whole.count <= 18 {
                #expect(try NumberLiteral.integer(text) == Int(text)!)
            } else if !fraction.isEmpty {
                #expect(throws: NumberLiteral.Problem.notWhole) { try NumberLiteral.integer(text) }
            }
        }
    }

    /// Each way of writing around a number is refused, with its own reason.
    @Test func separatorsUnitsExponentsHexAndTheRestAreRefused() throws {
        var generator = SeededGenerator(seed: 21)
        let units = ["USD", "$", "%", "abc", "k", "m", "days", "€", "e", "E", "..", ".x", "-", "+", "#1", "(1)", "/yr"]
        for _ in 0..<2_000 {
            let (text, negative, whole, fraction) = Self.literal(&generator)
            let sign = negative ? "-" : "", point = fraction.isEmpty ? "" : "." + fraction
            func refused(_ mutated: String, _ problem: NumberLiteral.Problem, sourceLocation: SourceLocation = #_sourceLocation) {
                #expect(throws: problem, "\(mutated)", sourceLocation: sourceLocation) { try NumberLiteral(mutated) }
            }
            // Units, currency, percent and any other text after the digits.
            let unit = units.randomElement(using: &generator)!
            refused(text + unit, .suffix(unit))
            refused(text + " " + unit, .suffix(unit))
            // Thousands grouped by ',', '_', an apostrophe or a space: refused wherever the group starts.
            if whole.count >= 2 {
                let separator = [",", "_", "'", " "].randomElement(using: &generator)!
                let cut = Int.random(in: 1..<whole.count, using: &generator)
                refused(sign + whole.prefix(cut) + separator + whole.dropFirst(cut) + point, .separator)
            }
            // Exponents: refused in definition files and extracts, read in the flat tables of compare --data.
            let exponent = ["e", "E"].randomElement(using: &generator)! + ["", "+", "-"].randomElement(using: &generator)!
                + String(Int.random(in: 0...NumberLiteral.maximumExponent, using: &generator))
            refused(text + exponent, .exponent)
            #expect(throws: NumberLiteral.Problem.exponent) { try NumberLiteral(text + exponent, .extract) }
            #expect(try NumberLiteral(text + exponent, .dataTable).double == Double(text + exponent)!, "\(text + exponent)")
            let hex = String(Int.random(in: 0...Int(Int32.max), using: &generator), radix: 16)
            refused(sign + "0" + ["x", "X", "o", "b"].randomElement(using: &generator)! + hex, .radixPrefix)
            refused("+" + text, .plusSign)
            refused(" " + text, .spaces)
            refused(text + "\t", .spaces)
            if fraction.isEmpty {
                refused(text + ".", .missingFraction)
            } else {
                refused(text + "." + fraction, .secondPoint)
                refused(text + ".", .secondPoint)
                refused(sign + point, .missingWholePart)
            }
            if whole != "0", whole.count + fraction.count <= NumberLiteral.maximumDigits - 2 {
                refused(sign + "0" + whole + point, .leadingZero)
                // CSV files allow leading zeros: the same value.
                #expect(try NumberLiteral(sign + "00" + whole + point, .extract).decimal == NumberLiteral(text).decimal)
            }
        }
        for word in ["inf", ".inf", "-.inf", ".Inf", "INF", "Infinity", "-Infinity", "nan", "NaN", ".nan", ".NaN"] {
            #expect(throws: NumberLiteral.Problem.notFinite, "\(word)") { try NumberLiteral(word) }
            #expect(throws: NumberLiteral.Problem.notFinite, "\(word)") { try NumberLiteral(word, .dataTable) }
        }
        for (text, problem) in [("", NumberLiteral.Problem.empty), ("  ", .empty), ("-", .notANumber), ("--1", .notANumber),
                                ("$100", .notANumber), ("٣", .notANumber), ("1,5", .separator), ("1.000,50", .separator),
                                ("10,000", .separator), ("> 5", .notANumber), ("1" + String(repeating: "0", count: 30), .tooManyDigits),
                                ("true", .notANumber), ("~", .notANumber), ("0.5.", .secondPoint), ("12.", .missingFraction)] {
            #expect(throws: problem, "\(text)") { try NumberLiteral(text) }
        }
    }

    @Test func wholeNumbersAreSixtyFourBitIntegers() throws {
        var generator = SeededGenerator(seed: 22)
        for _ in 0..<2_000 {
            let value = Int.random(in: Int.min...Int.max, using: &generator) >> Int.random(in: 0...62, using: &generator)
            #expect(try NumberLiteral.integer(String(value)) == value)
        }
        #expect(try NumberLiteral.integer(String(Int.min)) == Int.min)
        #expect(try NumberLiteral.integer(String(Int.max)) == Int.max)
        #expect(throws: NumberLiteral.Problem.outOfRange) { try NumberLiteral.integer("9223372036854775808") }
        #expect(throws: NumberLiteral.Problem.outOfRange) { try NumberLiteral.integer("-9223372036854775809") }
        #expect(throws: NumberLiteral.Problem.notWhole) { try NumberLiteral.integer("1.0") }
        #expect(throws: NumberLiteral.Problem.notWhole) { try NumberLiteral.integer("1e3", .dataTable) }
        #expect(throws: NumberLiteral.Problem.leadingZero) { try NumberLiteral.integer("007") }
        #expect(try NumberLiteral.integer("007", .extract) == 7)
        #expect(throws: NumberLiteral.Problem.outOfRange) { try NumberLiteral("1e999", .dataTable) }
    }
}
