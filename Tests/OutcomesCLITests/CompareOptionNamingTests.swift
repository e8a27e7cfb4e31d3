import Foundation
import OutcomesDatabase
import Testing

/// An error about a column of `compare --data` names the option the user typed for it: an outcome
/// or its pre-period column `--outcome`, an exact-match key `--exact`, a covariate `--covariates`;
/// and the treatment column used as any of them is said to be the treatment (usage errors, 64).
@Suite struct CompareOptionNamingTests {
    /// 40 units: `t` every third, `x` and `z` overlapping covariates, `y` the outcome, `y0` before.
    func table(in folder: String) throws -> String {
        var lines = ["id,t,x,z,y0,y"]
        for i in 0..<40 {
            lines.append("p\(i),\(i % 3 == 0 ? 1 : 0),\((i * 7) % 11),\(i % 4),\(i % 5),\(Double(i % 5) + (i % 3 == 0 ? 1.5 : 0))")
        }
        try Scratch.put(lines.joined(separator: "\n") + "\n", folder + "/units.csv")
        return folder + "/units.csv"
    }

    func compare(_ data: String, _ extra: [String]) throws -> ProcessRunner.Result {
        try CLI.run(["compare", "--data", data, "--treatment", "t", "-q"] + extra)
    }

    /// A usage error: exit 64, its paragraph names `option` and `value`, and no other column option.
    func expectUsage(_ result: ProcessRunner.Result, naming option: String, _ value: String, sourceLocation: SourceLocation = #_sourceLocation) {
        CLI.expectCleanFailure(result, status: 64, naming: ["\(option): ", value], sourceLocation: sourceLocation)
        for other in ["--outcome", "--covariates", "--exact"] where other != option {
            #expect(!result.errors.contains(other + ":"), "stderr: \(result.errors)", sourceLocation: sourceLocation)
        }
    }

    @Test func anOutcomeOfThreePartsNamesOutcomeAndItsForm() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let data = try table(in: folder)
        for value in ["y:y0:x", "y::", "y:y0:"] {
            expectUsage(try compare(data, ["--covariates", "x", "--outcome", value]), naming: "--outcome", "NAME:PRE")
        }
        // The two-part form still works.
        #expect(try compare(data, ["--covariates", "x", "--outcome", "y:y0"]).status == 0)
    }

    @Test func aMissingColumnNamesTheOptionThatNamedIt() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let data = try table(in: folder)
        expectUsage(try compare(data, ["--covariates", "x", "--outcome", "y:before"]), naming: "--outcome", "before")
        expectUsage(try compare(data, ["--covariates", "x", "--outcome", "after"]), naming: "--outcome", "after")
        expectUsage(try compare(data, ["--covariates", "x", "--outcome", "y", "--exact", "site"]), naming: "--exact", "site")
        expectUsage(try compare(data, ["--covariates", "x,agee", "--outcome", "y"]), naming: "--covariates", "agee")
    }

    @Test func theTreatmentColumnCannotBeACovariateOrAnOutcome() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let data = try table(in: folder)
        // Each names the column and the option that made it the treatment.
        expectUsage(try compare(data, ["--covariates", "t", "--outcome", "y"]), naming: "--covariates", "--treatment")
        expectUsage(try compare(data, ["--covariates", "x,t", "--outcome", "y"]), naming: "--covariates", "--treatment")
        expectUsage(try compare(data, ["--covariates", "x", "--outcome", "t"]), naming: "--outcome", "--treatment")
        expectUsage(try compare(data, ["--covariates", "x", "--outcome", "y:t"]), naming: "--outcome", "--treatment")
        expectUsage(try compare(data, ["--covariates", "x", "--outcome", "y", "--exact", "t"]), naming: "--exact", "--treatment")
    }
}
