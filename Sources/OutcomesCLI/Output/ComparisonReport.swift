import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesStatistics

extension Report {
    /// The estimate table, sample sizes, balance before and after (MatchIt's `summary()` columns)
    /// and the propensity model, with what the reader must know stated as notes.
    /// `labels`: metric labels by id, for the charts.
    package init(comparison result: EvaluationResult, source: String, ids: [String]? = nil, policy: SmallCellPolicy? = nil,
                 labels: [String: String] = [:]) {
        let spec = result.spec
        self.init(title: "Comparison of \(spec.outcomes.map(\.name).joined(separator: ", ")) — \(source)")
        notes.append(Self.describe(spec))
        for warning in result.warnings { notes.append(Self.describe(warning, method: spec.method.step, policy: policy)) }
        if result.imbalanced.isEmpty && spec.method != .none {
            notes.append("Balance: every covariate's |SMD| is at most \(spec.balanceThreshold) after \(spec.method.step).")
        }
        tables = ComparisonTables(result, policy: policy).all
        reading = Self.reading(result, policy: policy, labels: labels)
        addCharts(comparison: result, policy: policy, labels: labels)
    }

    /// The reading: sizes and balance, then the overall effects (each outcome's first analysis) whose
    /// arms are not small counts.
    static func reading(_ result: EvaluationResult, policy: SmallCellPolicy?, labels: [String: String]) -> [String] {
        var seen = Set<String>(), effects: [Reading.Effect] = [], hidden = 0, sizes: (Int, Int)?
        for row in result.estimates where row.group == nil && seen.insert(row.outcome).inserted {
            let e = row.effect, ci = e.confidenceInterval
            if let policy, policy.suppresses(e.treated) || policy.suppresses(e.controls) { hidden += 1; continue }
            sizes = sizes ?? (e.treated, e.controls)
            effects.append(.init(id: row.outcome, label: labels[row.outcome] ?? row.outcome, estimate: e.estimate, low: ci.lower, high: ci.upper,
                                 meanTreated: row.meanTreated, meanControl: row.meanControl))
        }
        guard let sizes else { return hidden > 0 ? ["Every estimate is suppressed: an arm is a small count."] : [] }
        let spec = result.spec
        return Reading.comparison(.init(treated: sizes.0, controls: sizes.1, step: spec.method == .none ? nil : spec.method.step,
                                        covariates: result.balanceAfter.filter { $0.name != "distance" }.count,
                                        imbalanced: result.imbalanced.filter { $0 != "distance" }.count, threshold: spec.balanceThreshold,
                                        confidence: spec.confidence, effects: effects, hidden: hidden))
    }

