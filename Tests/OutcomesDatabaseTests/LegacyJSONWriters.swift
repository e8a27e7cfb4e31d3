import Foundation
import OutcomesStatistics
@testable import OutcomesDatabase
@testable import OutcomesDomain

// The stored JSON as the program wrote it before it was `Codable` types (main at e024cb5, with
// `try` for `try!`): what runs stored and sealed then, and what `StoredJSONTests` holds the typed
// documents to.
enum LegacyJSON {
    static func text(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// `Determination.detailJSON` (the `detail` column, inside a run's seal).
    static func detail(_ d: Determination) throws -> String {
        func figure(_ group: GroupFigure?) -> Any {
            guard let group else { return NSNull() }
            var object: [String: Any] = ["participants": group.participants, "total": "\(group.total)", "count": group.count,
                                         "value": group.value.map { "\($0.rounded(scale: 10))" } ?? NSNull()]
            if let denominator = group.weightDenominator { object["weight_denominator"] = denominator }
            return object
        }
        var basisObject: [String: Any] = ["kind": d.basis.stored]
        if case .baseline(let value) = d.basis { basisObject["value"] = "\(value)" }
        var object: [String: Any] = [
            "mechanism": d.mechanism.rawValue, "cohort": d.cohort, "provider": d.provider, "finding": d.finding.rawValue,
            "treated": figure(d.treated), "comparison": figure(d.comparison), "basis": basisObject,
            "improvement": d.improvement.map { ["exact": $0.fraction, "printed": "\($0.rounded(scale: 4))", "is_exact": $0.isExact(scale: 4)] as [String: Any] } ?? NSNull(),
            "threshold": d.threshold.map { "\($0)" } ?? NSNull(),
            "steps": d.steps.map { step -> [String: Any] in
                ["from": "\(step.from)", "to": step.to.map { "\($0)" } ?? NSNull(), "units": step.units.fraction,
                 "price": step.price.plain, "amount": "\(step.amount.rounded(scale: 6))"]
            },
            "scale": d.scale, "earned": d.earned.plain, "payable": d.payable.plain, "currency": d.earned.currency.code,
            "reasons": d.reasons.map(\.text),
            "arithmetic": d.arithmetic,
        ]
        if let condition = d.condition {
            object["condition"] = ["comparison": condition.comparison.rawValue, "value": "\(condition.value)",
                                   "relation": d.relation?.rawValue ?? NSNull()] as [String: Any]
        }
        if let split = d.split {
            object["split"] = ["rule": split.rule.stored, "earned": split.earned.plain, "payable": split.payable.plain,
                               "shares": split.shares.map { ["provider": $0.provider, "participants": $0.participants, "earned": $0.earned.plain,
                                                            "payable": $0.payable.plain] as [String: Any] }] as [String: Any]
        }
        if !d.comparisonRuns.isEmpty { object["comparison_runs"] = d.comparisonRuns }
        return try text(object)
    }

    /// `ScenarioJSON` (`scenario.runs.results`; `results_sha256` hashes this text).
    static func scenario(_ run: ScenarioRun, payments: PaymentProjection.Summary?,
                         paymentVariants: [(name: String, summary: PaymentProjection.Summary, participants: Int)],
                         leftOut: [PaymentProjection.LeftOutTerm] = []) throws -> String {
        func row(_ figures: BenefitCost.Figures) -> [String: Any] {
            let cents = BenefitCostRow(figures)
            var object: [String: Any] = Dictionary(uniqueKeysWithValues: ScenarioDefinition.Perspective.allCases.map { ($0.rawValue, "\(cents.benefits[$0]!)") })
            object["total_benefits"] = "\(cents.total)"
            object["cost"] = "\(cents.cost)"
            object["benefits_minus_costs"] = "\(cents.net)"
            object["benefit_cost_ratio"] = cents.ratio.map { "\($0)" } ?? NSNull()
            return object
        }
        let groups = run.groups.map { group -> [String: Any] in
            var object = row(group.expected)
            object["group"] = group.group ?? NSNull()
            object["chance_benefits_exceed_costs"] = group.simulated.chanceBenefitsExceedCosts
            object["net_p5"] = group.simulated.netP5
            object["net_p95"] = group.simulated.netP95
            object["break_even_scale"] = group.breakEvenScale ?? NSNull()
            return object
        }
        let variants = run.variants.map { variant -> [String: Any] in
            var object = row(variant.expected)
            object["variant"] = variant.name
            object["chance_benefits_exceed_costs"] = variant.simulated.chanceBenefitsExceedCosts
            return object
        }
        var object: [String: Any] = ["groups": groups, "variants": variants]
        if let payments {
            func distribution(_ d: PaymentProjection.Summary.Distribution) -> [String: String] {
                ["mean": "\(d.mean)", "p5": "\(d.p5)", "p50": "\(d.p50)", "p95": "\(d.p95)"]
            }
            object["payments"] = [
                "by_provider_period": payments.byProviderPeriod.map {
                    ["provider": $0.key.provider, "period": $0.key.period, "expected": "\($0.expected)", "draws": distribution($0.draws)] as [String: Any]
                },
                "worst_year": distribution(payments.worstYear), "total": distribution(payments.total), "expected_total": "\(payments.expectedTotal)",
                "cap_binds": Dictionary(uniqueKeysWithValues: payments.capBinds.map { ($0.cap.code, $0.probability) }), "draws": payments.draws,
                "left_out": leftOut.map { ["term": $0.id, "why": $0.text] },
            ] as [String: Any]
            object["payment_variants"] = paymentVariants.map {
                ["variant": $0.name, "participants": $0.participants, "expected_total": "\($0.summary.expectedTotal)", "total": distribution($0.summary.total),
                 "worst_year": distribution($0.summary.worstYear), "any_cap_binds": $0.summary.anyCapBinds] as [String: Any]
            }
        }
        return try text(object)
    }

    /// `EvaluationJSON`: the jsonb columns of `evaluation.runs`.
    struct Evaluation {
        let design: String, sampleSizes: String, estimates: String, balance: String, propensityModel: String, warnings: String

        init(_ result: EvaluationResult) throws {
            func number(_ value: Double?) -> Any { value.flatMap { $0.isFinite ? $0 : nil } ?? NSNull() }
            design = String(decoding: try JSONEncoder().encode(result.spec), as: UTF8.self)
            let s = result.sampleSizes
            sampleSizes = try LegacyJSON.text(Dictionary(uniqueKeysWithValues: [("all", s.all), ("matched_ess", s.matchedESS), ("matched", s.matched),
                                                                                ("unmatched", s.unmatched), ("discarded", s.discarded)]
                .map { ($0.0, ["control": $0.1.control, "treated": $0.1.treated]) }))
            estimates = try LegacyJSON.text(result.estimates.map { e -> [String: Any] in
                let ci = e.effect.confidenceInterval
                return ["outcome": e.outcome, "provider": e.group ?? NSNull(), "analysis": e.analysis.rawValue, "estimate": number(e.effect.estimate),
                        "std_error": number(e.effect.standardError), "se_type": e.effect.kind.label, "ci_lower": number(ci.lower),
                        "ci_upper": number(ci.upper), "p_value": number(e.effect.pValue), "mde": number(e.effect.minimumDetectableEffect),
                        "treated": e.effect.treated, "controls": e.effect.controls, "mean_treated": number(e.meanTreated), "mean_control": number(e.meanControl)]
            })
            func rows(_ rows: [Balance.Row]) -> [[String: Any]] {
                rows.map { ["covariate": $0.name, "binary": $0.binary, "means_treated": number($0.meanTreated), "means_control": number($0.meanControl),
                            "std_mean_diff": number($0.standardizedMeanDifference), "var_ratio": number($0.varianceRatio),
                            "ecdf_mean": number($0.eCDFMean), "ecdf_max": number($0.eCDFMax), "std_pair_dist": number($0.standardizedPairDistance)] }
            }
            balance = try LegacyJSON.text(["before": rows(result.balanceBefore), "after": rows(result.balanceAfter)])
            propensityModel = try LegacyJSON.text(result.propensityModel.map { ["term": $0.name, "coefficient": number($0.coefficient), "std_error": number($0.standardError)] })
            warnings = String(decoding: try JSONEncoder().encode(result.warnings), as: UTF8.self)
        }
    }
}
