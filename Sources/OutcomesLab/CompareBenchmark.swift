import ArgumentParser
import Foundation
import OutcomesCLI
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

struct CompareBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Time a cohort comparison on the IDS, and the same specification in R's MatchIt on the same table.",
        discussion: """
            Loads the synthetic data set unless it is already loaded, loads the housing contract, then \
            times `outcomes compare` of all its participants against every person with a shelter \
            stay in 2019–2020 who was never referred (17 covariates built in PostgreSQL, a logistic \
            propensity model, 1:1 nearest-neighbour matching without replacement within index \
            quarters and a 0.2 SD caliper, balance, estimates, the run stored). Then exports the \
            unit table the estimators read to CSV and runs, one after the other, `outcomes compare \
            --data` and R's MatchIt (Rscript, with sandwich for the clustered SE) on it with the same \
            specification, each as a whole process; prints both times and their ratio. R runs at \
            most 10 minutes; if it does not finish, the pool is halved until it does, and the sizes \
            compared are said. The R side runs MatchIt 4.7.2, the version whose matches the tool \
            reproduces: from --r-library DIR (else R_LIBS), where `bash shared/vendor/r/build.sh DIR` \
            installs it. Without Rscript, sandwich, or MatchIt 4.7.2 there, that pair is skipped and \
            the report says why.

            Without --persons, 1,000,000 people (the figures in BENCHMARKS.md).

            Examples:
              outcomes-bench compare --persons 5000
              outcomes-bench compare --persons 5000 --format json --quiet
              outcomes-bench compare --persons 5000 --r-library /tmp/r-lib
            """
    )

    @Option(name: .long, help: ArgumentHelp("An R library holding MatchIt 4.7.2 (default: R_LIBS).", valueName: "dir"))
    var rLibrary: String?

    @OptionGroup var data: BenchmarkDataOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    static let covariates = [
        ("shelter_days_2019_2020", "days_covered", "shelter", "{anchor: date, date: 2019-01-01, from: 0 days, to: 729 days}"),
        ("shelter_days_2020", "days_covered", "shelter", "{anchor: date, date: 2020-01-01, from: 0 days, to: 365 days}"),
        ("shelter_entries_2019_2020", "count", "shelter", "{anchor: date, date: 2019-01-01, from: 0 days, to: 729 days}"),
        ("any_jail_2019_2020", "any", "jail", "{anchor: date, date: 2019-01-01, from: 0 days, to: 729 days}"),
        ("jail_days_2019_2020", "days_covered", "jail", "{anchor: date, date: 2019-01-01, from: 0 days, to: 729 days}"),
        ("shelter_entries_12m_before", "count", "shelter", "{anchor: index_date, from: -12 months, to: -1 day}"),
        ("shelter_days_12m_before", "days_covered", "shelter", "{anchor: index_date, from: -365 days, to: -1 day}"),
        ("jail_days_12m_before", "days_covered", "jail", "{anchor: index_date, from: -365 days, to: -1 day}"),
        ("jail_bookings_12m_before", "count", "jail", "{anchor: index_date, from: -12 months, to: -1 day}"),
        ("er_visits_12m_before", "count", "er_visit", "{anchor: index_date, from: -12 months, to: -1 day}"),
        ("er_visits_24m_before", "count", "er_visit", "{anchor: index_date, from: -24 months, to: -1 day}"),
        ("wages_4q_before", "sum", "wages", "{anchor: index_date, from: -4 quarters, to: -1 day}"),
        ("quarters_employed_4q_before", "count", "wages", "{anchor: index_date, from: -4 quarters, to: -1 day}"),
        ("benefit_days_12m_before", "days_covered", "benefit", "{anchor: index_date, from: -365 days, to: -1 day}"),
    ]
    static let attributes = ["age", "sex", "county"]

    static var evaluationYAML: String {
        """
        evaluation: bench-housing
        contract: housing-2021
        pool:
          eligibility: {domain: shelter}
          intake: {from: 2019-01-01, to: 2020-12-31}
          index_date: participants
          seed: 2021
        covariates:
        \(covariates.map { "  - {id: \($0.0), measure: \($0.1), domain: \($0.2), window: \($0.3)}" }.joined(separator: "\n"))
        \(attributes.map { "  - \($0)" }.joined(separator: "\n"))
        exact: [index_quarter]
        outcomes: [shelter_entries_12m]
        caliper: 0.2
        """
    }

    func run() throws {
        let progress = output.progress
        let (connection, target) = try database.connectReady(progress: progress)
        try reuseOrLoadSynthetic(persons: data.persons, seed: data.seed, connection: connection, progress: progress)
        let file = try ResourceFolder.scenarios.directory().appendingPathComponent(DemoCommand.contractFile).path
        // The demo contract's own version (loading it again changes nothing), not the latest: a later
        // version (the payments benchmark's) may select its participants otherwise.
        let stored = try DemoCommand.loadContract(file, on: connection)
        let definition = try EvaluationDefinition.parse(yaml: Self.evaluationYAML, file: "bench-housing.yaml")
        progress.note("Comparing the housing participants with the pool (17 covariates)…")
        let ids = try measure {
            try acting(as: .analyst, on: connection) {
                try ComparisonRunner(definition: definition, text: Self.evaluationYAML, stored: stored, period: nil, source: .pool).run(on: connection)
            }
        }
        let peak = peakResidentMegabytes()
        let outcome = ids.value
        let directory = try SafeWriter.privateTemporaryFolder(prefix: "outcomes-bench-compare")
        defer { try? FileManager.default.removeItem(at: directory) }
        let names = Self.covariates.map(\.0) + Self.attributes
        var sizes = (treated: outcome.table.treated.filter { $0 }.count, pool: outcome.table.treated.filter { !$0 }.count)

        var report = Report(title: "Comparison benchmark: \(data.persons) people, seed \(data.seed)")
        report.notes = [
            "Units: \(sizes.treated) participants of housing-2021, \(sizes.pool) in the pool; \(names.count) covariates "
                + "(\(Self.covariates.count) metrics before the index date, \(Self.attributes.joined(separator: ", "))); 1:1 matching "
                + "without replacement, exact on index quarter, caliper 0.2 SD; database: \(target).",
        ]
        var table = ReportTable(name: "compare", title: "Timing", columns: ["measure", "value"])
        table.rows = [
            [.text("outcomes compare on the IDS, end to end (s)"), .text(String(format: "%.2f", ids.seconds))],
            [.text("peak memory of outcomes (MB)"), .int(peak)],
        ]

        // The same table, both tools, whole processes.
        var csv = outcome.table
        if let rscript = ["/usr/bin/Rscript", "/usr/local/bin/Rscript"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            let script = directory.appendingPathComponent("matchit.R")
            try Data(Self.rScript(names).utf8).write(to: script)
            while true {
                let path = directory.appendingPathComponent("units.csv").path
                try Self.writeCSV(csv, columns: names + ["index_quarter", "shelter_entries_12m"], to: path)
                let ours = try measure {
                    try ProcessRunner.run(outcomesBinary(), [
                        "compare", "--data", path, "--treatment", "treat", "--id", "id", "--covariates", names.joined(separator: ","),
                        "--outcome", "shelter_entries_12m", "--exact", "index_quarter", "--caliper", "0.2", "--format", "json", "-q",
                    ])
                }
                guard ours.value.succeeded else { throw ValidationError("outcomes compare --data failed: \(ours.value.output.prefix(400))") }
                progress.note("Running R MatchIt on \(csv.count) units (at most 10 minutes)…")
                let library = rLibrary ?? ProcessInfo.processInfo.environment["R_LIBS"] ?? ""
                let r = try measure {
                    try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"), ["R_LIBS=\(library)", "/usr/bin/timeout", "600", rscript, script.path, path])
                }
                if r.value.status == Self.wrongMatchItVersion {
                    report.notes.append("R's MatchIt \(library.isEmpty ? "" : "in \(library) ")is not 4.7.2 (\(r.value.output.split(separator: "\n").last.map(String.init) ?? "not found")): the side-by-side pair was skipped, since other versions match otherwise. Install it with `bash shared/vendor/r/build.sh DIR` and pass --r-library DIR.")
                    break
                }
                if r.value.succeeded {
                    let size = csv.count == outcome.table.count ? "the whole table" : "\(csv.count) units (the pool halved until MatchIt finished in 10 minutes)"
                    table.rows += [
                        [.text("outcomes compare --data on the exported table (s)"), .text(String(format: "%.2f", ours.seconds))],
                        [.text("R MatchIt + sandwich on the same table (s)"), .text(String(format: "%.2f", r.seconds))],
                        [.text("ratio R / outcomes"), .text(String(format: "%.1f", r.seconds / ours.seconds))],
                    ]
                    report.notes.append("Side by side on \(size): both read the CSV, fit the model, match, summarize balance and estimate the ATT with an SE clustered by pair. "
                                        + "outcomes: \(Self.summary(ours.value.output)) \(r.value.output.split(separator: "\n").last.map(String.init) ?? "")")
                    break
                }
                guard r.value.status == 124, sizes.pool > 1_000 else {
                    report.notes.append("R MatchIt failed (exit \(r.value.status)): \(r.value.output.suffix(300))")
                    break
                }
                sizes.pool /= 2
                let keep = csv.ids.indices.filter { csv.treated[$0] } + csv.ids.indices.filter { !csv.treated[$0] }.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
                csv = csv.subset(keep)
            }
        } else {
            report.notes.append("R (Rscript with r-cran-matchit and r-cran-sandwich) is not installed: the side-by-side pair was skipped.")
        }
        try timeDesigns(outcome.table, names: names, in: directory, table: &table, report: &report, progress: progress)
        report.tables = [table]
        try output.emit(report)
    }

    /// Every design on the whole exported table, each a whole `compare --data` process, against
    /// nearest-neighbour matching with the benchmark's specification.
    func timeDesigns(_ units: EvaluationTable, names: [String], in directory: URL, table: inout ReportTable, report: inout Report,
                     progress: Progress) throws {
        let path = directory.appendingPathComponent("designs.csv").path
        try Self.writeCSV(units, columns: names + ["index_quarter", "shelter_entries_12m"], to: path)
        let base = ["compare", "--data", path, "--treatment", "treat", "--id", "id", "--covariates", names.joined(separator: ","),
                    "--outcome", "shelter_entries_12m", "--format", "json", "-q"]
        func time(_ options: [String]) throws -> (value: ProcessRunner.Result, seconds: Double) {
            try measure { try ProcessRunner.run(outcomesBinary(), base + options) }
        }
        progress.note("Timing each design on the \(units.count) units…")
        let nearest = try time(["--exact", "index_quarter", "--caliper", "0.2"])
        guard nearest.value.succeeded else { throw ValidationError("outcomes compare --data failed: \(nearest.value.output.prefix(400))") }
        table.rows.append([.text("--method nearest (exact, caliper; s)"), .text(String(format: "%.2f", nearest.seconds))])
        // Sturges' bins on 15 numeric covariates leave every unit alone in its stratum: CEM coarsens them to halves.
        let halves = (Self.covariates.map(\.0) + ["age"]).map { "\($0)=2" }.joined(separator: ",")
        for method in ["weighting", "subclass", "cem", "ebal", "aipw"] {
            let run = try time(["--method", method] + (method == "cem" ? ["--cutpoints", halves] : []))
            guard run.value.succeeded else {
                report.notes.append("--method \(method) did not run on the benchmark table: \(run.value.output.split(separator: "\n").first ?? "")")
                continue
            }
            table.rows.append([.text("--method \(method) (s; ratio to nearest)"),
                               .text(String(format: "%.2f (%.2f)", run.seconds, run.seconds / nearest.seconds))])
        }
    }

    /// "N matched participants, ATT x (SE y)." from `compare --format json`'s tables, as the R script prints its own.
    static func summary(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let tables = object["tables"] as? [String: [[String: Any]]],
              let estimate = tables["estimates"]?.first(where: { $0["analysis"] as? String == "difference" && $0["provider"] as? String == "all" }),
              let matched = tables["sample_sizes"]?.first(where: { $0["sample"] as? String == "Matched" }),
              let att = (estimate["estimate"] as? NSNumber)?.doubleValue, let se = (estimate["std_error"] as? NSNumber)?.doubleValue,
              let treated = (matched["treated"] as? NSNumber)?.intValue
        else { return "(its estimate could not be read)." }
        return String(format: "%d matched participants, ATT %.4f (SE %.4f).", treated, att, se)
    }

    /// The R script's exit status when MatchIt 4.7.2 (or sandwich) is not in its library.
    static let wrongMatchItVersion: Int32 = 3

    static func rScript(_ names: [String]) -> String {
        """
        # The version whose matched sets outcomes reproduces; another one matches otherwise.
        if (!requireNamespace("MatchIt", quietly = TRUE) || !requireNamespace("sandwich", quietly = TRUE) ||
            packageVersion("MatchIt") != "4.7.2") {
          cat(if (requireNamespace("MatchIt", quietly = TRUE)) paste("found MatchIt", packageVersion("MatchIt")) else "MatchIt or sandwich not found", "\n")
          quit(status = \(wrongMatchItVersion))
        }
        suppressPackageStartupMessages({ library(MatchIt); library(sandwich) })
        d <- read.csv(commandArgs(trailingOnly = TRUE)[1], stringsAsFactors = TRUE)
        f <- treat ~ \(names.joined(separator: " + "))
        m <- matchit(f, data = d, method = "nearest", exact = ~index_quarter, caliper = 0.2)
        s <- summary(m)
        md <- match.data(m)
        fit <- lm(shelter_entries_12m ~ treat, data = md, weights = weights)
        se <- sqrt(diag(vcovCL(fit, cluster = ~subclass)))["treat"]
        cat(sprintf("MatchIt %s: %d matched participants, ATT %.4f (SE %.4f).\\n",
                    packageVersion("MatchIt"), sum(d$treat[m$weights > 0]), coef(fit)["treat"], se))
        """
    }

    static func writeCSV(_ table: EvaluationTable, columns: [String], to path: String) throws {
        var text = "id,treat," + columns.joined(separator: ",") + "\n"
        let values = columns.map { table.columns[$0]! }
        for row in 0..<table.count {
            text += table.ids[row] + "," + (table.treated[row] ? "1" : "0")
            for column in values {
                switch column {
                case .numeric(let v): text += ",\(v[row])"
                case .categorical(let v): text += ",\(v[row])"
                }
            }
            text += "\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
