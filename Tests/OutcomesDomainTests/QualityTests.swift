import Foundation
import Testing
@testable import OutcomesDomain

@Suite struct QualityThresholdsTests {
    @Test func theShippedThresholdsFileSpellsOutTheDefaults() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios/quality-thresholds.yaml").path
        #expect(try QualityThresholds.load(path: file) == .defaults)
    }

    @Test func aFileOverridesOnlyTheChecksItNames() throws {
        let thresholds = try QualityThresholds.parse(yaml: """
            overlapping_enrollments: {max_count: 3, severity: warn}
            event_month_gaps: {max_count: 1, min_ratio: 0.25, min_baseline: 5}
            low_score_links: {max_rate: 0.2, below_score: 0.9}
            linkage_rate: {min_rate: {UI: 0.8}, severity: fail}
            """, file: "t.yaml")
        #expect(thresholds.limits[.overlappingEnrollments] == QualityLimit(maxCount: 3, severity: .warn))
        #expect(thresholds.limits[.eventMonthGaps] == QualityLimit(maxCount: 1))
        #expect(thresholds.monthGapRatio == 0.25 && thresholds.minimumBaseline == 5 && thresholds.quarterGapRatio == 0.5)
        #expect(thresholds.reviewScore == Decimal(string: "0.9"))
        #expect(thresholds.minimumLinkage == ["UI": 0.8] && thresholds.linkageSeverity == .fail)
        #expect(thresholds.limits[.personsWithoutLinks] == QualityThresholds.defaults.limits[.personsWithoutLinks])
    }

    @Test(arguments: [
        ("events_outside_life: {max_count: 0}", 1,
         .unknownKey("events_outside_life", allowed: QualityCheck.allCases.map(\.rawValue))),
        ("spells_ending_before_start: {max_count: 0}\nwage_quarter_gaps: {min_baseline: 3}", 2,
         .unknownKey("min_baseline", allowed: ["max_count", "max_rate", "severity", "min_ratio"])),
        ("overlapping_enrollments: {max_rate: 1.5}", 1, .outOfRange("max_rate")),
        ("overlapping_enrollments: {max_count: -1}", 1, .outOfRange("max_count")),
        ("overlapping_enrollments: {severity: stop, max_count: 1}", 1, .unknownWord("stop", allowed: ["fail", "warn"])),
        ("overlapping_enrollments: {severity: warn}", 1, .missingOneOf(["max_count", "max_rate"])),
        ("linkage_rate: {min_rate: {ui: 0.5}}", 1, .wrongForm(expected: .identifier)),
        ("linkage_rate: {min_rate: [UI]}", 1, .wrongForm(expected: .mapping)),
        ("checks: [", 2, .notYAML),
    ] as [(String, Int, DefinitionFileError.Code)])
    func badFilesNameTheLineAndWhatIsWrong(yaml: String, line: Int, code: DefinitionFileError.Code) {
        let error = #expect(throws: DefinitionFileError.self) { try QualityThresholds.parse(yaml: yaml, file: "limits.yaml") }
        #expect(error?.file == "limits.yaml" && error?.line == line)
        #expect(error?.code == code)
    }
}

@Suite struct QualityAssessmentTests {
    static func date(_ text: String) -> LocalDate { LocalDate(iso: text)! }

    @Test func seriesRunsFromTheFirstPeriodToTheLastCompleteOneWithZerosFilledIn() {
        let counts = [(Self.date("2024-02-01"), 5), (Self.date("2024-04-01"), 7), (Self.date("2024-02-01"), 1)]
        let series = QualityAssessment.series(counts, step: 1, through: Self.date("2024-05-30"))
        #expect(series.map(\.0) == ["2024-02-01", "2024-03-01", "2024-04-01"].map(Self.date))
        #expect(series.map(\.1) == [6, 0, 7])
        let through = QualityAssessment.series(counts, step: 1, through: Self.date("2024-05-31"))
        #expect(through.map(\.1) == [6, 0, 7, 0])
        #expect(QualityAssessment.series([], step: 3, through: Self.date("2024-05-31")).isEmpty)
    }

