import ArgumentParser
import Foundation
import OutcomesDomain

package enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case md, json, csv, html
}

/// One value of a report table.
package enum Cell: Equatable {
    case text(String)
    case int(Int)
    case decimal(Decimal)
    /// An estimate (a statistic, not money): full precision in CSV and JSON, rounded in Markdown.
    case real(Double)
    /// An amount of money: the currency's decimals, thousands separators in Markdown, a decimal
    /// string with its currency in JSON.
    case money(Money)
    /// A share in [0, 1], shown as a percentage with one decimal.
    case share(Double)
    /// A p-value: a real, except that one below 1e-300 (where a double's erfc underflows toward 0)
    /// reads `< 1e-300` in machine formats, never 0. A person reads `< 0.001` below 0.001, else
    /// three decimals (as MatchIt and cobalt print them).
    case pValue(Double)
    /// A ratio (benefits to costs): exact for machines, three significant digits for a person.
    case ratio(Decimal)
    /// A ratio of statistics (a variance ratio, an investor's multiple): full precision for
    /// machines, three significant digits for a person.
    case realRatio(Double)
    /// A proportion computed exactly (a metric's rate): its decimal for machines, a percentage with
    /// one decimal for a person.
    case rate(Decimal)
    /// A thing with a machine name and a label (a sensitivity's input): the name for machines,
    /// the label for a person.
    case named(String, label: String)
    /// Hidden by small-cell suppression; shown as the policy's marker (JSON: null).
    case suppressed(String)
    case null

    /// A count under a small-cell policy.
    static func count(_ value: Int, _ policy: SmallCellPolicy) -> Cell {
        policy.suppresses(value) ? .suppressed(policy.marker) : .int(value)
    }

    /// A share whose numerator or denominator is a count under the policy.
    static func share(_ numerator: Int, of denominator: Int, _ policy: SmallCellPolicy) -> Cell {
        if policy.suppresses(numerator) || policy.suppresses(denominator) { return .suppressed(policy.marker) }
        return denominator == 0 ? .null : .share(Double(numerator) / Double(denominator))
    }

    var plain: String {
        switch self {
        case .text(let text), .named(let text, _): text
        case .int(let value): String(value)
        case .decimal(let value), .ratio(let value), .rate(let value): value.description
        case .real(let value), .realRatio(let value): value.description
        case .money(let value): value.plain
        case .share(let value): String(format: "%.1f%%", value * 100)
        case .pValue(let value): value < Self.smallestPValue ? "< 1e-300" : value.description
        case .suppressed(let marker): marker
        case .null: ""
        }
    }

    static let smallestPValue = 1e-300

    /// As a person reads it in Markdown and HTML: one format per kind (money with separators and the
    /// currency's decimals, ratios to three significant digits, rates and shares as percentages
    /// with one decimal, p-values as MatchIt prints them).
    var display: String {
        switch self {
        case .money(let value): return value.grouped
        case .pValue(let value): return value < 0.001 ? "< 0.001" : String(format: "%.3f", value)
        case .ratio(let value): return Self.threeSignificantDigits(NSDecimalNumber(decimal: value).doubleValue)
        case .realRatio(let value): return Self.threeSignificantDigits(value)
        case .named(_, let label): return label
        case .rate(let value): return Cell.share(NSDecimalNumber(decimal: value).doubleValue).plain
        case .real(let value):
            return String(format: abs(value) >= 1 || value == 0 ? "%.2f" : "%.4g", value)
        default: return plain
        }
    }

    /// Numbers are right-aligned in Markdown tables.
    var isNumber: Bool {
        switch self {
        case .int, .decimal, .real, .money, .share, .pValue, .ratio, .realRatio, .rate: true
        case .text, .named, .suppressed, .null: false
        }
    }

    /// As a machine reads it in CSV: numbers as numbers (a share as a fraction, money with the
    /// currency's decimals, no separators), suppressed and missing cells empty.
    var csv: String {
        switch self {
        case .share(let value): (value * 1_000_000).rounded() / 1_000_000 == value ? String(value) : String(format: "%.6f", value)
        case .suppressed, .null: ""
        default: plain
        }
    }

    var isSuppressed: Bool { if case .suppressed = self { true } else { false } }

    /// `value` to three significant digits, trailing zeros kept, never in exponent form: -0.200, 1.23, 12.3, 1235
    /// (0.9996 is 1.00: the digits are counted after rounding).
    static func threeSignificantDigits(_ value: Double) -> String {
        guard value != 0, value.isFinite else { return value == 0 ? "0.00" : String(value) }
        var decimals = max(0, 2 - Int((log10(abs(value))).rounded(.down)))
        let rounded = (value * pow(10, Double(decimals))).rounded() / pow(10, Double(decimals))
        if decimals > 0, rounded != 0, Int((log10(abs(rounded))).rounded(.down)) > Int((log10(abs(value))).rounded(.down)) { decimals -= 1 }
        return String(format: "%.\(decimals)f", value)
    }
}

