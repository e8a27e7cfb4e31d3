import Foundation
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

/// The demo's data, built as a county builds its IDS: the synthetic agencies' extracts are written
/// (identifiers and content keyed by source records, as `synth --identifiers` writes them), the
/// identifiers are loaded and linked into persons with scenarios/linkage-agencies.yaml, then the
/// content is loaded through the index. The previous IDS data is replaced, as the pre-linked
/// synthetic data set replaces it; a database holding another extract is refused.
///
/// The shelter system's last month comes a month late, as a monthly extract: the content holds
/// its stays through November 2024 (those still open then without their end), and the monthly
/// load the stays of December and the ends of those that closed in it.
struct DemoData {
    let persons: Int
    let seed: UInt64
    static let specFile = "linkage-agencies.yaml"
    static let lateFeed = LateFeed(source: .hmis, from: LocalDate(year: 2024, month: 12, day: 1)!)

    struct Loaded {
        var link: LinkRunReport
        var identifiers: ExtractLoadReport
        var content: ExtractLoadReport
        /// The late month's extract, loaded after `beforeMonthly` ran.
        var monthly: ExtractLoadReport
    }

    /// The description of the demo's content load (without the late month).
    var contentDescription: String {
        "demo content before \(Self.lateFeed.source.code) from \(Self.lateFeed.from): \(persons) persons, seed \(seed), model \(SyntheticIDS.familyModelVersion)"
    }
    /// How the release before the monthly cycle described its content load, which held the whole
    /// data set (the late month too): the same data as this release's after its monthly load.
    var wholeContentDescription: String { "demo content: \(persons) persons, seed \(seed), model \(SyntheticIDS.familyModelVersion)" }
    /// The description of the demo's monthly load, its last: how a later demo knows it may reuse the data.
    var monthlyDescription: String {
        "demo monthly: \(Self.lateFeed.source.code) from \(Self.lateFeed.from), \(persons) persons, seed \(seed), model \(SyntheticIDS.familyModelVersion)"
    }

    /// The demo's data set is loaded whole and nothing came after it: its monthly load is the
    /// newest, or the whole content an earlier release loaded. (A run stopped between the content
    /// and the monthly load left the late month out: that data set is made again.)
    func existingLoad(on connection: PostgresConnection) throws -> Int? {
        guard let newest = try DataLoads.newest(on: connection), newest.finished, newest.kind == .extract else { return nil }
        let same = try connection.execute("""
            SELECT description IN (\(monthlyDescription), \(wholeContentDescription)) FROM ids.data_loads WHERE load_id = \(newest.id)
            """).scalar(Bool.self)
        return same ? newest.id : nil
    }

    /// Writes the agencies' extracts, loads and links the identifiers, loads the content, runs
    /// `beforeMonthly` (what the county computes before the late month arrives), then loads the
    /// monthly extract.
    func load(spec: (path: String, text: String), connection: PostgresConnection, progress: Progress,
              beforeMonthly: () throws -> Void) throws -> Loaded {
        let specification = try LinkageSpec.parse(text: spec.text, file: spec.path)
        let folder = try SafeWriter.privateTemporaryFolder(prefix: "outcomes-demo")
        defer { try? FileManager.default.removeItem(at: folder) }
        try write(into: folder, progress: progress)
        try clear(on: connection)
        let identifiers = try ExtractLoader(directory: folder.appendingPathComponent("identifiers"),
                                            description: "demo identifiers: \(persons) persons, seed \(seed)").load(into: connection)
        try LinkageFunctions.ensure(on: connection)
        let bar = progress.bar("Linking \(identifiers.tables.first { $0.file == "identifiers.csv" }?.rows ?? 0) identifier records")
        var runner = LinkRunner(spec: specification, specFile: spec.path)
        var done = 0
        runner.step = { _ in
            bar.update(done, of: LinkRunner.steps)
            done += 1
        }
        let link = try acting(as: .linker, on: connection) { try runner.run(on: connection) }
        bar.finish()
        let content = try ExtractLoader(directory: folder.appendingPathComponent("content"), description: contentDescription)
            .load(into: connection)
        try IDSMaintenance.refreshAfterLoad(connection)
        try beforeMonthly()
        let monthly = try ExtractLoader(directory: folder.appendingPathComponent(SyntheticExtractFile.lateFolder), description: monthlyDescription)
            .load(into: connection)
        return Loaded(link: link, identifiers: identifiers, content: content, monthly: monthly)
    }

    /// The synthetic agencies' files, in a private scratch folder.
    private func write(into folder: URL, progress: Progress) throws {
        var extracts = SyntheticExtractWriter(ids: SyntheticIDS(persons: persons, seed: seed, families: true), noise: .level(.medium))
        extracts.lateFeed = Self.lateFeed
        let bar = progress.bar("Writing the agencies' extracts for \(persons) people")
        extracts.progress = bar.update
        defer { bar.finish() }
        let files = StreamingFiles(root: folder.path, option: "--persons")
        for subfolder in extracts.folders { try files.makeFolder(subfolder) }
        try extracts.write { file, bytes in try files.append(bytes, to: file.rawValue) }
        try files.finish(folders: extracts.folders)
    }

    /// Empties the IDS and the index for the demo's data, refusing a database that holds another extract.
    private func clear(on connection: PostgresConnection) throws {
        try IndexReset.replaceForDemo(on: connection)
    }
}

extension Report {
    /// The demo's monthly load: the shelter system's late month (its counts suppressed as every published count).
    mutating func addMonthlyLoad(_ monthly: ExtractLoadReport, policy: SmallCellPolicy) {
        let feed = DemoData.lateFeed
        let events = monthly.tables.first { $0.file == ExtractLayout.events.file }
        let changed = monthly.changedPersons ?? 0
        notes.append("Monthly load (load \(monthly.loadID)): \(feed.source.name) sent its shelter stays from \(feed.from) a month late, "
                     + "as a monthly extract after the metrics were first computed: \(policy.shown(events?.inserted ?? 0)) new stays and "
                     + "\(policy.shown(events?.updated ?? 0)) stays closed, changing \(policy.shown(changed)) person\(changed == 1 ? "" : "s"). "
                     + "Full report of a load: outcomes load.")
    }

    /// The demo's linkage: what the link run made of the agencies' records.
    mutating func addLinkage(_ loaded: DemoData.Loaded) {
        let run = loaded.link, a = run.assignment
        notes.append("Linkage (run \(run.runID), spec \(DemoData.specFile)): \(run.records) identifier records from the agencies became "
                     + "\(a.persons) persons; \(run.candidatePairs) candidate pairs compared, \(run.clustering.linkedClusters) persons "
                     + "hold two or more records. Full report: outcomes link report.")
        notes += run.warnings.map { "Linkage: " + $0.sentence }
        var table = ReportTable(name: "linkage_rules", title: "Linkage: candidate pairs by blocking rule", columns: ["keys", "pairs"])
        table.rows = run.pairsPerRule.indices.map { [.text(run.ruleKeys[$0].joined(separator: ", ")), .int(run.pairsPerRule[$0])] }
        tables.append(table)
    }
}
