import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesCLI

/// `outcomes publish --table payments_by_provider` and `--table comparison_estimates`: packages
/// frictionless and the DCAT-US schema accept, whose shown figures equal a naive walk over the
/// ledger and the stored comparison, and whose hidden ones are hidden for a reason the rule names.
@Suite(.serialized) struct PublishResultsCommandTests {
    static let housing = Checkout.scenarios.appendingPathComponent("housing-2021.yaml")
    static let evaluation = Checkout.scenarios.appendingPathComponent("housing-2021-evaluation.yaml")
    static let profile = Checkout.scenarios.appendingPathComponent("publication-profile.yaml")
    static let scenario = Checkout.scenarios.appendingPathComponent("housing-2021-scenario.yaml")

    /// Synthetic data, the housing contract, its 2021 and 2022 payments posted, a 2023 comparison and a scenario on it stored.
    static let prepared: Result<String, Error> = Result {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 6_000, seed: 23)).load(into: db)
        var steps = [["contract", "load", housing.path]]
        steps += ["2021", "2022", "2023"].map { ["metrics", "--contract", "housing-2021", "--period", $0] }
        steps += ["2021", "2022"].map { ["payments", "run", "--contract", "housing-2021", "--period", $0] }
        steps.append(["compare", "--evaluation", evaluation.path, "--period", "2023"])
        steps.append(["scenario", "run", scenario.path, "--payment-draws", "50"])
        for step in steps {
            let run = try CLI.run(step + ["--database", conninfo, "-q"])
            guard run.status == 0 else { throw DatabaseError(.noData, "\(step): \(run.errors)") }
        }
        return conninfo
    }

    /// Publishes under the demo profile, or under a copy of it whose small_cell_threshold is `threshold`,
    /// the database's publication threshold set to it first, as its administrator would (unless `settle` is false).
    func publish(_ extra: [String], output: String, conninfo: String, threshold: Int? = nil, settle: Bool = true) throws -> ProcessRunner.Result {
        if settle {
            try PostgresConnection(conninfo: conninfo).execute("""
                INSERT INTO ids.publication_policy (small_cell_threshold) VALUES (\(threshold ?? 11))
                ON CONFLICT (only_row) DO UPDATE SET small_cell_threshold = excluded.small_cell_threshold
                """)
        }
        var profile = Self.profile.path
        if let threshold {
            profile = TestDatabase.scratchDirectory("profile-\(threshold)").path + ".yaml"
            let text = try String(contentsOf: Self.profile, encoding: .utf8)
            #expect(text.contains("small_cell_threshold: 11 "))
            try text.replacingOccurrences(of: "small_cell_threshold: 11 ", with: "small_cell_threshold: \(threshold) ")
                .write(toFile: profile, atomically: true, encoding: .utf8)
        }
        defer { if threshold != nil { try? FileManager.default.removeItem(atPath: profile) } }
        return try CLI.run(["publish", "--contract", "housing-2021", "--profile", profile, "--output", output, "--database", conninfo, "-q"] + extra)
    }

    /// The package read back by the committed reference script: frictionless and DCAT-US valid.
    func readBack(_ folder: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> (rows: [[String: Any]], fields: [String]) {
        let python = try #require(Checkout.python, "Python with Tests/reference-requirements.txt is needed: set OUTCOMES_PYTHON or run .ci/run's venv step")
        let script = Checkout.root.appendingPathComponent("Tests/OutcomesCLITests/reference/read_open_data_package.py")
        let read = try ProcessRunner.run(python, [script.path, folder], separateErrors: true)
        let package = try #require(try JSONSerialization.jsonObject(with: Data(read.output.utf8)) as? [String: Any], "\(read.errors)")
        #expect(package["valid"] as? Bool == true, "frictionless: \(package["errors"] ?? "")", sourceLocation: sourceLocation)
        #expect(package["dcat_valid"] as? Bool == true, "DCAT-US: \(package["dcat_errors"] ?? "")", sourceLocation: sourceLocation)
        let resources = try #require(package["resources"] as? [String: [[String: Any]]])
        let datapackage = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/datapackage.json"))) as? [String: Any])
        let schema = ((datapackage["resources"] as? [[String: Any]])?.first?["schema"] as? [String: Any]) ?? [:]
        return (try #require(resources.values.first), ((schema["fields"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String })
    }

    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    /// At 11 and 15 every cell shows (at 15 the metrics table hides keystone's housed count and days to a
    /// shelter return, which no per-participant line prices); at 48 the metrics table hides keystone's and
    /// all providers' days out of shelter, which the per-day line prices (and keystone has 47 people paid):
    /// those two cells go, and hearth's stays (nothing gives it away with the total hidden).
    @Test(arguments: [(11, Set<String>()), (15, Set<String>()), (48, Set(["2022|keystone", "2022|(all)"]))] as [(Int, Set<String>)])
    func paymentsByProviderAreTheLedgersNetPerParticipantSuppressed(threshold: Int, hidden: Set<String>) throws {
        let conninfo = try Self.prepared.get()
        let db = try PostgresConnection(conninfo: conninfo)
        let folder = TestDatabase.scratchDirectory("publish-payments").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = try publish(["--period", "2021", "--period", "2022", "--table", "payments_by_provider"], output: folder, conninfo: conninfo,
                              threshold: threshold)

        // The naive walk: every per-participant line, netted per provider, period, person and line.
        var net: [[String]: Decimal] = [:]
        for line in try db.execute("""
            SELECT provider_id, period, person_id::text, line_id, amount FROM payments.ledger WHERE contract_id = 'housing-2021' AND person_id IS NOT NULL
            """) {
            net[[try line.decode(String.self, at: 0), try line.decode(String.self, at: 1), try line.decode(String.self, at: 2),
                 try line.decode(String.self, at: 3)], default: 0] += try line.decode(Decimal.self, at: 4)
        }
        // Distinct people per cell and line (one paid by two providers is one person in the period's total).
        var people: [[String]: Decimal] = [:], perLine: [String: [String: Set<String>]] = [:]
        for (key, amount) in net {
            people[Array(key.prefix(3)), default: 0] += amount
            if amount != 0 {
                for provider in [key[0], "(all)"] { perLine["\(key[1])|\(provider)", default: [:]][key[3], default: []].insert(key[2]) }
            }
        }
        var paidPeople: [String: Set<String>] = [:], paidAmount: [String: Decimal] = [:]
        for (key, amount) in people where amount != 0 {
            for provider in [key[0], "(all)"] {
                paidPeople["\(key[1])|\(provider)", default: []].insert(key[2])
                paidAmount["\(key[1])|\(provider)", default: 0] += amount
            }
        }
        let expected = paidPeople.mapValues { $0.count }.reduce(into: [String: (people: Int, paid: Decimal)]()) { $0[$1.key] = ($1.value, paidAmount[$1.key]!) }
        #expect(expected["2022|keystone"]?.people == 47 && expected["2022|hearth"]?.people == 117 && expected["2021|hearth"] == nil,
                "the data set this test reasons about: 2021 paid no one per participant")
        // The metrics table at the same threshold: where it hides the per-day line's days, the payments go too.
        let metricsFolder = TestDatabase.scratchDirectory("publish-metrics-\(threshold)").path
        defer { try? FileManager.default.removeItem(atPath: metricsFolder) }
        #expect(try publish(["--period", "2022"], output: metricsFolder, conninfo: conninfo, threshold: threshold).status == 0)
        let priced: Set<String> = ["days_out_of_shelter_12m", "jail_days_out_of_shelter_12m"]
        let exposed = Set(try readBack(metricsFolder).rows.filter { row in
            priced.contains(row["metric_id"] as! String) && ["participants", "with_value", "total", "mean"].contains { Self.number(row[$0]) == nil }
        }.map { "\($0["period"]!)|\($0["provider"]!)" })
        func small(_ value: Int) -> Bool { (1..<threshold).contains(value) }
        let ownReasons = Set(expected.filter { key, cell in
            small(cell.people) || (perLine[key] ?? [:]).values.contains { small($0.count) } || exposed.contains(key)
        }.keys)
        // Then in each period, a provider hidden alone beside a shown total takes the fewest paid with it.
        var expectedHidden = ownReasons
        for period in Set(expected.keys.map { String($0.split(separator: "|")[0]) }) {
            let providers = expected.keys.filter { $0.hasPrefix(period + "|") && !$0.hasSuffix("|(all)") }
            guard !expectedHidden.contains(period + "|(all)"), providers.filter(expectedHidden.contains).count == 1 else { continue }
            if let pick = providers.filter({ !expectedHidden.contains($0) }).min(by: { expected[$0]!.people < expected[$1]!.people }) {
                expectedHidden.insert(pick)
            }
        }
        #expect(expectedHidden == hidden, "the rule, worked naively, hides what this test says")
        #expect(run.status == 0, "\(run.errors)")
        let (rows, fields) = try readBack(folder)
        #expect(fields == ["period", "provider", "participants_paid", "paid", "mean_paid"], "aggregates only: no id of a person")
        #expect(!expected.isEmpty && rows.count == expected.count, "one row per provider and period paid, and each period's total")
        for row in rows {
            let key = "\(row["period"]!)|\(row["provider"]!)"
            let want = try #require(expected[key], "\(key)")
            if hidden.contains(key) {
                #expect(["participants_paid", "paid", "mean_paid"].allSatisfy { Self.number(row[$0]) == nil }, "\(key)")
            } else {
                #expect(Self.number(row["participants_paid"]) == Double(want.people), "\(key)")
                #expect(Self.number(row["paid"]) == NSDecimalNumber(decimal: want.paid).doubleValue, "\(key)")
            }
        }
        let readme = try String(contentsOfFile: folder + "/README.md", encoding: .utf8)
        let runs = try db.execute("SELECT run_id FROM payments.runs WHERE contract_id = 'housing-2021' ORDER BY 1").map { try $0.decode(Int.self, at: 0) }
        #expect(runs.count == 2 && runs.allSatisfy { readme.contains("posted in payment run \($0) (") }, "the README names the runs")
    }

    /// At 11 nothing of this comparison is hidden; at 21 keystone's rows are (14 of its 45 treated were not
    /// housed, 20 shelter entries), and hearth's with them.
    @Test(arguments: [(11, false), (21, true)])
    func comparisonEstimatesAreTheStoredRunsSuppressed(threshold: Int, anyHidden: Bool) throws {
        let conninfo = try Self.prepared.get()
        let db = try PostgresConnection(conninfo: conninfo)
        let folder = TestDatabase.scratchDirectory("publish-estimates").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let published = try publish(["--period", "2023", "--table", "comparison_estimates"], output: folder, conninfo: conninfo, threshold: threshold)
        #expect(published.status == 0, "\(published.errors)")
        let (rows, fields) = try readBack(folder)
        #expect(fields == ["evaluation", "period", "comparison", "metric_id", "metric", "unit", "provider", "analysis", "treated", "controls", "mean_treated",
                           "mean_control", "estimate", "std_error", "se_type", "ci_lower", "ci_upper", "p_value"])

        // The stored run, read as plain JSON.
        let (runID, text) = try #require(try db.execute("""
            SELECT run_id, estimates::text FROM evaluation.runs WHERE contract_id = 'housing-2021' AND period = '2023' ORDER BY run_id DESC LIMIT 1
            """).map { (try $0.decode(Int.self, at: 0), try $0.decode(String.self, at: 1)) }.first)
        let stored = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        func key(_ row: [String: Any], outcome: String) -> String {
            "\(row[outcome]!)|\((row["provider"] as? String) ?? "(all)")|\(row["analysis"]!)"
        }
        let byKey = Dictionary(stored.map { (key($0, outcome: "outcome"), $0) }, uniquingKeysWith: { first, _ in first })
        #expect(rows.count == stored.count && !rows.isEmpty)
        let binary: Set<String> = ["housed_12m", "any_er_visit_12m"]
        // The rule, worked naively over the stored rows: a small arm hides a row's sizes and figures; a mean
        // whose count (a share's with and without, or a count's total) is 1 to 10 hides its figures (a change's
        // means are no count); in each comparison, a provider hidden alone takes the provider with the fewest
        // treated with it, first for sizes, then for figures.
        var expectedHidden = (sizes: Set<String>(), figures: Set<String>())
        for comparison in Dictionary(grouping: stored, by: { "\($0["outcome"]!)|\($0["analysis"]!)" }).values {
            func small(_ value: Int) -> Bool { (1..<threshold).contains(value) }
            func sizesOwn(_ row: [String: Any]) -> Bool { small(row["treated"] as! Int) || small(row["controls"] as! Int) }
            func figuresOwn(_ row: [String: Any]) -> Bool {
                guard row["analysis"] as? String != "difference-in-differences" else { return false }
                let share = binary.contains(row["outcome"] as! String)
                return [("mean_treated", "treated"), ("mean_control", "controls")].contains { mean, size in
                    let n = row[size] as! Int, count = Int(((Self.number(row[mean]) ?? 0) * Double(n)).rounded())
                    return small(count) || (share && small(n - count))
                }
            }
            let providers = comparison.filter { $0["provider"] is String }
            var sizes = Set(comparison.filter(sizesOwn).map { key($0, outcome: "outcome") })
            func complement(_ hidden: inout Set<String>) {
                let mine = providers.filter { hidden.contains(key($0, outcome: "outcome")) }
                guard mine.count == 1, comparison.contains(where: { !($0["provider"] is String) }),
                      let pick = providers.filter({ !hidden.contains(key($0, outcome: "outcome")) && ($0["treated"] as! Int) > 0 })
                        .min(by: { ($0["treated"] as! Int) < ($1["treated"] as! Int) }) else { return }
                hidden.insert(key(pick, outcome: "outcome"))
            }
            complement(&sizes)
            var figures = sizes.union(comparison.filter(figuresOwn).map { key($0, outcome: "outcome") })
            complement(&figures)
            expectedHidden.sizes.formUnion(sizes)
            expectedHidden.figures.formUnion(figures)
        }
        var shown = 0
        for row in rows {
            let source = try #require(byKey[key(row, outcome: "metric_id")], "\(row)")
            let (treated, controls) = (source["treated"] as! Int, source["controls"] as! Int)
            if let n = Self.number(row["treated"]) {
                #expect(n == Double(treated) && Self.number(row["controls"]) == Double(controls))
                #expect(treated >= threshold && controls >= threshold, "a small arm is never shown: \(row)")
            }
            guard let estimate = Self.number(row["estimate"]) else {
                #expect(expectedHidden.figures.contains(key(row, outcome: "metric_id")), "hidden without a reason: \(row)")
                continue
            }
            #expect(!expectedHidden.figures.contains(key(row, outcome: "metric_id")), "shown though the rule hides it: \(row)")
            shown += 1
            // A change's means are never published (with the difference row's they would give the counts before).
            let isChange = row["analysis"] as? String == "difference-in-differences"
            #expect(!isChange || (Self.number(row["mean_treated"]) == nil && Self.number(row["mean_control"]) == nil), "\(row)")
            for (published, storedKey) in [("estimate", "estimate"), ("std_error", "std_error"), ("ci_lower", "ci_lower"), ("ci_upper", "ci_upper"),
                                           ("p_value", "p_value"), ("mean_treated", "mean_treated"), ("mean_control", "mean_control")]
                where !isChange || !published.hasPrefix("mean") {
                #expect(Self.number(row[published]) == Self.number(source[storedKey]), "\(published) of \(key(row, outcome: "metric_id"))")
            }
            _ = estimate
            // A shown share never gives away fewer than 11 with or without the outcome.
            if binary.contains(row["metric_id"] as! String) {
                for (mean, size) in [(Self.number(row["mean_treated"]), treated), (Self.number(row["mean_control"]), controls)] {
                    let count = Int(((mean ?? 0) * Double(size)).rounded())
                    #expect((count == 0 || count >= threshold) && (size - count == 0 || size - count >= threshold), "\(row)")
                }
            }
        }
        #expect(shown > 0, "the comparison's all-providers estimates are published")
        #expect((shown < rows.count) == anyHidden && expectedHidden.figures.isEmpty == !anyHidden)
        let readme = try String(contentsOfFile: folder + "/README.md", encoding: .utf8)
        #expect(readme.contains("estimated in comparison run \(runID) ("))
        // No comparison stored for 2022: refused, nothing written.
        let other = TestDatabase.scratchDirectory("publish-estimates-2022").path
        CLI.expectCleanFailure(try publish(["--period", "2022", "--table", "comparison_estimates"], output: other, conninfo: conninfo),
                               status: 65, naming: ["2022", "outcomes compare --evaluation FILE --period 2022"])
        #expect(!FileManager.default.fileExists(atPath: other))
    }

    /// At 11 nothing the scenario rests on is hidden; at 21, keystone's differences are (14 of its 45
    /// treated were not housed; 20 shelter entries), and hearth's with them (the all-providers row
    /// would give them back), so their scenario rows are too, while all providers' stay.
    @Test(arguments: [(11, Set<String>()), (21, Set(["hearth", "keystone"]))])
    func scenarioResultsAreTheStoredRunHiddenWithTheEstimatesTheyRestOn(threshold: Int, hidden: Set<String>) throws {
        let conninfo = try Self.prepared.get()
        let db = try PostgresConnection(conninfo: conninfo)
        let folder = TestDatabase.scratchDirectory("publish-scenarios").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let published = try publish(["--period", "2023", "--table", "scenario_results"], output: folder, conninfo: conninfo, threshold: threshold)
        #expect(published.status == 0, "\(published.errors)")
        let (rows, fields) = try readBack(folder)
        #expect(fields == ["scenario", "provider", "variant", "benefits_taxpayers", "benefits_participants", "benefits_households", "benefits_others",
                           "benefits_indirect", "total_benefits", "cost", "benefits_minus_costs", "benefit_cost_ratio", "chance_benefits_exceed_costs",
                           "net_p5", "net_p95", "break_even_scale"])

        // The stored run, read as plain JSON: a row per group (all providers, each provider) and per variant.
        let (runID, text) = try #require(try db.execute("SELECT run_id, results::text FROM scenario.runs ORDER BY run_id DESC LIMIT 1")
            .map { (try $0.decode(Int.self, at: 0), try $0.decode(String.self, at: 1)) }.first)
        let results = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let groups = (results["groups"] as? [[String: Any]]) ?? [], variants = (results["variants"] as? [[String: Any]]) ?? []
        #expect(rows.count == groups.count + variants.count && groups.count == 3)
        func stored(_ row: [String: Any]) -> [String: Any]? {
            if row["variant"] as? String == "(as written)" {
                return groups.first { (($0["group"] as? String) ?? "(all)") == row["provider"] as? String }
            }
            return variants.first { $0["variant"] as? String == row["variant"] as? String }
        }
        // Which providers' differences in means the estimates package hides (the scenario's effects are the 2023 comparison's).
        let estimates = TestDatabase.scratchDirectory("publish-scenarios-estimates").path
        defer { try? FileManager.default.removeItem(atPath: estimates) }
        #expect(try publish(["--period", "2023", "--table", "comparison_estimates"], output: estimates, conninfo: conninfo, threshold: threshold).status == 0)
        let hiddenProviders = Set(try readBack(estimates).rows.filter { $0["analysis"] as? String == "difference" && Self.number($0["estimate"]) == nil }
            .compactMap { $0["provider"] as? String })
        #expect(hiddenProviders == hidden)
        var shown = 0
        for row in rows {
            let source = try #require(stored(row), "\(row)")
            let provider = row["provider"] as! String
            guard let total = Self.number(row["total_benefits"]) else {
                #expect(hiddenProviders.contains(provider), "hidden without a hidden estimate: \(row)")
                continue
            }
            #expect(!hiddenProviders.contains(provider), "shown though its estimate is hidden: \(row)")
            shown += 1
            // Amounts are the stored decimal strings at the currency's cents; the rest as stored.
            #expect(total == Double(source["total_benefits"] as! String).map { ($0 * 100).rounded() / 100 })
            for (name, key) in [("benefits_taxpayers", "taxpayers"), ("cost", "cost"), ("benefits_minus_costs", "benefits_minus_costs")] {
                #expect(Self.number(row[name]) == Double(source[key] as! String).map { ($0 * 100).rounded() / 100 }, "\(name) \(row)")
            }
            #expect(Self.number(row["chance_benefits_exceed_costs"]) == Self.number(source["chance_benefits_exceed_costs"]))
            #expect(Self.number(row["net_p5"]) == Self.number(source["net_p5"]))
        }
        #expect(shown > 0)
        let readme = try String(contentsOfFile: folder + "/README.md", encoding: .utf8)
        #expect(readme.contains("simulated in scenario run \(runID) ("))
    }

    /// A package under another threshold than the database's is refused, and sets nothing.
    @Test func aProfileWithAnotherThresholdIsRefused() throws {
        let conninfo = try Self.prepared.get()
        let folder = TestDatabase.scratchDirectory("publish-threshold").path
        _ = try PostgresConnection(conninfo: conninfo).execute("DELETE FROM ids.publication_policy")
        // The first package sets the database's threshold (13) ...
        #expect(try publish(["--period", "2023"], output: folder, conninfo: conninfo, threshold: 13, settle: false).status == 0)
        try FileManager.default.removeItem(atPath: folder)
        // ... and a later one under 11 is refused, naming both.
        CLI.expectCleanFailure(try publish(["--period", "2023"], output: folder, conninfo: conninfo, threshold: 11, settle: false), status: 65,
                               naming: ["small_cell_threshold is 11", "publishes under 13"])
        #expect(!FileManager.default.fileExists(atPath: folder))
        // A first package that fails sets nothing.
        _ = try PostgresConnection(conninfo: conninfo).execute("DELETE FROM ids.publication_policy")
        CLI.expectCleanFailure(try publish(["--period", "2024"], output: folder, conninfo: conninfo, threshold: 17, settle: false), status: 65,
                               naming: ["2024"])
        #expect(try PostgresConnection(conninfo: conninfo).execute("SELECT count(*) FROM ids.publication_policy").scalar(Int.self) == 0)
    }

    /// An INDIGO export is released under the database's publication threshold too: a higher one is
    /// refused, a lower one (or none) raised to it.
    @Test func theIndigoExportUsesTheDatabasesThreshold() throws {
        let conninfo = try Self.prepared.get()
        let db = try PostgresConnection(conninfo: conninfo)
        func export(_ extra: [String]) throws -> ProcessRunner.Result {
            try CLI.run(["export", "indigo", "--contract", "housing-2021", "--format", "json", "--database", conninfo, "-q"] + extra)
        }
        try db.execute("DELETE FROM ids.publication_policy")
        let unset = try export([])
        try db.execute("INSERT INTO ids.publication_policy (small_cell_threshold) VALUES (1000)")
        CLI.expectCleanFailure(try export(["--small-cell-threshold", "1500"]), status: 64, naming: ["--small-cell-threshold 1500", "1000"])
        let raised = try export([]), strict = try export(["--small-cell-threshold", "1000"])
        #expect(unset.status == 0 && raised.status == 0 && strict.status == 0, "\(raised.errors)")
        #expect(raised.output == strict.output && raised.output != unset.output, "at 1000 this contract's counts are suppressed that 11 shows")
        // An administrator's change names who made it.
        try db.execute("UPDATE ids.publication_policy SET small_cell_threshold = 11, set_by = 'someone else'")
        #expect(try db.execute("SELECT set_by = session_user FROM ids.publication_policy").scalar(Bool.self))
    }

    /// The DCAT-US check is not a formality: a catalog without a publisher, or with a periodicity
    /// that is not ISO 8601, fails it.
    @Test func theCatalogCheckFailsABrokenCatalog() throws {
        let conninfo = try Self.prepared.get()
        let folder = TestDatabase.scratchDirectory("publish-broken").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try publish(["--period", "2022", "--table", "payments_by_provider"], output: folder, conninfo: conninfo).status == 0)
        let path = folder + "/data.json"
        var catalog = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var datasets = try #require(catalog["dataset"] as? [[String: Any]])
        datasets[0]["publisher"] = nil
        datasets[0]["accrualPeriodicity"] = "yearly"
        datasets[0]["license"] = "CC0 1.0"
        catalog["dataset"] = datasets
        try JSONSerialization.data(withJSONObject: catalog).write(to: URL(fileURLWithPath: path))
        let python = try #require(Checkout.python)
        let script = Checkout.root.appendingPathComponent("Tests/OutcomesCLITests/reference/read_open_data_package.py")
        let read = try ProcessRunner.run(python, [script.path, folder], separateErrors: true)
        let package = try #require(try JSONSerialization.jsonObject(with: Data(read.output.utf8)) as? [String: Any], "\(read.errors)")
        let errors = (package["dcat_errors"] as? [String]) ?? []
        #expect(package["dcat_valid"] as? Bool == false)
        #expect(errors.contains { $0.contains("'publisher' is a required property") } && errors.contains { $0.hasPrefix("dataset/0/accrualPeriodicity") }
                    && errors.contains { $0.hasPrefix("dataset/0/license") }, "\(errors)")
        #expect(package["valid"] as? Bool == true)
        // And frictionless holds the rows to the declared categories: a provider the table does not list fails.
        let csv = folder + "/payments_by_provider.csv"
        try (try String(contentsOfFile: csv, encoding: .utf8)).replacingOccurrences(of: "2022,hearth,", with: "2022,hearthx,")
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let tampered = try ProcessRunner.run(python, [script.path, folder], separateErrors: true)
        let checked = try #require(try JSONSerialization.jsonObject(with: Data(tampered.output.utf8)) as? [String: Any], "\(tampered.errors)")
        #expect(checked["valid"] as? Bool == false && "\(checked["errors"] ?? "")".contains("hearthx"), "\(checked["errors"] ?? "")")
    }
}