package struct ReportTable {
    /// A machine name: the JSON key.
    let name: String
    let title: String
    let columns: [String]
    package var rows: [[Cell]] = []
    /// CSV keeps the column names as written (a layout someone else defines, such as a state's
    /// data dictionary), instead of the documented snake_case.
    var csvNamesAsWritten = false
    /// Markdown and HTML show the column names as written (INDIGO's fields, a state's layout), not
    /// their labels.
    var headersAsWritten = false
    /// Labels of this table's own columns (named by the data, such as event domains), before the shared table's.
    var labels: [String: String] = [:]
    /// Columns a person sees only on asking: in HTML a click away (the whole table behind a
    /// checkbox, no script), in Markdown with `--wide`. Machines (CSV, JSON) get every column. The default set
    /// fits a 1280-pixel page.
    var moreColumns: Set<String> = []
    /// Columns of the reader's table that a narrow page (under 900 pixels) also leaves a click away.
    var narrowColumns: Set<String> = []

    package init(name: String, title: String, columns: [String], rows: [[Cell]] = [], moreColumns: Set<String> = []) {
        (self.name, self.title, self.columns, self.rows, self.moreColumns) = (name, title, columns, rows, moreColumns)
    }

    /// The same table under another name and title (the demo's copies of each step's tables).
    func renamed(_ name: String, title: String) -> ReportTable {
        var table = ReportTable(name: name, title: title, columns: columns, rows: rows, moreColumns: moreColumns)
        (table.csvNamesAsWritten, table.headersAsWritten, table.narrowColumns, table.labels) = (csvNamesAsWritten, headersAsWritten, narrowColumns, labels)
        return table
    }

    /// What a person reads above the column.
    func header(_ column: String) -> String { headersAsWritten ? column : labels[column] ?? ColumnLabels.header(column) }

    /// The table a person sees first: without `moreColumns`.
    var readersTable: ReportTable {
        let kept = columns.indices.filter { !moreColumns.contains(columns[$0]) }
        var table = ReportTable(name: name, title: title, columns: kept.map { columns[$0] }, rows: rows.map { row in kept.map { row[$0] } })
        (table.csvNamesAsWritten, table.headersAsWritten, table.labels) = (csvNamesAsWritten, headersAsWritten, labels)
        return table
    }

    /// Whether some columns are left out of the reader's table.
    var hasMoreColumns: Bool { columns.contains(where: moreColumns.contains) }
}

