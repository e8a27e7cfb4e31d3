import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesStatistics

extension Report {
    /// The quality of a link run (`outcomes link report`); link rates suppressed under `policy`.
    init(linkQuality quality: LinkQuality, labels: LinkLabelEvaluation?, policy: SmallCellPolicy) {
        let run = quality.run
        self.init(title: "Linkage quality: run \(run.runID) (\(run.specID))")
        let width = LinkQuality.weightBinWidth
        notes = [
            "Run \(run.runID) of spec \(run.specID) (sha256 \(run.specSHA256.prefix(12))), started \(run.runDate): \(run.records) identifier "
                + "records, \(run.candidatePairs) candidate pairs; match threshold \(run.matchThreshold), review threshold \(run.reviewThreshold) (match probabilities).",
            "Match weights are log2 of the odds of a match, in bins of \(Int(width)) bits. The candidate pairs' weights are the model's "
                + "without term-frequency adjustments (as linkage.pattern_counts counts them); the scored pairs' include them.",
            "Estimated errors (fastLink's, without labels): each candidate pair's match probability from the model at λ = "
                + String(format: "%.6g", quality.lambda) + " (without term-frequency adjustments); the false-discovery rate is the expected "
                + "non-matches among pairs at or above the match threshold over those pairs, the false-negative rate the expected matches "
                + "below it over all expected matches. Matches no blocking rule proposed are not in either.",
        ]
        tables = [Self.weightTable("candidate_pair_weights", "Candidate pairs by match weight (without term-frequency adjustments)",
                                   quality.candidateWeights, width),
                  Self.errorTable(quality.estimatedErrors)]
        if let first = quality.candidateWeights.first {
            let edges = [first.lower] + quality.candidateWeights.map { $0.lower + width }
            let weight = { (probability: Double) in log2(probability / (1 - probability)) }
            charts.append(Chart(title: "Candidate pairs by match weight", summary: "How many candidate pairs fall in each \(Int(width))-bit bin of "
                                    + "match weight, with the weights of the match and review thresholds.",
                                xLabel: "match weight (bits)", yLabel: "pairs",
                                kind: .histogram(edges: edges, series: [("candidate pairs", quality.candidateWeights.map { Optional($0.pairs) })],
                                                 markers: [("match", weight(run.matchThreshold)), ("review", weight(run.reviewThreshold))]),
                                table: "candidate_pair_weights"))
        }
        if let index = quality.index {
            notes += [
                "Link rates: a record is linked when its person holds another record, linked across sources when its person holds a record "
                    + "of another source system; a rate is the share of the group's records. Groups are the person's (the cluster's most common "
                    + "value; age at the run date); the source system is the record's. Counts of 1 to \(policy.threshold - 1) are suppressed "
                    + "(\(policy.marker)) with their row, and so is any row that would let one be worked out.",
                "Clusters: persons by the number of records and of source systems they hold; a conflict is two birth years, two full dates "
                    + "of birth in one year, or records saying F and M. Person ids are pseudonymous.",
            ]
            if (index.linkCounts[.sourceSystem] ?? []).isEmpty {
                notes.append("No identifier record is linked now (were the identifiers purged after the run?): link rates, clusters and "
                             + "conflicts are empty.")
            }
            if index.recordsNotInIndex > 0 {
                notes.append("\(index.recordsNotInIndex) identifier records were loaded after the run and are in no table here.")
            }
            tables += LinkQuality.Breakdown.allCases.map { Self.rateTable($0, LinkRateTable(groups: index.linkCounts[$0] ?? [], policy: policy), marker: policy.marker) }
            tables.append(Self.weightTable("scored_pair_weights", "Pairs at or above the review threshold by match weight (with term-frequency adjustments)",
                                           index.scoredWeights, width))
            tables += [
                ReportTable(name: "persons_by_records", title: "Persons by number of records", columns: ["records", "persons"],
                            rows: index.personsByRecords.map { [.int($0.size), .int($0.persons)] }),
                ReportTable(name: "persons_by_sources", title: "Persons by number of source systems", columns: ["source_systems", "persons"],
                            rows: index.personsBySources.map { [.int($0.size), .int($0.persons)] }),
                ReportTable(name: "conflicts", title: "Persons whose records disagree", columns: ["conflict", "persons"],
                            rows: LinkQuality.ConflictKind.allCases.map { [.text($0.rawValue), .int(index.conflicts[$0] ?? 0)] }),
                ReportTable(name: "conflicting_persons",
                            title: "Persons whose records disagree (the first \(LinkQuality.conflictListLength) by person id)",
                            columns: ["person_id", "conflict"], rows: index.conflictExamples.map { [.int($0.personID), .text($0.kind.rawValue)] }),
            ]
        } else {
            notes.append("Run \(run.runID) is not the latest (run \(run.latestRunID)): the index's persons and pairs are the latest run's, so "
                         + "link rates, scored pairs and clusters are left out.")
        }
        if let labels {
            notes.append(labels.form == .truth
                ? "Labels: \(labels.labels) records in truth clusters; the true pairs are every pair with one entity, proposed by a blocking rule or not; "
                    + "a predicted pair with a record the labels do not list is left out."
                : "Labels: \(labels.labels) decided pairs; precision and recall are over the labelled pairs only.")
            var scores = ReportTable(name: "labels", title: "Against the labels",
                                     columns: ["kind", "true_positives", "predicted_pairs", "true_pairs", "precision", "recall", "f1"])
            scores.rows = [("pairwise", labels.pairwise), ("clustered", labels.clustered)].map { kind, s in
                [.text(kind), .int(s.truePositives), .int(s.predictedPairs), .int(s.truePairs), .real(s.precision), .real(s.recall), .real(s.f1)]
            }
            tables.append(scores)
        }
    }

