import Foundation
import OutcomesDatabase
import OutcomesDomain
import Testing

/// `outcomes compare --data FILE.dta`: a Stata file read with ReadStat gives the comparison the CSV
/// of the same data gives, and is held to the same strictness (fixtures/make_stata_fixtures.py).
@Suite struct CompareStataTests {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixtures = here.appendingPathComponent("fixtures")
    static let scenarioData = here.appendingPathComponent("../../scenarios/data").standardizedFileURL
    static let lalondeCSV = scenarioData.appendingPathComponent("lalonde.csv").path
    static let lalondeDTA = scenarioData.appendingPathComponent("lalonde.dta").path
    static let labelled = fixtures.appendingPathComponent("lalonde_labelled.dta").path
    static let missing = fixtures.appendingPathComponent("missing.dta").path
    static let lalondeOptions = ["--treatment", "treat", "--id", "id", "--covariates", "age,educ,race,married,nodegree,re74,re75", "--format", "json"]

    func tables(_ data: String, _ extra: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> NSDictionary {
        let result = try CLI.run(["compare", "--data", data] + Self.lalondeOptions + extra)
        #expect(result.status == 0, "stderr: \(result.errors)", sourceLocation: sourceLocation)
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as! [String: Any]
        return try #require(object["tables"] as? NSDictionary, sourceLocation: sourceLocation)
    }

    func temporary(_ bytes: Data, _ name: String = "broken.dta") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stata-\(UUID().uuidString)-\(name)").path
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: [["--outcome", "re78:re75", "--adjust"], ["--outcome", "re78", "--method", "weighting"],
                      ["--outcome", "re78", "--ratio", "2", "--replace"]])
    func dtaGivesTheTablesOfTheCSV(options: [String]) throws {
        let fromStata = try tables(Self.lalondeDTA, options), fromCSV = try tables(Self.lalondeCSV, options)
        #expect(fromStata.count >= 4)
        #expect(fromStata == fromCSV)
    }

    /// race as a byte with value labels (format 114): its labels are the categories when declared
    /// (the CSV's comparison exactly), its codes a number when not.
    @Test func valueLabelsAreCategoriesOnlyWhenDeclared() throws {
        let declared = try tables(Self.labelled, ["--outcome", "re78", "--categorical", "race"])
        #expect(declared == (try tables(Self.lalondeCSV, ["--outcome", "re78", "--categorical", "race"])))
        let codes = try tables(Self.labelled, ["--outcome", "re78"])
        let covariates = (codes["balance_all"] as! [[String: Any]]).compactMap { $0["covariate"] as? String }
        #expect(covariates.contains("race") && !covariates.contains("race_black"), "\(covariates)")
    }

    /// Cut by one byte, the old format's last value-label table is dropped by ReadStat without an
    /// error: declared categories would silently become codes.
    @Test func labelsTheFileDoesNotHoldAreAnError() throws {
        let cut = try temporary(try Data(contentsOf: URL(fileURLWithPath: Self.labelled)).dropLast())
        let result = try CLI.run(["compare", "--data", cut] + Self.lalondeOptions + ["--outcome", "re78", "--categorical", "race"])
        CLI.expectCleanFailure(result, status: 65, naming: ["\(cut):", "race"])
    }

    /// The file, the observation (a .dta's line), the column and the missing code it holds.
    @Test(arguments: [("x_dot", 3, "(.)"), ("x_tagged", 5, "(.a)"), ("s_empty", 7, "empty string")])
    func aMissingValueNamesTheObservationAndColumn(column: String, observation: Int, missing: String) throws {
        let result = try CLI.run(["compare", "--data", Self.missing, "--treatment", "t", "--covariates", "x,\(column)", "--outcome", "y"])
        CLI.expectCleanFailure(result, status: 65, naming: ["\(Self.missing): observation \(observation):", column, missing])
    }

