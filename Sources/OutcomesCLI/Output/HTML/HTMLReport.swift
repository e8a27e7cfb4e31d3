import Foundation

/// A report as one self-contained HTML file: inline CSS and SVG, no script, nothing fetched —
/// it opens offline and can be mailed. Charts come first, each pointing to the table with its
/// numbers; every table follows, numbers right-aligned, money with the currency's decimals.
extension Report {
    func html(generated: String) -> String {
        var body: [String] = ["<header><h1>\(escapedMarkup(title))</h1><p class=\"generated\">\(escapedMarkup(generated))</p></header>"]
        if !reading.isEmpty {
            body.append("<section class=\"reading\" aria-label=\"In plain language\"><p>" + reading.map(escapedMarkup).joined(separator: " ") + "</p></section>")
        }
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

    /// A table as a person first sees it (its reader's columns, fitting the page), and — when some
    /// columns are left out — the whole table one click away. Without script: a checkbox swaps the
    /// two, and print shows the whole table.
    private static func html(_ table: ReportTable) -> String {
        let heading = "<h2 id=\"table-\(escapedMarkup(table.name))\">\(escapedMarkup(table.title))</h2>"
        guard table.hasMoreColumns else { return heading + "<div class=\"scroll\">\(grid(table))</div>" }
        let toggle = "more-\(escapedMarkup(table.name))"
        let more = table.columns.filter(table.moreColumns.contains).map(table.header)
        // In a box of its own: the checkbox's sibling selectors reach this table's copies only.
        return heading + "<div class=\"table-box\"><input type=\"checkbox\" class=\"more\" id=\"\(toggle)\"/>"
            + "<div class=\"scroll narrow\">\(grid(table.readersTable, wideOnly: table.narrowColumns))</div><div class=\"scroll wide\">\(grid(table))</div>"
            + "<label for=\"\(toggle)\" class=\"more-label\"><span class=\"show\">Show all \(table.columns.count) columns (adds "
            + escapedMarkup(more.joined(separator: "; ")) + ")</span><span class=\"hide\">Show fewer columns</span></label></div>"
    }

    /// `wideOnly`: columns hidden on a narrow page.
    private static func grid(_ table: ReportTable, wideOnly: Set<String> = []) -> String {
        let numeric = table.columns.indices.map { column in
            let cells = table.rows.map { $0[column] }.filter { $0 != .null }
            return !cells.isEmpty && cells.allSatisfy { cell in cell.isNumber || { if case .suppressed = cell { true } else { false } }() }
        }
        // A column of long text (a determination's arithmetic) wraps instead of widening the table.
        let long = table.columns.indices.map { column in !numeric[column] && table.rows.contains { $0[column].display.count > 40 } }
        func kind(_ column: Int) -> String {
            let names = [numeric[column] ? "num" : long[column] ? "long" : nil, wideOnly.contains(table.columns[column]) ? "wn" : nil].compactMap { $0 }
            return names.isEmpty ? "" : " class=\"\(names.joined(separator: " "))\""
        }
        let head = table.columns.enumerated().map { index, column in
            "<th scope=\"col\"\(kind(index))>\(escapedMarkup(table.header(column)))</th>"
        }.joined()
        let rows = table.rows.map { row in
            "<tr>" + row.enumerated().map { column, cell in
                if case .suppressed(let marker) = cell {
                    return "<td class=\"num suppressed\(wideOnly.contains(table.columns[column]) ? " wn" : "")\" title=\"suppressed: a small count\">\(escapedMarkup(marker))</td>"
                }
                return "<td\(kind(column))>\(escapedMarkup(cell.display))</td>"
            }.joined() + "</tr>"
        }.joined()
        return "<table><thead><tr>\(head)</tr></thead><tbody>\(rows)</tbody></table>"
    }

    private static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1220px;padding:0 1rem;color:#1d2329;line-height:1.45}\
        h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d8dde3;padding-bottom:.2rem}\
        .generated{color:#5b6570;margin-top:0}.notes li{margin:.3rem 0}.notes,.reading{max-width:80ch}\
        .reading p{font-size:1.05rem;background:#f3f7fb;border-left:4px solid #1b6ca8;padding:.6rem .9rem;margin:1rem 0}\
        figure{margin:1.2rem 0}figcaption{font-size:.9rem;color:#39424c}\
        svg.chart{width:100%;max-width:720px;height:auto;display:block}\
        .label,.tick,.marker-label{font-size:11px;fill:#1d2329}.axis-title{font-size:12px;fill:#39424c}\
        .axis{stroke:#39424c;stroke-width:1}.grid{stroke:#e3e7eb;stroke-width:1}\
        .reference{stroke:#5b6570;stroke-width:1;stroke-dasharray:4 3}.marker{stroke:#b3261e;stroke-width:1.5}\
        .whisker{stroke:#1d2329;stroke-width:1.5}\
        .s0{fill:#1b6ca8}.s1{fill:#d95f02}.s2{fill:#4d9221}.s3{fill:#7b3294}.translucent{fill-opacity:.55}\
        .scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}\
        th,td{border-bottom:1px solid #e3e7eb;padding:.25rem .6rem;text-align:left;white-space:nowrap}\
        th{background:#f3f5f7;white-space:normal;vertical-align:bottom;min-width:4.5em}\
        .num{text-align:right;font-variant-numeric:tabular-nums}.suppressed{color:#5b6570}\
        td.long{white-space:normal;min-width:14em;max-width:30em}\
        th:first-child,td:first-child{position:sticky;left:0;z-index:1;background:#fff;box-shadow:inset -1px 0 #e3e7eb}\
        th:first-child{background:#f3f5f7}\
        .more{position:absolute;opacity:0}.wide,.more:checked~.narrow,.more:checked~.more-label .show,.more-label .hide{display:none}\
        .more:checked~.wide,.more:checked~.more-label .hide{display:block}\
        .more-label{display:inline-block;font-size:.85rem;color:#1b6ca8;cursor:pointer;text-decoration:underline}\
        .more:focus-visible~.more-label{outline:2px solid #1b6ca8}\
        @media (max-width:900px){body{margin:1rem auto}table{font-size:.74rem}th,td{padding:.2rem .3rem}th{min-width:3.5em}\
        td.long{min-width:10em}.narrow .wn{display:none}}\
        @media print{@page{size:landscape;margin:1cm}body{max-width:none;margin:0;font-size:10pt}\
        .narrow,.more-label{display:none!important}.wide{display:block!important}.scroll{overflow:visible}\
        table{font-size:7.5pt;width:100%}th,td{white-space:normal;padding:.1rem .25rem}\
        th:first-child,td:first-child{position:static;box-shadow:none}tr,figure{break-inside:avoid}}
        """
}
