import Foundation
import Testing

/// Bad input to `outcomes compare`: one paragraph naming the option or file:line, a documented
/// status, never a NaN, a crash or a half-written file.
@Suite struct CompareBadInputTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("compare-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// 40 units; x overlaps between groups, `same` is constant, `split` separates them exactly.
    func table(treatment: (Int) -> String = { $0 % 3 == 0 ? "1" : "0" }) -> String {
        var lines = ["id,t,x,same,split,y"]
        for i in 0..<40 {
            let t = treatment(i)
            lines.append("p\(i),\(t),\((i * 7) % 11),5,\(t == "1" ? 1 : 0),\(Double(i % 5) + (t == "1" ? 1.5 : 0))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func run(_ path: String, _ extra: [String]) throws -> (Int32, String, String) {
        let result = try CLI.run(["compare", "--data", path, "--treatment", "t", "--outcome", "y"] + extra)
        return (result.status, result.output, result.errors)
    }

    @Test func treatmentNotZeroOrOneNamesTheLine() throws {
        let path = try write(table(treatment: { $0 == 4 ? "yes" : $0 % 3 == 0 ? "1" : "0" }))
        let result = try CLI.run(["compare", "--data", path, "--treatment", "t", "--outcome", "y", "--covariates", "x"])
        CLI.expectCleanFailure(result, status: 65, naming: ["\(path):6:", "yes"])
    }

    @Test func unknownColumnNamesTheOption() throws {
        let path = try write(table())
        let result = try CLI.run(["compare", "--data", path, "--treatment", "t", "--outcome", "y", "--covariates", "x,agee"])
        CLI.expectCleanFailure(result, status: 64, naming: ["--covariates", path, "agee"])
    }

    @Test func constantCovariateAndSeparationAreExplained() throws {
        let path = try write(table())
        CLI.expectCleanFailure(try CLI.run(["compare", "--data", path, "--treatment", "t", "--outcome", "y", "--covariates", "x,same"]),
                               status: 65, naming: ["same", "5.0"])
        // Separation names the covariate that alone separates them (split), not the one that overlaps (x).
        let separated = try CLI.run(["compare", "--data", path, "--treatment", "t", "--outcome", "y", "--covariates", "x,split"])
        CLI.expectCleanFailure(separated, status: 65, naming: ["split"])
        #expect(!separated.errors.contains(" x ") && !separated.errors.contains(" x,"), "\(separated.errors)")
    }

    @Test func emptyPoolAndNoMatchWithinTheCaliper() throws {
        let all = try write(table(treatment: { _ in "1" }))
        CLI.expectCleanFailure(try CLI.run(["compare", "--data", all, "--treatment", "t", "--outcome", "y", "--covariates", "x"]),
                               status: 65, naming: [all, "no comparison units"])  // kept wording: a design error has no value but its kind
        // x takes 11 values; exact matching on a key no control shares leaves nobody matched.
        var lines = table().split(separator: "\n").map(String.init)
        lines[0] += ",key"
        for i in 1..<lines.count { lines[i] += lines[i].split(separator: ",")[1] == "1" ? ",a" : ",b" }
        let keyed = try write(lines.joined(separator: "\n") + "\n")
        CLI.expectCleanFailure(try CLI.run(["compare", "--data", keyed, "--treatment", "t", "--outcome", "y", "--covariates", "x", "--exact", "key"]),
                               status: 65, naming: ["14 participants", "14 outside common support"])
        // Distinct scores: a caliper of 0.001 SD matches nobody; 0.1 SD leaves 5 of 14 unmatched, stated with counts.
        var distinct = ["id,t,x,y"]
        for i in 0..<40 {
            let t = i % 3 == 0
            distinct.append("p\(i),\(t ? 1 : 0),\(Double((i * 7) % 11 + (t ? 3 : 0)) + Double(i) / 100),\(Double(i % 5) + (t ? 1.5 : 0))")
        }
        let scored = try write(distinct.joined(separator: "\n") + "\n")
        CLI.expectCleanFailure(try CLI.run(["compare", "--data", scored, "--treatment", "t", "--outcome", "y", "--covariates", "x", "--caliper", "0.001"]),
                               status: 65, naming: ["14 participants"])
        let result = try CLI.run(["compare", "--data", scored, "--treatment", "t", "--outcome", "y", "--covariates", "x", "--caliper", "0.1"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(!result.output.lowercased().contains("nan"))
        let sizes = try CLI.report(try CLI.run(["compare", "--data", scored, "--treatment", "t", "--outcome", "y", "--covariates", "x",
                                                "--caliper", "0.1", "--format", "json"])).tables["sample_sizes"] ?? []
        let treated = Dictionary(uniqueKeysWithValues: sizes.compactMap { row in (row["sample"] as? String).map { ($0, row["treated"] as? Int) } })
        #expect(treated["All"] == 14 && treated["Matched"] == 9, "5 of 14 participants unmatched: \(sizes)")
    }

    @Test func emptyCellAndBadOptions() throws {
        let path = try write("id,t,x,y\na,1,3,4\nb,0,,5\n")
        CLI.expectCleanFailure(try CLI.run(["compare", "--data", path, "--treatment", "t", "--outcome", "y", "--covariates", "x"]),
                               status: 65, naming: ["\(path):3:", "x"])
        let good = try write(table())
        CLI.expectCleanFailure(try CLI.run(["compare", "--data", good, "--treatment", "t", "--outcome", "y", "--covariates", "x", "--ratio", "0"]),
                               status: 64, naming: ["--ratio", "1 to 100", "0"])
        CLI.expectCleanFailure(try CLI.run(["compare", "--data", good, "--treatment", "t", "--outcome", "y", "--covariates", "x", "--estimand", "ATE"]),
                               status: 64, naming: ["--estimand", "ATT", "weighting"])
        CLI.expectCleanFailure(try CLI.run(["compare", "--data", "/nonexistent/file.csv", "--treatment", "t", "--outcome", "y", "--covariates", "x"]),
                               status: 66, naming: ["/nonexistent/file.csv"])
    }
}
