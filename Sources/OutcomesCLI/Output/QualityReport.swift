import Foundation
import OutcomesDomain

extension Report {
    /// The data-quality report: the judged checks first, then the tables they were judged on.
    init(quality assessment: QualityAssessment, thresholdsFile: String?) {
        let m = assessment.measurements
        self.init(title: "Data quality of the linked IDS, data through \(m.dataThrough)")
        notes = [
            Self.verdict(on: assessment),
            "Limits: \(thresholdsFile ?? "the defaults (scenarios/quality-thresholds.yaml)").",
            "Counts are of records for data stewards, not published outcomes, and are not suppressed; no person ids are shown.",
        ]
        var linkage = ReportTable(
            name: "linkage", title: "Linkage by source system",
            columns: ["source", "name", "persons linked", "of persons", "participants linked", "of participants",
                      "links", "keys", "probabilistic", "below review score", "persons with several keys",
                      "keys on several persons"],
            moreColumns: ["keys", "probabilistic", "below review score", "persons with several keys", "keys on several persons"])
        linkage.rows = m.sources.map {
            [.text($0.source), .text($0.name), .int($0.personsLinked), Cell.ratio($0.personsLinked, m.persons),
             .int($0.participantsLinked), Cell.ratio($0.participantsLinked, m.participants), .int($0.links), .int($0.keys),
             .int($0.probabilisticLinks), .int($0.linksBelowReviewScore), .int($0.personsWithSeveralKeys),
             .int($0.keysOnSeveralPersons)]
        }
        linkage.rows.append(
            [.text("(none)"), .text("linked to no source system"), .int(m.personsWithoutLinks),
             Cell.ratio(m.personsWithoutLinks, m.persons)] + Array(repeating: Cell.null, count: 8))
        var programs = ReportTable(
            name: "enrollments", title: "Enrollments by program",
            columns: ["program", "enrollments", "overlapping another in the program"])
        programs.rows = m.programs.map { [.text($0.program), .int($0.enrollments), .int($0.overlapping)] }
        let gapQuarters = Dictionary(uniqueKeysWithValues: assessment.quarterGaps.map { ($0.period, $0) })
        var wages = ReportTable(
            name: "wage_quarters", title: "Wage records by calendar quarter",
            columns: ["quarter", "wage records", "gap"])
        wages.rows = assessment.wageQuarters.map { quarter in
            [.text(quarter.quarter.quarterLabel), .int(quarter.records),
             gapQuarters[quarter.quarter].map { .text("below \(assessment.thresholds.quarterGapRatio) × median \(Int($0.baseline.rounded()))") } ?? .null]
        }
        tables = [Self.checks(assessment), linkage, programs, wages, Self.eventsByMonth(m)]
    }

    /// Whether the data is fit for computing payments: the report's first note (the demo's too).
    static func verdict(on assessment: QualityAssessment) -> String {
        switch assessment.status {
        case .ok: "Verdict: fit for computing payments (every check within its limit)."
        case .warn: "Verdict: fit for computing payments, with warnings."
        case .fail: "Verdict: NOT fit for computing payments (a check is over a fail limit)."
        }
    }

    /// The judged checks, each with its status and limit: the report's first table (the demo's too).
    static func checks(_ assessment: QualityAssessment, name: String = "checks", title: String = "Checks") -> ReportTable {
        var checks = ReportTable(name: name, title: title, columns: ["check", "status", "found", "of", "rate", "limit", "where"])
        checks.rows = assessment.findings.map { finding in
            [.text(finding.check.rawValue + (finding.subject.isEmpty ? "" : " \(finding.subject)")),
             .text(finding.status == .ok ? "ok" : finding.status.rawValue.uppercased()),
             .int(finding.found), .int(finding.outOf), finding.rate.map(Cell.share) ?? .null,
             .text(finding.limit), .text(finding.detail)]
        }
        return checks
    }

    /// Months down, domains across: events starting in the month (inside a lifetime, not after
    /// the data-through date). Quarterly amounts (wages) have their own table.
    private static func eventsByMonth(_ m: QualityMeasurements) -> ReportTable {
        let monthly = m.months.filter { $0.shape != "quarterly_amount" }
        let domains = Array(Set(monthly.map(\.domain))).sorted()
        var counts: [LocalDate: [String: Int]] = [:]
        for count in monthly { counts[count.month, default: [:]][count.domain] = count.events }
        var table = ReportTable(name: "events_by_month", title: "Events by domain and month of start", columns: ["month"] + domains)
        // The event domains are the data's own names.
        table.labels = Dictionary(uniqueKeysWithValues: domains.map { ($0, $0) })
        table.rows = counts.keys.sorted().map { month in
            [.text(String(month.description.prefix(7)))] + domains.map { .int(counts[month]?[$0] ?? 0) }
        }
        return table
    }
}

extension Cell {
    /// A share, or empty when there is nothing to divide by.
    static func ratio(_ part: Int, _ whole: Int) -> Cell { whole == 0 ? .null : .share(Double(part) / Double(whole)) }
}
