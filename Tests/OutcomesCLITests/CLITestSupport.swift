import Foundation
import OutcomesDatabase
import OutcomesTestSupport
import Testing

/// Runs the built `outcomes` binary (or the lab's `outcomes-bench`), as a user would.
enum CLI {
    static var binary: URL { binary(named: "outcomes") }

    static func binary(named program: String) -> URL {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent(program)
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../.build/debug/\(program)").standardizedFileURL
    }

    /// Runs with a data directory that cannot exist (below a device, which even root cannot make a
    /// folder in), so a command that names no database fails instead of starting a cluster.
    static func run(_ arguments: [String], environment: [String: String] = [:], program: String = "outcomes") throws
        -> ProcessRunner.Result
    {
        var environment = environment
        if environment["OUTCOMES_DATA_DIR"] == nil {
            environment["OUTCOMES_DATA_DIR"] = "/dev/null/outcomes-tests-must-name-a-database"
        }
        return try ProcessRunner.run(binary(named: program), arguments, environment: environment, separateErrors: true)
    }

    /// A user error: the documented status and one paragraph on stderr that names `values` (the
    /// file:line, the option, the offending value, the allowed ones), whatever the sentence around
    /// them says; no crash report, nothing on stdout.
    static func expectCleanFailure(_ result: ProcessRunner.Result, status: Int32, naming values: [String],
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == status, "stderr: \(result.errors)", sourceLocation: sourceLocation)
        #expect(result.errors.hasPrefix("error: "), "stderr: \(result.errors)", sourceLocation: sourceLocation)
        for value in values {
            #expect(result.errors.contains(value), "names \(value); stderr: \(result.errors)", sourceLocation: sourceLocation)
        }
        #expect(!result.errors.contains("Fatal error") && !result.errors.contains("Backtrace"),
                sourceLocation: sourceLocation)
        #expect(result.errors.split(separator: "\n").count == 1, "stderr: \(result.errors)", sourceLocation: sourceLocation)
        #expect(result.output.isEmpty, sourceLocation: sourceLocation)
    }

    /// A `--format json` report: its notes and its tables, each an array of rows keyed by column.
    struct JSONReport {
        let title: String
        let notes: [String]
        let tables: [String: [[String: Any]]]

        /// One table's column, in row order.
        func column(_ column: String, of table: String) -> [Any] { (tables[table] ?? []).compactMap { $0[column] } }
    }

    static func report(_ result: ProcessRunner.Result, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONReport {
        #expect(result.status == 0, "stderr: \(result.errors)", sourceLocation: sourceLocation)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any],
                                  sourceLocation: sourceLocation)
        return JSONReport(title: object["title"] as? String ?? "", notes: object["notes"] as? [String] ?? [],
                          tables: object["tables"] as? [String: [[String: Any]]] ?? [:])
    }

    /// `--format csv` output: its tables (separated by a blank line), each a list of rows keyed by
    /// its header's names.
    static func csvTables(_ text: String) -> [[[String: String]]] {
        text.components(separatedBy: "\n\n").map { table in
            let records = csvRecords(table)
            guard let header = records.first else { return [] }
            return records.dropFirst().map { Dictionary(zip(header, $0), uniquingKeysWith: { first, _ in first }) }
        }
    }

    /// The rows of one CSV table (RFC 4180 quoting), without the header.
    static func csvRows(_ text: String) -> [[String: String]] { csvTables(text).first ?? [] }

    static func csvRecords(_ text: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = "", quoted = false, afterQuote = false
        for character in text {
            if quoted {
                if character == "\"" { quoted = false; afterQuote = true } else { field.append(character) }
                continue
            }
            switch character {
            case "\"": if afterQuote { field.append("\"") }; quoted = true
            case ",": record.append(field); field = ""
            case "\n": record.append(field); records.append(record); (record, field) = ([], "")
            default: field.append(character)
            }
            afterQuote = false
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}