    /// The estimates for each group of a person attribute, from the same units: a group whose
    /// participants or comparisons are a small count is suppressed, with another when one alone
    /// could be worked out from the totals.
    mutating func add(estimatesBy result: EvaluationResult, attribute: PersonAttribute, policy: SmallCellPolicy, labels: [String: String] = [:]) {
        var table = ReportTable(name: "estimates_by_\(attribute.rawValue)", title: "Effect estimates by \(attribute.rawValue.replacingOccurrences(of: "_", with: " ")) (\(result.spec.estimand.rawValue))",
                                columns: ["outcome", attribute.rawValue, "analysis", "treated", "controls", "estimate", "std_error", "ci_lower", "ci_upper", "p_value"],
                                moreColumns: ["std_error"])
        table.narrowColumns = ["treated", "controls"]
        let marker = Cell.suppressed(policy.marker)
        var intervals: [String: [Chart.Interval]] = [:]
        let grouped = Dictionary(grouping: result.estimates.filter { $0.group != nil }) { "\($0.outcome)/\($0.analysis.rawValue)" }
        for key in grouped.keys.sorted() {
            let rows = grouped[key]!.sorted { $0.group! < $1.group! }
            let hidden = zip(policy.suppressedParts(of: rows.map(\.effect.treated)), policy.suppressedParts(of: rows.map(\.effect.controls))).map { $0 || $1 }
            for (row, hide) in zip(rows, hidden) {
                let e = row.effect, ci = e.confidenceInterval
                func value(_ x: Double) -> Cell { hide ? marker : .real(x) }
                table.rows.append([.text(row.outcome), .text(row.group!), .text(row.analysis.rawValue), hide ? marker : .int(e.treated), hide ? marker : .int(e.controls),
                                   value(e.estimate), value(e.standardError), value(ci.lower), value(ci.upper), hide ? marker : .pValue(e.pValue)])
                if !hide, row.analysis == .difference {
                    intervals[row.outcome, default: []].append(.init(label: row.group!, estimate: e.estimate, low: ci.lower, high: ci.upper))
                }
            }
        }
        tables.append(table)
        let level = String(format: "%g%%", result.spec.confidence * 100)
        for outcome in intervals.keys.sorted() {
            let label = labels[outcome] ?? outcome
            charts.append(Chart(
                title: "Effect on \(label) by \(attribute.rawValue.replacingOccurrences(of: "_", with: " ")), with \(level) intervals",
                summary: "The estimated effect on \(label) for the participants of each group against their own matches or weights; small groups are left out.",
                xLabel: "effect (participants minus comparisons)", kind: .intervals(intervals[outcome]!, reference: 0), table: table.name))
        }
        notes.append("By \(attribute.rawValue.replacingOccurrences(of: "_", with: " ")): each group's participants against their own matches or weights from the same run (not stored "
                     + "apart); groups of fewer than \(policy.threshold) participants or comparisons are suppressed, with another when one alone could be worked out from the totals.")
        for warning in result.warnings {
            if case .groupNotEstimated(let group, let reason) = warning {
                notes.append("Warning: no estimate for \(attribute.rawValue.replacingOccurrences(of: "_", with: " ")) \(group): \(reason)")
            }
        }
    }

    static func describe(_ spec: EvaluationSpec) -> String {
        let se = "95% intervals and p-values are z-based"
        let confidence = spec.confidence == 0.95 ? se : "\(Int((spec.confidence * 100).rounded()))% intervals; p-values z-based"
        let mde = "MDE at \(Int((spec.power * 100).rounded()))% power"
        let errors = spec.standardErrorConvention.map { convention in
            "\(describe(convention)) standard errors (\(spec.standardErrors == nil ? "the default for this design, as MatchIt's vignette" : "as asked"))"
        } ?? "influence-function standard errors"
        let adjusted = spec.adjust ? ", and adjusted for the covariates (ANCOVA)" : ""
        let design: String
        switch spec.method {
        case .none:
            design = "No model: difference in means\(adjusted)"
        case .weighting:
            design = "Inverse-probability weights (\(spec.estimand.rawValue)) from a logistic propensity model\(spec.trim.map { ", trimmed at the \($0) quantile" } ?? "")"
        case .subclass:
            design = "\(spec.subclasses) subclasses of a logistic propensity score, weighted within them for the \(spec.estimand.rawValue) as MatchIt 4.7.2's method = \"subclass\" does"
                + (spec.discard != .none ? ", discarding \(spec.discard.rawValue) outside common support" : "")
        case .cem:
            let bins = spec.cutpoints.keys.sorted().map { "\($0) in \(spec.cutpoints[$0]!) bins" }
            design = "Coarsened exact matching (\(spec.estimand.rawValue)) as MatchIt 4.7.2's method = \"cem\": "
                + (bins.isEmpty ? "numeric covariates in Sturges' bins" : bins.joined(separator: ", ") + ", other numeric covariates in Sturges' bins")
                + ", categories exact, units weighted within their stratum"
        case .ebal:
            design = "Entropy-balancing weights (\(spec.estimand.rawValue)) as WeightIt 1.4.0's method = \"ebal\": the covariate means balanced exactly"
        case .aipw:
            design = "Doubly robust AIPW (\(spec.estimand.rawValue)): a logistic propensity model and a linear outcome model per group"
        case .nearest:
            var parts = ["\(spec.ratio):1 nearest-neighbour matching \(spec.replace ? "with" : "without") replacement on a logistic propensity score, largest first"]
            if let caliper = spec.caliper { parts.append("caliper \(caliper) SD") }
            if !spec.exact.isEmpty { parts.append("exact on \(spec.exact.joined(separator: ", "))") }
            if spec.discard != .none { parts.append("discarding \(spec.discard.rawValue) outside common support") }
            switch spec.search {
            case .matchIt47: parts.append("as MatchIt 4.7.2 matches, ties included")
            case .firstInDataOrder: parts.append("ties to the first in data order")
            case .matchIt451: parts.append("MatchIt 4.5.1's search")
            }
            design = parts.joined(separator: ", ")
        }
        return design + "; \(errors); \(confidence); \(mde)."
    }

