import ArgumentParser
import Foundation
import OutcomesCLI
import OutcomesDatabase
import OutcomesDomain

/// How long the HTML reports of the demo take to render and how large they are.
struct ReportBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Time the HTML reports of the demo's contracts: each report's rendering and its size.",
        discussion: """
            On the demo's data set (loaded unless it is), computes what each report is of — the \
            housing contract's metrics for 2023, its payment runs, the matched comparison, the \
            scenario with --payment-draws — (not timed), then renders each report as HTML (the \
            best of three) and prints the time and the file's size: the targets are 2 s and 2 MB.

            Examples:
              outcomes-bench report --persons 3000 --payment-draws 50
            """
    )

    @Option(name: .long, help: "People in the data set (the demo's size by default).")
    var persons = 50_000

    @Option(name: .long, help: "Random seed of that data set.")
    var seed: UInt64 = 2026

    @Option(name: .long, help: "Draws of the scenario's payment projection.")
    var paymentDraws = 1_000

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let progress = output.progress
        let (connection, _) = try database.connectReady(progress: progress)
        try reuseOrLoadSynthetic(persons: persons, seed: seed, connection: connection, progress: progress)
        let directory = try ResourceFolder.scenarios.directory()
        let stored = try DemoCommand.loadContract(directory.appendingPathComponent(DemoCommand.contractFile).path, on: connection)
        progress.note("Computing what the reports are of (not timed)…")
        var metricsRows: [ProviderMetricResult] = []
        for period in stored.contract.periods where period.start <= (stored.contract.period(DemoCommand.metricsPeriod)?.start ?? period.start) {
            let rows = try acting(as: .analyst, on: connection) { try MetricsRunner(stored: stored).run(period: period, on: connection) }
            if period.label == DemoCommand.metricsPeriod { metricsRows = rows }
        }
        for period in stored.contract.periods.prefix(2) {
            _ = try acting(as: .payments, on: connection) { try PaymentRunner(stored: stored).run(period: period.label, on: connection) }
        }
        let evaluationPath = directory.appendingPathComponent(DemoCommand.evaluationFile).path
        let evaluationText = try YAMLFile.read(evaluationPath)
        let evaluation = try EvaluationDefinition.parse(yaml: evaluationText, file: evaluationPath)
        let comparison = try acting(as: .analyst, on: connection) {
            try ComparisonRunner(definition: evaluation, text: evaluationText, stored: stored, period: nil, source: .pool).run(on: connection)
        }
        let scenarioPath = directory.appendingPathComponent(DemoCommand.scenarioFile).path
        let scenarioText = try YAMLFile.read(scenarioPath)
        var definition = try ScenarioDefinition.parse(yaml: scenarioText, file: scenarioPath)
        definition.paymentDraws = paymentDraws
        let scenario = try acting(as: .analyst, on: connection) {
            try ScenarioRunner(definition: definition, text: scenarioText, file: scenarioPath).run(on: connection)
        }
        let provider = try connection.execute("SELECT min(provider_id) FROM payments.ledger WHERE contract_id = \(stored.contract.id)").scalar(String.self)
        let statement = try acting(as: .analyst, on: connection) { try ProviderStatement.read(contract: stored, provider: provider, on: connection) }
        let summary = try acting(as: .analyst, on: connection) { try PaymentSummary.read(contract: stored, on: connection) }
        let policy = SmallCellPolicy()
        let metricsPeriod = stored.contract.period(DemoCommand.metricsPeriod)!
        let reports: [(String, () -> Report)] = [
            ("metrics", { Report(metrics: metricsRows, contract: stored.contract, period: metricsPeriod, policy: policy) }),
            ("payments (statement)", { Report(statement: statement) }),
            ("summary", { Report(summary: summary) }),
            ("compare", { Report(comparison: comparison.result, source: stored.contract.id, policy: policy) }),
            ("scenario", { Report(scenario: scenario) }),
        ]
        var table = ReportTable(name: "report_benchmark", title: "HTML reports of \(stored.contract.id), \(persons) people (best of three)",
                                columns: ["report", "charts", "tables", "seconds", "kilobytes"])
        for (name, build) in reports {
            let runs = try (0..<3).map { _ in try measure { () -> (Report, String) in let report = build(); return (report, try report.render(.html)) } }
            let best = runs.min { $0.seconds < $1.seconds }!
            table.rows.append([.text(name), .int(best.value.0.charts.count), .int(best.value.0.tables.count), .text(String(format: "%.3f", best.seconds)),
                               .int(best.value.1.utf8.count / 1024)])
        }
        var report = Report(title: "Report benchmark")
        report.notes = ["Rendering: the report built from computed results and written as HTML (inline CSS and SVG); targets 2 s and 2 MB.",
                        "Peak memory \(peakResidentMegabytes()) MB."]
        report.tables = [table]
        try output.emit(report)
    }
}
