import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import Testing

/// Exported notebooks run top to bottom with nbclient — from the CSV files beside them and from
/// the test database — and give the CLI's numbers; the CSV files load in pandas with number dtypes.
/// Python comes from $OUTCOMES_PYTHON, else .build/notebook-venv (which `.ci/run` makes from
/// notebooks-export/requirements.txt).
@Suite struct NotebookExportTests {
    static let scenarios = Checkout.scenarios
    static func path(_ name: String) -> String { scenarios.appendingPathComponent(name).path }

    static var python: URL? { Checkout.python }

    static let runner = """
        import json, os, sys
        import nbclient, nbformat
        import pandas as pd
        path = sys.argv[1]
        nb = nbformat.read(path, as_version=4)
        nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": os.path.dirname(path)}}).execute()
        data = os.path.join(os.path.dirname(path), "data")
        print(json.dumps({f: {c: str(t) for c, t in pd.read_csv(os.path.join(data, f)).dtypes.items()} for f in sorted(os.listdir(data))}))
        """

    /// Runs the notebook in one mode; returns the dtypes of its CSV files and what it checked.
    func execute(_ notebook: URL, source: String, conninfo: String) throws -> (dtypes: [String: [String: String]], check: [[String: Any]]) {
        let python = try #require(Self.python, "Python with notebooks-export/requirements.txt is needed: set OUTCOMES_PYTHON or run .ci/run's venv step")
        let result = try ProcessRunner.run(python, ["-c", Self.runner, notebook.path],
                                           environment: ["OUTCOMES_SOURCE": source, "OUTCOMES_CONNINFO": conninfo, "HOME": NSTemporaryDirectory()],
                                           separateErrors: true)
        #expect(result.status == 0, "\(notebook.lastPathComponent) (\(source)): \(result.errors.suffix(2000))")
        let dtypes = (try? JSONSerialization.jsonObject(with: Data(result.output.split(separator: "\n").last.map(String.init)?.utf8 ?? "".utf8))) as? [String: [String: String]]
        let check = try Data(contentsOf: notebook.deletingLastPathComponent().appendingPathComponent("check-\(source).json"))
        return (dtypes ?? [:], try #require(try JSONSerialization.jsonObject(with: check) as? [[String: Any]]))
    }

    func number(_ value: Any?) -> Double? {
        if let money = value as? [String: String] { return money["amount"].flatMap(Double.init) }
        return (value as? NSNumber)?.doubleValue
    }

    @Test func everyNotebookReproducesTheCLIsNumbers() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 3_000, seed: 6)).load(into: db)
        #expect(try CLI.run(["contract", "load", Self.path("housing-2021.yaml"), "--database", conninfo, "-q"]).status == 0)
        for period in ["2021", "2022"] {
            #expect(try CLI.run(["metrics", "--contract", "housing-2021", "--period", period, "--database", conninfo, "-q"]).status == 0)
        }
        #expect(try CLI.run(["compare", "--evaluation", Self.path("housing-2021-evaluation.yaml"), "--database", conninfo, "-q"]).status == 0)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("notebooks-\(UUID().uuidString)")

        // Metrics: the published cells of the CLI's table, from the CSV files and from the database.
        let metrics = try CLI.run(["export", "notebook", "metrics", "--contract", "housing-2021", "--period", "2022",
                                   "--output", folder.appendingPathComponent("metrics").path, "--database", conninfo, "-q"])
        #expect(metrics.status == 0, "\(metrics.errors)")
        let cli = try CLI.run(["metrics", "--contract", "housing-2021", "--period", "2022", "--database", conninfo, "--format", "json", "-q"])
        let published = try #require(((try JSONSerialization.jsonObject(with: Data(cli.output.utf8)) as? [String: Any])?["tables"] as? [String: Any])?["metrics"]
            as? [[String: Any]])
        let notebook = folder.appendingPathComponent("metrics/metrics.ipynb")
        for source in ["csv", "database"] {
            let (dtypes, check) = try execute(notebook, source: source, conninfo: conninfo)
            if source == "csv" {
                // Numbers load as numbers (a column with suppressed cells as floats with NaN), each flag as a bool.
                let columns = try #require(dtypes["metrics.csv"])
                #expect(["participants", "with_value", "mean", "rate"].allSatisfy { ["int64", "float64"].contains(columns[$0] ?? "") }, "\(columns)")
                #expect(columns.filter { $0.key.hasSuffix("_suppressed") }.allSatisfy { $0.value == "bool" } && columns["metric_id"] != "float64")
            }
            for row in published {
                let match = check.first { $0["metric_id"] as? String == row["metric_id"] as? String && $0["provider"] as? String == row["provider"] as? String }
                let found = try #require(match, "\(source): \(row)")
                for column in ["participants", "with_value", "mean", "rate"] {
                    guard let shown = number(row[column]) else { continue }  // suppressed or empty in the report
                    #expect(abs((number(found[column]) ?? .nan) - shown) <= 5e-5, "\(source) \(column): \(found) vs \(row)")
                }
            }
        }

        // A comparison: the estimates of the CLI's stored run, and the payments summary: the ledger's.
        #expect(try CLI.run(["payments", "run", "--contract", "housing-2021", "--period", "2022", "--database", conninfo, "-q"]).status == 0)
        func tables(_ arguments: [String]) throws -> [String: Any] {
            let result = try CLI.run(arguments + ["--database", conninfo, "--format", "json", "-q"])
            return try #require((try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])?["tables"] as? [String: Any])
        }
        for (kind, arguments, table, keys, numbers) in [
            ("compare", ["--evaluation", Self.path("housing-2021-evaluation.yaml")], "estimates", ["outcome", "provider", "analysis"],
             ["estimate", "std_error", "ci_lower", "ci_upper"]),
            ("summary", ["--contract", "housing-2021"], "paid", ["provider", "payer", "period"], ["amount"]),
        ] {
            let export = try CLI.run(["export", "notebook", kind] + arguments + ["--output", folder.appendingPathComponent(kind).path, "--database", conninfo, "-q"])
            #expect(export.status == 0, "\(export.errors)")
            let command = kind == "summary" ? ["payments", "summary"] : ["compare"]
            let rows = try #require(try tables(command + arguments)[table] as? [[String: Any]])
            #expect(!rows.isEmpty)
            for source in ["csv", "database"] {
                let (_, check) = try execute(folder.appendingPathComponent("\(kind)/\(kind).ipynb"), source: source, conninfo: conninfo)
                #expect(check.count == rows.count, "\(kind) \(source)")
                for row in rows {
                    let found = check.first { candidate in keys.allSatisfy { "\(candidate[$0] ?? "")" == "\(row[$0] ?? "")" } }
                    let match = try #require(found, "\(kind) \(source): \(row)")
                    for column in numbers {
                        #expect(abs((number(match[column]) ?? .nan) - (number(row[column]) ?? .nan)) <= 1e-9 * max(1, abs(number(row[column]) ?? 0)),
                                "\(kind) \(source) \(column): \(match) vs \(row)")
                    }
                }
            }
        }

        // Scenario: the benefit-cost table of the CLI, from the CSV files and from the run stored in the database.
        let scenario = try CLI.run(["export", "notebook", "scenario", Self.path("housing-2021-scenario.yaml"), "--payment-draws", "40",
                                    "--output", folder.appendingPathComponent("scenario").path, "--database", conninfo, "-q"])
        #expect(scenario.status == 0, "\(scenario.errors)")
        let run = try CLI.run(["scenario", "run", Self.path("housing-2021-scenario.yaml"), "--payment-draws", "40", "--database", conninfo,
                               "--format", "json", "-q"])
        let table = try #require(((try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])?["tables"] as? [String: Any])?["benefit_cost"]
            as? [[String: Any]])
        let scenarioNotebook = folder.appendingPathComponent("scenario/scenario.ipynb")
        for source in ["csv", "database"] {
            let (dtypes, check) = try execute(scenarioNotebook, source: source, conninfo: conninfo)
            if source == "csv" { #expect(dtypes["benefit_cost.csv"]?["cost"] == "float64" && dtypes["tornado.csv"] != nil, "\(dtypes)") }
            #expect(check.count == table.count)
            for row in table {
                let found = try #require(check.first { $0["group"] as? String == row["group"] as? String }, "\(source): \(row)")
                for column in ["taxpayers", "participants", "households", "others", "indirect", "total_benefits", "cost", "benefits_minus_costs"] {
                    #expect(number(found[column]) == number(row[column]), "\(source) \(column)")
                }
                #expect(abs((number(found["chance_benefits_exceed_costs"]) ?? .nan) - (number(row["chance_benefits_exceed_costs"]) ?? 0)) <= 1e-4)
            }
        }
    }
}
