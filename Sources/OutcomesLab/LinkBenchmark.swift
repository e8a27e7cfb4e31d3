import ArgumentParser
import Foundation
import OutcomesCLI
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

struct LinkBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Time the master person index end to end against Splink 5 on DuckDB; report F1 and peak memory.",
        discussion: """
            1. Synthetic identifier extracts (as `outcomes synth --identifiers` writes them) from four \
            sources, JMS, HMIS, UI and MMIS, up to --records records, with the truth;
            2. outcomes loads them (`outcomes load`) and links them with the spec (`outcomes link \
            run`: blocking, training, scoring, clustering, writing persons and links), timed, on a \
            database that holds no identifier records yet (outcomes db reset makes one);
            3. with --splink-python, Splink 5 (DuckDB) links the same file with the same model \
            (Tests/OutcomesDatabaseTests/reference/linkage/splink_synthetic.py --bench), timed as a \
            subprocess.
            Prints both times and their ratio, the peak memory of the PostgreSQL backend (its \
            VmHWM, plus the largest private memory its parallel workers held at once, sampled) and \
            of the Splink process, and both F1 against the truth.

            Without --records, 1,000,000 records (the figures in BENCHMARKS.md).

            Examples:
              outcomes-bench link --records 20000
            """
    )

    @Option(name: .long, help: "Identifier records to link (whole persons, up to this many).")
    var records = 1_000_000

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Noise in the identifier extracts: low, medium or high.")
    var noise: IdentifierNoiseLevel = .medium

    @Option(name: .long, help: ArgumentHelp("The linkage specification.", valueName: "file"))
    var spec = "scenarios/linkage-agencies.yaml"

    @Option(name: .long, help: ArgumentHelp("A Python with splink 5 installed; without it Splink is not run.", valueName: "path"))
    var splinkPython: String?

    @Option(name: .long, help: ArgumentHelp("Splink's side of the benchmark.", valueName: "path"))
    var splinkScript = "Tests/OutcomesDatabaseTests/reference/linkage/splink_synthetic.py"

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    /// The four sources of the benchmark (the JMS, HMIS, UI and MMIS).
    static let sources: [SourceSystem] = [.jail, .hmis, .wages, .medicaid]

    func run() throws {
        let progress = output.progress
        let specification = try LinkageSpec.read(path: spec)
        let folder = try SafeWriter.privateTemporaryFolder(prefix: "outcomes-bench-link")
        defer { try? FileManager.default.removeItem(at: folder) }
        progress.note("Writing up to \(records) identifier records…")
        let (written, persons) = try writeExtracts(into: folder)

        let (connection, target) = try database.connectReady(progress: progress)
        // The audit log is append-only, so a used database cannot be emptied: the benchmark wants a fresh one.
        guard try connection.execute("SELECT count(*) FROM linkage.identifiers").scalar(Int.self) == 0 else {
            throw ValidationError("The database already holds identifier records: run the link benchmark on a fresh database "
                                  + "(outcomes db reset, with OUTCOMES_DATA_DIR naming a scratch cluster, or --database).")
        }
        let backend = try connection.execute("SELECT pg_backend_pid()").scalar(Int.self)
        let sampler = ServerMemorySampler(backend: Int32(backend))
        sampler.start()
        progress.note("outcomes: loading and linking \(written) records…")
        let load = try measure { try ExtractLoader(directory: folder.appendingPathComponent("identifiers")).load(into: connection) }
        var stepTimes: [(String, Double)] = []
        let link = try measure { () throws -> LinkRunReport in
            try LinkageFunctions.ensure(on: connection)
            try DatabaseRole.linker.assume(on: connection)
            var runner = LinkRunner(spec: specification, specFile: spec)
            var last = DispatchTime.now().uptimeNanoseconds, current: String?
            runner.step = { name in
                let now = DispatchTime.now().uptimeNanoseconds
                if let current { stepTimes.append((current, Double(now - last) / 1e9)) }
                (current, last) = (name, now)
            }
            let report = try runner.run(on: connection)
            if let current { stepTimes.append((current, Double(DispatchTime.now().uptimeNanoseconds - last) / 1e9)) }
            return report
        }
        let serverMemory = sampler.stop()
        try connection.execute("RESET ROLE")
        let ours = try LinkScores.measure(folder: folder, threshold: specification.thresholds.match, run: link.value.runID, on: connection)

        var splink: SplinkRun?
        if let splinkPython {
            progress.note("Splink: linking the same file…")
            splink = try SplinkRun.run(python: splinkPython, script: splinkScript, folder: folder)
        }
        try output.emit(report(written: written, persons: persons, target: "\(target)", load: load.seconds, link: link.seconds,
                               run: link.value, steps: stepTimes, serverMemory: serverMemory, ours: ours, splink: splink))
    }

    /// identifiers/source_systems.csv, identifiers/identifiers.csv and truth.csv for the four
    /// sources; returns the records and persons written.
    private func writeExtracts(into folder: URL) throws -> (records: Int, persons: Int) {
        let codes = Set(Self.sources.map(\.code))
        // About 3.15 records per person fall in the four sources; a tenth more persons than that
        // needs, so that the loop below stops on the records, not the persons.
        let ids = SyntheticIDS(persons: Int(Double(records) / 3.15 * 1.1) + 10, seed: seed)
        let noise = IdentifierNoise.level(self.noise)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("identifiers"), withIntermediateDirectories: true)
        var systems = CSVTextBuffer()
        systems.row(SyntheticExtractFile.identifierSourceSystems.columns)
        for source in Self.sources { systems.row([source.code, source.name, source.agency, source.domain?.rawValue]) }
        try Data(systems.bytes).write(to: folder.appendingPathComponent(SyntheticExtractFile.identifierSourceSystems.rawValue))
        let identifierFile = try Self.create(folder.appendingPathComponent(SyntheticExtractFile.identifiers.rawValue))
        let truthFile = try Self.create(folder.appendingPathComponent(SyntheticExtractFile.truth.rawValue))
        defer { try? identifierFile.close(); try? truthFile.close() }
        var identifiers = CSVTextBuffer(), truth = CSVTextBuffer()
        identifiers.row(SyntheticExtractFile.identifiers.columns)
        truth.row(SyntheticExtractFile.truth.columns)
        var written = 0, persons = 0
        for id in ids.personIDs where written < records {
            let person = ids.person(id)
            let kept = ids.identifierRecords(of: ids.identity(of: person), links: ids.history(of: person).links, noise: noise)
                .filter { codes.contains($0.sourceSystem) }
            guard !kept.isEmpty, written + kept.count <= records else { continue }
            for record in kept {
                identifiers.row(record.fields)
                truth.row([record.sourceSystem, record.sourceKey, String(id)])
            }
            written += kept.count
            persons += 1
            if identifiers.count >= 1 << 20 {
                try identifierFile.write(contentsOf: identifiers.bytes)
                try truthFile.write(contentsOf: truth.bytes)
                identifiers.removeAll()
                truth.removeAll()
            }
        }
        try identifierFile.write(contentsOf: identifiers.bytes)
        try truthFile.write(contentsOf: truth.bytes)
        return (written, persons)
    }

    private static func create(_ url: URL) throws -> FileHandle {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        return try FileHandle(forWritingTo: url)
    }

    private func report(
        written: Int, persons: Int, target: String, load: Double, link: Double, run: LinkRunReport, steps: [(String, Double)],
        serverMemory: ServerMemorySampler.Peak, ours: LinkScores, splink: SplinkRun?
    ) -> Report {
        var loadAverage = [Double](repeating: 0, count: 3)
        _ = getloadavg(&loadAverage, 3)
        var result = Report(title: "Link benchmark: \(written) identifier records (\(persons) persons, seed \(seed), noise \(noise.rawValue))")
        result.notes = [
            "Sources JMS, HMIS, UI and MMIS; spec \(spec); \(run.candidatePairs) candidate pairs.",
            "Machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, "
                + "\(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB; 1-minute load average at the end "
                + String(format: "%.1f", loadAverage[0]) + "; database: \(target).",
        ]
        func seconds(_ value: Double) -> Cell { .text(String(format: "%.1f", value)) }
        func f1(_ value: Double) -> Cell { .text(String(format: "%.4f", value)) }
        var table = ReportTable(name: "link", title: "outcomes and Splink", columns: ["measure", "outcomes", "Splink"])
        let oursTotal = load + link
        table.rows = [
            [.text("load / read (s)"), seconds(load), splink.map { seconds($0.stages["read"] ?? 0) } ?? .null],
            [.text("link / train, predict, cluster (s)"), seconds(link),
             splink.map { seconds(($0.stages["train"] ?? 0) + ($0.stages["predict"] ?? 0) + ($0.stages["cluster"] ?? 0)) } ?? .null],
            [.text("end to end (s)"), seconds(oursTotal), splink.map { seconds($0.pipelineSeconds) } ?? .null],
            [.text("process wall, with start-up and scoring (s)"), .null, splink.map { seconds($0.processSeconds) } ?? .null],
            [.text("ratio Splink / outcomes, end to end"), splink.map { .text(String(format: "%.2f", $0.pipelineSeconds / oursTotal)) } ?? .null, .null],
            [.text("peak memory (MB)"), .int(serverMemory.backendMegabytes + serverMemory.workersMegabytes),
             splink.map { .int($0.peakMegabytes) } ?? .null],
            [.text("pairwise F1 at the match threshold"), f1(ours.pairwiseF1), splink.map { f1($0.pairwiseF1) } ?? .null],
            [.text("clustered F1 at the match threshold"), f1(ours.clusteredF1), splink.map { f1($0.clusteredF1) } ?? .null],
        ]
        var stages = ReportTable(name: "steps", title: "outcomes link run, by step", columns: ["step", "seconds"])
        stages.rows = steps.map { [.text($0.0), seconds($0.1)] }
        var memory = ReportTable(name: "memory", title: "PostgreSQL memory (MB)", columns: ["measure", "MB"])
        memory.rows = [[.text("backend peak (VmHWM)"), .int(serverMemory.backendMegabytes)],
                       [.text("parallel workers' private memory, largest sampled total"), .int(serverMemory.workersMegabytes)]]
        result.tables = [table, stages, memory]
        return result
    }
}

