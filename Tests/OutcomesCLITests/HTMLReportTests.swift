import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import Testing
@testable import OutcomesCLI

/// HTML reports as a person sees them: one self-contained file (nothing fetched, no script), well
/// formed, every chart drawn with marks and pointing to its table, rendered by headless Chromium
/// without console errors (a screenshot kept under .build/report-screenshots); CSV one file per
/// table; an output path that cannot be written is one clear error and no file.
@Suite struct HTMLReportTests {
    static let scenarios = Checkout.scenarios
    static func path(_ name: String) -> String { scenarios.appendingPathComponent(name).path }

    /// What an HTML report holds, read as XML: charts with their marks, table ids, links.
    struct Page {
        var svgs = 0, marksPerSVG: [Int] = [], tableIDs: Set<String> = [], links: [String] = [], scripts = 0, external: [String] = []

        init(_ text: String) throws {
            final class Reader: NSObject, XMLParserDelegate {
                var page = Page(empty: ())
                var inSVG = false, open: [String] = []
                func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                            attributes: [String: String] = [:]) {
                    switch name {
                    case "svg":
                        (inSVG, page.svgs) = (true, page.svgs + 1)
                        page.marksPerSVG.append(0)
                        if let ns = attributes["xmlns"], ns != "http://www.w3.org/2000/svg" { page.external.append(ns) }
                    // A data mark carries its value as a tooltip (a legend's swatch, an axis or a grid line does not).
                    case "title" where inSVG && ["rect", "circle"].contains(open.last ?? ""): page.marksPerSVG[page.marksPerSVG.count - 1] += 1
                    case "script", "link", "img", "iframe": page.scripts += 1
                    case "a": if let href = attributes["href"] { page.links.append(href) }
                    default: break
                    }
                    open.append(name)
                    if let id = attributes["id"], id.hasPrefix("table-") { page.tableIDs.insert(id) }
                    for (key, value) in attributes where ["src", "href"].contains(key) && value.contains("://") { page.external.append(value) }
                }
                func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                    if name == "svg" { inSVG = false }
                    open.removeLast()
                }
            }
            let reader = Reader()
            let parser = XMLParser(data: Data(text.utf8))
            parser.delegate = reader
            guard parser.parse() else { throw XMLError(message: parser.parserError.map { "\($0)" } ?? "not well formed") }
            self = reader.page
        }

        private init(empty: ()) {}
    }

    struct XMLError: Error { let message: String }

    static var chromium: String? {
        ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap { name in
            (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map { "\($0)/\(name)" }
                .first { FileManager.default.isExecutableFile(atPath: $0) }
        }.first
    }

    /// Renders the page in headless Chromium: the screenshot it keeps, and what it logged.
    func render(_ file: URL, screenshot: URL) throws -> (dom: String, log: String) {
        let chromium = try #require(Self.chromium, "headless Chromium is needed to render the reports (apt-get install chromium)")
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", "--window-size=1200,3000"]
        let shot = try ProcessRunner.run(URL(fileURLWithPath: chromium), common + ["--screenshot=\(screenshot.path)", file.absoluteString],
                                         environment: [:], separateErrors: true)
        let dom = try ProcessRunner.run(URL(fileURLWithPath: chromium), common + ["--dump-dom", file.absoluteString], environment: [:],
                                        separateErrors: true)
        #expect(shot.status == 0 && dom.status == 0, "\(shot.errors)")
        return (dom.output, shot.errors + dom.errors)
    }

    /// What a page looks like at a window width: tables wider than their box (of those shown), and
    /// chart text outside its chart. Measured by a script in a copy of the page (the page has none).
    struct Geometry: Decodable {
        struct Table: Decodable { let name: String; let right: Double; let scrollWidth: Double; let clientWidth: Double }
        struct Text: Decodable { let chart: Int; let text: String }
        let width: Double
        let tables: [Table]
        let overflowing: [Text]
        let reading: String?
        /// Tables with more columns, and how many show them all once the first one's box is ticked.
        let boxes: Int
        let toggled: Int

        var wideTables: [String] { tables.filter { $0.scrollWidth > $0.clientWidth + 0.5 || $0.right > width + 0.5 }.map(\.name) }
    }

    static let measuring = """
        <script>
        window.addEventListener('load', () => {
          const out = {width: document.documentElement.clientWidth, tables: [], overflowing: [],
                       reading: document.querySelector('.reading') ? document.querySelector('.reading').textContent : null};
          document.querySelectorAll('table').forEach(t => {
            if (!t.getClientRects().length) return;
            let box = t.closest('div'), at = box;
            while (at && !(at.previousElementSibling && at.previousElementSibling.tagName === 'H2')) at = at.previousElementSibling;
            out.tables.push({name: at ? at.previousElementSibling.id : '?', right: t.getBoundingClientRect().right,
                             scrollWidth: box.scrollWidth, clientWidth: box.clientWidth});
          });
          document.querySelectorAll('svg').forEach((svg, i) => {
            const s = svg.getBoundingClientRect();
            svg.querySelectorAll('text').forEach(t => {
              const b = t.getBoundingClientRect();
              if (b.left < s.left - 0.5 || b.right > s.right + 0.5 || b.top < s.top - 0.5 || b.bottom > s.bottom + 0.5)
                out.overflowing.push({chart: i, text: t.textContent});
            });
          });
          const boxes = [...document.querySelectorAll('.table-box')];
          out.boxes = boxes.length; out.toggled = 0;
          if (boxes.length) {
            boxes[0].querySelector('.more').checked = true;
            out.toggled = boxes.filter(b => getComputedStyle(b.querySelector('.wide')).display !== 'none').length;
            boxes[0].querySelector('.more').checked = false;
          }
          const pre = document.createElement('pre'); pre.id = 'geometry'; pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
        });
        </script>
        """

    /// The page's geometry in headless Chromium at `width` pixels, and a screenshot of it.
    func measure(_ file: URL, width: Int, screenshot: URL) throws -> Geometry {
        let chromium = try #require(Self.chromium, "headless Chromium is needed to render the reports (apt-get install chromium)")
        let copy = file.deletingPathExtension().appendingPathExtension("measured-\(width).html")
        try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "</body>", with: Self.measuring + "</body>")
            .write(to: copy, atomically: true, encoding: .utf8)
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=\(width),1600"]
        let dom = try ProcessRunner.run(URL(fileURLWithPath: chromium), common + ["--virtual-time-budget=3000", "--dump-dom", copy.absoluteString],
                                        environment: [:], separateErrors: true)
        let shot = try ProcessRunner.run(URL(fileURLWithPath: chromium), common + ["--screenshot=\(screenshot.path)", file.absoluteString],
                                         environment: [:], separateErrors: true)
        #expect(dom.status == 0 && shot.status == 0, "\(dom.errors)")
        let json = try #require(dom.output.components(separatedBy: "<pre id=\"geometry\">").dropFirst().first?.components(separatedBy: "</pre>").first)
        let text = json.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        return try JSONDecoder().decode(Geometry.self, from: Data(text.utf8))
    }

    /// Labels in capitals, long words and long names wrap inside the chart at both widths.
    @Test func wideChartLabelsWrapInsideTheirChart() throws {
        let labels = ["EMERGENCY ROOM VISITS WITHIN 12 MONTHS OF RELEASE", String(repeating: "W", count: 45), "Value of Days in jail in the 12 months after enrollment to taxpayers",
                      String(repeating: "Ш", count: 30), String(repeating: "—", count: 30) + " ωωω ÆÆÆ", "short"]
        var report = Report(title: "Labels", tables: [ReportTable(name: "numbers", title: "Numbers", columns: ["input", "value"],
                                                                  rows: labels.enumerated().map { [.text($1), .int($0 + 1)] })])
        report.charts = [Chart(title: "Bars", summary: "Bars", xLabel: "value", kind: .bars(labels.enumerated().map { ($1, Double($0 + 1)) }), table: "numbers"),
                         Chart(title: "Tornado", summary: "Tornado", xLabel: "net", kind: .tornado(rows: labels.map { ($0, -5, 7) }, base: 0), table: "numbers")]
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let file = URL(fileURLWithPath: folder + "/labels.html")
        try report.html(generated: "test").write(to: file, atomically: true, encoding: .utf8)
        for width in [1280, 800] {
            let geometry = try measure(file, width: width, screenshot: URL(fileURLWithPath: folder + "/labels-\(width).png"))
            #expect(geometry.overflowing.isEmpty, "at \(width): \(geometry.overflowing.map(\.text))")
        }
    }

    @Test func everyReportIsSelfContainedAndRendersInChromium() throws {
        let (db, conninfo) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 3_000, seed: 6)).load(into: db)
        #expect(try CLI.run(["contract", "load", Self.path("housing-2021.yaml"), "--database", conninfo, "-q"]).status == 0)
        for period in ["2021", "2022"] {
            #expect(try CLI.run(["metrics", "--contract", "housing-2021", "--period", period, "--database", conninfo, "-q"]).status == 0)
        }
        #expect(try CLI.run(["payments", "run", "--contract", "housing-2021", "--period", "2022", "--database", conninfo, "-q"]).status == 0)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let screenshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/report-screenshots")
            .standardizedFileURL
        try FileManager.default.createDirectory(at: screenshots, withIntermediateDirectories: true)
        // The report kinds open with a reading; the dictionary and the data-quality checks are pages of tables.
        let reports: [(name: String, arguments: [String], charts: Int, reading: Bool)] = [
            ("comparison", ["report", "compare", "--evaluation", Self.path("housing-2021-evaluation.yaml")], 5, true),
            ("scenario", ["report", "scenario", Self.path("housing-2021-scenario.yaml"), "--payment-draws", "200"], 7, true),
            ("metrics", ["report", "metrics", "--contract", "housing-2021", "--period", "2022"], 5, true),
            ("summary", ["report", "summary", "--contract", "housing-2021"], 2, true),
            ("statement", ["report", "payments", "--contract", "housing-2021", "--provider", "hearth"], 1, true),
            ("metrics-by-race", ["report", "metrics", "--contract", "housing-2021", "--period", "2022", "--by", "race"], 5, true),
            ("comparison-by-sex", ["report", "compare", "--evaluation", Self.path("housing-2021-evaluation.yaml"), "--by", "sex"], 5, true),
            ("dictionary", ["dictionary", "--format", "html"], 0, false),
            ("quality", ["quality", "--format", "html"], 0, false),
        ]
        for report in reports {
            let file = folder.appendingPathComponent("\(report.name).html")
            let result = try CLI.run(report.arguments + ["--output", file.path, "--database", conninfo, "-q"])
            #expect(result.status == 0 && result.output.isEmpty, "\(result.errors)")
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(text.utf8.count < 2_000_000, "under 2 MB")
            let page = try Page(text)
            #expect(page.scripts == 0 && page.external.isEmpty, "nothing fetched: \(page.external)")
            #expect(page.svgs >= report.charts, "\(report.name): \(page.svgs) charts")
            #expect(page.marksPerSVG.allSatisfy { $0 >= 1 }, "every chart has data marks: \(page.marksPerSVG)")
            // Every chart points to the table with its numbers, and that table is in the page.
            let targets = page.links.filter { $0.hasPrefix("#") }.map { String($0.dropFirst()) }
            #expect(targets.count == page.svgs && targets.allSatisfy(page.tableIDs.contains), "\(targets) in \(page.tableIDs)")
            let (dom, log) = try render(file, screenshot: screenshots.appendingPathComponent("\(report.name).png"))
            #expect(!log.contains(":CONSOLE("), "no console messages: \(log)")
            #expect(dom.components(separatedBy: "<svg").count - 1 == page.svgs, "Chromium built every chart")
            #expect(FileManager.default.fileExists(atPath: screenshots.appendingPathComponent("\(report.name).png").path))
            // At a laptop's 1280 pixels and a small window's 800: every table a reader sees by default fits the
            // window, no chart text leaves its chart, and the page opens with its reading.
            for width in [1280, 800] {
                let geometry = try measure(file, width: width, screenshot: screenshots.appendingPathComponent("\(report.name)-\(width).png"))
                #expect(geometry.width == Double(width) && !geometry.tables.isEmpty, "\(report.name) at \(width): \(geometry.tables.count) tables")
                #expect(geometry.wideTables.isEmpty, "\(report.name) at \(width): wider than the window: \(geometry.wideTables)")
                #expect(geometry.overflowing.isEmpty, "\(report.name) at \(width): chart text cut: \(geometry.overflowing.map(\.text))")
                // Ticking one table's box shows that table whole, and no other.
                #expect(geometry.toggled == min(geometry.boxes, 1), "\(report.name): \(geometry.toggled) of \(geometry.boxes) tables shown whole")
                #expect((geometry.reading.map { $0.count > 80 } ?? false) == report.reading, "\(report.name): \(geometry.reading ?? "no reading")")
            }
        }
        // README's screenshot is one this test makes: the scenario report at 1280 pixels (a PNG that wide).
        let committed = try Data(contentsOf: Checkout.root.appendingPathComponent("docs/report-scenario.png"))
        #expect(committed.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) && committed.count > 16 + 8)
        #expect(committed.dropFirst(16).prefix(4).reduce(0) { $0 << 8 | Int($1) } == 1280, "the PNG's width")
        // One CSV file per table, each with its header row.
        let tables = folder.appendingPathComponent("scenario-tables")
        let csv = try CLI.run(["scenario", "run", Self.path("housing-2021-scenario.yaml"), "--payment-draws", "50", "--format", "csv",
                               "--output", tables.path + "/", "--database", conninfo, "-q"])
        #expect(csv.status == 0, "\(csv.errors)")
        let files = try FileManager.default.contentsOfDirectory(atPath: tables.path).sorted()
        #expect(files.contains("benefit_cost.csv") && files.contains("payments_by_year.csv") && files.contains("tornado.csv"), "\(files)")
        let header = try String(contentsOf: tables.appendingPathComponent("benefit_cost.csv"), encoding: .utf8).split(separator: "\n").first
        #expect(header == "group,taxpayers,participants,households,others,indirect,total_benefits,cost,benefits_minus_costs,benefit_cost_ratio,chance_benefits_exceed_costs,net_p5,net_p95")
        // A directory that does not exist: one clear error, exit 73, no file.
        let missing = folder.appendingPathComponent("no/such/dir/report.html")
        let failed = try CLI.run(["report", "scenario", Self.path("housing-2021-scenario.yaml"), "--payment-draws", "20", "--output", missing.path,
                                  "--database", conninfo, "-q"])
        CLI.expectCleanFailure(failed, status: 73, naming: ["--output", missing.deletingLastPathComponent().path])
        #expect(!FileManager.default.fileExists(atPath: missing.path))
    }
}
