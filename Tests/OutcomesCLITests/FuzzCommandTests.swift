import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import Testing

/// The binary on seeded mutations of every kind of input file — contracts, thresholds, scenarios,
/// evaluations, the flat tables of `compare --data`, extract folders — and on files that are not
/// what they should be (empty, a directory, a device, not UTF-8, a bare byte-order mark). Whatever
/// a mutation reaches, parsing or the database, it ends in success or in one paragraph on standard
/// error naming the file (and a line inside it, where there is one) with a documented status —
/// never a signal, exit 70, a raw database or Foundation message, or SQL.
@Suite struct FuzzCommandTests {
    static let scenarios = Checkout.scenarios

    /// Texts of the layers below that must never reach the user.
    static let rawTexts = [
        "Error Domain=", "NSCocoaErrorDomain", "NSPOSIXErrorDomain", "DecodingError", "ERROR:", "Fatal error", "Backtrace",
        "refused the request", "internal error", "The operation could not be completed", "couldn’t be", "Optional(",
        "SELECT ", "INSERT ", "UPDATE ", " FROM ", " WHERE ", "violates", "syntax error at", "out of range for type",
    ]

    /// One run's outcome: success, or a clean failure about `file` with one of `statuses`.
    static func expectClean(_ result: ProcessRunner.Result, file: URL, statuses: Set<Int32>, text: String?,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        guard result.status != 0 else { return }
        let errors = result.errors
        #expect(statuses.contains(result.status), "exit \(result.status): \(errors)", sourceLocation: sourceLocation)
        for raw in rawTexts { #expect(!errors.contains(raw), "raw text \(raw): \(errors)", sourceLocation: sourceLocation) }
        // A usage error names its option (the argument parser adds its usage lines); any other is one
        // paragraph naming the file, and a line inside it when it gives one.
        if result.status == 64 {
            let first = errors.split(separator: "\n").first ?? ""
            #expect(first.lowercased().hasPrefix("error: ") && first.contains("--"), "\(errors)", sourceLocation: sourceLocation)
            return
        }
        #expect(errors.hasPrefix("error: ") && errors.split(separator: "\n").count == 1, "\(errors)", sourceLocation: sourceLocation)
        #expect(errors.contains(file.path), "no file named: \(errors)", sourceLocation: sourceLocation)
        let rest = errors.components(separatedBy: file.path + ":").dropFirst().first ?? ""
        if let text, let line = Int(rest.prefix { $0.isNumber }) {
            let lines = text.utf8.filter { $0 == 0x0A }.count + 1  // "\r\n" is one Character: count bytes
            #expect((1...lines + 1).contains(line), "line \(line) of \(lines): \(errors)", sourceLocation: sourceLocation)
        }
    }

    static func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString)-\(name)")
    }

    /// `rounds` mutations of `original`, each written to a file and given to `arguments(path)`.
    static func fuzz(_ original: String, name: String, rounds: Int, seed: UInt64, statuses: Set<Int32> = [65, 66],
                     environment: [String: String] = [:], _ arguments: (String) -> [String]) throws -> (passed: Int, refused: Int) {
        var generator = SeededGenerator(seed: seed)
        let file = temporary(name)
        defer { try? FileManager.default.removeItem(at: file) }
        var counts = (passed: 0, refused: 0)
        for _ in 0..<rounds {
            let text = Fuzz.mutate(original, &generator)
            try Data(text.utf8).write(to: file)
            let result = try CLI.run(arguments(file.path), environment: environment)
            expectClean(result, file: file, statuses: statuses, text: text)
            if result.status == 0 { counts.passed += 1 } else { counts.refused += 1 }
        }
        return counts
    }

    static func scenario(_ name: String) throws -> String {
        try String(contentsOf: scenarios.appendingPathComponent(name), encoding: .utf8)
    }

    @Test func mutatedContractFilesNeverCrashTheCommand() throws {
        var refused = 0
        for (index, contract) in ["housing-2021.yaml", "reentry-2021.yaml"].enumerated() {
            refused += try Self.fuzz(try Self.scenario(contract), name: contract, rounds: 40, seed: 7 + UInt64(index), statuses: [65]) {
                ["contract", "validate", $0, "--format", "json"]
            }.refused
        }
        #expect(refused > 20)
    }

    /// Mutations that parse reach the database: loading the contract, computing its metrics from the
    /// file, the quality report with thresholds, a scenario and an evaluation over a small IDS.
    @Test func mutatedDefinitionFilesFailCleanlyAgainstTheDatabase() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1_500, seed: 4)).load(into: db)
        for contract in ["housing-2021.yaml", "reentry-2021.yaml"] {
            #expect(try CLI.run(["contract", "load", Self.scenarios.appendingPathComponent(contract).path, "--database", conninfo, "-q"]).status == 0)
        }
        let database = ["--database", conninfo, "-q"]
        var results: [(passed: Int, refused: Int)] = []
        results.append(try Self.fuzz(try Self.scenario("reentry-2021.yaml"), name: "load.yaml", rounds: 20, seed: 11) {
            ["contract", "load", $0] + database
        })
        results.append(try Self.fuzz(try Self.scenario("housing-2021.yaml"), name: "metrics.yaml", rounds: 20, seed: 12, statuses: [64, 65, 66]) {
            ["metrics", "--file", $0, "--period", "2022"] + database
        })
        results.append(try Self.fuzz(try Self.scenario("quality-thresholds.yaml"), name: "thresholds.yaml", rounds: 20, seed: 13) {
            ["quality", "--thresholds", $0] + database
        })
        // Few draws: the fuzz is about the file, not the Monte Carlo.
        let scenario = try Self.scenario("reentry-2021-scenario.yaml").replacingOccurrences(of: "draws: 10000", with: "draws: 200")
            .replacingOccurrences(of: "payment_draws: 1000", with: "payment_draws: 20")
        results.append(try Self.fuzz(scenario, name: "scenario.yaml", rounds: 20, seed: 14) { ["scenario", "run", $0] + database })
        results.append(try Self.fuzz(try Self.scenario("housing-2021-evaluation.yaml"), name: "evaluation.yaml", rounds: 20, seed: 15) {
            ["compare", "--evaluation", $0] + database
        })
        for (passed, refused) in results { #expect(passed + refused == 20 && refused > 2, "passed \(passed), refused \(refused)") }
    }

    @Test func mutatedComparisonTablesFailCleanly() throws {
        let lines = try Self.scenario("data/lalonde.csv").split(separator: "\n").map(String.init)
        // Every fourth unit: participants (first in the file) and others.
        let table = ([lines[0]] + lines.dropFirst().enumerated().filter { $0.offset % 4 == 0 }.map(\.element)).joined(separator: "\n") + "\n"
        let counts = try Self.fuzz(table, name: "data.csv", rounds: 60, seed: 16, statuses: [64, 65, 66]) {
            ["compare", "--data", $0, "--treatment", "treat", "--covariates", "age,educ,race,married,re74", "--outcome", "re78:re75"]
        }
        #expect(counts.refused > 10 && counts.passed > 5, "\(counts)")
    }

    @Test func mutatedExtractFoldersFailCleanly() throws {
        let (_, conninfo) = try TestDatabase.fresh()
        let sample = Self.scenarios.appendingPathComponent("extracts/sample")
        var generator = SeededGenerator(seed: 17)
        var refused = 0
        for round in 0..<30 {
            let folder = Self.temporary("extract")
            defer { try? FileManager.default.removeItem(at: folder) }
            try FileManager.default.copyItem(at: sample, to: folder)
            let layout = ExtractLayout.all[round % ExtractLayout.all.count]
            let file = folder.appendingPathComponent(layout.file)
            let text = Fuzz.mutate(try String(contentsOf: file, encoding: .utf8), &generator)
            try Data(text.utf8).write(to: file)
            let result = try CLI.run(["load", folder.path, "--database", conninfo, "-q"])
            // A spoiled file can make another file's rows wrong (a reference it no longer holds): the
            // error names a file of the folder.
            Self.expectClean(result, file: folder, statuses: [65, 66], text: nil)
            if result.status != 0 { refused += 1 }
        }
        #expect(refused > 10)
    }

    /// Files that are not what they should be, given to every reader.
    @Test func filesThatAreNotTextFailCleanly() throws {
        let folder = Self.temporary("special")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("a-directory"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let contents: [(String, [UInt8])] = [
            ("empty", []), ("bom-only", [0xEF, 0xBB, 0xBF]), ("latin-1", Array("name: caf".utf8) + [0xE9, 0x0A]),
            ("nul", [0x61, 0x00, 0x3A, 0x0A]), ("crlf-garbage", Array("\r\n\r\n:\r\n".utf8)), ("utf-16", [0xFF, 0xFE, 0x61, 0x00]),
        ]
        var files = try contents.map { name, bytes in
            let file = folder.appendingPathComponent(name)
            try Data(bytes).write(to: file)
            return (file, String(decoding: bytes, as: UTF8.self))
        }
        files += [(folder.appendingPathComponent("a-directory"), ""), (folder.appendingPathComponent("missing"), ""), (URL(fileURLWithPath: "/dev/null"), "")]
        let nowhere = ["--database", "host=/nowhere"]
        for (file, text) in files {
            let path = file.path
            let commands: [[String]] = [
                ["contract", "validate", path], ["contract", "load", path] + nowhere, ["metrics", "--file", path, "--period", "2022"] + nowhere,
                ["quality", "--thresholds", path] + nowhere, ["scenario", "run", path] + nowhere, ["compare", "--evaluation", path] + nowhere,
                ["compare", "--data", path, "--treatment", "t", "--covariates", "x", "--outcome", "y"],
            ]
            for arguments in commands {
                let result = try CLI.run(arguments)
                // Every reader refuses these before it connects (a CSV without the columns named: a usage error).
                #expect(result.status != 0, "\(arguments)")
                Self.expectClean(result, file: file, statuses: arguments[0] == "compare" && arguments[1] == "--data" ? [64, 65, 66] : [65, 66], text: text)
            }
        }
        // /dev/zero never ends: a definition file stops at its 1 MiB limit, a CSV at its field limit.
        let zero = URL(fileURLWithPath: "/dev/zero")
        Self.expectClean(try CLI.run(["contract", "validate", zero.path]), file: zero, statuses: [65], text: "")
        Self.expectClean(try CLI.run(["compare", "--data", zero.path, "--treatment", "t", "--covariates", "x", "--outcome", "y"]),
                         file: zero, statuses: [65], text: "")
        // An extract folder holding a directory under an extract file's name, or nothing readable.
        let extract = folder.appendingPathComponent("extract")
        try FileManager.default.createDirectory(at: extract.appendingPathComponent("events.csv"), withIntermediateDirectories: true)
        let result = try CLI.run(["load", extract.path] + nowhere)
        Self.expectClean(result, file: extract, statuses: [65], text: "")
        #expect(result.status == 65)
    }
}
