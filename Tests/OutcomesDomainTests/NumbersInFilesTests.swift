import Foundation
import Testing
@testable import OutcomesDomain

/// Every reader of a definition file reads numbers and conditions by the one grammar: what it
/// cannot read is an error at file:line carrying the text and the typed reason — never a prefix
/// read and the rest ignored, never a crash.
@Suite struct NumbersInFilesTests {
    /// The file's problem, or nil when it reads.
    func problem(_ parse: () throws -> Void) -> DefinitionFileError? {
        do {
            try parse()
            return nil
        } catch {
            return error as? DefinitionFileError
        }
    }

    func line(of needle: String, in text: String) -> Int {
        text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(needle) }! + 1
    }

    static let rateCard = """
          rate_card:
            lines:
              - {id: housed, outcome: housed, achieved: "> 0", price: 1500}
        """

    /// Conditions: `"> 10,000"` was read as `> 10`; now each is refused with the number it could not read.
    @Test(arguments: [
        ("> 10,000", "10,000", NumberLiteral.Problem.separator),
        ("> 5abc", "5abc", .suffix("abc")),
        (">= 12 USD", "12 USD", .suffix("USD")),
        ("> 1000.5.5", "1000.5.5", .secondPoint),
        ("> 0x10", "0x10", .radixPrefix),
        ("> 1e3", "1e3", .exponent),
        ("> .5", ".5", .missingWholePart),
        ("> +5", "+5", .plusSign),
        ("> .inf", ".inf", .notFinite),
        ("> 010", "010", .leadingZero),
        (">", "", .empty),
    ])
    func aConditionIsReadWholeOrRefused(condition: String, number: String, reason: NumberLiteral.Problem) throws {
        let text = paymentContract(metrics: ["housed"], payments: Self.rateCard.replacingOccurrences(of: "\"> 0\"", with: "\"\(condition)\""))
        let error = try #require(problem { _ = try OutcomeContract.parse(yaml: text, file: "c.yaml") })
        #expect(error.file == "c.yaml" && error.line == line(of: "achieved:", in: text))
        #expect(error.unreadNumber == .init(text: number, problem: reason))
        #expect(error.exitStatus == .dataError)
    }

    @Test func conditionsThatReadGiveTheirExactValue() throws {
        for (condition, comparison, value) in [("> 0", AmountCondition.Comparison.greater, "0"), (">=12", .greaterOrEqual, "12"),
                                               ("  <>  -0.25 ", .notEqual, "-0.25"), ("<= 1000.50", .lessOrEqual, "1000.5")] {
            let text = paymentContract(metrics: ["housed"], payments: Self.rateCard.replacingOccurrences(of: "\"> 0\"", with: "\"\(condition)\""))
            let test = try #require(OutcomeContract.parse(yaml: text, file: "c.yaml").payments?.rateCard?.lines.first?.outcome)
            #expect(test.condition == AmountCondition(comparison, Decimal(string: value)!), "\(condition)")
        }
        // Not an operator of the vocabulary: refused as a comparison, not read as one.
        for condition in ["=> 5", "== 5", "!= 5", "5", "≥ 5"] {
            let text = paymentContract(metrics: ["housed"], payments: Self.rateCard.replacingOccurrences(of: "\"> 0\"", with: "\"\(condition)\""))
            let error = try #require(problem { _ = try OutcomeContract.parse(yaml: text, file: "c.yaml") }, "\(condition)")
            #expect(error.line == line(of: "achieved:", in: text) && error.code == .wrongForm(expected: .comparison), "\(error.message)")
        }
    }

    /// Amounts, prices, caps, thresholds and whole numbers across the contract's mechanisms.
    @Test(arguments: [
        ("price: 1500", "price: \"1,500\"", "1,500", NumberLiteral.Problem.separator),
        ("price: 1500", "price: 1500 USD", "1500 USD", .suffix("USD")),
        ("price: 1500", "price: 1.5e3", "1.5e3", .exponent),
        ("price: 1500", "price: 1_500", "1_500", .separator),
        ("price: 1500", "price: .inf", ".inf", .notFinite),
        ("price: 1500", "price: 01500", "01500", .leadingZero),
        ("price: 1500", "price: \" 1500\"", " 1500", .spaces),
        ("price: 1500", "price: 1500., cap: 1", "1500.", .missingFraction),
        ("price: 1500", "price: 1500, cap: 2000%", "2000%", .suffix("%")),
        ("version: 1", "version: 1.0", "1.0", .notWhole),
        ("version: 1", "version: 0x1", "0x1", .radixPrefix),
        ("version: 1", "version: 99999999999999999999", "99999999999999999999", .outOfRange),
    ])
    func amountsAndWholeNumbersInAContract(old: String, new: String, number: String, reason: NumberLiteral.Problem) throws {
        let text = paymentContract(metrics: ["housed"], payments: Self.rateCard).replacingOccurrences(of: old, with: new)
        let error = try #require(problem { _ = try OutcomeContract.parse(yaml: text, file: "c.yaml") })
        #expect(error.line == line(of: new, in: text), "\(error.message)")
        #expect(error.unreadNumber == .init(text: number, problem: reason), "\(error.message)")
    }

    @Test func metricAmountsAndOffsets() throws {
        let base = """
            contract: c
            program: reentry
            data_through: 2024-12-31
            periods: [{label: "2021", from: 2021-01-01, to: 2021-12-31}]
            metrics:
              - id: earnings
                measure: sum
                domain: wages
                amount: "> 0"
                window: {anchor: enrollment_start, from: 0 days, to: 12 months}
            """
        #expect(problem { _ = try OutcomeContract.parse(yaml: base, file: "c.yaml") } == nil)
        let amount = try #require(problem {
            _ = try OutcomeContract.parse(yaml: base.replacingOccurrences(of: "\"> 0\"", with: "\"> 10,000\""), file: "c.yaml")
        })
        #expect(amount.line == 9 && amount.unreadNumber == .init(text: "10,000", problem: .separator))
        // An offset's count is a whole number of the grammar too: no '+', no leading zero, no exponent.
        for offset in ["+12 months", "012 months", "1e1 months", "12.0 months", "\"1,2 months\""] {
            let error = try #require(problem {
                _ = try OutcomeContract.parse(yaml: base.replacingOccurrences(of: "to: 12 months", with: "to: \(offset)"), file: "c.yaml")
            })
            #expect(error.line == 10 && error.code == .wrongForm(expected: .offset), "\(offset): \(error.message)")
        }
        // Dates are digits and dashes: a sign is not a digit.
        #expect(LocalDate(iso: "+021-01-01") == nil && LocalDate(iso: "2021-+1-01") == nil && LocalDate(iso: "2021- 1-01") == nil)
        #expect(LocalDate(iso: "2021-01-01") == LocalDate(year: 2021, month: 1, day: 1))
    }

    @Test func evaluationFiles() throws {
        let valid = EvaluationFileTests.valid
        for (old, new, number, reason) in [("caliper: 0.2", "caliper: .2", ".2", NumberLiteral.Problem.missingWholePart),
                                           ("caliper: 0.2", "caliper: 2e-1", "2e-1", .exponent),
                                           ("ratio: 2", "ratio: 2.0", "2.0", .notWhole),
                                           ("min_days: 14", "min_days: 14 days", "14 days", .suffix("days")),
                                           ("seed: 5", "seed: 0x5", "0x5", .radixPrefix)] {
            let text = valid.replacingOccurrences(of: old, with: new)
            let error = try #require(problem { _ = try EvaluationDefinition.parse(yaml: text, file: "e.yaml") }, "\(new)")
            #expect(error.line == line(of: new, in: text) && error.unreadNumber == .init(text: number, problem: reason), "\(error.message)")
        }
    }

    /// A negative seed crashed the scenario reader (SIGILL converting it to an unsigned number).
    @Test func scenarioFilesAndANegativeSeed() throws {
        let valid = BenefitCostTests.file
        #expect(try ScenarioDefinition.parse(yaml: valid, file: "s.yaml").seed == 11)
        #expect(try ScenarioDefinition.parse(yaml: valid.replacingOccurrences(of: "seed: 11", with: "seed: 0"), file: "s.yaml").seed == 0)
        let negative = valid.replacingOccurrences(of: "seed: 11", with: "seed: -1")
        let error = try #require(problem { _ = try ScenarioDefinition.parse(yaml: negative, file: "s.yaml") })
        #expect(error.line == line(of: "seed: -1", in: negative) && error.code == .outOfRange("seed"))
        for (old, new, number, reason) in [("seed: 11", "seed: 1e3", "1e3", NumberLiteral.Problem.exponent),
                                           ("draws: 10000", "draws: 10,000", "10,000", .separator),
                                           ("discount_rate: 0.05", "discount_rate: 5%", "5%", .suffix("%")),
                                           ("horizon: 5", "horizon: +5", "+5", .plusSign),
                                           ("estimate: -0.5", "estimate: -.5", "-.5", .missingWholePart),
                                           ("value: -2000", "value: -2000 USD", "-2000 USD", .suffix("USD")),
                                           ("year: 2020}", "year: 2020.5}", "2020.5", .notWhole)] {
            let text = valid.replacingOccurrences(of: old, with: new)
            let error = try #require(problem { _ = try ScenarioDefinition.parse(yaml: text, file: "s.yaml") }, "\(new)")
            #expect(error.line == line(of: new, in: text) && error.unreadNumber == .init(text: number, problem: reason), "\(error.message)")
        }
        let index = try #require(problem {
            _ = try ScenarioDefinition.parse(yaml: valid.replacingOccurrences(of: "2020: 100", with: "+2020: 100"), file: "s.yaml")
        })
        #expect(index.line == line(of: "price_index", in: valid) && index.code == .wrongForm(expected: .year))
    }

    /// YAML's "\0" escape passed into a bound parameter ends the string there, unseen.
    @Test func aNulCharacterInTextIsRefused() throws {
        let text = paymentContract(metrics: ["housed"], payments: Self.rateCard).replacingOccurrences(of: "program: housing", with: "program: \"hou\\0sing\"")
        let error = try #require(problem { _ = try OutcomeContract.parse(yaml: text, file: "c.yaml") })
        #expect(error.line == 2 && error.code == .wrongForm(expected: .text), "\(error.message)")
    }

    @Test func thresholdFiles() throws {
        for (yaml, number, reason) in [("overlapping_enrollments: {max_rate: .5}", ".5", NumberLiteral.Problem.missingWholePart),
                                       ("overlapping_enrollments: {max_rate: 1e-1}", "1e-1", .exponent),
                                       ("overlapping_enrollments: {max_rate: nan}", "nan", .notFinite),
                                       ("overlapping_enrollments: {max_rate: 5%}", "5%", .suffix("%")),
                                       ("overlapping_enrollments: {max_count: \"1,000\"}", "1,000", .separator),
                                       ("linkage_rate: {min_rate: {UI: 0x1}}", "0x1", .radixPrefix)] {
            let error = try #require(problem { _ = try QualityThresholds.parse(yaml: yaml, file: "t.yaml") }, "\(yaml)")
            #expect(error.line == 1 && error.unreadNumber == .init(text: number, problem: reason), "\(error.message)")
        }
    }
}

