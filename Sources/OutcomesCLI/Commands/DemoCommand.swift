import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

package struct DemoCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Set up the demo: start the database, migrate, generate the demo data set, summarize it.",
        discussion: """
            Then computes the outcome metrics of scenarios/housing-2021.yaml for 2023 and prints \
            them by provider (a monthly cycle: the shelter system's December 2024 arrives a month \
            late, as a monthly extract loaded after a first computation, and the metrics are \
            computed again only for the persons it changed), runs the data-quality checks of `outcomes quality`, loads the payment \
            terms of scenarios/reentry-2021.yaml (a rate card) and housing-2021.yaml (an effect-based \
            line against the control arm and a per-day line), posts their payment runs for 2021Q1 \
            and 2022 (a second demo finds nothing new to post; the reentry run is staged and \
            approved by a second login the demo creates, as its maker–checker terms require) \
            and prints a housing provider's statement, a matched comparison and the housing \
            scenario's benefits and costs; then the two-generation contract of \
            scenarios/family-2021.yaml (metrics over the parents' children and households for 2023, \
            its payment run for 2023, a comparison matched exactly on the number of young \
            children); and verifies the ledger, every run recomputed from its sealed inputs; each \
            step's full report is written as an HTML page with charts into --reports. On the \
            embedded cluster unless a database is named (which it migrates). The demo data \
            set replaces the IDS data, so a database holding a loaded extract is refused. A second \
            run reuses the data set when it is already loaded with the same size and seed; --fresh \
            regenerates it.

            Examples:
              outcomes demo
              outcomes demo --persons 5000 --format json
              outcomes demo --fresh --quiet
            """
    )

    package static let contractFile = "housing-2021.yaml"
    static let contractID = "housing-2021"
    static let scenarioID = "housing-2021-benefit-cost"
    package static let metricsPeriod = "2023"
    package static let paymentsFile = "reentry-2021.yaml"
    static let paymentsPeriod = "2021Q1"

    @Option(name: .long, help: "Number of people in the demo data set.")
    var persons = 50_000

    @Option(name: .long, help: "Random seed of the demo data set.")
    var seed: UInt64 = 2026

    @Flag(name: .long, help: "Regenerate the data set even when it is already loaded.")
    var fresh = false

    @Option(name: .long, help: ArgumentHelp("A folder for each step's full report as an HTML page with charts (made if need be).", valueName: "folder"))
    var reports = "outcomes-demo-reports"

    @OptionGroup var suppression: SuppressionOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    package init() {}

    package func validate() throws {
        guard (1...20_000_000).contains(persons) else {
            throw ValidationError("--persons must be between 1 and 20000000, not \(persons).")
        }
    }

    package func run() throws {
        try reportsWriter.check(reports, folder: true)
        // Every file the demo reads, before it touches the database: a missing one stops it before the data set is replaced.
        let files = try DemoFiles.read()
        let progress = output.progress
        let (connection, target) = try database.connectReady(progress: progress, migrateNamed: true)
        progress.note("Using \(target).")
        // Outcome metrics of the demo contract, for the last year whose 12-month windows are all observed.
        let file = files.contract.path
        let stored = try Self.loadContract(files.contract, on: connection)
        let contract = stored.contract
        let period = try contract.period(DemoCommand.metricsPeriod).orThrow(
            ValidationError("\(file) has no period \(DemoCommand.metricsPeriod)"))
        let computeMetrics = {
            try acting(as: .analyst, on: connection) { try MetricsRunner(stored: stored).compute(period: period, on: connection) }
        }

        let data = DemoData(persons: persons, seed: seed)
        var linked: DemoData.Loaded?
        if !fresh, let loadID = try data.existingLoad(on: connection) {
            progress.note("Reusing the data set already loaded and linked (load \(loadID)).")
        } else {
            // The monthly cycle: the metrics are computed before the late month arrives, and again after.
            linked = try data.load(spec: files.linkage, connection: connection, progress: progress) { _ = try computeMetrics() }
        }
        let policy = suppression.policy
        var report = Report(
            summary: try IDSSummary.read(from: connection), policy: policy,
            title: "Demo IDS: \(persons) synthetic people, seed \(seed), linked from their agencies' records")
        if let linked { report.addLinkage(linked) }

        let computation = try computeMetrics()
        if let linked { report.addMonthlyLoad(linked.monthly, policy: policy) }
        report.notes += computation.arms.map { "Metrics: \($0.note(policy))" }
        let metrics = Report(metrics: computation.results, contract: contract, period: period, policy: policy)
        report.notes += metrics.notes.map { "Metrics: \($0)" }
        report.tables += metrics.tables

        // Whether the data is fit for computing payments: the checks of `outcomes quality`.
        let quality = QualityAssessment(
            try acting(as: .analyst, on: connection) {
                try QualityQueries.measure(on: connection, dataThrough: nil, reviewScore: QualityThresholds.defaults.reviewScore)
            },
            thresholds: .defaults)
        report.notes.append("Data quality: " + Report.verdict(on: quality) + " Full report: outcomes quality.")
        report.tables.append(Report.checks(quality, name: "quality_checks", title: "Data-quality checks"))
        var pages = [("metrics", metrics)]
        if let statement = try addPayments(to: &report, files: files, on: connection, target: target) { pages.append(("statement", statement)) }
        pages.append(("comparison", try addComparison(to: &report, file: files.evaluation, on: connection)))
        pages.append(("scenario", try addScenario(to: &report, file: files.scenario, on: connection)))
        try addFamilies(to: &report, files: files, on: connection)
        report.notes.append(try verifyLedger(on: connection))
        let openData = try openDataPackage(of: stored, period: period, file: files.publication, notingIn: &report, on: connection)
        try writePages(pages, templates: files.templates, openData: openData, notingIn: &report)
        try output.emit(report)
    }

    /// The housing participants against a propensity-matched pool of people never referred: the
    /// estimates, sample sizes and balance after matching (`outcomes compare` prints all of it).
    func addComparison(to report: inout Report, file: DemoFiles.File, on connection: PostgresConnection) throws -> Report {
        let (path, text) = file
        let definition = try EvaluationDefinition.parse(yaml: text, file: path)
        let stored = try ContractStore.stored(reference: definition.contract, on: connection)
        let outcome = try acting(as: .analyst, on: connection) {
            try ComparisonRunner(definition: definition, text: text, stored: stored, period: nil, source: .pool).run(on: connection)
        }
        let comparison = Report(comparison: outcome.result, source: stored.contract.id, policy: suppression.policy,
                                labels: definition.metricLabels(stored.contract))
        report.notes.append("Comparison (evaluation \(definition.id), run \(outcome.runID)): " + comparison.notes.joined(separator: " ")
                            + " Full report: outcomes compare --evaluation scenarios/\(DemoCommand.evaluationFile).")
        // The estimates for all participants (not per provider), their sample sizes and the balance after matching.
        let tables = ComparisonTables(outcome.result, estimates: outcome.result.estimates.filter { $0.group == nil }, policy: suppression.policy)
        let shown = [(tables.estimates, "estimates", "Comparison: effect estimates against a matched pool (ATT)"),
                     (tables.sampleSizes, "sample_sizes", "Comparison: sample sizes")]
            + (tables.balanceAfter.map { [($0, "balance_matched", "Comparison: balance after matching")] } ?? [])
        report.tables += shown.map { table, name, title in
            table.renamed("comparison_\(name)", title: title)
        }
        return comparison
    }

    /// Two contracts paid for their first period — the reentry rate card, the housing effect-based
    /// and per-day lines — and one housing provider's statement.
    func addPayments(to report: inout Report, files: DemoFiles, on connection: PostgresConnection, target: DatabaseTarget) throws -> Report? {
        var stored: StoredContract?
        for (contractFile, label) in [(files.payments, DemoCommand.paymentsPeriod), (files.contract, "2022")] {
            let file = contractFile.path
            let loaded = try Self.loadContract(contractFile, on: connection)
            let contract = loaded.contract
            stored = loaded
            let period = try contract.period(label).orThrow(ValidationError("\(file) has no period \(label)"))
            // A payment run reads every period up to the one it pays, computed from the loaded version.
            for earlier in contract.periods.prefix(while: { $0.start <= period.start }) {
                try acting(as: .analyst, on: connection) { try MetricsRunner(stored: loaded).run(period: earlier, on: connection) }
            }
            let run = try acting(as: .payments, on: connection) { try PaymentRunner(stored: stored!).run(period: period.label, on: connection) }
            report.notes.append("Payments of \(contract.id): " + Report.outcome(of: run))
            // Maker–checker terms: the run is staged by this login and approved by a second one.
            if case .staged(let stagedID) = run.outcome {
                report.notes.append(try approve(stagedID, of: contract.id, on: connection, target: target))
            }
        }
        guard let stored, let provider = try connection.execute("""
            SELECT min(provider_id) FROM payments.ledger WHERE contract_id = \(stored.contract.id)
            """).scalar(String?.self) else { return nil }
        let statement = try acting(as: .analyst, on: connection) {
            try ProviderStatement.read(contract: stored, provider: provider, on: connection)
        }
        report.notes.append("Payments: statement of \(provider) — " + Report.netPaid(statement) + " Full statement: "
                            + "outcomes payments statement --contract \(stored.contract.id) --provider \(provider).")
        // Published like every demo table: small participant counts are suppressed.
        let tables = StatementTables(statement, policy: suppression.policy)
        report.tables += [tables.lines, tables.caps, tables.determinations, tables.payers].map { table in
            table.renamed("statement_\(table.name)", title: "Statement of \(provider): \(table.title.lowercased())")
        }
        return Report(statement: statement)
    }

    /// The reports folder's writer: it replaces a folder an earlier demo wrote before folders were marked.
    var reportsWriter: SafeWriter {
        var writer = SafeWriter(option: "--reports")
        writer.formerEntries = ["metrics.html", "statement.html", "comparison.html", "scenario.html", "metrics-notebook", "scenario-notebook"]
        return writer
    }

    /// Each step's full report as an HTML page in the reports folder, named in a note.
    func writePages(_ pages: [(String, Report)], templates: [NotebookExport.Kind: NotebookTemplate], openData: OpenDataPackage?,
                    notingIn report: inout Report) throws {
        // The metrics and the scenario as notebooks too, each with its tables beside it.
        let notebooks: [(NotebookExport.Kind, [String: String])] = [
            (.metrics, ["contract": DemoCommand.contractID, "period": DemoCommand.metricsPeriod]), (.scenario, ["scenario": DemoCommand.scenarioID]),
        ]
        // The whole folder is written beside the old one and renamed into place.
        let writer = reportsWriter
        try writer.writeFolder(at: reports) { folder in
            for (name, page) in pages { try writer.write(page.render(.html), to: folder + "/\(name).html") }
            for (kind, parameters) in notebooks {
                guard let page = pages.first(where: { $0.0 == kind.rawValue })?.1, let template = templates[kind] else { continue }
                try writer.writeFolder(at: folder + "/\(kind.rawValue)-notebook") { notebook in
                    try writer.writeTables(page, into: notebook + "/data")
                    try NotebookExport.writeNotebook(template, parameters: parameters, into: notebook, option: "--reports")
                }
            }
            if let openData { try writer.writeFolder(at: folder + "/\(DemoCommand.openDataFolder)") { try openData.write(into: $0) } }
        }
        report.notes.append("Reports: \(pages.map { "\($0.0).html" }.joined(separator: ", ")) in \(reports)/ — one self-contained page each, with charts; "
                            + "notebooks metrics-notebook/ and scenario-notebook/ beside them reproduce the metrics and the scenario from their CSV files or the database.")
    }
}

