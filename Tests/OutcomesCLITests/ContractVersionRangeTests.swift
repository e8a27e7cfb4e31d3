import Foundation
import OutcomesDomain
import Testing

/// A `--contract ID@VERSION` whose version no contract can have (above 2147483647, the largest a
/// contract file may carry, or below 1) is a usage error naming --contract, found before the
/// database is touched — never the database's "integer out of range".
@Suite struct ContractVersionRangeTests {
    @Test func theVersionIsAWholeNumberFromOneTo2147483647() throws {
        #expect(try ContractReference(parsing: "housing-2021@2147483647").version == 2_147_483_647)
        #expect(try ContractReference(parsing: "housing-2021@1").version == 1)
        for text in ["housing-2021@2147483648", "housing-2021@99999999999", "housing-2021@0", "housing-2021@-1"] {
            #expect(throws: ContractReferenceError(text: text, problem: .versionOutOfRange), "\(text)") { try ContractReference(parsing: text) }
        }
        // Beyond what a whole number holds, and not a number at all: not a reference.
        for text in ["housing-2021@99999999999999999999999", "housing-2021@x", "housing-2021@"] {
            #expect(throws: ContractReferenceError(text: text, problem: .malformed), "\(text)") { try ContractReference(parsing: text) }
        }
    }

    @Test func everyCommandTakingAContractRefusesAHugeVersionAsAUsageError() throws {
        let huge = "housing-2021@99999999999"
        // host=/nowhere: a command that got past its options would fail to connect (69), not exit 64.
        for arguments in [["payments", "summary", "--contract", huge], ["payments", "statement", "--contract", huge, "--provider", "p1"],
                          ["payments", "run", "--contract", huge, "--period", "2022"], ["metrics", "--contract", huge, "--period", "2022"],
                          ["export", "indigo", "--contract", huge]] {
            let result = try CLI.run(arguments + ["--database", "host=/nowhere"])
            #expect(result.status == 64, "\(arguments): \(result.errors)")
            let first = result.errors.split(separator: "\n").first.map(String.init) ?? ""
            #expect(first.hasPrefix("Error: ") && first.contains("--contract") && first.contains(huge), "\(arguments): \(result.errors)")
            #expect(!result.errors.contains("refused the request") && !result.errors.contains("out of range") && result.output.isEmpty,
                    "\(arguments): \(result.errors)")
        }
        // The largest version passes the options and goes on to the database (here, none: 69).
        let largest = try CLI.run(["payments", "summary", "--contract", "housing-2021@2147483647", "--database", "host=/nowhere"])
        #expect(largest.status == 69, "\(largest.errors)")
    }
}
