import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import Testing

/// `outcomes scenario run`: the WSIPP-shaped table with its identities exact as printed, the same
/// report for the same seed, effects taken from a stored comparison, and mistakes named by line.
@Suite struct ScenarioCommandTests {
    static let scenarios = Checkout.scenarios
    static func path(_ name: String) -> String { scenarios.appendingPathComponent(name).path }

    func tables(_ result: ProcessRunner.Result) throws -> [String: [[String: Any]]] {
        #expect(result.status == 0, "\(result.errors)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        return try #require(json["tables"] as? [String: [[String: Any]]])
    }

    func amount(_ cell: Any?) -> Decimal? { (cell as? [String: String])?["amount"].flatMap { Decimal(string: $0) } }

    @Test func bothDemoContractsGetTheirTableWithExactIdentities() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 4_000, seed: 6)).load(into: db)
        for contract in ["housing-2021.yaml", "reentry-2021.yaml"] {
            #expect(try CLI.run(["contract", "load", Self.path(contract), "--database", conninfo, "-q"]).status == 0)
        }
        // Payments are projected over the periods whose metrics are computed.
        for (contract, period) in [("reentry-2021", "2021Q1"), ("reentry-2021", "2021Q2"), ("housing-2021", "2021"), ("housing-2021", "2022")] {
            #expect(try CLI.run(["metrics", "--contract", contract, "--period", period, "--database", conninfo, "-q"]).status == 0)
        }
        // The housing effects come from the stored comparison.
        #expect(try CLI.run(["compare", "--evaluation", Self.path("housing-2021-evaluation.yaml"), "--database", conninfo, "-q"]).status == 0)
        for scenario in ["reentry-2021-scenario.yaml", "housing-2021-scenario.yaml"] {
            let arguments = ["scenario", "run", Self.path(scenario), "--payment-draws", "300", "--database", conninfo, "--format", "json", "-q"]
            let first = try CLI.run(arguments)
            let tables = try tables(first)
            let rows = try #require(tables["benefit_cost"])
            #expect(rows.count >= 3, "all and each provider: \(rows.map { $0["group"] ?? "" })")
            for row in rows + (tables["variants"] ?? []) {
                let perspectives = ["taxpayers", "participants", "households", "others", "indirect"].compactMap { amount(row[$0]) }
                let (total, cost, net) = (try #require(amount(row["total_benefits"])), try #require(amount(row["cost"])), try #require(amount(row["benefits_minus_costs"])))
                #expect(perspectives.count == 5 && perspectives.reduce(0, +) == total)
                #expect(total - cost == net)
                var ratio = total / cost, rounded = Decimal()
                NSDecimalRound(&rounded, &ratio, 4, .bankers)
                let printed = try #require((row["benefit_cost_ratio"] as? NSNumber)?.doubleValue)
                #expect(abs(printed - NSDecimalNumber(decimal: rounded).doubleValue) < 1e-12, "\(printed) vs \(rounded)")
                let chance = try #require(row["chance_benefits_exceed_costs"] as? Double)
                #expect(chance >= 0 && chance <= 1)
                // The net's percentiles are money, to the cent.
                let (p5, p95) = (try #require(amount(row["net_p5"])), try #require(amount(row["net_p95"])))
                #expect(p5 <= p95, "\(row)")
            }
            #expect(tables["tornado"]?.isEmpty == false && tables["break_even"]?.isEmpty == false)
            // A sensitivity's nets are money around the benefit-cost table's own net; its swing is their distance.
            for row in tables["tornado"] ?? [] {
                let (low, high, swing) = (try #require(amount(row["net_at_low"])), try #require(amount(row["net_at_high"])), try #require(amount(row["swing"])))
                let distance = high > low ? high - low : low - high
                #expect((distance - swing).magnitude <= Decimal(string: "0.01")!, "\(row)")
            }
            // The payment distributions, per provider and period, and by year with the worst year.
            let payments = try #require(tables["payments"])
            #expect(!payments.isEmpty && Set(payments.compactMap { $0["period"] as? String }).isSubset(of: ["2021Q1", "2021Q2", "2021", "2022"]), "\(payments)")
            for row in payments + (tables["payments_by_year"] ?? []) {
                let (p5, p50, p95) = (amount(row["p5"]) ?? -1, amount(row["p50"]) ?? -1, amount(row["p95"]) ?? -1)
                #expect(p5 >= 0 && p5 <= p50 && p50 <= p95, "\(row)")
            }
            #expect(tables["payments_by_year"]?.contains { $0["year"] as? String == "worst year" } == true)
            // Government net savings per participant, all and per provider: avoided public costs − payments, exactly as printed.
            let savings = try #require(tables["net_savings"])
            let all = try #require(savings.first { $0["group"] as? String == "all" })
            for row in savings {
                let (taxpayers, paid, net) = (try #require(amount(row["taxpayer_benefits"])), try #require(amount(row["payments"])), try #require(amount(row["net_savings"])))
                let count = Decimal(try #require(row["participants_paid"] as? Int))
                #expect(taxpayers - paid == net && net * count == amount(row["net_savings_all_participants"]), "\(row)")
            }
            #expect(savings.filter { $0["group"] as? String != "all" }.compactMap { $0["participants_paid"] as? Int }.reduce(0, +) == all["participants_paid"] as? Int)
            // Each variant that changes the payments, beside the scenario as stated; a lower contract cap holds.
            let variants = try #require(tables["payment_variants"])
            #expect(variants.first?["variant"] as? String == "as stated" && variants.count >= 4, "\(variants.map { $0["variant"] ?? "" })")
            for row in variants {
                let (p5, p50, p95) = (amount(row["p5"]) ?? -1, amount(row["p50"]) ?? -1, amount(row["p95"]) ?? -1)
                #expect(p5 >= 0 && p5 <= p50 && p50 <= p95, "\(row)")
            }
            let capped = try #require(variants.first { ($0["variant"] as? String)?.hasPrefix("contract cap") == true })
            let cap = try #require(Decimal(string: String((capped["variant"] as! String).split(separator: " ").last!)))
            #expect(try #require(amount(capped["p95"])) <= cap)
            let fewer = try #require(variants.first { $0["variant"] as? String == "20% fewer enrollments" })
            let (fewerPaid, allPaid) = (try #require(fewer["participants_paid"] as? Int), try #require(variants[0]["participants_paid"] as? Int))
            #expect(Double(fewerPaid) > 0.7 * Double(allPaid) && Double(fewerPaid) < 0.9 * Double(allPaid), "\(fewerPaid) of \(allPaid)")
            // Both examples carry finance: each tranche's returns, and the returns at four effect levels.
            let investors = try #require(tables["investors"])
            #expect(investors.count >= 2 && investors.allSatisfy { ($0["probability_repaid_in_full"] as? Double).map { (0...1).contains($0) } == true })
            #expect(tables["returns_by_effect"]?.map { $0["effect"] as? String } == ["no effect", "lower 95% bound", "estimate", "upper 95% bound"])
            // The same seed, the same report (but for the run's number).
            let second = try CLI.run(arguments)
            func withoutRun(_ text: String) -> String { text.replacingOccurrences(of: #"Run [0-9]+:"#, with: "Run:", options: .regularExpression) }
            #expect(second.status == 0 && withoutRun(second.output) == withoutRun(first.output))
        }
        // The housing scenario's effects are the comparison run's estimates, overall and per provider.
        let estimates = try db.execute("SELECT estimates::text FROM evaluation.runs ORDER BY run_id DESC LIMIT 1").scalar(String.self)
        let stored = try #require(try JSONSerialization.jsonObject(with: Data(estimates.utf8)) as? [[String: Any]])
        let result = try CLI.run(["scenario", "run", Self.path("housing-2021-scenario.yaml"), "--payment-draws", "50", "--database", conninfo,
                                  "--format", "json", "-q"])
        for row in try tables(result)["break_even"]! {
            let group = row["group"] as? String == "all" ? nil : row["group"] as? String
            let match = stored.first {
                $0["outcome"] as? String == row["outcome"] as? String && $0["analysis"] as? String == "difference" && ($0["provider"] as? String) == group
            }
            let (storedEstimate, used) = (try #require(match?["estimate"] as? Double), try #require(row["estimate"] as? Double))
            #expect(abs(storedEstimate - used) <= 1e-12 * max(1, abs(used)), "\(row)")
        }
        #expect(try db.execute("SELECT count(*) FROM scenario.runs WHERE comparison_runs <> '{}'").scalar(Int.self) == 3)
    }

    @Test func mistakesNameTheLineAndStoreNothing() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 500, seed: 6)).load(into: db)
        let text = try String(contentsOfFile: Self.path("reentry-2021-scenario.yaml"), encoding: .utf8)
        /// The line a fragment stands on in the file (where each mistake is made).
        func lineOf(_ fragment: String) -> Int {
            (text.components(separatedBy: "\n").firstIndex { $0.contains(fragment) } ?? -1) + 1
        }
        /// A data error at the line of `fragment` that names `values`.
        func expectFailure(_ changed: String, at fragment: String, naming values: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString).yaml")
            try changed.write(to: file, atomically: true, encoding: .utf8)
            let result = try CLI.run(["scenario", "run", file.path, "--database", conninfo, "-q"])
            CLI.expectCleanFailure(result, status: 65, naming: ["\(file.path):\(lineOf(fragment)):"] + values, sourceLocation: sourceLocation)
        }
        // Not loaded yet.
        try expectFailure(text, at: "contract: reentry-2021", naming: ["reentry-2021", "outcomes contract load"])
        #expect(try CLI.run(["contract", "load", Self.path("reentry-2021.yaml"), "--database", conninfo, "-q"]).status == 0)
        // Each mistake: the line, the key or name at fault, the value and (where there is one) the bound or allowed values.
        let cases: [(String, String, [String])] = [
            ("value: 0.78, year: 2024", "value: 0.78, year: 2018", ["'earnings_year_1'", "2018"]),
            ("{amount: 6200, low: 5000, high: 7500, year: 2021}", "{amount: 6200, low: 7000, high: 5000, year: 2021}", ["cost_per_participant", "7000.0", "6200.0", "5000.0"]),
            ("discount_rate: 0.035", "discount_rate: -1.5", ["discount_rate", "-100%"]),
            ("{name: effects half as large, effect_scale: 0.5}", "{name: effects half as large, effect_size: 0.5}", ["'effect_size'", "effect_scale"]),
            ("{outcome: earnings_year_1, estimate: 1850, std_error: 600, decay: 0.2}", "{outcome: earnings_year_1, comparison: reentry-matched}", ["'earnings_year_1'", "reentry-matched"]),
            ("{outcome: jail_bookings_change, provider: bridgeway,", "{outcome: bookings_9, provider: bridgeway,", ["'bookings_9'", "reentry-2021"]),
            ("price_scale: 0.8}", "price_scale: 0}", ["price_scale", "above 0", "at most 100", "not 0"]),
            ("enrollment_scale: 0.8}", "enrollment_scale: 1.5}", ["enrollment_scale", "at most 1 ", "not 1.5"]),
            ("contract_cap: 5000000}", "contract_cap: -5}", ["contract_cap", "0 or more", "not -5"]),
        ]
        for (from, to, values) in cases {
            #expect(text.contains(from), "\(from)")
            try expectFailure(text.replacingOccurrences(of: from, with: to), at: from, naming: values)
        }
        // A variant that changes the payments needs them computed: no period's metrics are.
        try expectFailure(text, at: "price_scale: 0.8", naming: ["'prices 20% lower'", "price_scale", "outcomes metrics"])
        #expect(try db.execute("SELECT count(*) FROM scenario.runs").scalar(Int.self) == 0)
    }
}