extension DemoCommand {
    /// The housing contract's open-data package for the metrics period, to go in the reports
    /// folder; with data too small to publish anything, a note says so instead.
    func openDataPackage(of stored: StoredContract, period: ReportingPeriod, file: DemoFiles.File, notingIn report: inout Report,
                         on connection: PostgresConnection) throws -> OpenDataPackage? {
        let profile = try PublicationProfile.parse(yaml: file.text, file: file.path)
        do {
            // Under the database's one publication threshold (the profile's, unless a package set
            // another), which must be the one the demo's own tables beside it are suppressed under.
            let built = try acting(as: .analyst, on: connection) {
                try connection.transaction { connection -> (PublicationThreshold, OpenDataPackage?) in
                    let settled = try PublicationThreshold.settle(proposing: profile.smallCellThreshold, on: connection)
                    guard settled.threshold == suppression.smallCellThreshold else { return (settled, nil) }
                    return (settled, try OpenDataPackage.make(stored: stored, periods: [period], tables: [], by: [],
                                                              policy: SmallCellPolicy(threshold: settled.threshold), profile: profile, on: connection))
                }
            }
            guard let package = built.1 else {
                report.notes.append("Open data: not published — the demo's tables are suppressed under \(suppression.smallCellThreshold) and this "
                                    + "database publishes under \(built.0.threshold); the same table under two thresholds could give back a cell "
                                    + "either hides. outcomes publish writes the package under \(built.0.threshold).")
                return nil
            }
            report.notes.append("Open data: \(stored.contract.id)'s \(period.label) package in \(reports)/\(DemoCommand.openDataFolder)/ — "
                                + package.resources.map(\.path).joined(separator: ", ") + " with its Table Schema, datapackage.json (Frictionless), "
                                + "data.json (DCAT-US 1.1, from scenarios/\(DemoCommand.publicationFile)) and README.md; others: outcomes publish.")
            return package
        } catch let error as PublishEmptyError {
            report.notes.append("Open data: not published — \(error.message)")
            return nil
        }
    }

