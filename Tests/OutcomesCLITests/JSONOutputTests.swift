import Foundation
import OutcomesDomain
import Testing
@testable import OutcomesCLI
@testable import OutcomesDatabase
import OutcomesTestSupport

/// `--format json` of a report and of the INDIGO export, now written from `Encodable` types,
/// prints the bytes it printed when it was written from dictionaries (main at e024cb5; the
/// writers are copied here, with `try` for `try!`).
@Suite struct JSONOutputTests {
    static func legacyReport(_ report: Report) throws -> String {
        func json(_ cell: Cell) -> Any {
            switch cell {
            case .text(let text), .named(let text, _): text
            case .int(let value): value
            case .decimal(let value), .ratio(let value), .rate(let value): NSDecimalNumber(decimal: value)
            case .real(let value), .realRatio(let value): value
            case .money(let value): ["amount": value.plain, "currency": value.currency.code]
            case .share(let value): (value * 10_000).rounded() / 10_000
            case .pValue(let value): value < Cell.smallestPValue ? "< 1e-300" as Any : value
            case .suppressed(let marker): ["suppressed": true, "marker": marker]
            case .null: NSNull()
            }
        }
        var object: [String: Any] = ["title": report.title, "notes": report.notes]
        var tableObjects: [String: Any] = [:]
        for table in report.tables {
            tableObjects[table.name] = table.rows.map { row in
                Dictionary(uniqueKeysWithValues: zip(table.columns.map(Report.snakeCase), row.map(json)))
            }
        }
        object["tables"] = tableObjects
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func legacyIndigo(_ project: IndigoProject) throws -> String {
        func value(_ cell: Cell) -> Any? {
            switch cell {
            case .null: nil
            case .suppressed(let marker): ["value": NSNull(), "notes": "suppressed: \(marker)"] as [String: Any]
            case .money(let money): ["value": NSDecimalNumber(decimal: money.amount)]
            case .int(let n): ["value": n]
            default: ["value": cell.plain]
            }
        }
        var object: [String: Any] = ["name": ["value": project.name]]
        for table in project.tables {
            object[table.name] = table.rows.map { row -> [String: Any] in
                var object: [String: Any] = [:]
                for (typed, cell) in row {
                    // The old writer worked from the printed path names; so does this oracle.
                    let field = typed.name
                    guard var leaf = value(cell) else { continue }
                    let path = field.split(separator: "/").map(String.init)
                    if table.name == "outcome_metrics" && field == "id", case .text(let id) = cell { leaf = id }
                    if path.count == 1 { object[path[0]] = leaf } else {
                        var inner = object[path[0]] as? [String: Any] ?? [:]
                        inner[path[1]] = leaf
                        object[path[0]] = inner
                    }
                }
                return object
            }
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static let usd = Currency(code: "USD")!

    /// Every kind of cell, under columns whose machine names sort one way by their bytes and
    /// another in Foundation's order; an empty table; no notes.
    @Test func aReportPrintsAsBefore() throws {
        let columns = ["p value", "p5", "P50", "a b", "a1", "L10", "L2", "ms per draw", "with value"]
        var table = ReportTable(name: "estimates", title: "Estimates", columns: columns)
        table.rows = [
            [.pValue(1e-320), .share(0.123456), .real(1e-7), .decimal(Decimal(string: "12.50")!), .int(-3), .text("a/b é \"q\""),
             .money(Money(Decimal(string: "1234.5")!, Self.usd)), .suppressed("<11"), .null],
            [.pValue(0.0312), .share(1), .real(-2.5e20), .decimal(0), .int(0), .text(""), .money(Money(0, Self.usd)), .null, .real(0.1)],
        ]
        var report = Report(title: "A report / with a slash")
        report.tables = [table, ReportTable(name: "empty", title: "Empty", columns: ["x"])]
        #expect(try report.render(.json) == Self.legacyReport(report))
        report.notes = ["one note", "two/notes"]
        #expect(try report.render(.json) == Self.legacyReport(report))
    }

    @Test func anIndigoProjectPrintsAsBefore() throws {
        let path = Checkout.scenarios.appendingPathComponent("reentry-2021.yaml").path
        let contract = try OutcomeContract.parse(yaml: try String(contentsOfFile: path, encoding: .utf8), file: path)
        let terms = try #require(contract.payments)
        let periods = contract.periods.map(\.label), metrics = contract.metrics.map(\.id)
        let lines = (terms.rateCard?.lines.map(\.id) ?? []) + terms.effectLines.map(\.id)
        var engaged: [String: [String: Int]] = [:], achieved: [String: [String: Int]] = [:]
        for (index, metric) in metrics.enumerated() { engaged[metric] = Dictionary(uniqueKeysWithValues: periods.map { ($0, index.isMultiple(of: 2) ? 240 : 7) }) }
        for line in lines { achieved[line] = [periods[0]: 120, periods[1]: 3] }
        let figures = IndigoFigures(
            paid: [.init(line: lines[0], period: periods[0], payer: "state/dol", provider: "hearth", amount: Decimal(string: "12345.5")!)],
            achieved: achieved, engaged: engaged, finalPeriods: [periods[0]],
            planned: [.init(period: periods[1], provider: "hearth", amount: Decimal(string: "999.99")!)])
        let project = IndigoProject(contract: contract, terms: terms, figures: figures, policy: SmallCellPolicy())
        #expect(project.tables.map(\.rows.count).allSatisfy { $0 > 0 })
        #expect(try project.json() == Self.legacyIndigo(project))
    }
}