/// F1 of our run against the truth, as the Linkage tests score it.
struct LinkScores {
    var pairwiseF1: Double
    var clusteredF1: Double

    static func measure(folder: URL, threshold: Double, run: Int, on connection: PostgresConnection) throws -> LinkScores {
        try connection.execute("CREATE TEMP TABLE bench_truth (source_system text, source_key text, entity text)")
        defer { _ = try? connection.execute("DROP TABLE IF EXISTS bench_truth") }
        var reader = try CSVReader(path: folder.appendingPathComponent(SyntheticExtractFile.truth.rawValue).path)
        _ = try reader.next()
        var columns: [[String]] = [[], [], []]
        while let record = try reader.next() { for index in 0..<3 { columns[index].append(record.fields[index]) } }
        try connection.execute("INSERT INTO bench_truth SELECT * FROM unnest(\(columns[0])::text[], \(columns[1])::text[], \(columns[2])::text[])")
        let truePairs = try connection.execute(
            "SELECT coalesce(sum(n * (n - 1) / 2), 0)::float8 FROM (SELECT count(*) AS n FROM bench_truth GROUP BY entity) g").scalar(Double.self)
        let pairwise = try connection.execute("""
            SELECT count(*) FILTER (WHERE ta.entity = tb.entity)::float8, count(*)::float8
            FROM linkage.pairs p
            JOIN linkage.identifiers a ON a.record_id = p.record_l JOIN linkage.identifiers b ON b.record_id = p.record_r
            JOIN bench_truth ta ON ta.source_system = a.source_system AND ta.source_key = a.source_key
            JOIN bench_truth tb ON tb.source_system = b.source_system AND tb.source_key = b.source_key
            WHERE p.run_id = \(run) AND p.match_probability >= \(threshold)
            """).first { _ in true }.map { row in (try row.decode(Double.self, at: 0), try row.decode(Double.self, at: 1)) }
        let clustered = try connection.execute("""
            SELECT count(*) FILTER (WHERE ta.entity = tb.entity)::float8, count(*)::float8
            FROM ids.source_links a JOIN ids.source_links b
              ON b.person_id = a.person_id AND (a.source_system, a.source_key) < (b.source_system, b.source_key)
            JOIN bench_truth ta ON ta.source_system = a.source_system AND ta.source_key = a.source_key
            JOIN bench_truth tb ON tb.source_system = b.source_system AND tb.source_key = b.source_key
            """).first { _ in true }.map { row in (try row.decode(Double.self, at: 0), try row.decode(Double.self, at: 1)) }
        func f1(_ counts: (Double, Double)?) -> Double {
            guard let (truePositives, predicted) = counts, predicted + truePairs > 0 else { return 0 }
            return 2 * truePositives / (predicted + truePairs)
        }
        return LinkScores(pairwiseF1: f1(pairwise), clusteredF1: f1(clustered))
    }
}

