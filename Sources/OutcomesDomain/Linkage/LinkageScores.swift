/// Precision, recall and F1 of predicted pairs against true pairs, as
/// Tests/OutcomesDatabaseTests/reference/linkage/linkage_metrics.py defines them: a pair is an
/// unordered pair of two distinct records; TP = predicted pairs that are true; precision =
/// TP / predicted; recall = TP / true; F1 = 2·TP / (predicted + true); a zero denominator gives 0.
public struct LinkageScores: Sendable, Equatable {
    public var truePositives: Int
    public var predictedPairs: Int
    public var truePairs: Int

    public init(truePositives: Int, predictedPairs: Int, truePairs: Int) {
        (self.truePositives, self.predictedPairs, self.truePairs) = (truePositives, predictedPairs, truePairs)
    }

    public var precision: Double { Self.ratio(truePositives, predictedPairs) }
    public var recall: Double { Self.ratio(truePositives, truePairs) }
    public var f1: Double { Self.ratio(2 * truePositives, predictedPairs + truePairs) }

    static func ratio(_ numerator: Int, _ denominator: Int) -> Double {
        denominator == 0 ? 0 : Double(numerator) / Double(denominator)
    }
}
