import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import OutcomesDatabase
import OutcomesDomain
import OutcomesTestSupport
import Testing

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
        let reports: [(name: String, arguments: [String], charts: Int)] = [
            ("comparison", ["report", "compare", "--evaluation", Self.path("housing-2021-evaluation.yaml")], 5),
            ("scenario", ["report", "scenario", Self.path("housing-2021-scenario.yaml"), "--payment-draws", "200"], 7),
            ("metrics", ["report", "metrics", "--contract", "housing-2021", "--period", "2022"], 5),
            ("summary", ["report", "summary", "--contract", "housing-2021"], 2),
            ("statement", ["report", "payments", "--contract", "housing-2021", "--provider", "hearth"], 1),
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
        }
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
