import Foundation

/// A report as one self-contained HTML file: inline CSS and SVG, no script, nothing fetched —
/// it opens offline and can be mailed. Charts come first, each pointing to the table with its
/// numbers; every table follows, numbers right-aligned, money with the currency's decimals.
extension Report {
    func html(generated: String) -> String {
        var body: [String] = ["<header><h1>\(escapedMarkup(title))</h1><p class=\"generated\">\(escapedMarkup(generated))</p></header>"]
        if !notes.isEmpty {
            body.append("<section class=\"notes\"><h2>Notes</h2><ul>" + notes.map { "<li>\(escapedMarkup($0))</li>" }.joined() + "</ul></section>")
        }
        if !charts.isEmpty {
            body.append("<section class=\"charts\"><h2>Charts</h2>" + charts.enumerated().map { index, chart in
                "<figure>" + chart.svg(id: "chart-\(index + 1)") + "<figcaption>\(escapedMarkup(chart.title)). "
                    + "<a href=\"#table-\(escapedMarkup(chart.table))\">The numbers as a table</a>.</figcaption></figure>"
            }.joined() + "</section>")
        }
        body.append("<section class=\"tables\">" + tables.map(Self.html).joined() + "</section>")
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>\(escapedMarkup(title))</title><style>\(Self.style)</style></head>
            <body>\(body.joined(separator: "\n"))</body></html>

            """
    }

    private static func html(_ table: ReportTable) -> String {
        let numeric = table.columns.indices.map { column in
            let cells = table.rows.map { $0[column] }.filter { $0 != .null }
            return !cells.isEmpty && cells.allSatisfy { cell in cell.isNumber || { if case .suppressed = cell { true } else { false } }() }
        }
        let head = table.columns.enumerated().map { "<th scope=\"col\"\(numeric[$0] ? " class=\"num\"" : "")>\(escapedMarkup($1))</th>" }.joined()
        let rows = table.rows.map { row in
            "<tr>" + row.enumerated().map { column, cell in
                if case .suppressed(let marker) = cell { return "<td class=\"num suppressed\" title=\"suppressed: a small count\">\(escapedMarkup(marker))</td>" }
                return "<td\(numeric[column] ? " class=\"num\"" : "")>\(escapedMarkup(cell.display))</td>"
            }.joined() + "</tr>"
        }.joined()
        return "<h2 id=\"table-\(escapedMarkup(table.name))\">\(escapedMarkup(table.title))</h2>"
            + "<div class=\"scroll\"><table><thead><tr>\(head)</tr></thead><tbody>\(rows)</tbody></table></div>"
    }

    private static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d2329;line-height:1.45}\
        h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d8dde3;padding-bottom:.2rem}\
        .generated{color:#5b6570;margin-top:0}.notes li{margin:.3rem 0}\
        figure{margin:1.2rem 0}figcaption{font-size:.9rem;color:#39424c}\
        svg.chart{width:100%;max-width:720px;height:auto;display:block}\
        .label,.tick,.marker-label{font-size:11px;fill:#1d2329}.axis-title{font-size:12px;fill:#39424c}\
        .axis{stroke:#39424c;stroke-width:1}.grid{stroke:#e3e7eb;stroke-width:1}\
        .reference{stroke:#5b6570;stroke-width:1;stroke-dasharray:4 3}.marker{stroke:#b3261e;stroke-width:1.5}\
        .whisker{stroke:#1d2329;stroke-width:1.5}\
        .s0{fill:#1b6ca8}.s1{fill:#d95f02}.s2{fill:#4d9221}.s3{fill:#7b3294}.translucent{fill-opacity:.55}\
        .scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}\
        th,td{border-bottom:1px solid #e3e7eb;padding:.25rem .6rem;text-align:left;white-space:nowrap}\
        th{background:#f3f5f7}.num{text-align:right;font-variant-numeric:tabular-nums}.suppressed{color:#5b6570}
        """
}
