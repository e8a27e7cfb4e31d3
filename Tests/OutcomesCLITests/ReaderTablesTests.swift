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

    /// The demo's output (JSON) and pages: every column a person reads has a label, every page's
    /// headers are labels, and the scenario's reading cites the benefit-cost table's own figures.
    static func expectLabelledAndRead(demo json: [String: Any], pages: URL) throws {
        let tables = try #require(json["tables"] as? [String: [[String: Any]]])
        let unlabelled = Set(tables.values.flatMap { $0.flatMap(\.keys) }).filter { ColumnLabels.label(of: $0) == nil }
        #expect(unlabelled.isEmpty, "\(unlabelled.sorted())")
        let known = Set(ColumnLabels.labels.values)
        for page in ["metrics", "statement", "comparison", "scenario"] {
            let html = try String(contentsOf: pages.appendingPathComponent("\(page).html"), encoding: .utf8)
            let headers = html.components(separatedBy: "<th scope=\"col\"").dropFirst().map { $0.components(separatedBy: ">")[1].components(separatedBy: "<")[0] }
            // A financing tranche's columns are labelled by pattern ("IRR, senior").
            let labelled = { (header: String) in known.contains(header) || ["IRR, ", "Multiple, "].contains { header.hasPrefix($0) } }
            #expect(!headers.isEmpty && headers.allSatisfy(labelled), "\(page): \(headers.filter { !labelled($0) })")
        }
        // In whole dollars, worked here from the table's decimal strings (half-even, grouped by three).
        let plain = try #require((json["notes"] as? [String])?.first { $0.hasPrefix("Scenario, in plain words: ") })
        let all = try #require(tables["scenario_benefit_cost"]?.first { $0["group"] as? String == "all" })
        func dollars(_ column: String) throws -> (negative: Bool, text: String) {
            let text = try #require((all[column] as? [String: Any])?["amount"] as? String, "\(column)")
            var value = try #require(Decimal(string: text)), whole = Decimal()
            NSDecimalRound(&whole, &value, 0, .bankers)
            let digits = String(NSDecimalNumber(decimal: whole < 0 ? -whole : whole).intValue)
            let grouped = digits.reversed().enumerated().map { $0.offset > 0 && $0.offset % 3 == 0 ? ",\($0.element)" : "\($0.element)" }.joined()
            return (whole < 0, "$" + String(grouped.reversed()))
        }
        #expect(plain.contains("At a cost of \(try dollars("cost").text) per participant, "), "\(plain)")
        let net = try dollars("benefits_minus_costs")
        #expect(plain.contains(net.negative ? "short\(plain.contains("net loss") ? " of its cost" : "") by \(net.text)" : "exceed costs by \(net.text)"), "\(plain)")
        let chance = try #require((all["chance_benefits_exceed_costs"] as? NSNumber)?.doubleValue)
        #expect(plain.contains("Benefits exceed costs in \(String(format: "%.1f%%", chance * 100)) of "), "\(plain)")
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
        #expect(lines.contains("2 more columns (Std. error; Min. detectable effect) with --wide, or in --format csv or json."))
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
                && page.contains("Show all 5 columns (adds Std. error; Min. detectable effect)"))
        #expect(page.contains("<div class=\"table-box\"><input type=\"checkbox\" class=\"more\" id=\"more-estimates\"/>")
                && page.contains("Show fewer columns</span></label></div>"), "each table's toggle in a box of its own")
        // A table without more columns is drawn once.
        let plain = Report(title: "t", tables: [ReportTable(name: "sizes", title: "Sizes", columns: ["sample", "treated"], rows: [[.text("All"), .int(12)]])])
            .html(generated: "test")
        #expect(plain.components(separatedBy: "<table>").count == 2 && !plain.contains("Show all"))
    }

    @Test func chartLabelsWrapBetweenWordsAndLoseNothing() {
        let label = "Value of Days in jail in the 12 months after enrollment to taxpayers"
        let lines = Chart.wrapped(label, room: 188)
        #expect(lines.count == 3 && lines.joined(separator: " ") == label, "\(lines)")
        #expect(lines.allSatisfy { Chart.estimatedWidth($0) <= 188 })
        // Capitals take more room than small letters; a word wider than the room is broken inside it.
        #expect(Chart.wrapped("EMERGENCY ROOM VISITS WITHIN 12 MONTHS OF RELEASE", room: 188).count == 3
                && Chart.wrapped("emergency room visits within 12 months of release", room: 188).count == 2)
        let long = Chart.wrapped(String(repeating: "M", count: 40), room: 188)
        #expect(long.count == 3 && long.joined() == String(repeating: "M", count: 40), "\(long)")
        #expect(Chart.wrapped("short") == ["short"])
    }
}
