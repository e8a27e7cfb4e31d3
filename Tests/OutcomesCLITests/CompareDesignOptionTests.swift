import Foundation
@testable import OutcomesCLI
import OutcomesDatabase
import OutcomesDomain
import Testing

/// The design options of `compare` (method, subclasses, cutpoints, standard errors): each one a
/// design cannot use is a usage error naming it (exit 64); the convention used is printed with
/// the estimate; a p-value a double cannot hold reads `< 1e-300` in JSON and CSV (`< 0.001` to a person), never 0.
@Suite struct CompareDesignOptionTests {
    /// 40 units: `t` every third, `x` and `z` overlapping covariates, `y` the outcome.
    func table(in folder: String, effect: Double = 1.5) throws -> String {
        var lines = ["id,t,x,z,y"]
        for i in 0..<40 {
            let treated = i % 3 == 0
            lines.append("p\(i),\(treated ? 1 : 0),\((i * 7) % 11),\(i % 4),\(Double(i % 5) * 0.001 + (treated ? effect : 0))")
        }
        try Scratch.put(lines.joined(separator: "\n") + "\n", folder + "/units.csv")
        return folder + "/units.csv"
    }

    func compare(_ data: String, _ extra: [String]) throws -> ProcessRunner.Result {
        try CLI.run(["compare", "--data", data, "--treatment", "t", "--covariates", "x,z", "--outcome", "y", "-q"] + extra)
    }

    @Test(arguments: [
        (["--replace", "--se", "CR1"], ["--se: CR1"]),
        (["--se", "CR1-two-way"], ["--se: CR1-two-way"]),
        (["--method", "weighting", "--se", "CR0"], ["--se: CR0"]),
        (["--method", "aipw", "--se", "HC3"], ["--se: ", "AIPW"]),
        (["--subclasses", "4"], ["--subclasses: ", "method subclass"]),
        (["--method", "subclass", "--subclasses", "1"], ["--subclasses: ", "2 to 100", "1"]),
        (["--method", "cem", "--cutpoints", "x=three"], ["--cutpoints: x=three", "column=bins"]),
        (["--method", "cem", "--cutpoints", "x=0"], ["--cutpoints: x ", "1 to 1000", "0"]),
        (["--cutpoints", "x=3"], ["--cutpoints: ", "method cem"]),
    ])
    /// Each names the option with its value, and the bound or the method it needs where there is one.
    func optionsADesignCannotUseAreUsageErrors(_ options: [String], _ values: [String]) throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        CLI.expectCleanFailure(try compare(try table(in: folder), options), status: 64, naming: values)
    }

    /// Options whose named values fit other errors too (`x` is named by "needs 1 to 1000 bins" as
    /// well): the paragraph is the one their typed problem gives, whole.
    @Test(arguments: [
        (["--method", "cem", "--cutpoints", "x=3,x=4"], EvaluationError.option("cutpoints", .binsGivenTwice("x"))),
        (["--method", "cem", "--cutpoints", "w=3"], .option("cutpoints", .notACovariate("w"))),
        (["--method", "cem", "--discard", "both"], .option("discard", .appliesOnlyTo(.nearestOrSubclass))),
    ])
    func optionsPrintTheirTypedProblem(_ options: [String], _ problem: EvaluationError) throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let result = try compare(try table(in: folder), options)
        CLI.expectCleanFailure(result, status: 64, naming: [])
        #expect(result.errors == "error: \(problem.message)", "stderr: \(result.errors)")
    }

    /// A column given twice is caught while `--cutpoints` is read, before the design's checks.
    @Test func cutpointsNamingAColumnTwiceAreBinsGivenTwice() throws {
        #expect(throws: EvaluationError.option("cutpoints", .binsGivenTwice("x"))) { try ComparisonDesignOptions.bins("x=3,x=4") }
        #expect(throws: EvaluationError.option("cutpoints", .binsGivenTwice("x"))) { try ComparisonDesignOptions.bins("x=3, z=2, x=3") }
        #expect(try ComparisonDesignOptions.bins("x=3,z=4") == ["x": 3, "z": 4])
    }

    @Test func anUnknownConventionIsRefusedByTheParser() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let result = try compare(try table(in: folder), ["--se", "CR2"])
        #expect(result.status == 64 && result.errors.contains("--se"), "\(result.errors)")
    }

    /// The design's default is MatchIt's vignette's; one asked for is used and said.
    @Test(arguments: [([], "CR1 by matched set"), (["--replace"], "HC3"), (["--se", "HC0"], "HC0"), (["--method", "weighting"], "HC2"),
                      (["--replace", "--se", "HC1"], "HC1")])
    func theConventionIsPrintedWithTheEstimate(_ options: [String], _ label: String) throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let result = try compare(try table(in: folder), options + ["--format", "json"])
        #expect(result.status == 0, "\(result.errors)")
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as! [String: Any]
        let rows = (object["tables"] as! [String: Any])["estimates"] as! [[String: Any]]
        #expect(rows.allSatisfy { $0["se_type"] as? String == label }, "\(rows.map { $0["se_type"] ?? "none" })")
    }

    /// An outcome that never varies has no effect to estimate, whatever the design: rounding once
    /// printed 8.9e-16 with a z of 21.8.
    @Test(arguments: ["nearest", "weighting", "subclass", "cem", "ebal", "aipw", "none"])
    func aConstantOutcomeIsRefused(_ method: String) throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        var lines = ["id,t,x,k"]
        for i in 0..<60 { lines.append("p\(i),\(i % 3 == 0 ? 1 : 0),\((i * 7) % 5),4") }
        try Scratch.put(lines.joined(separator: "\n") + "\n", folder + "/units.csv")
        let result = try CLI.run(["compare", "--data", folder + "/units.csv", "--treatment", "t", "--covariates", "x", "--outcome", "k",
                                  "--method", method])
        CLI.expectCleanFailure(result, status: 65, naming: ["k", "4.0"])
    }

    /// AIPW's ATT from one participant would be one person's difference with a spurious SE.
    @Test func aipwNeedsTwoParticipants() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        try Scratch.put("id,treat,x,y\na,1,1.5,5\nb,0,1,3\nc,0,2,4\nd,0,3,2\ne,0,4,5\nf,0,5,1\ng,0,0.5,2\n", folder + "/one.csv")
        let result = try CLI.run(["compare", "--data", folder + "/one.csv", "--treatment", "treat", "--covariates", "x", "--outcome", "y",
                                  "--method", "aipw"])
        CLI.expectCleanFailure(result, status: 65, naming: ["AIPW", "1 and 6"])
    }

    /// An effect thousands of standard errors wide: erfc underflows, and every format says so.
    @Test func aPValueBelowWhatADoubleHoldsReadsLessThan1eMinus300() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let data = try table(in: folder, effect: 1000)
        let json = try compare(data, ["--method", "none", "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as! [String: Any]
        let row = ((object["tables"] as! [String: Any])["estimates"] as! [[String: Any]])[0]
        #expect(row["p_value"] as? String == "< 1e-300", "\(row)")
        #expect((row["z"] as? NSNumber).map { $0.doubleValue > 1000 } == true)
        // A person reads what MatchIt and cobalt print: below 0.001, `< 0.001`.
        let markdown = try compare(data, ["--method", "none"]).output
        #expect(markdown.contains("< 0.001") && !markdown.contains("e-300"), "\(markdown)")
        let csv = try compare(data, ["--method", "none", "--format", "csv"]).output
        #expect(csv.contains(",< 1e-300,"), "\(csv)")
    }
}
