import Foundation

/// Draws a `Chart` as inline SVG: rows of labelled marks over an x axis (intervals, bars, dots,
/// tornado) or bins over an x axis with counts up the y axis (histogram).
extension Chart {
    private static let width = 720.0, rowHeight = 26.0, labelWidth = 200.0, top = 28.0, bottom = 46.0, right = 24.0

    func svg(id: String) -> String {
        switch kind {
        case .intervals(let rows, let reference):
            return rowChart(id: id, labels: rows.map(\.label), values: rows.flatMap { [$0.low, $0.high, $0.estimate] } + [reference].compactMap { $0 },
                            references: [reference].compactMap { $0 }) { canvas, x, y, index in
                let row = rows[index]
                canvas.line(x(row.low), y, x(row.high), y, class: "whisker")
                canvas.line(x(row.low), y - 5, x(row.low), y + 5, class: "whisker")
                canvas.line(x(row.high), y - 5, x(row.high), y + 5, class: "whisker")
                canvas.circle(x(row.estimate), y, radius: 4.5, class: "s0",
                              tooltip: "\(row.label): \(Self.format(row.estimate)) [\(Self.format(row.low)), \(Self.format(row.high))]")
            }
        case .bars(let rows):
            return rowChart(id: id, labels: rows.map(\.label), values: rows.map(\.value) + [0], references: [0]) { canvas, x, y, index in
                let row = rows[index]
                canvas.rect(x: x(0), y: y - 8, width: x(row.value) - x(0), height: 16, class: row.value < 0 ? "s1" : "s0",
                            tooltip: "\(row.label): \(Self.format(row.value))")
            }
        case .dots(let rows, let series, let references):
            return rowChart(id: id, labels: rows.map(\.label), values: rows.flatMap { $0.values.compactMap { $0 } } + references, references: references,
                            legend: series) { canvas, x, y, index in
                let row = rows[index]
                for (s, value) in row.values.enumerated() {
                    guard let value else { continue }
                    // Series side by side within the row, so equal values stay visible.
                    let offset = (Double(s) - Double(series.count - 1) / 2) * 6
                    canvas.circle(x(value), y + offset, radius: 4.5, class: "s\(s % 4)", tooltip: "\(row.label), \(series[s]): \(Self.format(value))")
                }
            }
        case .tornado(let rows, let base):
            return rowChart(id: id, labels: rows.map(\.label), values: rows.flatMap { [$0.low, $0.high] } + [base], references: [base],
                            legend: ["input at its low value", "input at its high value"]) { canvas, x, y, index in
                let row = rows[index]
                canvas.rect(x: x(base), y: y - 8, width: x(row.low) - x(base), height: 16, class: "s0", tooltip: "\(row.label) low: \(Self.format(row.low))")
                canvas.rect(x: x(base), y: y - 8, width: x(row.high) - x(base), height: 16, class: "s1", tooltip: "\(row.label) high: \(Self.format(row.high))")
            }
        case .histogram(let edges, let series, let markers):
            return histogram(id: id, edges: edges, series: series, markers: markers)
        }
    }

    static func format(_ value: Double) -> String {
        abs(value) >= 100 ? String(format: "%.0f", value) : String(format: abs(value) >= 1 ? "%.2f" : "%.3g", value)
    }

    /// One row per label, an x axis at the bottom, dashed reference lines, an optional legend. A
    /// label longer than its column wraps onto more lines (its row grows), never cut.
    private func rowChart(id: String, labels: [String], values: [Double], references: [Double], legend: [String] = [],
                          draw: (inout SVGCanvas, LinearScale, Double, Int) -> Void) -> String {
        let legendHeight = legend.isEmpty ? 0.0 : 22
        let lines = labels.map { Self.wrapped($0) }
        let heights = lines.map { max(Self.rowHeight, Double($0.count) * Self.lineHeight + 10) }
        let height = Self.top + legendHeight + heights.reduce(0, +) + Self.bottom
        var canvas = SVGCanvas(width: Self.width, height: height)
        let x = LinearScale(including: values, from: Self.labelWidth, to: Self.width - Self.right)
        let plotTop = Self.top + legendHeight, plotBottom = height - Self.bottom
        drawXAxis(&canvas, x, top: plotTop, bottom: plotBottom)
        for reference in references { canvas.line(x(reference), plotTop, x(reference), plotBottom, class: "reference") }
        var rowTop = plotTop
        for index in labels.indices {
            let y = rowTop + heights[index] / 2
            let first = y + 4 - Double(lines[index].count - 1) * Self.lineHeight / 2
            canvas.text(Self.labelWidth - 8, first, lines: lines[index], lineHeight: Self.lineHeight, anchor: .end)
            draw(&canvas, x, y, index)
            rowTop += heights[index]
        }
        drawLegend(&canvas, legend, y: Self.top + 4)
        return canvas.rendered(id: id, title: title, description: summary)
    }

