import Testing
@testable import OutcomesDomain

/// The design options `compare` checks together: each refused one is its typed problem, with the
/// option and the value at fault (the CLI's `CompareDesignOptionTests` run the same options).
@Suite struct DesignOptionProblemTests {
    /// The CLI's comparison: covariates x and z, outcome y, with `change` applied.
    func validated(_ change: (inout EvaluationSpec) -> Void) -> EvaluationError? {
        var spec = EvaluationSpec(covariates: ["x", "z"], outcomes: [.init(name: "y")])
        change(&spec)
        do { _ = try spec.validated(); return nil } catch { return error }
    }

    @Test func cutpointsForAColumnThatIsNotACovariate() {
        #expect(validated { $0.method = .cem; $0.cutpoints = ["w": 3] } == .option("cutpoints", .notACovariate("w")))
    }

    @Test func cutpointsOutsideTheBinsACovariateTakes() {
        #expect(validated { $0.method = .cem; $0.cutpoints = ["x": 0] } == .option("cutpoints", .binsOutside(covariate: "x", 1...1000, 0)))
    }

    @Test func discardWithCoarsenedExactMatching() {
        #expect(validated { $0.method = .cem; $0.discard = .both } == .option("discard", .appliesOnlyTo(.nearestOrSubclass)))
    }

    @Test func theSameOptionsWithTheirDesignAreAccepted() {
        #expect(validated { $0.method = .cem; $0.cutpoints = ["x": 3] } == nil)
        #expect(validated { $0.method = .subclass; $0.discard = .both } == nil)
    }
}
