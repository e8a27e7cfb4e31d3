/// A weighted comparison group as payments count it (`--method weighting`, `subclass`, `cem` or
/// `ebal`): each comparison unit under each provider, with the weight that provider's own estimate
/// gives it, as a whole number of 1/`denominator` — the weight to 1e-9.
///
/// A provider's weights are those of its participants against the whole pool (the per-provider
/// run of `Evaluation`; with one provider, the run's own), scaled so that its comparison units
/// together weigh as much as the participants that run kept, each of whom weighs 1 (the ATT) — as
/// a matched group's controls do. The scale cancels in the provider's weighted mean; it makes a
/// pooled comparison (every provider together) count each provider's comparisons as much as its
/// participants. Units whose weight rounds to 0 are left out.
///
/// Why a fixed denominator, and why 10⁹: subclass and CEM weights are ratios of counts whose common
/// denominator (the least common multiple of the strata's sizes) outgrows 64 bits, and entropy
/// balancing's are real numbers, so no exact denominator fits; a fixed one keeps every sum payments
/// make in PostgreSQL a sum of whole numbers. At 10⁹ each weight is within 5e-10 of the estimator's
/// (on the scale where a participant weighs 1), so a provider's weighted mean is within
/// 5e-10 × (comparison units ÷ participants) × the outcome's range of its estimate's — for a rate,
/// with a pool 1,000 times the participants, 5e-7 (5e-5 of a percentage point). The integers stay
/// far from int64's limit: a provider's weights add up to about 10⁹ per participant, so a sum
/// reaches 9.2 × 10¹⁸ only past 9.2 × 10⁹ participant-periods — fewer by the factor that brings a
/// nearest-neighbour run's denominator to a common one with it, which a payment run checks (and
/// refuses rather than overflows). A power of ten reads as nine decimals, and holds the 2s and 5s
/// of matching ratios already. A finer denominator would lengthen every exact ratio a payment
/// computes from these sums, a coarser one move the weighted means.
public struct WeightedGroup: Sendable, Equatable {
    public static let denominator = 1_000_000_000

    /// By unit, then provider; `weight` in units of 1/`denominator`.
    public let members: [MatchedGroup.Member]

    /// From a run of a weighting design, its table's treatment column and groups (providers).
    public init(_ result: EvaluationResult, treated: [Bool], groups: [String?]) throws(EvaluationError) {
        let providers = Set(treated.indices.filter { treated[$0] }.map { groups[$0] ?? "" }).sorted()
        var weighed: [(provider: String, weights: EvaluationResult.GroupWeights)] = []
        if providers.count == 1 {
            let controls = result.units.filter { !treated[$0.index] }
            weighed.append((providers[0], .init(controls: controls.map(\.index), weights: controls.map(\.weight),
                                                treatedWeight: result.units.filter { treated[$0.index] }.reduce(0) { $0 + $1.weight })))
        } else {
            for provider in providers {
                guard let weights = result.groupWeights[provider] else {
                    throw .design(.providerWithoutOwnWeights(provider, cause: result.groupsNotWeighed[provider]))
                }
                weighed.append((provider, weights))
            }
        }
        var members: [MatchedGroup.Member] = []
        var total = 0
        for (provider, group) in weighed {
            let sum = group.weights.reduce(0, +)
            guard sum > 0, group.treatedWeight > 0 else {
                throw .design(.providerWithoutWeightedComparisons(provider))
            }
            let scale = group.treatedWeight / sum * Double(Self.denominator)
            for (unit, weight) in zip(group.controls, group.weights) {
                let scaled = (weight * scale).rounded()
                guard scaled.isFinite, scaled < 0x1p62, let whole = Int(exactly: scaled) else {
                    throw .design(.weightTooLarge(provider: provider))
                }
                guard whole > 0 else { continue }
                let (sum, overflow) = total.addingReportingOverflow(whole)
                guard !overflow else { throw .design(.weightsOverflow) }
                total = sum
                members.append(MatchedGroup.Member(unit: unit, provider: provider, weight: whole))
            }
        }
        self.members = members.sorted { ($0.unit, $0.provider) < ($1.unit, $1.provider) }
    }
}