    /// The convention as printed beside an estimate: clusters are subclasses or strata there.
    static func label(_ convention: StandardErrorConvention, _ method: EvaluationSpec.Method) -> String {
        switch (convention, method) {
        case (.cr0, .subclass), (.cr1, .subclass): "\(convention.rawValue) by subclass"
        case (.cr0, .cem), (.cr1, .cem): "\(convention.rawValue) by stratum"
        default: convention.label
        }
    }

    static func describe(_ convention: EvaluationSpec.StandardErrors) -> String {
        switch convention {
        case .hc0, .hc1, .hc3: "\(convention.rawValue) (robust)"
        case .hc2: "HC2 (robust; Welch's for a difference in means)"
        case .cr0: "CR0 (clustered by matched set or subclass, no small-sample factor)"
        case .cr1: "CR1 (clustered by matched set or subclass)"
        case .twoWay: "two-way CR1 (clustered by matched set and by unit, one row per unit per matched set)"
        case .household: "CR1 (clustered by household: each unit's household on its index date)"
        }
    }

    /// A warning as a sentence; a small count of units shown as the small-cell policy's marker
    /// (the sample sizes table holds the rest).
    static func describe(_ warning: EvaluationResult.Warning, method: String, policy: SmallCellPolicy? = nil) -> String {
        func shown(_ count: Int) -> String { policy?.shown(count) ?? String(count) }
        switch warning {
        case .unmatchedTreated(let count, let of):
            return "Warning: \(shown(count)) of \(shown(of)) participants found no comparison unit (caliper or exact strata); the estimate is over those matched."
        case .discarded(let treated, let control):
            return "Warning: \(shown(treated)) participants and \(shown(control)) comparison units lie outside common support and were discarded."
        case .imbalanced(let covariates, let threshold):
            return "Warning: not balanced — |SMD| above \(threshold) after \(method) for \(covariates.joined(separator: ", "))."
        case .groupNotEstimated(let group, let reason):
            return "Warning: no estimate for provider \(group): \(reason)"
        case .extremePropensity(let count):
            return "Warning: \(shown(count)) units have a propensity score of 0 or 1 (a covariate level found in one group only); they cannot be matched or weighted."
        case .weightsTrimmed(let at, let count):
            return "Weights trimmed at their \(at) quantile: \(shown(count)) weights capped."
        case .subclassesFilled(let units):
            return "Subclasses: \(shown(units)) units were moved to a neighbouring subclass so that every subclass holds participants and comparison units (as MatchIt's min.n = 1)."
        case .fewerSubclasses(let formed, let asked):
            return "Warning: ties in the propensity score left \(formed) distinct subclasses where \(asked) were asked for."
        case .strataWithoutTreated(let strata, let controls, let of):
            return "Warning: \(shown(controls)) of \(shown(of)) comparison units are in \(strata) strata with no participant and are left out too, so the estimate is over the strata that hold both groups (what MatchIt calls the ATM), not over every unit."
        case .strataWithoutControls(let strata, let treated, let of):
            return "Warning: \(shown(treated)) of \(shown(of)) participants are in \(strata) strata with no comparison unit and are left out; the estimate is over the others (coarsen more with --cutpoints to keep them)."
        }
    }
}

