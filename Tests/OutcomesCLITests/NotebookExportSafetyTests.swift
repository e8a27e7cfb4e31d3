import Foundation
import OutcomesCLI
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import Testing

/// A notebook's parameters are data, never code, and a missing template stops the export before
/// anything is computed or stored.
@Suite struct NotebookExportSafetyTests {
    /// Runs the parameters cell of a written notebook in Python; prints the cell's string variables as JSON.
    static let parametersCell = """
        import json, sys
        notebook = json.load(open(sys.argv[1]))
        cell = next(c for c in notebook["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
        names = {}
        exec(compile("".join(cell["source"]), "parameters", "exec"), names)
        print(json.dumps({k: v for k, v in names.items() if k.isupper() and isinstance(v, str)}))
        """

    @Test func hostileParameterValuesReachPythonExactlyAndRunNothing() throws {
        let python = try #require(NotebookExportTests.python, "Python is needed: set OUTCOMES_PYTHON or run .ci/run's venv step")
        let folder = TestDatabase.scratchDirectory("notebook-parameters")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let marker = folder.appendingPathComponent("PWNED").path
        let hostile = [
            "2023\" + str(__import__(\"os\").system(\"touch \(marker)\")) + \"",
            "2023\\\" + str(__import__(\"os\").system(\"touch \(marker)\")) + \\\"",
            "back\\slash \\\" \\n \\u0041 end\\",
            "line\nbreak\r\ttab \u{0}nul \u{7f}del \u{85}\u{2028}\u{2029} é ✓",
            "{{contract}} {{period}} {{evaluation}} {{scenario}}",
            "\"\"\" ''' ' \" \"\"",
            "",
        ]
        let names = [NotebookExport.Kind.metrics: ["contract": "CONTRACT", "period": "PERIOD"], .summary: ["contract": "CONTRACT"],
                     .compare: ["evaluation": "EVALUATION"], .scenario: ["scenario": "SCENARIO"]]
        for (kind, variables) in names {
            for value in hostile {
                // Each parameter a different value, so that one substituted into another would show.
                let parameters = Dictionary(uniqueKeysWithValues: variables.keys.map { ($0, value + $0) })
                try NotebookExport.writeNotebook(kind, parameters: parameters, into: folder.path)
                let result = try ProcessRunner.run(python, ["-c", Self.parametersCell, folder.appendingPathComponent("\(kind.rawValue).ipynb").path],
                                                   environment: ["HOME": NSTemporaryDirectory()], separateErrors: true)
                #expect(result.status == 0, "\(kind) \(value.debugDescription): \(result.errors)")
                let read = try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: String]
                for (key, variable) in variables {
                    #expect(read?[variable] == value + key, "\(kind) \(variable): \(value.debugDescription)")
                }
                #expect(!FileManager.default.fileExists(atPath: marker), "\(kind): \(value.debugDescription) ran")
            }
        }
    }

    @Test func aMissingTemplateStopsTheExportBeforeAnythingIsStored() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1_000, seed: 6)).load(into: db)
        #expect(try CLI.run(["contract", "load", NotebookExportTests.path("housing-2021.yaml"), "--database", conninfo, "-q"]).status == 0)
        let empty = TestDatabase.scratchDirectory("no-templates"), output = empty.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let result = try CLI.run(["export", "notebook", "compare", "--evaluation", NotebookExportTests.path("housing-2021-evaluation.yaml"),
                                  "--output", output.path, "--database", conninfo, "-q"],
                                 environment: ["OUTCOMES_NOTEBOOKS_DIR": empty.path])
        CLI.expectCleanFailure(result, status: ExitStatus.noInput.rawValue,
                               naming: [empty.appendingPathComponent("compare.ipynb").path, "OUTCOMES_NOTEBOOKS_DIR"])
        #expect(try db.execute("SELECT count(*) FROM evaluation.runs").scalar(Int.self) == 0)
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}