    /// The width an 11-pixel label may take (the label column less its gap), and the distance between lines.
    private static let labelRoom = labelWidth - 12, lineHeight = 13.0

    /// `text` in lines no wider than `room` pixels at 11 pixels a letter's height, broken between
    /// words (a longer word is broken inside), nothing left out.
    static func wrapped(_ text: String, room: Double = labelRoom) -> [String] {
        var lines: [String] = [], line = ""
        func fits(_ candidate: String) -> Bool { estimatedWidth(candidate) <= room }
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            let joined = line.isEmpty ? String(word) : line + " " + word
            if fits(joined) { line = joined; continue }
            if !line.isEmpty { lines.append(line) }
            line = ""
            for character in word {
                if !line.isEmpty && !fits(line + String(character)) { lines.append(line); line = "" }
                line.append(character)
            }
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }

    /// A generous estimate of `text`'s width in pixels at 11 pixels (wide sans-serif faces such as
    /// DejaVu Sans): capitals and m/w wide, i/l/t narrow.
    static func estimatedWidth(_ text: String) -> Double {
        text.reduce(0.0) { width, character in
            let em: Double
            switch character {
            case "M", "W", "m", "w", "@", "%": em = 1.0
            case "i", "j", "l", "!", "|", ".", ",", ":", ";", "'": em = 0.35
            case "f", "t", "r", "I", " ", "(", ")", "-": em = 0.45
            case _ where !character.isASCII: em = 1.05  // other scripts, dashes: as wide as an M
            case _ where character.isUppercase: em = 0.8
            case _ where character.isLowercase || character.isNumber: em = 0.64
            default: em = 0.85
            }
            return width + em * 11
        }
    }

    private func drawXAxis(_ canvas: inout SVGCanvas, _ x: LinearScale, top: Double, bottom: Double) {
        canvas.line(x.start, bottom, x.end, bottom, class: "axis")
        for tick in x.ticks {
            canvas.line(x(tick), top, x(tick), bottom, class: "grid")
            canvas.text(x(tick), bottom + 16, LinearScale.label(tick), anchor: .middle, class: "tick")
        }
        canvas.text((x.start + x.end) / 2, bottom + 36, xLabel, anchor: .middle, class: "axis-title")
    }

    private func drawLegend(_ canvas: inout SVGCanvas, _ names: [String], y: Double) {
        var x = Self.labelWidth
        for (index, name) in names.enumerated() {
            canvas.rect(x: x, y: y - 9, width: 12, height: 12, class: "s\(index % 4)")
            canvas.text(x + 17, y + 1, name)
            x += 30 + Double(name.count) * 6.5
        }
    }

    private func histogram(id: String, edges: [Double], series: [(name: String, counts: [Int?])], markers: [(label: String, x: Double)]) -> String {
        let height = 300.0, left = 70.0, legendHeight = series.count > 1 ? 22.0 : 0
        var canvas = SVGCanvas(width: Self.width, height: height)
        let plotTop = Self.top + legendHeight, plotBottom = height - Self.bottom
        let x = LinearScale(including: edges + markers.map(\.x), from: left, to: Self.width - Self.right)
        let y = LinearScale(including: [0] + series.flatMap { $0.counts.compactMap { $0 }.map(Double.init) }, from: plotBottom, to: plotTop, tickCount: 4)
        drawXAxis(&canvas, x, top: plotTop, bottom: plotBottom)
        canvas.line(left, plotTop, left, plotBottom, class: "axis")
        for tick in y.ticks {
            canvas.text(left - 6, y(tick) + 4, LinearScale.label(tick), anchor: .end, class: "tick")
        }
        canvas.text(16, (plotTop + plotBottom) / 2, yLabel, anchor: .middle, class: "axis-title", rotated: true)
        for (s, entry) in series.enumerated() {
            for (bin, count) in entry.counts.enumerated() {
                guard let count, count > 0, bin + 1 < edges.count else { continue }
                canvas.rect(x: x(edges[bin]) + 0.5, y: y(Double(count)), width: x(edges[bin + 1]) - x(edges[bin]) - 1, height: y(0) - y(Double(count)),
                            class: "s\(s % 4) translucent", tooltip: "\(entry.name): \(count) in \(Self.format(edges[bin]))–\(Self.format(edges[bin + 1]))")
            }
        }
        for (index, marker) in markers.enumerated() {
            canvas.line(x(marker.x), plotTop, x(marker.x), plotBottom, class: "marker")
            // Labels near the right edge go to the marker's left.
            let nearEdge = x(marker.x) > Self.width - Self.right - 90
            canvas.text(x(marker.x) + (nearEdge ? -4 : 4), plotTop + 12 + 14 * Double(index), marker.label, anchor: nearEdge ? .end : .start, class: "marker-label")
        }
        if series.count > 1 { drawLegend(&canvas, series.map(\.name), y: Self.top + 4) }
        return canvas.rendered(id: id, title: title, description: summary)
    }
}