    @Test func aGapIsBelowTheRatioOfTheTrailingMedian() {
        // Hand-worked: at index 4 the trailing window [100, 90, 110, 100] has median 100; 49 < 50 is
        // a gap and stays out of later windows. At index 5 the median is still 100: 50 is not a gap.
        // At index 6 the window [100, 90, 110, 100, 50] has median 100: 0 is.
        let months = (0..<7).map { Self.date("2024-01-01").addingMonths($0) }
        let counts = [100, 90, 110, 100, 49, 50, 0]
        let gaps = QualityAssessment.gaps(
            in: Array(zip(months, counts)), domain: "jail", trailing: 12, ratio: 0.5, minimumBaseline: 20)
        #expect(gaps == [
            PeriodGap(domain: "jail", period: months[4], count: 49, baseline: 100),
            PeriodGap(domain: "jail", period: months[6], count: 0, baseline: 100),
        ])
        // A median under the baseline minimum flags nothing; the first three periods are never judged.
        #expect(QualityAssessment.gaps(in: Array(zip(months, counts.map { $0 / 10 })), domain: "jail",
                                       trailing: 12, ratio: 0.5, minimumBaseline: 20).isEmpty)
        #expect(QualityAssessment.gaps(in: Array(zip(months, [100, 0, 0, 100])), domain: "jail",
                                       trailing: 12, ratio: 0.5, minimumBaseline: 20).isEmpty)
    }

    static func measurements() -> QualityMeasurements {
        var m = QualityMeasurements(dataThrough: date("2024-06-30"))
        m.persons = 1_000
        m.personsWithoutLinks = 20
        m.participants = 200
        m.sources = [QualityMeasurements.SourceLinkage(source: "UI", name: "wages", personsLinked: 900, participantsLinked: 150,
                                                       links: 900, keys: 900)]
        m.events = 10_000
        m.programs = [QualityMeasurements.ProgramEnrollments(program: "housing", enrollments: 250, overlapping: 2)]
        m.months = (0..<6).map { QualityMeasurements.MonthCount(domain: "jail", shape: "spell",
                                                                 month: date("2024-01-01").addingMonths($0), events: 100) }
            + (0..<2).map { QualityMeasurements.MonthCount(domain: "wages", shape: "quarterly_amount",
                                                           month: date("2023-01-01").addingMonths(3 * $0), events: 400) }
        return m
    }

    @Test func limitsAreExclusiveAndSeverityDecidesTheVerdict() throws {
        // 20 of 1000 persons unlinked = 2.00%: at the 2% default limit, not over it.
        let clean = QualityAssessment(Self.measurements(), thresholds: .defaults)
        #expect(clean.findings.first { $0.check == .personsWithoutLinks }?.status == .ok)
        // Wages stop after 2023Q2 while the data runs through 2024-06-30: 2023Q3 to 2024Q2 are zero.
        // The first three quarters are never judged; 2023Q4, 2024Q1 and 2024Q2 are each below half
        // the median of the non-gap quarters before them [400, 400, 0] = 400.
        #expect(clean.wageQuarters.count == 6)
        #expect(clean.quarterGaps.map(\.period) == ["2023-10-01", "2024-01-01", "2024-04-01"].map(Self.date))
        #expect(clean.findings.first { $0.check == .wageQuarterGaps }?.found == 3)
        #expect(clean.status == .fail)

        var m = Self.measurements()
        m.months.removeAll { $0.domain == "wages" }
        m.personsWithoutLinks = 21
        var thresholds = QualityThresholds.defaults
        thresholds.minimumLinkage = ["UI": 0.8]
        let assessed = QualityAssessment(m, thresholds: thresholds)
        #expect(assessed.findings.first { $0.check == .personsWithoutLinks }?.status == .fail)
        // 150 of 200 participants = 75% < 80%: a warning by default.
        let linkage = try #require(assessed.findings.first { $0.check == .linkageRate })
        #expect(linkage.subject == "UI" && linkage.found == 150 && linkage.outOf == 200 && linkage.status == .warn)

        m.personsWithoutLinks = 0
        let warnOnly = QualityAssessment(m, thresholds: thresholds)
        #expect(warnOnly.status == .warn)
        thresholds.limits[.overlappingEnrollments] = QualityLimit(maxCount: 1)
        #expect(QualityAssessment(m, thresholds: thresholds).findings.first { $0.check == .overlappingEnrollments }?.status == .fail)
    }
}