    @Test func theColumnsAreCheckedAsTheCSVsAre() throws {
        func run(_ options: [String]) throws -> ProcessRunner.Result { try CLI.run(["compare", "--data", Self.missing] + options) }
        CLI.expectCleanFailure(try run(["--treatment", "t", "--covariates", "x,agee", "--outcome", "y"]),
                               status: 64, naming: ["--covariates", Self.missing, "agee", "id, t, x,"])
        CLI.expectCleanFailure(try run(["--treatment", "x", "--covariates", "t", "--outcome", "y"]),
                               status: 65, naming: ["\(Self.missing): observation 3:", "x", "0 or 1", "2"])
        CLI.expectCleanFailure(try run(["--treatment", "t", "--covariates", "x", "--outcome", "id"]),
                               status: 65, naming: ["id", "str4"])
        CLI.expectCleanFailure(try run(["--treatment", "t", "--covariates", "x,s_code", "--outcome", "y"]),
                               status: 65, naming: ["observation 1:", "s_code", "--categorical"])
        CLI.expectCleanFailure(try run(["--treatment", "t", "--covariates", "x", "--categorical", "y", "--outcome", "y"]),
                               status: 64, naming: ["--categorical: y"])
        let declared = try run(["--treatment", "t", "--covariates", "x,s_code", "--categorical", "s_code", "--outcome", "y", "--id", "id", "--format", "json"])
        // Declared, its codes are categories: a dummy per level after the first.
        let balance = try CLI.report(declared).tables["balance_all"] ?? []
        #expect(balance.contains { $0["covariate"] as? String == "s_code_2" }, "\(balance.map { $0["covariate"] ?? "" })")
    }

    /// Empty, text, random bytes, cut at many lengths, bytes overwritten: one line naming the file, a
    /// documented status, never a crash or a signal.
    @Test func aBrokenFileFailsCleanly() throws {
        let valid = try Data(contentsOf: URL(fileURLWithPath: Self.lalondeDTA))
        let options = ["--treatment", "treat", "--covariates", "age,race,re75", "--outcome", "re78"]
        let empty = try temporary(Data())
        CLI.expectCleanFailure(try CLI.run(["compare", "--data", empty] + options), status: 65, naming: [empty, "empty"])
        let csv = try temporary(try Data(contentsOf: URL(fileURLWithPath: Self.lalondeCSV)), "lalonde.dta")
        CLI.expectCleanFailure(try CLI.run(["compare", "--data", csv] + options), status: 65, naming: [csv, ".csv"])
        var generator = SeededGenerator(seed: 20_240_611)
        let noise = try temporary(Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        CLI.expectCleanFailure(try CLI.run(["compare", "--data", noise] + options), status: 65, naming: [noise, "ReadStat"])
        for length in [1, 11, 200, 700, 1500, 3000, 12_000, valid.count - 300, valid.count - 30, valid.count - 1] {
            let cut = try temporary(valid.prefix(length))
            CLI.expectCleanFailure(try CLI.run(["compare", "--data", cut] + options), status: 65, naming: [cut, "ReadStat"])
        }
        // A variable whose name is zeroed: ReadStat gives no name at all (it crashed the reader once).
        var nameless = valid
        let names = try #require(nameless.range(of: Data("<varnames>".utf8)))
        nameless[names.upperBound] = 0
        let unnamed = try temporary(nameless)
        CLI.expectCleanFailure(try CLI.run(["compare", "--data", unnamed] + options), status: 65, naming: [unnamed, "variable 1"])
        // Overwritten bytes may leave a readable file (a changed number) or an error; never a crash.
        for _ in 0..<25 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                bytes[Int.random(in: 0..<min(bytes.count, 2500), using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            let path = try temporary(bytes)
            let result = try CLI.run(["compare", "--data", path, "-q"] + options)
            #expect([0, 64, 65].contains(result.status), "status \(result.status): \(result.errors)")
            if result.status != 0 { CLI.expectCleanFailure(result, status: result.status, naming: [path]) }
        }
    }

    @Test(arguments: [("study.rds", #"in R, `write.csv(readRDS("study.rds"), "study.csv", row.names = FALSE)`"#),
                      ("study.RData", #"in R, `write.csv(get(load("study.RData")[1]), "study.csv", row.names = FALSE)`"#),
                      ("study.sav", "in SPSS, `GET FILE='study.sav'. SAVE TRANSLATE OUTFILE='study.csv' /TYPE=CSV /FIELDNAMES /CELLS=VALUES"),
                      ("study.sas7bdat", #"`write.csv(haven::read_sas("study.sas7bdat"), "study.csv", row.names = FALSE)`"#)])
    func anotherPackagesFileGivesItsExportLine(file: String, line: String) throws {
        let result = try CLI.run(["compare", "--data", file, "--treatment", "t", "--covariates", "x", "--outcome", "y"])
        CLI.expectCleanFailure(result, status: 64, naming: ["--data", file, line])
    }
}
