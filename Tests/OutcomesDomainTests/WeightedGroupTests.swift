import Foundation
import Testing
@testable import OutcomesDomain

/// The weights a stored weighting-design group keeps: each provider's own, to 1e-9, weighing as
/// its participants; and a provider whose own weights cannot be made refused by name.
@Suite struct WeightedGroupTests {
    static func table(_ rows: [(group: String?, x: Double, y: Double)]) -> EvaluationTable {
        EvaluationTable(ids: rows.indices.map { "\($0 + 1)" }, treated: rows.map { $0.group != nil }, groups: rows.map(\.group),
                        columns: ["x": .numeric(rows.map(\.x)), "y": .numeric(rows.map(\.y))], source: "a test table")
    }

    static func spec(_ method: EvaluationSpec.Method) -> EvaluationSpec {
        var spec = EvaluationSpec(covariates: ["x"], outcomes: [.init(name: "y")])
        spec.method = method
        return spec
    }

    @Test(arguments: [EvaluationSpec.Method.weighting, .ebal])
    func eachProvidersWeightedMeanIsItsOwnEstimatesToABillionth(_ method: EvaluationSpec.Method) throws {
        let table = Self.table([("A", 4, 3), ("A", 6, 1), ("A", 5, 2), ("B", 1, 7), ("B", 3, 4),
                                (nil, 0, 9), (nil, 2, 5), (nil, 3, 8), (nil, 4, 2), (nil, 5, 6), (nil, 6, 1), (nil, 1, 4)])
        let result = try Evaluation.run(Self.spec(method), on: table)
        let group = try WeightedGroup(result, treated: table.treated, groups: table.groups)
        let y = [3.0, 1, 2, 7, 4, 9, 5, 8, 2, 6, 1, 4]
        for (provider, participants) in [("A", 3), ("B", 2)] {
            let members = group.members.filter { $0.provider == provider }
            #expect(members.allSatisfy { !table.treated[$0.unit] && $0.weight > 0 })
            let total = members.reduce(0) { $0 + $1.weight }
            // Together they weigh as the provider's participants, to 1e-9 each.
            #expect(abs(total - participants * WeightedGroup.denominator) <= members.count, "\(provider): \(total)")
            let mean = members.reduce(0.0) { $0 + Double($1.weight) * y[$1.unit] } / Double(total)
            let estimate = try #require(result.estimates.first { $0.group == provider && $0.analysis == .difference })
            #expect(abs(mean - estimate.meanControl) < 1e-8, "\(provider): \(mean) against \(estimate.meanControl)")
        }
    }

    @Test func aProviderWithoutWeightsOfItsOwnIsRefusedByName() throws {
        // A's participants lie above every comparison unit: no positive weights bring the pool's mean to
        // theirs (all participants together, and B's, are within reach).
        let table = Self.table([("A", 10, 3), ("A", 11, 1), ("B", 1, 7), ("B", 1, 4), ("B", 2, 5),
                                (nil, 0, 9), (nil, 2, 5), (nil, 4, 2), (nil, 5, 6), (nil, 6, 1)])
        let result = try Evaluation.run(Self.spec(.ebal), on: table)
        #expect(result.groupWeights["A"] == nil && result.groupWeights["B"] != nil)
        let error = #expect(throws: EvaluationError.self) { _ = try WeightedGroup(result, treated: table.treated, groups: table.groups) }
        #expect(error?.exitStatus == .dataError)
        // Refused for A, with the reason A's own run gave: entropy balancing cannot reach its mean of x.
        guard case .design(.providerWithoutOwnWeights(let provider, let cause))? = error,
              case .design(.entropyBalancing(.unreachableTarget(_, let column, _, _, _), .att))? = cause
        else { Issue.record("\(error?.message ?? "no error")"); return }
        #expect(provider == "A" && column == "x")
    }
}
