import Foundation
import OutcomesDatabase
import OutcomesDomain

extension Report {
    /// What a link run did: the rules' pairs, the trained model, the persons it kept, made, merged and split.
    init(link run: LinkRunReport, spec: LinkageSpec) {
        self.init(title: "Linkage run \(run.runID): \(spec.id)")
        let a = run.assignment
        notes = [
            "\(run.records) identifier records, \(run.candidatePairs) candidate pairs, \(a.persons) persons "
                + "(\(a.kept) kept their ids, \(a.new) new, \(a.merged) merged into another, \(a.split) split).",
            "λ = \(String(format: "%.6g", run.model.lambda)) from \(run.model.deterministicPairs) pairs meeting the deterministic rules; "
                + "u from \(run.model.randomPairs) random pairs; m by EM in \(run.model.emIterations) iterations"
                + (run.model.emConverged ? "." : " (not converged)."),
            "Data load \(run.loadID); content rows moved to their record's new person: \(a.contentRowsMoved).",
        ] + run.warnings.map(\.sentence)
        var blocking = ReportTable(name: "blocking", title: "Candidate pairs by blocking rule", columns: ["rule", "keys", "pairs"])
        blocking.rows = spec.blocking.enumerated().map { index, rule in
            [.int(index + 1), .text(rule.keys.map(\.rawValue).joined(separator: ", ")), .int(run.pairsPerRule[index])]
        }
        var model = ReportTable(name: "model", title: "Trained model: m and u per comparison level",
                                columns: ["comparison", "level", "m", "u", "bayes_factor_log2"])
        model.rows = run.model.comparisons.flatMap { comparison in
            comparison.levels.indices.map { level in
                [.text(comparison.name), .text(comparison.levels[level]), .real(comparison.m[level]), .real(comparison.u[level]),
                 .real(log2(comparison.m[level] / comparison.u[level]))]
            }
        }
        var clusters = ReportTable(name: "clusters", title: "Clusters", columns: ["measure", "value"])
        clusters.rows = [
            [.text("clusters"), .int(run.clustering.clusters)],
            [.text("clusters of two or more records"), .int(run.clustering.linkedClusters)],
            [.text("guard steps"), .int(run.clustering.guardSteps)],
            [.text("clusters still contradicted"), .int(run.clustering.contradictedClusters)],
        ]
        tables = [blocking, model, clusters]
    }
}

extension LinkageWarning {
    var sentence: String {
        switch self {
        case .ruleProposedNoPairs(let line): "Warning: the blocking rule at line \(line) proposed no pair the rules before it had not."
        case .noDeterministicPairs: "Warning: no pair met the deterministic rules; λ assumes one match per record."
        case .emDidNotConverge(let iterations): "Warning: EM did not converge in \(iterations) iterations (training: m: max_iterations)."
        case .levelNeverObserved(let comparison, let level, let among, let pairs):
            "Warning: \(comparison) level \(level) was never observed among \(among) (\(pairs) pairs); its probability was floored."
        case .comparisonNeverTrained(let comparison):
            "Warning: every training session blocks on \(comparison)'s field, so its m was not trained (training: m: blocking)."
        case .contradictionsRemain(let clusters): "Warning: \(clusters) clusters still hold a contradicted pair after the guard's last step."
        }
    }
}
