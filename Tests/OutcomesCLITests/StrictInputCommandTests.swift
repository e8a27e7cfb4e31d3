import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import Testing

/// Strict input at the binary: a number misread, a misnamed extract file or a text cell in a numeric
/// column is an error with file:line and a documented status; the two crashes are errors too.
@Suite struct StrictInputCommandTests {
    static let scenarios = Checkout.scenarios

    func temporary(_ name: String, _ text: String) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("strict-\(UUID().uuidString)-\(name)")
        try Data(text.utf8).write(to: file)
        return file
    }

    func line(of needle: String, in text: String) -> Int {
        text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(needle) }! + 1
    }

    /// The reentry contract with a condition on its earnings metric's amounts: `"> 10,000"` was read as `> 10`.
    @Test func aConditionWithAThousandsSeparatorFailsToLoad() throws {
        let original = try String(contentsOf: Self.scenarios.appendingPathComponent("reentry-2021.yaml"), encoding: .utf8)
        let text = original.replacingOccurrences(of: "amount: \"> 0\"", with: "amount: \"> 10,000\"")
        #expect(text != original)
        let file = try temporary("reentry.yaml", text)
        defer { try? FileManager.default.removeItem(at: file) }
        let line = line(of: "> 10,000", in: text)
        CLI.expectCleanFailure(try CLI.run(["contract", "validate", file.path]), status: 65, naming: ["\(file.path):\(line):", "amount", "'> 10,000'"])
        let (db, conninfo) = try TestDatabase.fresh()
        let load = try CLI.run(["contract", "load", file.path, "--database", conninfo, "-q"])
        CLI.expectCleanFailure(load, status: 65, naming: ["\(file.path):\(line):", "'> 10,000'"])
        #expect(try db.execute("SELECT count(*) FROM payments.contracts").scalar(Int.self) == 0)
        // The same file with an achieved condition on a rate-card line.
        let achieved = original.replacingOccurrences(of: "        price: 3000\n", with: "        price: 3000\n        achieved: \">= 12 USD\"\n")
        #expect(achieved != original)
        let second = try temporary("reentry.yaml", achieved)
        defer { try? FileManager.default.removeItem(at: second) }
        CLI.expectCleanFailure(try CLI.run(["contract", "validate", second.path]), status: 65,
                               naming: ["\(second.path):\(self.line(of: ">= 12 USD", in: achieved)):", "achieved", "'>= 12 USD'"])
    }

    /// A negative seed ended in SIGILL converting it to an unsigned number.
    @Test func aNegativeScenarioSeedIsADataError() throws {
        let original = try String(contentsOf: Self.scenarios.appendingPathComponent("reentry-2021-scenario.yaml"), encoding: .utf8)
        let text = original.replacingOccurrences(of: "seed: 2021", with: "seed: -1")
        #expect(text != original)
        let file = try temporary("scenario.yaml", text)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try CLI.run(["scenario", "run", file.path, "--database", "host=/nowhere"])
        CLI.expectCleanFailure(result, status: 65, naming: ["\(file.path):\(line(of: "seed: -1", in: text)):", "seed", "-1"])
    }

    /// `--outcome ''` and `--outcome ':'` ended in SIGILL (an index out of range).
    @Test(arguments: ["", ":", "y:", ":y", " : "])
    func anEmptyOutcomeIsAUsageError(outcome: String) throws {
        let file = try temporary("t.csv", "id,t,x,y\na,1,3,4\nb,0,2,5\nc,0,1,3\n")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try CLI.run(["compare", "--data", file.path, "--treatment", "t", "--covariates", "x", "--outcome", outcome])
        CLI.expectCleanFailure(result, status: 64, naming: ["--outcome"])
    }

    /// 40 units; x numeric, race text, y the outcome.
    func table(x: (Int) -> String = { String(($0 * 7) % 11) }) -> String {
        var lines = ["id,t,x,race,y"]
        for i in 0..<40 {
            let t = i % 3 == 0
            lines.append("p\(i),\(t ? 1 : 0),\(x(i)),\(["a", "b", "c"][i % 3 == 0 ? i % 2 : (i / 3) % 3]),\(Double(i % 5) + (t ? 1.5 : 0))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One `abc`, `NaN` or `Inf` turned a numeric covariate into a dummy per value, and the estimate moved.
    @Test(arguments: ["abc", "NaN", "Inf", "-inf", "1,5", "12 kg"])
    func aBadCellInANumericColumnNamesItsLineAndColumn(cell: String) throws {
        let file = try temporary("t.csv", table(x: { $0 == 17 ? (cell.contains(",") ? "\"\(cell)\"" : cell) : String(($0 * 7) % 11) }))
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try CLI.run(["compare", "--data", file.path, "--treatment", "t", "--covariates", "x,race", "--outcome", "y"])
        // The line, the column and the cell, and the option that would make the column categories.
        CLI.expectCleanFailure(result, status: 65, naming: ["\(file.path):19:", "x", cell, "--categorical x"])
    }

    @Test func aDeclaredCategoricalColumnRuns() throws {
        let file = try temporary("t.csv", table(x: { $0 == 17 ? "abc" : String(($0 * 7) % 11) }))
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try CLI.run(["compare", "--data", file.path, "--treatment", "t", "--covariates", "x,race", "--categorical", "x",
                                  "--outcome", "y", "--format", "json"])
        #expect(result.status == 0, "\(result.errors)")
        // x as categories: one dummy per level after the first, in the balance table.
        #expect(try CLI.report(result).tables["balance_all"]?.contains { $0["covariate"] as? String == "x_abc" } == true, "\(result.output)")
        // Numbers as R, Stata and pandas write them read as numbers: the same estimate as plain digits.
        let plain = try temporary("t.csv", table())
        let written = try temporary("t.csv", table(x: { i in
            let value = (i * 7) % 11
            return i % 4 == 0 ? "\(value).0" : i % 4 == 1 ? "\(Double(value) / 10)e+01" : i % 4 == 2 ? "0\(value)" : String(value)
        }))
        defer { try? FileManager.default.removeItem(at: plain); try? FileManager.default.removeItem(at: written) }
        let arguments = ["--treatment", "t", "--covariates", "x,race", "--outcome", "y", "--format", "json"]
        let a = try CLI.run(["compare", "--data", plain.path] + arguments), b = try CLI.run(["compare", "--data", written.path] + arguments)
        #expect(a.status == 0 && b.status == 0, "\(a.errors) \(b.errors)")
        func tables(_ output: String) throws -> NSDictionary? {
            (try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])?["tables"] as? NSDictionary
        }
        let expected = try #require(try tables(a.output))
        #expect(try tables(b.output) == expected)
        // An outcome is numeric by use: text in it is refused even where no cell is a number.
        let textOutcome = try temporary("t.csv", table().replacingOccurrences(of: ",1.5\n", with: ",high\n"))
        defer { try? FileManager.default.removeItem(at: textOutcome) }
        CLI.expectCleanFailure(try CLI.run(["compare", "--data", textOutcome.path] + arguments), status: 65,
                               naming: ["\(textOutcome.path):", "y", "high"])
        CLI.expectCleanFailure(try CLI.run(["compare", "--data", plain.path, "--categorical", "y"] + arguments), status: 64,
                               naming: ["--categorical: y"])
        CLI.expectCleanFailure(try CLI.run(["compare", "--data", plain.path, "--categorical", "z"] + arguments), status: 64,
                               naming: ["--categorical: z"])
    }

    @Test func aMisnamedExtractFileStopsTheLoadUnlessIgnored() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strict-extract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("person_id,birth_year,sex\n1,1980,F\n2,1975,M\n".utf8).write(to: directory.appendingPathComponent("persons.csv"))
        try Data("person_id,event_id,domain,source_system,source_record,start_date\n1,1,jail,JMS,J-1,2022-01-05\n".utf8)
            .write(to: directory.appendingPathComponent("Events.csv"))
        // The folder is judged before the database is reached.
        let refused = try CLI.run(["load", directory.path, "--database", "host=/nowhere"])
        // The unknown file, the name it is nearest, and the option that would skip it.
        CLI.expectCleanFailure(refused, status: 65, naming: ["Events.csv", "events.csv", "--ignore-unknown"])

        let (db, conninfo) = try TestDatabase.fresh()
        #expect(try CLI.run(["load", directory.path, "--database", conninfo]).status == 65)
        #expect(try db.execute("SELECT count(*) FROM ids.data_loads").scalar(Int.self) == 0)
        let loaded = try CLI.run(["load", directory.path, "--ignore-unknown", "--database", conninfo, "--format", "json", "-q"])
        // The ignored file is named (with the name it is nearest) beside the files loaded, which it is not among.
        let report = try CLI.report(loaded)
        #expect(report.notes.contains { $0.contains("Events.csv") && $0.contains("events.csv") }, "\(report.notes)")
        #expect(report.column("file", of: "files").compactMap { $0 as? String } == ["persons.csv"], "\(report.tables)")
        #expect(try db.execute("SELECT count(*) FROM ids.persons").scalar(Int.self) == 2)
        #expect(try db.execute("SELECT count(*) FROM ids.events").scalar(Int.self) == 0)
    }
}