    package static let publicationFile = "publication-profile.yaml"
    package static let openDataFolder = "open-data"
    package static let evaluationFile = "housing-2021-evaluation.yaml"
    package static let scenarioFile = "housing-2021-scenario.yaml"

    /// The housing contract's benefits and costs per participant, from the comparison just stored.
    func addScenario(to report: inout Report, file: DemoFiles.File, on connection: PostgresConnection) throws -> Report {
        let (path, text) = file
        let definition = try ScenarioDefinition.parse(yaml: text, file: path)
        let outcome = try acting(as: .analyst, on: connection) {
            try ScenarioRunner(definition: definition, text: text, file: path).run(on: connection)
        }
        report.notes.append("Scenario (\(definition.id)): " + Report.scenarioRunNotes(outcome).joined(separator: " ")
                            + " Full report: outcomes scenario run scenarios/\(Self.scenarioFile).")
        report.tables.append(Report.benefitCost(outcome, name: "scenario_benefit_cost", title: "Scenario: benefits and costs per participant"))
        if let payments = outcome.payments {
            report.tables.append(Report.paymentsByYear(payments, currency: outcome.currency, name: "scenario_payments_by_year",
                                                       title: "Scenario: outcome payments by year"))
        }
        let page = Report(scenario: outcome)
        // What the numbers say and what drives them, so the summary names the next question too.
        if !page.reading.isEmpty { report.notes.append("Scenario, in plain words: " + page.reading.joined(separator: " ")) }
        return page
    }

