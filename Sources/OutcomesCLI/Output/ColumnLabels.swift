import Foundation

/// What a person reads above a column in Markdown and HTML. CSV and JSON keep the documented
/// snake_case machine names; a table whose names follow someone else's standard (INDIGO, a state's
/// dictionary layout) shows them as written (`ReportTable.headersAsWritten`).
///
/// One table for every report, keyed by machine name, so a column reads the same wherever it
/// appears. A test finds every column the sources name, and every column the demo prints, here.
enum ColumnLabels {
    /// The label of a column (as written in a report or as its machine name); nil when it has none.
    static func label(of column: String) -> String? {
        let name = Report.snakeCase(column)
        if let label = labels[name] { return label }
        // A financing tranche's columns in the returns-by-effect table: `senior_irr`, `senior_multiple`.
        for (suffix, label) in [("_irr", "IRR"), ("_multiple", "Multiple")] where name.hasSuffix(suffix) && name.count > suffix.count {
            return "\(label), \(name.dropLast(suffix.count))"
        }
        return nil
    }

    /// The label, or — never expected, since the test holds every name here — the name made readable.
    static func header(_ column: String) -> String {
        if let label = label(of: column) { return label }
        let words = Report.snakeCase(column).replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    static let labels: [String: String] = [
        // Who, what, when
        "provider": "Provider", "providers": "Providers", "program": "Program", "period": "Period", "periods": "Periods",
        "year": "Year", "quarter": "Quarter", "month": "Month", "contract": "Contract", "version": "Version",
        "contract_version": "Contract version", "group": "Group", "scope": "Scope", "kind": "Kind", "type": "Type",
        "name": "Name", "item": "Item", "value": "Value", "measure": "Measure", "status": "Status", "step": "Step",
        "file": "File", "table": "Table", "tables": "Tables", "schema": "Schema", "column": "Column", "columns": "Columns",
        "rows": "Rows", "count": "Count", "share": "Share", "total": "Total", "detail": "Detail", "problem": "Problem",
        "position": "Position", "label": "Label", "definition": "Definition", "unit": "Unit", "window": "Window",
        "years": "Years", "years_available": "Years available", "required": "Required", "references": "References",
        "primary_key": "Primary key", "shape": "Shape", "agency": "Agency", "source": "Source", "source_system": "Source system",
        "source_systems": "Source systems", "domain": "Domain", "events": "Events", "enrollments": "Enrollments",
        "persons": "Persons", "participants": "Participants", "study_arm": "Study arm", "open_spells": "Open spells",
        "amount": "Amount", "placement": "Placement", "new": "New", "changed": "Changed", "unchanged": "Unchanged",
        "person_id": "Person (pseudonymous id)", "data_category": "Data category", "element_name": "Element name",
        "data_type": "Data type",
        // Breakdowns
        "race": "Race/ethnicity", "race_ethnicity": "Race/ethnicity", "sex": "Sex", "age": "Age", "age_band": "Age band",
        "county": "County", "family_type": "Family type", "index_quarter": "Index quarter",
        // Metrics
        "metric": "Metric", "metric_id": "Metric id", "with_value": "With a value", "mean": "Mean", "rate": "Rate",
        "unstable_rate": "Unstable rate", "figure": "Figure",
        // Comparisons (MatchIt's and cobalt's words)
        "outcome": "Outcome", "analysis": "Analysis", "treated": "Treated", "controls": "Controls", "control": "Control",
        "sample": "Sample", "estimate": "Estimate", "std_error": "Std. error", "ci_lower": "CI, lower",
        "ci_upper": "CI, upper", "p_value": "p-value", "z": "z", "se_type": "SE type", "mde": "Min. detectable effect",
        "mean_treated": "Mean, treated", "mean_control": "Mean, control", "covariate": "Covariate",
        "means_treated": "Means treated", "means_control": "Means control", "std_mean_diff": "Std. mean diff.",
        "var_ratio": "Var. ratio", "ecdf_mean": "eCDF mean", "ecdf_max": "eCDF max", "std_pair_dist": "Std. pair dist.",
        "term": "Term", "coefficient": "Coefficient", "score_from": "Score from", "score_to": "Score to",
        "comparison_pool": "Comparison pool", "comparisons_kept": "Comparisons kept",
        // Benefits and costs, scenarios
        "taxpayers": "Taxpayers", "households": "Households", "others": "Others", "indirect": "Indirect",
        "total_benefits": "Total benefits", "cost": "Cost", "benefits_minus_costs": "Benefits minus costs",
        "benefit_cost_ratio": "Benefit-cost ratio", "chance_benefits_exceed_costs": "Chance benefits exceed costs",
        "net_p5": "Net, 5th percentile", "net_p95": "Net, 95th percentile", "variant": "Variant", "input": "Input",
        "low": "Low", "high": "High", "net_at_low": "Net at low", "net_at_high": "Net at high", "swing": "Swing",
        "break_even_effect": "Break-even effect", "share_of_estimate": "Share of estimate", "expected": "Expected",
        "p5": "5th percentile", "p50": "Median", "p95": "95th percentile", "participants_paid": "Participants paid",
        "per_participant": "Per participant", "worst_year_p95": "Worst year, 95th percentile",
        "chance_a_cap_binds": "Chance a cap binds", "probability": "Probability", "taxpayer_benefits": "Taxpayer benefits",
        "net_savings": "Net savings", "net_savings_all_participants": "Net savings, all participants",
        "tranche": "Tranche", "expected_irr": "Expected IRR", "expected_multiple": "Expected multiple", "irr_p5": "IRR, 5th percentile",
        "irr_p50": "IRR, median", "irr_p95": "IRR, 95th percentile", "draws_without_unique_irr": "Draws without a unique IRR",
        "mean_multiple": "Mean multiple", "probability_repaid_in_full": "Chance repaid in full", "effect": "Effect",
        // Payments
        "line": "Line", "lines": "Lines", "payer": "Payer", "mechanism": "Mechanism", "pays": "Pays", "conditions": "Conditions",
        "cap": "Cap", "cap_amount": "Cap amount", "cut": "Cut", "participants_cut": "Participants cut", "left": "Left",
        "paid": "Paid", "paid_per_participant": "Paid per participant", "earned": "Earned", "payments": "Payments",
        "adjustments": "Adjustments", "net": "Net", "repayment_due": "Repayment due", "cohort": "Cohort", "finding": "Finding",
        "improvement": "Improvement", "threshold": "Threshold", "payable": "Payable", "arithmetic": "Arithmetic", "run": "Run",
        "run_at": "Run at", "share_of_other_lines": "Share of other lines", "staged": "Staged", "staged_by": "Staged by",
        "staged_at": "Staged at", "computed_from_load": "Computed from load", "changed_persons": "Changed persons",
        "changed_participants": "Changed participants", "paid_a_period_to_recompute": "Paid a period to recompute",
        // Data quality and linkage
        "check": "Check", "found": "Found", "of": "Of", "limit": "Limit", "where": "Where", "gap": "Gap",
        "wage_records": "Wage records", "overlapping_another_in_the_program": "Overlapping another in the program",
        "persons_linked": "Persons linked", "of_persons": "Of persons", "participants_linked": "Participants linked",
        "of_participants": "Of participants", "links": "Links", "probabilistic": "Probabilistic",
        "below_review_score": "Below review score", "keys_on_several_persons": "Keys on several persons",
        "persons_with_several_keys": "Persons with several keys", "linked_persons": "Linked persons", "linkage_rate": "Linkage rate",
        "probabilistic_links": "Probabilistic links", "keys": "Keys", "pairs": "Pairs", "rule": "Rule", "comparison": "Comparison",
        "level": "Level", "m": "m", "u": "u", "bayes_factor_log2": "Bayes factor (log2)", "records": "Records", "conflict": "Conflict",
        "true_positives": "True positives", "predicted_pairs": "Predicted pairs", "true_pairs": "True pairs",
        "precision": "Precision", "recall": "Recall", "f1": "F1", "weight_from": "Weight from", "weight_to": "Weight to",
        "linked": "Linked", "link_rate": "Link rate", "linked_across_sources": "Linked across sources",
        "rate_across_sources": "Rate across sources",
        // Benchmarks (outcomes-bench)
        "outcomes": "outcomes", "splink": "Splink", "mb": "MB", "seconds": "Seconds", "draws": "Draws",
        "microseconds_per_draw": "Microseconds per draw", "ms_per_draw": "Milliseconds per draw", "report": "Report",
        "charts": "Charts", "kilobytes": "Kilobytes", "layout": "Layout", "node": "Node", "tasks": "Tasks",
        "load_s": "Load (s)", "metrics_s": "Metrics (s)", "metrics_cpu_s": "Metrics CPU (s)", "payments_s": "Payments (s)",
        "payments_cpu_s": "Payments CPU (s)", "metrics_vs_one_server": "Metrics vs one server",
        "joins_on_workers": "Joins on workers", "re_partitioned_joins": "Re-partitioned joins", "via_coordinator": "Via coordinator",
        "share_of_events": "Share of events", "incremental_s": "Incremental (s)", "full_s": "Full (s)", "round": "Round", "incremental_over_full": "Incremental / full",
        "persons_changed": "Persons changed", "persons_recomputed": "Persons computed again", "equal": "Equal to full",
    ]
}
