import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesLab
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesCLI

/// Every example in every command's `--help` — of `outcomes` and of the lab's `outcomes-bench` —
/// runs as written against the demo, in order, each command's examples on a copy of a database the
/// demo set up; and every command takes `--quiet`.
@Suite struct HelpExamplesTests {
    struct Examples: Sendable, CustomTestStringConvertible {
        let program: String
        let path: [String]
        let lines: [String]
        var testDescription: String { ([program] + path).joined(separator: " ") }
    }

    /// The command tree, depth first, with the path of names that reaches each command.
    static func commands(_ type: ParsableCommand.Type = OutcomesCommand.self, path: [String] = [])
        -> [(path: [String], type: ParsableCommand.Type)]
    {
        [(path, type)] + type.configuration.subcommands.flatMap { sub in
            commands(sub, path: path + [sub.configuration.commandName ?? String(describing: sub).lowercased()])
        }
    }

    /// The lines of a discussion's `Examples:` block, without the descriptions and comments beside them.
    static func examples(of root: ParsableCommand.Type, program: String) -> [Examples] {
        commands(root).compactMap { command in
            let discussion = command.type.configuration.discussion
            guard let start = discussion.range(of: "Examples:") else { return nil }
            let lines = discussion[start.upperBound...].split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { $0.hasPrefix(program + " ") }
                .map { line in
                    let text = line.components(separatedBy: "  ")[0]
                    return (text.components(separatedBy: " # ")[0]).trimmingCharacters(in: .whitespaces)
                }
            return lines.isEmpty ? nil : Examples(program: program, path: command.path, lines: lines)
        }
    }

    static let examples = examples(of: OutcomesCommand.self, program: "outcomes")
    static let benchExamples = examples(of: BenchCommand.self, program: "outcomes-bench")

    static let demoDatabase: Result<String, Error> = Result {
        let cluster = try TestDatabase.cluster()
        let name = "examples_demo_\(getpid())"
        let admin = try PostgresConnection(conninfo: cluster.conninfo(database: "postgres"))
        try admin.execute("CREATE DATABASE \(escapedIdentifier: name) TEMPLATE outcomes_template")
        let demo = try CLI.run(["demo", "--persons", "3000", "--database", cluster.conninfo(database: name), "-q",
                                "--reports", TestDatabase.scratchDirectory("demo-reports").path])
        guard demo.status == 0 else { throw DatabaseError(.noData, "the demo failed: \(demo.errors)") }
        return name
    }

    @Test func everyCommandWithExamplesIsCovered() {
        let covered = Set(Self.examples.map { $0.path.first ?? "" })
        #expect(covered.isSuperset(of: ["", "demo", "metrics", "compare", "scenario", "report", "export", "quality", "contract", "payments", "load", "synth", "db"]),
                "\(covered.sorted())")
        #expect(Self.examples.reduce(0) { $0 + $1.lines.count } >= 30)
        let benchmarks = BenchCommand.configuration.subcommands.compactMap { $0.configuration.commandName }
        #expect(Set(Self.benchExamples.map { $0.path.first ?? "" }).isSuperset(of: [""] + benchmarks))
    }

    @Test func everyCommandTakesQuiet() {
        for (program, root) in [("outcomes", OutcomesCommand.self), ("outcomes-bench", BenchCommand.self)] as [(String, ParsableCommand.Type)] {
            for command in Self.commands(root) where command.type.configuration.subcommands.isEmpty {
                #expect(command.type.helpMessage().contains("--quiet"), "\(program) \(command.path.joined(separator: " ")) has no --quiet")
            }
        }
    }

    /// `db distribute` needs a Citus coordinator: DistributedEquivalenceTests runs its examples on one.
    static let citusExamplePath = ["db", "distribute"]

    @Test(arguments: examples.filter { $0.path != citusExamplePath } + benchExamples)
    func examplesRunAsWritten(_ examples: Examples) throws {
        let cluster = try TestDatabase.cluster()
        // A copy of the demo database for this command's examples, in a folder with the scenarios beside it;
        // the lab's benchmarks load data sets of their own into an empty database, as on a machine of their own.
        let template = examples.program == "outcomes-bench" ? "outcomes_template" : try Self.demoDatabase.get()
        let name = "ex_" + UUID().uuidString.prefix(8).lowercased()
        let admin = try PostgresConnection(conninfo: cluster.conninfo(database: "postgres"))
        try admin.execute("CREATE DATABASE \(escapedIdentifier: name) TEMPLATE \(escapedIdentifier: template)")
        let folder = TestDatabase.scratchDirectory("examples")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenarios = Checkout.scenarios
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("scenarios"), withDestinationURL: scenarios)
        // `db` examples act on an embedded cluster of their own; all others on the copy.
        let ownCluster = examples.program == "outcomes" && examples.path.first == "db"
        var environment = ["OUTCOMES_DATA_DIR": folder.appendingPathComponent("cluster").path]
        if !ownCluster { environment["DATABASE_URL"] = cluster.conninfo(database: name) }
        defer {
            if ownCluster { _ = try? CLI.run(["db", "stop", "-q"], environment: environment) }
        }
        for line in examples.lines {
            let command = "cd '\(folder.path)' && exec '\(CLI.binary(named: examples.program).path)'" + line.dropFirst(examples.program.count)
            let result = try ProcessRunner.run(URL(fileURLWithPath: "/bin/sh"), ["-c", command], environment: environment,
                                               separateErrors: true)
            #expect(result.status == 0, "\(line): exit \(result.status): \(result.errors)")
            #expect(!result.errors.contains("error:"), "\(line): \(result.errors)")
        }
    }
}