/// A comparison's tables, each by what it is, so that a caller (the demo) takes the ones it shows
/// without looking them up by name; the estimates table holds the estimates given (by default all:
/// overall, per provider, per group).
struct ComparisonTables {
    var estimates, sampleSizes, balanceBefore: ReportTable
    /// None when nothing was matched or weighted (method none).
    var balanceAfter: ReportTable?
    /// None without a propensity model.
    var propensityModel: ReportTable?

    init(_ result: EvaluationResult, estimates chosen: [EvaluationResult.Estimate]? = nil, policy: SmallCellPolicy?) {
        let spec = result.spec
        // Counts, and effective sample sizes (which are nearly counts), under the small-cell policy.
        func count(_ value: Double) -> Cell {
            if let policy, value > 0, value < Double(policy.threshold) { return .suppressed(policy.marker) }
            let whole = value.rounded()
            return abs(value - whole) < 1e-9 ? .int(Int(whole)) : .real(value)
        }
        estimates = ReportTable(name: "estimates", title: "Effect estimates (\(spec.estimand.rawValue))", columns: [
            "outcome", "provider", "analysis", "treated", "controls", "mean_treated", "mean_control", "estimate", "std_error", "se_type",
            "z", "p_value", "ci_lower", "ci_upper", "mde",
        ], moreColumns: ["std_error", "se_type", "z", "mde"])
        // The sizes are in the sample-size table too.
        estimates.narrowColumns = ["treated", "controls"]
        let rows = chosen ?? result.estimates
        let hidden = Self.hidden(rows, policy: policy)
        for (row, small) in zip(rows, hidden) {
            let e = row.effect, ci = e.confidenceInterval
            let value = { (x: Double) -> Cell in small ? .suppressed(policy!.marker) : .real(x) }
            estimates.rows.append([
                .text(row.outcome), .text(row.group ?? "all"), .text(row.analysis.rawValue), count(Double(e.treated)), count(Double(e.controls)),
                value(row.meanTreated), value(row.meanControl), value(e.estimate), value(e.standardError), .text(Report.label(e.kind, spec.method)),
                value(e.z), small ? .suppressed(policy!.marker) : .pValue(e.pValue), value(ci.lower), value(ci.upper), value(e.minimumDetectableEffect),
            ])
        }
        let sizes = result.sampleSizes
        sampleSizes = ReportTable(name: "sample_sizes", title: "Sample sizes", columns: ["sample", "control", "treated"])
        sampleSizes.rows = Self.sampleSizeRows(sizes, policy: policy, count: count)
        let columns = ["covariate", "type", "means_treated", "means_control", "std_mean_diff", "var_ratio", "ecdf_mean", "ecdf_max", "std_pair_dist"]
        func balance(_ name: String, _ title: String, _ rows: [Balance.Row], units: SampleSizes.Pair) -> ReportTable {
            var table = ReportTable(name: name, title: title, columns: columns)
            let hidden = Self.hiddenBalance(rows, units: units, policy: policy)
            for row in rows {
                if hidden.contains(row.name) {
                    let marker = Cell.suppressed(policy?.marker ?? "")
                    table.rows.append([.text(row.name), .text("binary")] + Array(repeating: marker, count: columns.count - 2))
                    continue
                }
                table.rows.append([
                    .text(row.name), .text(row.name == "distance" ? "propensity" : row.binary ? "binary" : "continuous"),
                    .real(row.meanTreated), .real(row.meanControl), row.standardizedMeanDifference.map(Cell.real) ?? .null,
                    row.varianceRatio.map(Cell.realRatio) ?? .null, row.eCDFMean.map(Cell.real) ?? .null, row.eCDFMax.map(Cell.real) ?? .null,
                    row.standardizedPairDistance.map(Cell.real) ?? .null,
                ])
            }
            return table
        }
        balanceBefore = balance("balance_all", "Balance before (all units)", result.balanceBefore, units: sizes.all)
        balanceAfter = spec.method == .none ? nil : balance("balance_matched", "Balance after \(spec.method.step)", result.balanceAfter, units: sizes.matched)
        if spec.method.usesPropensity {
            var model = ReportTable(name: "propensity_model", title: "Propensity model (logistic regression)", columns: ["term", "coefficient", "std_error"])
            model.rows = result.propensityModel.map { [.text($0.name), .real($0.coefficient), .real($0.standardError)] }
            propensityModel = model
        }
    }