    /// Loads a scenario contract (no change when its version is already loaded) and returns it as stored.
    package static func loadContract(_ file: String, on connection: PostgresConnection) throws -> StoredContract {
        try loadContract((file, try YAMLFile.read(file)), on: connection)
    }

    /// Loads a scenario contract already read.
    static func loadContract(_ file: DemoFiles.File, on connection: PostgresConnection) throws -> StoredContract {
        try acting(as: .payments, on: connection) { try ContractStore.loadStored(text: file.text, file: file.path, on: connection) }
    }
}

/// The scenario files and notebook templates the demo reads, all read before it starts.
struct DemoFiles {
    typealias File = (path: String, text: String)
    let contract, payments, evaluation, scenario, linkage, familyContract, familyEvaluation, publication: File
    let templates: [NotebookExport.Kind: NotebookTemplate]

    static func read() throws -> DemoFiles {
        let scenarios = ResourceFolder.scenarios
        return DemoFiles(
            contract: try scenarios.text(of: DemoCommand.contractFile), payments: try scenarios.text(of: DemoCommand.paymentsFile),
            evaluation: try scenarios.text(of: DemoCommand.evaluationFile), scenario: try scenarios.text(of: DemoCommand.scenarioFile),
            linkage: try scenarios.text(of: DemoData.specFile),
            familyContract: try scenarios.text(of: DemoCommand.familyContractFile),
            familyEvaluation: try scenarios.text(of: DemoCommand.familyEvaluationFile),
            publication: try scenarios.text(of: DemoCommand.publicationFile),
            templates: [.metrics: try NotebookTemplate.read(.metrics), .scenario: try NotebookTemplate.read(.scenario)])
    }
}

/// Runs one step of the demo as the role that step's command takes, then returns to the demo's own.
package func acting<T>(as role: DatabaseRole, on connection: PostgresConnection, _ body: () throws -> T) throws -> T {
    try role.assume(on: connection)
    defer { _ = try? connection.execute("RESET ROLE") }
    return try body()
}

extension Optional {
    func orThrow(_ error: @autoclosure () -> Error) throws -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}