@Suite struct ExtractFolderContentsTests {
    @Test func entriesAreSortedIntoExtractFilesAndTheRest() {
        let contents = ExtractFolderContents(entries: ["persons.csv", "Events.csv", "events.csv", "notes.txt", "archive/"])
        #expect(contents.files == ["persons.csv", "events.csv"])
        #expect(contents.unknown.map(\.name) == ["Events.csv", "archive/", "notes.txt"])
    }

    @Test(arguments: [
        ("Events.csv", "events.csv"), ("EVENTS.CSV", "events.csv"), ("event.csv", "events.csv"), ("events.txt", "events.csv"),
        ("events.csv.gz", "events.csv"), ("enrolments.csv", "enrollments.csv"), ("source-links.csv", "source_links.csv"),
        ("sourcelinks.csv", "source_links.csv"), ("person.csv", "persons.csv"), ("Programs.CSV", "programs.csv"),
    ])
    func aMisnamedFileIsMatchedToTheExtractFileItMeant(name: String, nearest: String) {
        #expect(ExtractFolderContents.nearest(to: name) == nearest)
    }

    @Test func anUnrelatedNameMatchesNothing() {
        for name in ["notes.txt", "README.md", ".DS_Store", "archive/", "2024-12.zip", ""] {
            #expect(ExtractFolderContents.nearest(to: name) == nil, "\(name)")
        }
    }
}

