import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain

struct QualityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality",
        abstract: "Check whether the linked data is fit for computing payments.",
        discussion: """
            Reports linkage by source system, persons in no source, duplicate and conflicting links, \
            events outside a person's lifetime, spells ending before they start, events from a source \
            the person is not linked to, overlapping enrollments in one program, gaps in quarterly wage \
            records and in monthly event counts, and event counts by domain and month. Each check is \
            judged against a limit (defaults, or a thresholds file: see \
            scenarios/quality-thresholds.yaml); the exit status is 1 when a check with severity fail \
            is over its limit, 0 otherwise (warnings are reported only).

            Examples:
              outcomes quality
              outcomes quality --through 2024-12-31 --thresholds scenarios/quality-thresholds.yaml
              outcomes quality --format json --quiet > quality.json
            """
    )

    @Option(name: .long, help: ArgumentHelp("A thresholds file (YAML); unnamed checks keep their defaults.", valueName: "file"))
    var thresholds: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The last day the data should cover: later events are errors and every month and wage quarter up to it must be present. Default: the latest event start not in the future.",
            valueName: "YYYY-MM-DD"))
    var through: String?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let through, LocalDate(iso: through) == nil {
            throw ValidationError("--through must be a date written YYYY-MM-DD, not '\(through)'.")
        }
    }

    func run() throws {
        let limits = try thresholds.map(QualityThresholds.load(path:)) ?? .defaults
        let progress = output.progress
        let (connection, _) = try database.connectReady(progress: progress, as: .analyst)
        let bar = progress.bar("Checking the linked data")
        let steps = 4
        var done = 0
        let measurements = try QualityQueries.measure(
            on: connection, dataThrough: through.flatMap { LocalDate(iso: $0) }, reviewScore: limits.reviewScore
        ) { _ in
            bar.update(done, of: steps)
            done += 1
        }
        bar.finish()
        let assessment = QualityAssessment(measurements, thresholds: limits)
        try output.emit(Report(quality: assessment, thresholdsFile: thresholds))
        let warnings = assessment.findings.filter { $0.status == .warn }
        if !warnings.isEmpty {
            progress.note("Warnings: " + warnings.map(\.summary).joined(separator: "; ") + ".")
        }
        let failures = assessment.findings.filter { $0.status == .fail }
        if !failures.isEmpty {
            throw QualityCheckFailed(failures: failures, thresholdsFile: thresholds)
        }
    }
}

/// The data is over a fail limit: exit 1 after the report is printed.
struct QualityCheckFailed: UserFacingError {
    let failures: [QualityFinding]
    let thresholdsFile: String?

    var message: String {
        "the linked data is not fit for computing payments: " + failures.map(\.summary).joined(separator: "; ")
            + ". Limits: \(thresholdsFile ?? "the defaults (see scenarios/quality-thresholds.yaml)"); "
            + "fix the data, or state other limits with --thresholds."
    }

    var exitStatus: ExitStatus { .checkFailed }
}

extension QualityFinding {
    /// `wage_quarter_gaps: 2 of 24 (8.33%), limit max 0`
    var summary: String {
        let name = check.rawValue + (subject.isEmpty ? "" : " \(subject)")
        let rate = self.rate.map { String(format: " (%.2f%%)", $0 * 100) } ?? ""
        return "\(name): \(found) of \(outOf)\(rate), limit \(limit)"
    }
}
