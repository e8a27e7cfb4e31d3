import Foundation
import OutcomesDomain
import OutcomesStatistics
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// A comparison's standard errors clustered by household: each unit labelled by its household on
/// its index date. With no households recorded every unit is its own cluster, and CR1 over
/// singletons is HC1 exactly (G/(G−1)·(n−1)/(n−k) with G = n is n/(n−k)); households that join
/// participants and comparison units change it; a data file has no households to cluster by.
@Suite(.serialized) struct HouseholdClusteredComparisonTests {
    static func evaluation(_ se: String) -> String {
        ComparisonRunTests.evaluation.replacingOccurrences(of: "caliper: 0.2", with: "caliper: 0.2\nse: \(se)")
    }

    func standardError(_ se: String, _ db: PostgresConnection, _ stored: StoredContract) throws -> (Double, [Int: Bool]) {
        let text = Self.evaluation(se)
        let runner = ComparisonRunner(definition: try EvaluationDefinition.parse(yaml: text, file: "evaluation.yaml"), text: text,
                                      stored: stored, period: stored.contract.period("2021"), source: .pool)
        let result = try runner.run(on: db)
        let estimate = try #require(result.result.estimates.first { $0.group == nil && $0.analysis == .difference })
        var units: [Int: Bool] = [:]
        for row in try db.execute("SELECT person_id, treated FROM evaluation.run_units WHERE run_id = \(result.runID) AND weight > 0") {
            units[try row.decode(at: 0)] = try row.decode(at: 1)
        }
        return (estimate.effect.standardError, units)
    }

    @Test func householdsClusterTheStandardErrors() throws {
        let (db, stored) = try DeterminationRunTests().prepared(DeterminationRunTests.shared, persons: 4_000)
        let (hc1, units) = try standardError("HC1", db, stored)
        let (singletons, _) = try standardError("CR1-household", db, stored)
        #expect(abs(singletons - hc1) <= 1e-9 * hc1, "\(singletons) vs \(hc1)")

        // Each participant in a household with a comparison unit, from long before the index dates.
        let treated = units.filter(\.value).keys.sorted(), controls = units.filter { !$0.value }.keys.sorted()
        let pairs = Array(zip(treated, controls))
        #expect(pairs.count > 20)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("households-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let rows = pairs.enumerated().flatMap { index, pair in
            ["\(pair.0),H\(index),HMIS,1,2000-01-01", "\(pair.1),H\(index),HMIS,5,2000-01-01"]
        }
        try Data(("person_id,household_key,source_system,relationship_to_head,valid_from\n" + rows.joined(separator: "\n") + "\n").utf8)
            .write(to: folder.appendingPathComponent("households.csv"))
        _ = try ExtractLoader(directory: folder).load(into: db)
        let (clustered, _) = try standardError("CR1-household", db, stored)
        #expect(abs(clustered - hc1) > 1e-6 * hc1, "households change the standard error: \(clustered)")
        // The same comparison without households recorded gives back the singleton figure.
        try db.execute("DELETE FROM ids.relationships WHERE household_key IS NOT NULL")
        try db.execute("DELETE FROM ids.household_members")
        #expect(try abs(standardError("CR1-household", db, stored).0 - singletons) <= 1e-9 * singletons)
    }

    @Test func aDataFileHasNoHouseholds() throws {
        var spec = EvaluationSpec(covariates: ["age"], outcomes: [.init(name: "re78")])
        spec.method = .weighting
        spec.standardErrors = .household
        let table = EvaluationTable(ids: (0..<8).map(String.init), treated: [true, true, true, true, false, false, false, false],
                                    groups: Array(repeating: nil, count: 8),
                                    columns: ["age": .numeric([20, 30, 25, 40, 22, 31, 27, 39]), "re78": .numeric([1, 2, 3, 4, 2, 3, 1, 5])],
                                    source: "a data file")
        #expect(throws: EvaluationError.option("se", .householdsNeedTheIDS)) { _ = try Evaluation.run(spec, on: table) }
    }
}