/// What an evaluation file names is checked against the IDS and the contract at its line.
@Suite struct EvaluationChecksTests {
    static let contract = """
        contract: housing-2021
        program: housing
        data_through: 2024-12-31
        periods: [{label: "2022", from: 2022-01-01, to: 2022-12-31}]
        metrics:
          - {id: jail_days_12m, measure: days_covered, domain: jail, window: {anchor: enrollment_start, from: 0 days, to: 364 days}}
          - {id: housed_12m, measure: any, domain: shelter, window: {anchor: enrollment_start, from: 0 days, to: 364 days}}
          - {id: days_to_jail, measure: days_to_event, domain: jail, window: {anchor: enrollment_start, from: 0 days, to: 364 days}}
        """

    func problem(_ text: String, domains: Set<String> = ["jail", "shelter"]) throws -> DefinitionFileError? {
        let contract = try OutcomeContract.parse(yaml: Self.contract, file: "c.yaml")
        do {
            try EvaluationDefinition.parse(yaml: text, file: "e.yaml").check(against: contract, domains: domains)
            return nil
        } catch {
            return try #require(error as? DefinitionFileError)
        }
    }

    @Test func domainsOutcomesAndTheIntakeWindow() throws {
        let valid = EvaluationFileTests.valid
        #expect(try problem(valid) == nil)
        let eligibility = try #require(try problem(valid.replacingOccurrences(of: "eligibility: {domain: shelter}", with: "eligibility: {domain: prison}")))
        #expect(eligibility.line == 4 && eligibility.code == .unknownName(.domain, "prison"))
        func line(_ needle: String) -> Int { valid.split(separator: "\n").firstIndex { $0.contains(needle) }! + 1 }
        let covariate = try #require(try problem(valid, domains: ["shelter"]))
        #expect(covariate.line == line("jail_days_12m_before, measure") && covariate.code == .unknownName(.domain, "jail"))
        let outcome = try #require(try problem(valid.replacingOccurrences(of: "  - housed_12m", with: "  - housed_24m")))
        #expect(outcome.line == line("  - housed_12m") && outcome.code == .unknownName(.metric, "housed_24m"))
        let missing = try #require(try problem(valid.replacingOccurrences(of: "  - housed_12m", with: "  - days_to_jail")))
        #expect(missing.line == line("  - housed_12m") && missing.code == .unsupported)
        // Days covered are counted inside the intake window (2019 and 2020: 731 days).
        let days = try #require(try problem(valid.replacingOccurrences(of: "min_days: 14", with: "min_days: 732")))
        #expect(days.line == line("min_days") && days.code == .inconsistent)
        #expect(try problem(valid.replacingOccurrences(of: "min_days: 14", with: "min_days: 731")) == nil)
    }