/// Splink's side: the reference script run as a subprocess, and what its JSON says.
struct SplinkRun {
    var processSeconds: Double
    var pipelineSeconds: Double
    var stages: [String: Double]
    var peakMegabytes: Int
    var pairwiseF1: Double
    var clusteredF1: Double

    private struct Output: Decodable {
        struct Scores: Decodable { var f1: Double }
        var pairwise: Scores
        var clustered: Scores
        var wall_seconds: Double
        var stage_seconds: [String: Double]
        var peak_rss_mb: Double
    }

    static func run(python: String, script: String, folder: URL) throws -> SplinkRun {
        let json = folder.appendingPathComponent("splink.json")
        let timed = try measure {
            try ProcessRunner.run(URL(fileURLWithPath: python), [script, folder.path, json.path, "--bench"], separateErrors: true)
        }
        guard timed.value.succeeded else {
            throw ValidationError("Splink failed (status \(timed.value.status)): \(timed.value.errors.suffix(2000))")
        }
        let output = try JSONDecoder().decode(Output.self, from: Data(contentsOf: json))
        return SplinkRun(processSeconds: timed.seconds, pipelineSeconds: output.wall_seconds, stages: output.stage_seconds,
                         peakMegabytes: Int(output.peak_rss_mb), pairwiseF1: output.pairwise.f1, clusteredF1: output.clustered.f1)
    }
}
