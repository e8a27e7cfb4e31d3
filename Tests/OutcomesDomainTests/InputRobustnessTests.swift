import Foundation
import OutcomesTestSupport
import Testing
@testable import OutcomesDomain

/// Hostile or broken input ends in one clear error naming file:line — never a crash, a hang or
/// runaway memory.
@Suite struct InputRobustnessTests {
    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scenarios")
        .standardizedFileURL

    func problem(_ yaml: String) -> DefinitionFileError? {
        do {
            _ = try OutcomeContract.parse(yaml: yaml, file: "c.yaml")
            return nil
        } catch {
            return error as? DefinitionFileError
        }
    }

    static let small = """
        contract: c
        program: reentry
        data_through: 2024-12-31
        periods: [{label: "2021", from: 2021-01-01, to: 2021-12-31}]
        metrics:
          - {id: any_jail, measure: any, domain: jail, window: {anchor: enrollment_start, from: 0 days, to: 12 months}}
        """

    @Test func duplicateKeysAreRefusedWithBothLines() {
        let error = problem(Self.small + "\ncontract: d\n")
        #expect(error?.file == "c.yaml" && error?.line == 7 && error?.code == .repeatedKey("contract", firstLine: 1))
        let nested = problem(Self.small.replacingOccurrences(of: "measure: any,", with: "measure: any, measure: count,"))
        #expect(nested?.line == 6 && nested?.code == .repeatedKey("measure", firstLine: 6))
    }

    @Test func deepNestingHugeFilesAndHugeNumbersAreRefusedQuickly() {
        let deep = Self.small + "\nname: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n"
        #expect(problem(deep)?.code == .nestedTooDeeply)
        var block = Self.small + "\nname:\n"
        for level in 1...60 { block += String(repeating: "  ", count: level) + "a\(level):\n" }
        #expect(problem(block)?.code == .nestedTooDeeply)
        let started = Date()
        let huge = Self.small + "\n# " + String(repeating: "x", count: 2 << 20) + "\n"
        #expect(problem(huge)?.code == .tooLarge)
        #expect(Date().timeIntervalSince(started) < 5)
        let far = problem(Self.small.replacingOccurrences(of: "to: 12 months", with: "to: 99999999999 days"))
        #expect(far?.line == 6 && far?.code == .wrongForm(expected: .offset), "\(far?.message ?? "")")
        let century = problem(Self.small.replacingOccurrences(of: "to: 12 months", with: "to: 1300 months"))
        #expect(century?.line == 6 && century?.code == .wrongForm(expected: .offset))
    }

    @Test func aByteOrderMarkIsAccepted() throws {
        #expect(problem("\u{FEFF}" + Self.small) == nil)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bom-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data([0xEF, 0xBB, 0xBF] + Array("program_id,name\nreentry,Reentry\n".utf8)).write(to: file)
        var reader = try CSVReader(path: file.path)
        #expect(try reader.next()?.fields == ["program_id", "name"])
        #expect(try reader.next()?.fields == ["reentry", "Reentry"])
    }