    var all: [ReportTable] { [estimates, sampleSizes, balanceBefore] + [balanceAfter, propensityModel].compactMap { $0 } }
}

extension ComparisonTables {
    typealias SampleSizes = EvaluationResult.SampleSizes

    /// Binary covariates whose means give away a small count: a mean times its arm's units (with or
    /// without the covariate) of 1 to T − 1. Their whole row is hidden — the standardized difference
    /// and the rest would give the mean back — in the tables and in the love plot.
    static func hiddenBalance(_ rows: [Balance.Row], units: SampleSizes.Pair, policy: SmallCellPolicy?) -> Set<String> {
        guard let policy else { return [] }
        func small(_ mean: Double, _ n: Double) -> Bool {
            [mean * n, (1 - mean) * n].contains { policy.suppresses(Int($0.rounded())) }
        }
        return Set(rows.filter { $0.binary && (small($0.meanTreated, units.treated) || small($0.meanControl, units.control)) }.map(\.name))
    }

    /// The sample sizes as MatchIt lays them out. Matched, unmatched and discarded add up to all: one
    /// small part hides another with it, and the effective size of a hidden matched count (matching
    /// without weights makes them equal).
    static func sampleSizeRows(_ sizes: SampleSizes, policy: SmallCellPolicy?, count: (Double) -> Cell) -> [[Cell]] {
        func arm(_ part: (SampleSizes.Pair) -> Double) -> [Cell] {
            let parts = [sizes.matched, sizes.unmatched, sizes.discarded].map(part)
            let hide = policy?.suppressedParts(of: parts.map { Int($0.rounded()) }) ?? [false, false, false]
            let marker = Cell.suppressed(policy?.marker ?? "")
            return [count(part(sizes.all)), hide[0] ? marker : count(part(sizes.matchedESS))] + (0..<3).map { hide[$0] ? marker : count(parts[$0]) }
        }
        let (control, treated) = (arm(\.control), arm(\.treated))
        return ["All", "Matched (ESS)", "Matched", "Unmatched", "Discarded"].enumerated().map { [.text($1), control[$0], treated[$0]] }
    }

    /// Which estimates to hide: an overall one whose arm is a small count; among the groups of one
    /// outcome and analysis (providers), the small ones and — when one alone could be worked out
    /// from the overall count — another with it.
    static func hidden(_ rows: [EvaluationResult.Estimate], policy: SmallCellPolicy?) -> [Bool] {
        guard let policy else { return rows.map { _ in false } }
        var hidden = rows.map { policy.suppresses($0.effect.treated) || policy.suppresses($0.effect.controls) }
        let groups = Dictionary(grouping: rows.indices.filter { rows[$0].group != nil }) { "\(rows[$0].outcome)/\(rows[$0].analysis.rawValue)" }
        for indices in groups.values {
            let treated = policy.suppressedParts(of: indices.map { rows[$0].effect.treated })
            let controls = policy.suppressedParts(of: indices.map { rows[$0].effect.controls })
            for (k, index) in indices.enumerated() where treated[k] || controls[k] { hidden[index] = true }
        }
        return hidden
    }
}