    static func weightTable(_ name: String, _ title: String, _ bins: [LinkQuality.WeightBin], _ width: Double) -> ReportTable {
        ReportTable(name: name, title: title, columns: ["weight_from", "weight_to", "pairs"],
                    rows: bins.map { [.real($0.lower), .real($0.lower + width), .int($0.pairs)] })
    }

    static func errorTable(_ errors: EstimatedClassificationErrors) -> ReportTable {
        ReportTable(name: "estimated_errors", title: "Estimated errors without labels", columns: ["measure", "value"], rows: [
            [.text("pairs_at_or_above_match"), .real(errors.pairsAccepted)],
            [.text("expected_false_discoveries"), .real(errors.expectedFalseDiscoveries)],
            [.text("false_discovery_rate"), .real(errors.falseDiscoveryRate)],
            [.text("expected_matches"), .real(errors.expectedMatches)],
            [.text("expected_false_negatives"), .real(errors.expectedFalseNegatives)],
            [.text("false_negative_rate"), .real(errors.falseNegativeRate)],
        ])
    }

    static func rateTable(_ breakdown: LinkQuality.Breakdown, _ table: LinkRateTable, marker: String) -> ReportTable {
        let label = breakdown == .raceEthnicity ? "race/ethnicity" : breakdown.rawValue.replacingOccurrences(of: "_", with: " ")
        var result = ReportTable(name: "link_rates_by_\(breakdown.rawValue)", title: "Link rates by \(label)",
                                 columns: [breakdown.rawValue, "records", "linked_across_sources", "rate_across_sources", "linked", "link_rate"])
        result.rows = table.rows.map { row in
            guard !row.suppressed else { return [.text(row.group ?? "(all)")] + Array(repeating: Cell.suppressed(marker), count: 5) }
            return [.text(row.group ?? "(all)"), row.records.map(Cell.int) ?? .null, row.linkedAcrossSources.map(Cell.int) ?? .null,
                    row.rateAcrossSources.map(Cell.share) ?? .null, row.linked.map(Cell.int) ?? .null, row.rate.map(Cell.share) ?? .null]
        }
        return result
    }
}