    @Test func datesOutsideTheInputRangeAreRefused() throws {
        for (date, refused) in [("1899-12-31", true), ("1900-01-01", false), ("0001-01-01", true), ("2019-06-01", false)] {
            let text = EvaluationFileTests.valid.replacingOccurrences(of: "from: 2019-01-01", with: "from: \(date)")
            let error = try problem(text)
            #expect((error != nil) == refused, "\(date): \(error?.message ?? "read")")
            if refused { #expect(error?.line == 5 && error?.code == .outOfRange("from")) }
        }
    }
}

@Suite struct CSVTextTests {
    /// A NUL is valid UTF-8 but no text: it reached the database, which refused it in its own words.
    @Test func aNulCharacterIsRefusedAtItsLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nul-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(Array("a,b\n1,2\n3,x".utf8) + [0] + Array("y\n".utf8)).write(to: file)
        var reader = try CSVReader(path: file.path)
        _ = try reader.next()
        #expect(try reader.next()?.fields == ["1", "2"])
        let error = #expect(throws: ExtractError.self) { _ = try reader.next() }
        #expect(error?.line == 3 && error?.code == .nulCharacter)
    }

    @Test func aDirectoryOrAMissingFileIsAnInputError() throws {
        #expect(throws: InputFileError(path: "/tmp", problem: .isDirectory)) { _ = try CSVReader(path: "/tmp") }
        #expect(throws: InputFileError(path: "/nonexistent/x.csv", problem: .noSuchFile)) { _ = try CSVReader(path: "/nonexistent/x.csv") }
    }
}
