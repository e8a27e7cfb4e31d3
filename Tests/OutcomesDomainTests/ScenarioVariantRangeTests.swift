import Foundation
import Testing
@testable import OutcomesDomain

/// A variant's scale or cap outside its range, in the shipped scenario file: the key's
/// `outOfRange` code at the variant's line (the CLI's `ScenarioCommandTests` run the same edits).
@Suite struct ScenarioVariantRangeTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scenarios/reentry-2021-scenario.yaml").path

    @Test(arguments: [
        ("price_scale: 0.8}", "price_scale: 0}", "price_scale"),
        ("price_scale: 0.8}", "price_scale: 101}", "price_scale"),
        ("enrollment_scale: 0.8}", "enrollment_scale: 1.5}", "enrollment_scale"),
        ("enrollment_scale: 0.8}", "enrollment_scale: 0}", "enrollment_scale"),
        ("contract_cap: 5000000}", "contract_cap: -5}", "contract_cap"),
    ])
    func aValueOutsideItsRangeIsThatKeysOutOfRange(_ from: String, _ to: String, _ key: String) throws {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        let line = try #require(text.components(separatedBy: "\n").firstIndex { $0.contains(from) }) + 1
        #expect(throws: Never.self) { try ScenarioDefinition.parse(yaml: text, file: "s.yaml") }
        let error = #expect(throws: DefinitionFileError.self) {
            try ScenarioDefinition.parse(yaml: text.replacingOccurrences(of: from, with: to), file: "s.yaml")
        }
        #expect(error?.code == .outOfRange(key))
        #expect(error?.line == line)
    }
}
