import Foundation
import Testing

/// `outcomes compare --data` on the LaLonde (NSW) data against R — MatchIt 4.5.1's matches and
/// `summary()`, sandwich's standard errors (reference/lalonde_estimates.R) — and statsmodels
/// (reference/lalonde_statsmodels.py), to far better than 4 significant digits.
@Suite struct CompareCommandTests {
    static let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../OutcomesStatisticsTests/reference").standardizedFileURL
    static let lalonde = reference.appendingPathComponent("lalonde.csv").path
    static let base = ["compare", "--data", lalonde, "--treatment", "treat", "--id", "id",
                       "--covariates", "age,educ,race,married,nodegree,re74,re75", "--format", "json"]

    static func json(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: reference.appendingPathComponent(name))) as! [String: Any]
    }

    func compare(_ extra: [String]) throws -> [String: [[String: Any]]] {
        let result = try CLI.run(Self.base + extra)
        #expect(result.status == 0, "stderr: \(result.errors)")
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as! [String: Any]
        return object["tables"] as! [String: [[String: Any]]]
    }

    func close(_ ours: Any?, _ theirs: Any?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        if let text = theirs as? String, text == "NA" {
            #expect(ours is NSNull, "\(what): R has NA, outcomes \(String(describing: ours))", sourceLocation: sourceLocation)
            return
        }
        guard let a = (ours as? NSNumber)?.doubleValue, let b = (theirs as? NSNumber)?.doubleValue else {
            Issue.record("\(what): \(String(describing: ours)) vs \(String(describing: theirs))", sourceLocation: sourceLocation)
            return
        }
        #expect(abs(a - b) <= 1e-7 * max(1, abs(b)), "\(what): outcomes \(a), reference \(b)", sourceLocation: sourceLocation)
    }

    /// MatchIt names dummies `raceblack`; outcomes `race_black`.
    func balance(_ ours: [[String: Any]], _ theirs: [String: Any], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let byName = Dictionary(uniqueKeysWithValues: ours.map { (($0["covariate"] as! String).replacingOccurrences(of: "_", with: ""), $0) })
        #expect(Set(byName.keys) == Set(theirs.keys), sourceLocation: sourceLocation)
        let columns = ["Means Treated": "means_treated", "Means Control": "means_control", "Std. Mean Diff.": "std_mean_diff",
                       "Var. Ratio": "var_ratio", "eCDF Mean": "ecdf_mean", "eCDF Max": "ecdf_max"]
        for (name, row) in theirs {
            for (r, o) in columns { close(byName[name]?[o], (row as! [String: Any])[r], "\(label) \(name) \(r)", sourceLocation: sourceLocation) }
        }
    }

    func sizes(_ ours: [[String: Any]], _ theirs: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
        for row in ours {
            let r = theirs[row["sample"] as! String] as! [String: Any]
            close(row["control"], r["Control"], "\(row["sample"]!) control", sourceLocation: sourceLocation)
            close(row["treated"], r["Treated"], "\(row["sample"]!) treated", sourceLocation: sourceLocation)
        }
    }

    func estimate(_ ours: [[String: Any]], _ analysis: String, _ theirs: Any?, sourceLocation: SourceLocation = #_sourceLocation) {
        let row = ours.first { $0["analysis"] as? String == analysis && $0["provider"] as? String == "all" }
        let r = theirs as! [String: Any]
        close(row?["estimate"], r["estimate"], "\(analysis) estimate", sourceLocation: sourceLocation)
        close(row?["std_error"], r["se"], "\(analysis) standard error", sourceLocation: sourceLocation)
    }

    @Test func nearestWithoutReplacementEqualsMatchItAndSandwich() throws {
        let r = try Self.json("lalonde_estimates.json")["nearest"] as! [String: Any]
        let tables = try compare(["--outcome", "re78:re75", "--adjust", "--search", "matchit-4.5.1"])
        balance(tables["balance_all"]!, r["all"] as! [String: Any], "before")
        balance(tables["balance_matched"]!, r["matched"] as! [String: Any], "after")
        sizes(tables["sample_sizes"]!, r["nn"] as! [String: Any])
        estimate(tables["estimates"]!, "difference", r["effect"])
        estimate(tables["estimates"]!, "adjusted", r["adjusted"])
        estimate(tables["estimates"]!, "difference-in-differences", r["did"])
        let statsmodels = try Self.json("lalonde_statsmodels.json")
        estimate(tables["estimates"]!, "difference", statsmodels["nearestCluster"])
        let row = try #require(tables["estimates"]!.first)
        let (se, z) = ((row["std_error"] as! NSNumber).doubleValue, (row["z"] as! NSNumber).doubleValue)
        close(row["ci_lower"], NSNumber(value: (row["estimate"] as! NSNumber).doubleValue - 1.959963984540054 * se), "interval")
        close(row["mde"], NSNumber(value: (1.959963984540054 + 0.8416212335729143) * se), "minimum detectable effect")
        close(row["p_value"], NSNumber(value: erfc(abs(z) / 2.0.squareRoot())), "p-value")
    }

    @Test func twoToOneWithReplacementEqualsMatchIt() throws {
        let r = try Self.json("lalonde_estimates.json")["replace2"] as! [String: Any]
        let tables = try compare(["--outcome", "re78", "--ratio", "2", "--replace", "--search", "matchit-4.5.1", "--se", "HC2"])
        balance(tables["balance_matched"]!, r["matched"] as! [String: Any], "after")
        sizes(tables["sample_sizes"]!, r["nn"] as! [String: Any])
        estimate(tables["estimates"]!, "difference", r["effect"])
        #expect(tables["estimates"]!.first?["se_type"] as? String == "HC2")
    }

    /// `--search matchit-4.7` on the data as read: MatchIt 4.7.2's ATT and matched counts
    /// (reference/lalonde_matchit47.R), from the propensity model outcomes fits itself.
    @Test(arguments: [("caliper", ["--caliper", "0.2"]), ("replace", ["--replace"]), ("ratio2", ["--ratio", "2"])])
    func matchIt47SearchEqualsMatchIt472(design: String, options: [String]) throws {
        let rows = try String(contentsOf: Self.reference.appendingPathComponent("lalonde_matchit47_estimates.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } }
        let r = try #require(rows.first { $0[0] == design })  // design, matched_treated, matched_controls, att
        let tables = try compare(["--outcome", "re78", "--search", "matchit-4.7"] + options)
        let estimate = try #require(tables["estimates"]!.first { $0["analysis"] as? String == "difference" })
        close(estimate["estimate"], NSNumber(value: Double(r[3])!), "\(design) ATT")
        let matched = try #require(tables["sample_sizes"]!.first { $0["sample"] as? String == "Matched" })
        close(matched["treated"], NSNumber(value: Double(r[1])!), "\(design) matched treated")
        close(matched["control"], NSNumber(value: Double(r[2])!), "\(design) matched controls")
    }

    @Test(arguments: ["ATT", "ATE"]) func weightingEqualsR(estimand: String) throws {
        let r = try Self.json("lalonde_estimates.json")["ipw\(estimand)"] as! [String: Any]
        let tables = try compare(["--outcome", "re78", "--method", "weighting", "--estimand", estimand])
        var after = r["balance"] as! [String: Any]
        after["distance"] = nil
        balance(tables["balance_matched"]!.filter { $0["covariate"] as? String != "distance" }, after, "weighted")
        estimate(tables["estimates"]!, "difference", r["effect"])
        let ess = r["ess"] as! [String: Any], row = tables["sample_sizes"]!.first { $0["sample"] as? String == "Matched (ESS)" }
        close(row?["control"], ess["control"], "ESS control")
        close(row?["treated"], ess["treated"], "ESS treated")
        if estimand == "ATT" { estimate(tables["estimates"]!, "difference", try Self.json("lalonde_statsmodels.json")["ipwATT"]) }
    }

    /// MatchIt 4.5.1 ignores calipers (issue #163): the reference is the documented algorithm in numpy
    /// (reference/lalonde_caliper.py), with statsmodels' clustered SE.
    @Test(arguments: ["0.1", "0.25"]) func aCaliperEqualsTheDocumentedAlgorithm(caliper: String) throws {
        let r = try Self.json("lalonde_caliper.json")[caliper] as! [String: Any]
        let tables = try compare(["--outcome", "re78", "--caliper", caliper, "--search", "first-in-data-order"])
        let matched = tables["sample_sizes"]!.first { $0["sample"] as? String == "Matched" }
        close(matched?["treated"], r["matched_treated"], "matched treated")
        close(matched?["control"], r["matched_control"], "matched controls")
        estimate(tables["estimates"]!, "difference", r["effect"])
        for (name, value) in r["smd"] as! [String: Any] {
            close(tables["balance_matched"]!.first { $0["covariate"] as? String == name }?["std_mean_diff"], value, "SMD of \(name)")
        }
    }

    @Test func noModelIsWelchAndANCOVA() throws {
        let r = try Self.json("lalonde_estimates.json")["unmatched"] as! [String: Any]
        let tables = try compare(["--outcome", "re78", "--method", "none", "--adjust"])
        estimate(tables["estimates"]!, "difference", r["effect"])
        estimate(tables["estimates"]!, "adjusted", r["adjusted"])
        close(tables["estimates"]!.first?["std_error"], r["welchSE"], "Welch standard error")
        let statsmodels = try Self.json("lalonde_statsmodels.json")
        estimate(tables["estimates"]!, "difference", statsmodels["unmatched"])
        estimate(tables["estimates"]!, "adjusted", statsmodels["adjusted"])
        #expect(tables["balance_matched"] == nil)
    }
}
