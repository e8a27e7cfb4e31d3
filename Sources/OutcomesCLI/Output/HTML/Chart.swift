import Foundation

/// A chart of a report, as data: the HTML renderer draws it in SVG, beside the table that holds
/// the same numbers (`table`, its machine name) for readers who cannot see it.
package struct Chart {
    enum Kind {
        /// Estimates with their intervals, one row each (a forest plot), and a reference line.
        case intervals([Interval], reference: Double?)
        /// Horizontal bars from zero, one row each.
        case bars([(label: String, value: Double)])
        /// Counts over equal bins, one or more series over the same edges; nil counts are hidden
        /// (small cells), and vertical markers.
        case histogram(edges: [Double], series: [(name: String, counts: [Int?])], markers: [(label: String, x: Double)])
        /// Values of one or more series per row (a love plot), with reference lines.
        case dots(rows: [(label: String, values: [Double?])], series: [String], references: [Double])
        /// Each input's low and high outcome around a base (a tornado).
        case tornado(rows: [(label: String, low: Double, high: Double)], base: Double)
    }

    struct Interval {
        let label: String
        let estimate: Double
        let low: Double
        let high: Double
    }

    let title: String
    /// What the chart shows, in a sentence (the SVG's description).
    let summary: String
    let xLabel: String
    var yLabel: String = ""
    let kind: Kind
    /// The table with the same numbers.
    let table: String
}

extension Chart {
    /// Equal-width bins over the values' range (`count` of them), for a histogram of draws.
    static func bins(_ values: [Double], count: Int = 30) -> (edges: [Double], counts: [Int]) {
        guard let low = values.min(), let high = values.max() else { return ([], []) }
        let width = high > low ? (high - low) / Double(count) : 1
        let edges = (0...count).map { low + Double($0) * width }
        var counts = Array(repeating: 0, count: count)
        for value in values { counts[min(count - 1, max(0, Int((value - low) / width)))] += 1 }
        return (edges, counts)
    }
}
