import Testing
@testable import OutcomesDomain
import OutcomesStatistics

/// The sentences an `EvaluationError` prints, built from its typed problem. Wording is the subject
/// here: each is the sentence users (and the CLI tests) read, byte for byte, including the nested
/// ones (a design problem inside a data file's, an error inside a provider's refusal).
@Suite struct EvaluationErrorMessageTests {
    static let sentences: [(EvaluationError, String)] = [
        (.option("ratio", .wholeNumberOutside(1...100, 0)), "--ratio: must be a whole number from 1 to 100, not 0."),
        (.option("caliper", .numberOutside(.standardDeviations, 11)), "--caliper: must be between 0 and 10 standard deviations, not 11.0."),
        (.option("se", .clustersNeedSets(.cr1, withReplacement: true)),
         "--se: CR1 clusters by matched set or subclass: it needs nearest-neighbour matching without replacement, subclassification or CEM; "
             + "with replacement use CR1-two-way or HC0-HC3."),
        (.option("discard", .appliesOnlyTo(.nearestOrSubclass)), "--discard: applies to nearest-neighbour matching and subclassification only."),
        (.option("covariates", .noColumn("agee", source: "d.dta", columns: ["id", "t", "x"], listed: .stataVariables)),
         "--covariates: d.dta has no column agee; its variables are id, t, x."),
        (.option("covariates", .noColumn("agee", source: "d.dta", columns: [], listed: .stataVariables)),
         "--covariates: d.dta has no column agee; its variables are none."),
        (.option("exact", .treatmentColumn("t", as: .exactKey)),
         "--exact: t is the treatment column (--treatment); the treatment cannot be an exact-match key."),
        (.data(file: "d.csv", line: 6, .treatmentNotBinary(column: "t", value: "2")), "d.csv:6: the treatment column t must be 0 or 1, not 2."),
        (.data(file: "d.csv", line: 0, .cannotCompare(.noComparisonUnits(source: "d.csv"))),
         "d.csv: cannot compare: d.csv has no comparison units; the pool is empty."),
        (.observation(file: "d.dta", observation: 3, .missingValue(column: "x", code: ".a")),
         "d.dta: observation 3: column x is missing (.a); outcomes does not impute — fill or drop the observation."),
        (.observation(file: "d.dta", observation: 3, .treatmentMissing(column: "t", code: "")),
         "d.dta: observation 3: the treatment column t must be 0 or 1, not an empty string."),
        (.design(.propensityModel(.separation, columns: ["(Intercept)", "x"], units: 10, separating: ["x"])),
         "cannot compare: the covariates predict treatment perfectly (no overlap between participants and the pool — x alone separates them); "
             + "drop or coarsen the covariate, or restrict the pool to comparable people."),
        (.design(.constantOutcome("y", 3, among: .weighted)), "cannot compare: y is 3.0 for every weighted unit, so there is no effect on it to estimate."),
        (.design(.entropyBalancing(.unreachableTarget(covariate: 0, column: "shift", target: 10.5, low: 0, high: 6), .att)),
         "cannot compare: entropy balancing cannot balance shift: the participants' mean, 10.5, lies outside or on the edge of the values of a "
             + "group it reweights (0 to 6), which no positive weights reach; drop, merge or coarsen shift, restrict the pool, or use another method."),
        (.design(.providerWithoutOwnWeights("A", cause: .design(.constantCovariate("x", 5)))),
         "cannot compare: provider A's participants have no comparison weights of their own (against the pool alone, covariate x is 5.0 for "
             + "every unit, so it cannot explain who was treated; drop it), so a stored group would leave their payments without a comparison; "
             + "change the design for them."),
        (.design(.providerWithoutOwnWeights("A", cause: .option("outcome", .noOutcome))),
         "cannot compare: provider A's participants have no comparison weights of their own (against the pool alone, --outcome: name at least "
             + "one outcome to estimate an effect on.), so a stored group would leave their payments without a comparison; change the design for them."),
    ]

    @Test(arguments: sentences)
    func theSentenceIsBuiltFromTheProblem(_ error: EvaluationError, _ sentence: String) {
        #expect(error.message == sentence)
    }
}
