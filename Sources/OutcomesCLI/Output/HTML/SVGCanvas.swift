import Foundation

/// Markup text with its special characters escaped (for element text and attribute values).
func escapedMarkup(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.count)
    for character in text.printable {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        default: result.append(character)
        }
    }
    return result
}

/// An SVG picture built element by element, coordinates in pixels of its view box.
struct SVGCanvas {
    let width: Double
    let height: Double
    private var elements: [String] = []

    init(width: Double, height: Double) { (self.width, self.height) = (width, height) }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, class name: String, tooltip: String? = nil) {
        let (x, width) = width < 0 ? (x + width, -width) : (x, width)
        let title = tooltip.map { "<title>\(escapedMarkup($0))</title>" } ?? ""
        elements.append("<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(max(width, 0.5)))\" height=\"\(Self.number(height))\" "
            + "class=\"\(name)\">\(title)</rect>")
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, class name: String) {
        elements.append("<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\" class=\"\(name)\"/>")
    }

    mutating func circle(_ cx: Double, _ cy: Double, radius: Double, class name: String, tooltip: String? = nil) {
        let title = tooltip.map { "<title>\(escapedMarkup($0))</title>" } ?? ""
        elements.append("<circle cx=\"\(Self.number(cx))\" cy=\"\(Self.number(cy))\" r=\"\(Self.number(radius))\" class=\"\(name)\">\(title)</circle>")
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(_ x: Double, _ y: Double, _ text: String, anchor: Anchor = .start, class name: String = "label", rotated: Bool = false) {
        let rotation = rotated ? " transform=\"rotate(-90 \(Self.number(x)) \(Self.number(y)))\"" : ""
        elements.append("<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" text-anchor=\"\(anchor.rawValue)\" class=\"\(name)\"\(rotation)>"
            + "\(escapedMarkup(text))</text>")
    }

    /// Lines of text, the first at `y`, each under the one before.
    mutating func text(_ x: Double, _ y: Double, lines: [String], lineHeight: Double, anchor: Anchor = .start, class name: String = "label") {
        guard lines.count > 1 else { return text(x, y, lines.first ?? "", anchor: anchor, class: name) }
        let spans = lines.enumerated().map { index, line in
            "<tspan x=\"\(Self.number(x))\"\(index == 0 ? "" : " dy=\"\(Self.number(lineHeight))\"")>\(escapedMarkup(line))</tspan>"
        }
        elements.append("<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" text-anchor=\"\(anchor.rawValue)\" class=\"\(name)\">"
            + spans.joined() + "</text>")
    }

    /// The picture, titled and described for screen readers.
    func rendered(id: String, title: String, description: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" role=\"img\" "
            + "aria-labelledby=\"\(id)-title \(id)-desc\" class=\"chart\">"
            + "<title id=\"\(id)-title\">\(escapedMarkup(title))</title><desc id=\"\(id)-desc\">\(escapedMarkup(description))</desc>"
            + elements.joined() + "</svg>"
    }
}

/// A linear map from data to pixels over a domain widened to round ticks.
struct LinearScale {
    let low: Double
    let high: Double
    let start: Double
    let end: Double
    let ticks: [Double]

    init(including values: [Double], from start: Double, to end: Double, tickCount: Int = 5) {
        var low = values.min() ?? 0, high = values.max() ?? 1
        if low == high { (low, high) = (low - max(1, abs(low) * 0.1), high + max(1, abs(high) * 0.1)) }
        let raw = (high - low) / Double(tickCount)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = floor(low / step) * step, last = ceil(high / step) * step
        (self.low, self.high, self.start, self.end) = (first, last, start, end)
        ticks = stride(from: first, through: last + step / 2, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
    }

    func callAsFunction(_ value: Double) -> Double { start + (value - low) / (high - low) * (end - start) }

    /// A tick's label: thousands as k and millions as M when the ticks are that large.
    static func label(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e6 { return String(format: "%g", (value / 1e6 * 100).rounded() / 100) + "M" }
        if magnitude >= 1e4 { return String(format: "%g", (value / 1e3 * 10).rounded() / 10) + "k" }
        return String(format: "%g", (value * 1000).rounded() / 1000)
    }
}
