import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import Testing
@testable import OutcomesCLI

/// Tables as a person reads them: every column labelled (one table of labels), a reader's set of
/// columns with the rest a click away in HTML and behind --wide in Markdown, chart labels wrapped.
struct ReaderTablesTests {
    /// Every column name written as a literal in a report's table, in the CLI's and the lab's sources.
    static func literalColumns() throws -> [String: String] {
        let sources = Checkout.root.appendingPathComponent("Sources")
        var found: [String: String] = [:]
        let list = try NSRegularExpression(pattern: #"(?:columns:\s*|[cC]olumns\s*=\s*|Columns\s*:\s*\[String\]\s*=\s*)\[([^\]]*)\]"#)
        let literal = try NSRegularExpression(pattern: #""((?:[^"\\]|\\.)*)""#)
        for target in ["OutcomesCLI", "OutcomesLab"] {
            let folder = sources.appendingPathComponent(target)
            let files = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
            for file in files where file != "Output/ColumnLabels.swift" {
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                for match in list.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    let inner = String(text[Range(match.range(at: 1), in: text)!])
                    for name in literal.matches(in: inner, range: NSRange(inner.startIndex..., in: inner)) {
                        let column = String(inner[Range(name.range(at: 1), in: inner)!])
                        if !column.contains("\\(") { found[column] = file }
                    }
                }
            }
        }
        return found
    }

    @Test func everyColumnTheSourcesNameHasALabel() throws {
        let columns = try Self.literalColumns()
        #expect(columns.count > 200, "the scan finds the reports' columns: \(columns.count)")
        let unlabelled = columns.filter { ColumnLabels.label(of: $0.key) == nil }
        #expect(unlabelled.isEmpty, "\(unlabelled.sorted { $0.key < $1.key })")
        // Columns named by a breakdown or an attribute, and a financing tranche's.
        let attributes = PersonAttribute.allCases.map(\.rawValue) + LinkQuality.Breakdown.allCases.map(\.rawValue)
            + EvaluationDefinition.Attribute.allCases.map(\.rawValue)
        #expect(attributes.filter { ColumnLabels.label(of: $0) == nil }.isEmpty)
        #expect(ColumnLabels.label(of: "senior_irr") == "IRR, senior" && ColumnLabels.label(of: "subordinate_multiple") == "Multiple, subordinate")
        #expect(ColumnLabels.label(of: "_irr") == nil && ColumnLabels.label(of: "no such column") == nil)
        #expect(ColumnLabels.header("no_such_column") == "No such column", "never a machine name, even unlabelled")
    }

    static let table: ReportTable = {
        var table = ReportTable(name: "estimates", title: "Effect estimates", columns: ["outcome", "estimate", "std_error", "p_value", "mde"],
                                rows: [[.text("housed_12m"), .real(0.0876), .real(0.0123), .pValue(0.0001), .real(0.05)]],
                                moreColumns: ["std_error", "mde"])
        table.narrowColumns = ["p_value"]
        return table
    }()

    @Test func markdownShowsTheReadersColumnsAndNamesTheRestUnlessWide() throws {
        let report = Report(title: "A comparison", tables: [Self.table])
        let lines = try report.render(.md).split(separator: "\n").map(String.init)
        #expect(lines.contains("| Outcome    | Estimate | p-value |"), "\(lines)")
        #expect(lines.contains("2 more columns (Std. error, Min. detectable effect) with --wide, or in --format csv or json."))
        let wide = try report.render(.md, wide: true).split(separator: "\n").map(String.init)
        #expect(wide.contains("| Outcome    | Estimate | Std. error | p-value | Min. detectable effect |"), "\(wide)")
        #expect(!wide.contains { $0.contains("more column") })
        // Machines get every column, by machine name.
        let csv = try report.render(.csv)
        #expect(csv.hasPrefix("outcome,estimate,std_error,p_value,mde\n"))
    }

    @Test func htmlShowsTheReadersTableAndTheWholeTableAClickAway() throws {
        let page = Report(title: "A comparison", tables: [Self.table]).html(generated: "test")
        let grids = page.components(separatedBy: "<table>").dropFirst().map { $0.components(separatedBy: "</table>")[0] }
        #expect(grids.count == 2)
        func headers(_ grid: String) -> [String] {
            grid.components(separatedBy: "<th ").dropFirst().map { $0.components(separatedBy: ">")[1].components(separatedBy: "<")[0] }
        }
        #expect(headers(grids[0]) == ["Outcome", "Estimate", "p-value"])
        #expect(headers(grids[1]) == ["Outcome", "Estimate", "Std. error", "p-value", "Min. detectable effect"])
        #expect(grids[0].contains("class=\"num wn\">p-value") && !grids[1].contains(" wn"), "hidden on a narrow page in the reader's table only")
        #expect(page.contains("<div class=\"scroll narrow\">") && page.contains("<div class=\"scroll wide\">")
                && page.contains("Show all 5 columns (adds Std. error, Min. detectable effect)"))
        // A table without more columns is drawn once.
        let plain = Report(title: "t", tables: [ReportTable(name: "sizes", title: "Sizes", columns: ["sample", "treated"], rows: [[.text("All"), .int(12)]])])
            .html(generated: "test")
        #expect(plain.components(separatedBy: "<table>").count == 2 && !plain.contains("Show all"))
    }

    @Test func chartLabelsWrapBetweenWordsAndLoseNothing() {
        let label = "Value of Days in jail in the 12 months after enrollment to taxpayers"
        let lines = Chart.wrapped(label, columns: 30)
        #expect(lines == ["Value of Days in jail in the", "12 months after enrollment to", "taxpayers"])
        #expect(lines.joined(separator: " ") == label && lines.allSatisfy { $0.count <= 30 })
        #expect(Chart.wrapped("jail_days_out_of_shelter_12m_and_more_words", columns: 20) == ["jail_days_out_of_she", "lter_12m_and_more_wo", "rds"])
        #expect(Chart.wrapped("short", columns: 30) == ["short"])
    }
}