    @Test func anOverlongFieldIsAnErrorNotAMemoryRunaway() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("long-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(("a,b\n1,\"" + String(repeating: "x", count: 3 << 20) + "\"\n").utf8).write(to: file)
        var reader = try CSVReader(path: file.path)
        _ = try reader.next()
        let error = #expect(throws: ExtractError.self) { _ = try reader.next() }
        #expect(error?.line == 2 && error?.code == .fieldTooLong)
    }

    @Test func moneyBeyondTheArithmeticIsAnErrorNotACrash() throws {
        let contract = try OutcomeContract.parse(yaml: paymentContract(metrics: ["housed"], payments: """
              rate_card:
                lines: [{id: housed, outcome: housed, price: 999999999999999}]
            """), file: "big.yaml")
        let terms = try #require(contract.payments)
        let engine = try #require(RateCardEngine(terms: terms))
        let period = PeriodAchievements(period: "2021", participants: (1...200).map {
            RateCardAchievement(personID: $0, providerID: "a", lines: 1, precondition: false)
        })
        let error = #expect(throws: PaymentArithmeticError.self) { _ = try engine.lines(for: [period]) }
        #expect(error?.scope == .rateCardTotals && error?.exitStatus == .dataError)
    }

    @Test func controlCharactersAreShownEscaped() {
        #expect("red \u{1B}[31mtext\u{7}".printable == "red \\u{1b}[31mtext\\u{7}")
        #expect("tab\tand é, ünïcode".printable == "tab\tand é, ünïcode")
    }

    /// Seeded mutations of the scenario contracts and the sample extract: each parses, or fails
    /// with one paragraph naming file:line.
    @Test func fuzzedContractsAndExtractsFailCleanly() throws {
        var generator = SeededGenerator(seed: 20261201)
        let contracts = try ["housing-2021.yaml", "reentry-2021.yaml"].map {
            try String(contentsOf: Self.scenarios.appendingPathComponent($0), encoding: .utf8)
        }
        let started = Date()
        var (parsed, refused) = (0, 0)
        for round in 0..<2_000 {
            let text = Fuzz.mutate(contracts[round % contracts.count], &generator)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
            do {
                _ = try OutcomeContract.parse(yaml: text, file: "fuzz.yaml")
                parsed += 1
            } catch let error as DefinitionFileError {
                refused += 1
                #expect(error.file == "fuzz.yaml" && (0...lines + 1).contains(error.line), "\(error.message)")
                // Wording is the subject: every message is one paragraph.
                #expect(!error.message.contains("\n"), "one paragraph: \(error.message)")
            } catch {
                Issue.record("not a file error: \(error) for\n\(text)")
            }
        }
        #expect(refused > 500 && parsed > 20, "parsed \(parsed), refused \(refused)")

        let sample = Self.scenarios.appendingPathComponent("extracts/sample")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var rejected = 0
        for round in 0..<1_000 {
            let layout = ExtractLayout.all[round % ExtractLayout.all.count]
            let original = try String(contentsOf: sample.appendingPathComponent(layout.file), encoding: .utf8)
            let file = folder.appendingPathComponent(layout.file)
            try Data(Fuzz.mutate(original, &generator).utf8).write(to: file)
            do {
                var reader = try CSVReader(path: file.path)
                guard let header = try reader.next() else { continue }
                let positions = try layout.positions(header: header, file: file.path)
                var buffer = CopyTextBuffer()
                while let record = try reader.next() {
                    try layout.write(record, positions: positions, headerWidth: header.fields.count, file: file.path, into: &buffer)
                }
            } catch let error as ExtractError {
                rejected += 1
                #expect(error.file == file.path && error.line >= 0)
                #expect(!error.message.contains("\n"), "one paragraph: \(error.message)")  // wording is the subject: one paragraph
            }
        }
        #expect(rejected > 200)
        #expect(Date().timeIntervalSince(started) < 60, "the fuzz test stays bounded")
    }

    /// The other definition files and the flat tables of `compare --data`, mutated the same way:
    /// each reads, or fails with its own typed error naming the file and a line inside it.
    @Test func fuzzedScenariosEvaluationsThresholdsAndTablesFailCleanly() throws {
        var generator = SeededGenerator(seed: 20261203)
        let parsers: [(String, (String) throws -> Void)] = [
            ("housing-2021-scenario.yaml", { _ = try ScenarioDefinition.parse(yaml: $0, file: "fuzz.yaml") }),
            ("reentry-2021-scenario.yaml", { _ = try ScenarioDefinition.parse(yaml: $0, file: "fuzz.yaml") }),
            ("housing-2021-evaluation.yaml", { _ = try EvaluationDefinition.parse(yaml: $0, file: "fuzz.yaml") }),
            ("quality-thresholds.yaml", { _ = try QualityThresholds.parse(yaml: $0, file: "fuzz.yaml") }),
        ]
        for (name, parse) in parsers {
            let original = try String(contentsOf: Self.scenarios.appendingPathComponent(name), encoding: .utf8)
            var (parsed, refused) = (0, 0)
            for _ in 0..<500 {
                let text = Fuzz.mutate(original, &generator)
                let lines = text.utf8.filter { $0 == 0x0A }.count + 1
                do {
                    try parse(text)
                    parsed += 1
                } catch let error as DefinitionFileError {
                    refused += 1
                    #expect(error.file == "fuzz.yaml" && (1...lines + 1).contains(error.line), "\(name): \(error.message)")
                    #expect(!error.message.contains("\n"), "one paragraph: \(error.message)")  // wording is the subject
                } catch {
                    Issue.record("\(name): not a file error: \(error) for\n\(text)")
                }
            }
            #expect(refused > 100 && parsed > 5, "\(name): parsed \(parsed), refused \(refused)")
        }

        let table = try String(contentsOf: Self.scenarios.appendingPathComponent("data/lalonde.csv"), encoding: .utf8)
            .split(separator: "\n").prefix(80).joined(separator: "\n") + "\n"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        var (read, refused) = (0, 0)
        for _ in 0..<500 {
            let text = Fuzz.mutate(table, &generator)
            try Data(text.utf8).write(to: file)
            let lines = text.utf8.filter { $0 == 0x0A }.count + 1
            do {
                _ = try EvaluationTable.read(csv: file.path, treatment: "treat", id: "id", group: nil, using: ["age", "race", "re74", "re78"],
                                             numeric: ["re78"])
                read += 1
            } catch let error as EvaluationError {
                refused += 1
                switch error {
                case .data(let path, let line, _), .cell(let path, let line, _, _, _, _):
                    #expect(path == file.path && (0...lines + 1).contains(line), "\(error.message)")
                case .option(let option, .noColumn(_, let source, _, .csvHeader)):
                    #expect(["treatment", "id", "covariates"].contains(option) && source == file.path, "\(error.message)")
                case .unreadable, .design, .observation, .option:  // .observation: .dta files only
                    Issue.record("\(error.message)")
                }
                #expect(!error.message.contains("\n"), "one paragraph: \(error.message)")  // wording is the subject
            }
        }
        #expect(refused > 100 && read > 20, "read \(read), refused \(refused)")
    }
}