/// A titled set of tables that renders as Markdown, JSON or CSV.
package struct Report {
    var title: String
    package var notes: [String] = []
    /// A plain-language reading of the numbers (`Reading`), at the top of the HTML page.
    package var reading: [String] = []
    package var tables: [ReportTable] = []
    /// Drawn in HTML reports only; each chart's numbers are in one of the tables.
    package var charts: [Chart] = []

    package init(title: String, notes: [String] = [], tables: [ReportTable] = [], charts: [Chart] = []) {
        (self.title, self.notes, self.tables, self.charts) = (title, notes, tables, charts)
    }

    /// The report in `format`; `wide`: Markdown with every column of every table.
    package func render(_ format: OutputFormat, wide: Bool = false) throws(SortedJSONError) -> String {
        switch format {
        case .md: markdown(wide: wide)
        case .json: try json()
        case .csv: csv()
        case .html: html(generated: "Written by outcomes. Every chart's numbers are in a table below; counts under the small-cell policy are suppressed.")
        }
    }

    private func markdown(wide: Bool) -> String {
        var lines = ["# \(title.printable)", ""]
        if !notes.isEmpty { lines += notes.map { "- \($0.printable)" } + [""] }
        for whole in tables {
            lines += ["## \(whole.title)", ""]
            let table = wide ? whole : whole.readersTable
            let headers = table.columns.map { table.header($0).printable.replacingOccurrences(of: "|", with: "\\|") }
            let rows = table.rows.map { $0.map { $0.display.printable.replacingOccurrences(of: "|", with: "\\|") } }
            let widths = table.columns.indices.map { column in
                max(3, ([headers[column]] + rows.map { $0[column] }).map(\.count).max() ?? 3)
            }
            // A column of numbers (every non-empty cell a number) is right-aligned.
            let numeric = table.columns.indices.map { column in
                let cells = table.rows.map { $0[column] }.filter { $0 != .null }
                return !cells.isEmpty && cells.allSatisfy { $0.isNumber || { if case .suppressed = $0 { true } else { false } }($0) }
            }
            func pad(_ text: String, _ column: Int) -> String {
                let fill = String(repeating: " ", count: max(0, widths[column] - text.count))
                return numeric[column] ? fill + text : text + fill
            }
            func line(_ cells: [String]) -> String {
                "| " + cells.enumerated().map { pad($1, $0) }.joined(separator: " | ") + " |"
            }
            lines.append(line(headers))
            lines.append("|" + widths.indices.map { String(repeating: "-", count: widths[$0] + 1) + (numeric[$0] ? ":" : "-") }
                .joined(separator: "|") + "|")
            lines += rows.map(line)
            lines.append("")
            if !wide && whole.hasMoreColumns {
                let more = whole.columns.filter(whole.moreColumns.contains).map { whole.header($0) }
                lines += ["\(more.count) more column\(more.count == 1 ? "" : "s") (\(more.joined(separator: "; "))) with --wide, "
                          + "or in --format csv or json.", ""]
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Tables one after another, each with its header row, separated by a blank line.
    private func csv() -> String { tables.map(Self.csv).joined(separator: "\n\n") + "\n" }

    /// One CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break.
    static func csvField(_ text: String) -> String {
        text.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    static func csv(_ table: ReportTable) -> String {
        let field = csvField
        // A column with a suppressed cell gets a flag column beside it, so an empty cell is never ambiguous.
        let flagged = table.columns.indices.filter { column in table.rows.contains { $0[column].isSuppressed } }
        var header: [String] = []
        for (index, column) in table.columns.enumerated() {
            let name = table.csvNamesAsWritten ? column : snakeCase(column)
            header.append(name)
            if flagged.contains(index) { header.append(name + "_suppressed") }
        }
        let rows = table.rows.map { row in
            row.enumerated().flatMap { index, cell in
                [field(cell.csv)] + (flagged.contains(index) ? [cell.isSuppressed ? "true" : "false"] : [])
            }.joined(separator: ",")
        }
        return ([header.joined(separator: ",")] + rows).joined(separator: "\n")
    }

    /// A column name as a machine name: `with value` → `with_value`, `ms per draw` → `ms_per_draw`.
    static func snakeCase(_ name: String) -> String {
        var result = "", gap = false
        for character in name.lowercased() {
            if character.isLetter || character.isNumber {
                if gap && !result.isEmpty { result.append("_") }
                result.append(character)
                gap = false
            } else {
                gap = true
            }
        }
        return result
    }
}

extension SmallCellPolicy {
    /// A count as a note prints it: the marker when it is suppressed.
    func shown(_ count: Int) -> String { suppresses(count) ? marker : String(count) }
}
