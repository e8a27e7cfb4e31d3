import Foundation
import OutcomesDomain
import OutcomesTestSupport
import Testing

/// The binary on seeded mutations of the scenario contracts: exit 0 or 65, one line on standard
/// error naming file:line — never a signal, never exit 70.
@Suite struct FuzzCommandTests {
    @Test func mutatedContractFilesNeverCrashTheCommand() throws {
        let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scenarios")
            .standardizedFileURL
        let original = try String(contentsOf: scenarios.appendingPathComponent("housing-2021.yaml"), encoding: .utf8)
        var generator = SeededGenerator(seed: 7)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        var refused = 0
        for _ in 0..<40 {
            try Data(Fuzz.mutate(original, &generator).utf8).write(to: file)
            let result = try CLI.run(["contract", "validate", file.path, "--format", "json"])
            #expect([0, 65].contains(result.status), "exit \(result.status): \(result.errors)")
            if result.status == 65 {
                refused += 1
                #expect(result.errors.hasPrefix("error: \(file.path):") && result.errors.split(separator: "\n").count == 1,
                        "\(result.errors)")
            }
        }
        #expect(refused > 10)
    }
}
