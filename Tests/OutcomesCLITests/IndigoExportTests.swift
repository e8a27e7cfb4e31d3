import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import Testing

/// `outcomes export indigo`: INDIGO's project tables, filled from the contract's terms, its
/// metrics and its ledger — every amount equal to the ledger's, every count to the database's or
/// suppressed, nothing of 1 to 10 published.
@Suite struct IndigoExportTests {
    static func path(_ name: String) -> String {
        Checkout.scenarios.appendingPathComponent(name).path
    }

    func value(_ object: Any?) -> Any? { (object as? [String: Any])?["value"] }

    @Test func theTablesComeFromTheTermsTheMetricsAndTheLedger() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 3_000, seed: 6)).load(into: db)
        for contract in ["reentry-2021.yaml", "housing-2021.yaml"] {
            #expect(try CLI.run(["contract", "load", Self.path(contract), "--database", conninfo, "-q"]).status == 0)
        }
        for period in ["2021Q1", "2021Q2"] {
            #expect(try CLI.run(["metrics", "--contract", "reentry-2021", "--period", period, "--database", conninfo, "-q"]).status == 0)
        }
        // The contract's runs are approved by a second login (maker–checker).
        #expect(try CLI.run(["payments", "run", "--contract", "reentry-2021", "--period", "2021Q1", "--database", conninfo, "-q"]).status == 0)
        try db.runScript("""
            DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'indigo_checker') THEN CREATE ROLE indigo_checker LOGIN; END IF; END $$;
            GRANT outcomes_payments TO indigo_checker;
            """)
        let approved = try CLI.run(["payments", "approve", "--staged", "1", "--database", conninfo + " user=indigo_checker", "-q"])
        #expect(approved.status == 0, "\(approved.errors)")
        let result = try CLI.run(["export", "indigo", "--contract", "reentry-2021", "--format", "json", "--database", conninfo, "-q"])
        #expect(result.status == 0, "\(result.errors)")
        let project = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let metrics = try #require(project["outcome_metrics"] as? [[String: Any]])
        #expect(metrics.compactMap { $0["id"] as? String } == ["employed_after_exit", "employed_4_quarters"])
        #expect(metrics.allSatisfy { value($0["outcome_validation_method"]) as? String == "Simple ex-post verification" })
        let pricings = try #require(project["outcome_pricings"] as? [[String: Any]])
        let four = try #require(pricings.first { value($0["outcome_metric_id"]) as? String == "employed_4_quarters" })
        #expect((value((four["price_per_unit"] as? [String: Any])?["amount"]) as? NSNumber)?.doubleValue == 3000)

        // Actual payments: the ledger's, by line, period, payer and recipient.
        let payments = try #require(project["outcome_payments"] as? [[String: Any]]).filter { value($0["type"]) as? String == "Actual" }
        var ledger: [String: Decimal] = [:]
        for row in try db.execute("SELECT line_id, payer_id, provider_id, sum(amount) FROM payments.ledger GROUP BY 1, 2, 3") {
            ledger["\(try row.decode(String.self, at: 0))/\(try row.decode(String.self, at: 1))/\(try row.decode(String.self, at: 2))"] = try row.decode(at: 3)
        }
        #expect(!ledger.isEmpty && payments.count == ledger.count)
        for payment in payments {
            let key = "\(value(payment["outcome_metric_id"]) ?? "")/\(value(payment["payer_organisation_id"]) ?? "")/\(value(payment["recipient_organisation_id"]) ?? "")"
            let amount = try #require(value((payment["money"] as? [String: Any])?["amount"]) as? NSNumber)
            #expect(ledger[key] == amount.decimalValue, "\(key)")
            #expect(value((payment["period"] as? [String: Any])?["start_date"]) as? String == "2021-01-01")
        }

        // Results: participants engaged and with the outcome paid for, as the database counts them, or suppressed.
        let results = try #require(project["results"] as? [[String: Any]])
        #expect(results.count == 4, "two lines × two computed periods")
        for row in results {
            let line = try #require(value(row["outcome_metric_id"]) as? String)
            let start = try #require(value((row["period"] as? [String: Any])?["start_date"]) as? String)
            let label = start == "2021-01-01" ? "2021Q1" : "2021Q2"
            let engaged = try db.execute("""
                SELECT participants FROM metrics.provider_results WHERE contract_id = 'reentry-2021' AND period = \(label)
                  AND metric_id = \(line) AND provider_id = '(all)'
                """).scalar(Int.self)
            let paid = try db.execute("""
                SELECT count(*) FROM (SELECT person_id FROM payments.ledger WHERE line_id = \(line) AND period = \(label) AND person_id IS NOT NULL
                                      GROUP BY 1 HAVING sum(amount) > 0) p
                """).scalar(Int.self)
            for (field, truth) in [("number_engaged_in_impact_bond", engaged), ("number_with_positive_social_outcomes", paid)] {
                guard let shown = value(row[field]) as? Int else { continue }  // suppressed, or no line paid in the period
                #expect(shown == truth, "\(line) \(label) \(field)")
                #expect(shown == 0 || shown >= 11)
            }
            #expect(value(row["result_type"]) as? String == (label == "2021Q1" ? "Final" : "Interim"))
        }
        #expect(results.contains { value($0["number_with_positive_social_outcomes"]) is Int }, "some paid counts are published")

        // An effect line against the randomized control arm is validated by the trial.
        let housing = try CLI.run(["export", "indigo", "--contract", "housing-2021", "--format", "json", "--database", conninfo, "-q"])
        let housingMetrics = try #require((try JSONSerialization.jsonObject(with: Data(housing.output.utf8)) as? [String: Any])?["outcome_metrics"] as? [[String: Any]])
        #expect(housingMetrics.first { $0["id"] as? String == "housing_stability" }.map { value($0["outcome_validation_method"]) as? String } == "Randomised Control Trial")
        // One CSV file per INDIGO table.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("indigo-\(UUID().uuidString)")
        #expect(try CLI.run(["export", "indigo", "--contract", "reentry-2021", "--format", "csv", "--output", folder.path + "/", "--database", conninfo, "-q"]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
                == [".outcomes-output", "outcome_metrics.csv", "outcome_payments.csv", "outcome_pricings.csv", "results.csv"])
    }
}
