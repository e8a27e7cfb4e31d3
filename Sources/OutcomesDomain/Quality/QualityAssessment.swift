import Foundation

public enum QualityStatus: String, Sendable, Comparable {
    case ok, warn, fail

    public static func < (lhs: QualityStatus, rhs: QualityStatus) -> Bool {
        [.ok, .warn, .fail].firstIndex(of: lhs)! < [.ok, .warn, .fail].firstIndex(of: rhs)!
    }
}

/// One judged check: what was found, out of how many, against which limit.
public struct QualityFinding: Sendable, Equatable {
    public let check: QualityCheck
    /// The source system for linkage_rate; empty otherwise.
    public let subject: String
    public let found: Int
    public let outOf: Int
    public let limit: String
    public let status: QualityStatus
    /// Where the problems are: periods, programs, sources (never person ids).
    public let detail: String

    public var rate: Double? { outOf == 0 ? nil : Double(found) / Double(outOf) }
}

/// A period whose count fell well below its trailing median: a feed that is missing or partial.
public struct PeriodGap: Sendable, Equatable {
    public let domain: String
    /// The first day of the month or quarter.
    public let period: LocalDate
    public let count: Int
    public let baseline: Double
}

/// Judges measurements against thresholds.
public struct QualityAssessment: Sendable {
    public let measurements: QualityMeasurements
    public let thresholds: QualityThresholds
    public let findings: [QualityFinding]
    public let monthGaps: [PeriodGap]
    public let quarterGaps: [PeriodGap]
    /// Wage records per calendar quarter, every quarter from the first to the last complete one.
    public let wageQuarters: [(quarter: LocalDate, records: Int)]
    /// Domain-months and quarters examined for gaps.
    public let monthsExamined: Int

    /// The worst status: fail means the data is not fit for computing payments.
    public var status: QualityStatus { findings.map(\.status).max() ?? .ok }

    public init(_ measurements: QualityMeasurements, thresholds: QualityThresholds) {
        self.measurements = measurements
        self.thresholds = thresholds
        let through = measurements.dataThrough

        // Monthly series per domain (quarterly amounts are judged by quarter instead).
        var monthGaps: [PeriodGap] = []
        var examined = 0
        let monthly = Dictionary(grouping: measurements.months.filter { $0.shape != "quarterly_amount" }, by: \.domain)
        for domain in monthly.keys.sorted() {
            let series = Self.series(monthly[domain]!.map { ($0.month, $0.events) }, step: 1, through: through)
            examined += series.count
            monthGaps += Self.gaps(in: series, domain: domain, trailing: 12,
                                   ratio: thresholds.monthGapRatio, minimumBaseline: thresholds.minimumBaseline)
        }
        let wages = measurements.months.filter { $0.shape == "quarterly_amount" }
        let quarters = Self.series(wages.map { ($0.month.quarterStart, $0.events) }, step: 3, through: through)
        let quarterGaps = Self.gaps(in: quarters, domain: "wages", trailing: 4,
                                    ratio: thresholds.quarterGapRatio, minimumBaseline: thresholds.minimumBaseline)
        self.monthGaps = monthGaps
        self.quarterGaps = quarterGaps
        self.wageQuarters = quarters.map { (quarter: $0.0, records: $0.1) }
        self.monthsExamined = examined

        var findings: [QualityFinding] = []
        func judge(_ check: QualityCheck, _ found: Int, of outOf: Int, _ detail: String = "") {
            let limit = thresholds.limits[check] ?? QualityLimit(severity: .warn)
            let rate = outOf == 0 ? 0 : Double(found) / Double(outOf)
            let over = (limit.maxCount.map { found > $0 } ?? false) || (limit.maxRate.map { rate > $0 } ?? false)
            findings.append(QualityFinding(
                check: check, subject: "", found: found, outOf: outOf, limit: Self.describe(limit),
                status: over ? (limit.severity == .fail ? .fail : .warn) : .ok, detail: detail))
        }
        let m = measurements
        judge(.personsWithoutLinks, m.personsWithoutLinks, of: m.persons)
        judge(.keysOnSeveralPersons, m.sources.reduce(0) { $0 + $1.keysOnSeveralPersons }, of: m.keys,
              Self.bySource(m.sources, \.keysOnSeveralPersons))
        judge(.personsWithSeveralKeys, m.personsWithSeveralKeys, of: m.personsLinked,
              Self.bySource(m.sources, \.personsWithSeveralKeys))
        judge(.lowScoreLinks, m.sources.reduce(0) { $0 + $1.linksBelowReviewScore }, of: m.links,
              "below \(thresholds.reviewScore); " + Self.bySource(m.sources, \.linksBelowReviewScore))
        let population = m.participants > 0 ? m.participants : m.persons
        for source in m.sources {
            guard let minimum = thresholds.minimumLinkage[source.source] else { continue }
            let linked = m.participants > 0 ? source.participantsLinked : source.personsLinked
            let low = population > 0 && Double(linked) / Double(population) < minimum
            findings.append(QualityFinding(
                check: .linkageRate, subject: source.source, found: linked, outOf: population,
                limit: "min rate \(Self.percent(minimum))",
                status: low ? (thresholds.linkageSeverity == .fail ? .fail : .warn) : .ok,
                detail: m.participants > 0 ? "participants" : "persons (no participants recorded)"))
        }
        judge(.eventsOutsideLifetime, m.eventsBeforeBirth + m.eventsAfterDataThrough, of: m.events,
              "\(m.eventsBeforeBirth) before birth, \(m.eventsAfterDataThrough) after \(through)")
        judge(.spellsEndingBeforeStart, m.spellsEndingBeforeStart, of: m.events)
        judge(.eventsWithoutSourceLink, m.eventsWithoutSourceLink, of: m.events)
        judge(.overlappingEnrollments, m.programs.reduce(0) { $0 + $1.overlapping }, of: m.enrollments,
              m.programs.filter { $0.overlapping > 0 }.map { "\($0.program) \($0.overlapping)" }.joined(separator: ", "))
        judge(.wageQuarterGaps, quarterGaps.count, of: quarters.count,
              Self.describe(quarterGaps, quarterly: true)
                + (m.wageRecordsOffQuarter > 0 ? "; \(m.wageRecordsOffQuarter) records not spanning one calendar quarter" : ""))
        judge(.eventMonthGaps, monthGaps.count, of: examined, Self.describe(monthGaps, quarterly: false))
        judge(.contradictingRelationships, m.contradictingPairs, of: m.relatedPairs,
              m.contradictions.map { "\($0.relations) \($0.pairs)" }.joined(separator: ", "))
        judge(.overlappingHouseholds, m.personsInTwoHouseholds, of: m.personsInHouseholds)
        self.findings = findings
    }

    /// Counts per period from the first period with data to the last one complete by `through`,
    /// with the periods that have none filled in as zero.
    static func series(_ counts: [(LocalDate, Int)], step months: Int, through: LocalDate) -> [(LocalDate, Int)] {
        var totals: [LocalDate: Int] = [:]
        for (period, count) in counts { totals[period, default: 0] += count }
        guard let first = totals.keys.min() else { return [] }
        var series: [(LocalDate, Int)] = []
        var period = first
        while period.addingMonths(months).adding(days: -1) <= through {
            series.append((period, totals[period] ?? 0))
            period = period.addingMonths(months)
        }
        return series
    }

    /// Periods below `ratio` × the median of up to `trailing` earlier periods that were not gaps
    /// themselves (so a feed missing for a long stretch is flagged all along). The first three
    /// periods are never judged.
    static func gaps(
        in series: [(LocalDate, Int)], domain: String, trailing: Int, ratio: Double, minimumBaseline: Int
    ) -> [PeriodGap] {
        var gaps: [PeriodGap] = []
        var accepted: [Int] = []
        for (index, (period, count)) in series.enumerated() {
            defer { if gaps.last?.period != period { accepted.append(count) } }
            guard index >= 3 else { continue }
            let window = accepted.suffix(trailing).sorted()
            let middle = window.count / 2
            let median = window.count % 2 == 1 ? Double(window[middle]) : Double(window[middle - 1] + window[middle]) / 2
            if median >= Double(minimumBaseline) && Double(count) < ratio * median {
                gaps.append(PeriodGap(domain: domain, period: period, count: count, baseline: median))
            }
        }
        return gaps
    }

    static func describe(_ limit: QualityLimit) -> String {
        let parts = [limit.maxCount.map { "max \($0)" }, limit.maxRate.map { "max \(percent($0))" }].compactMap { $0 }
        return (parts.isEmpty ? "none" : parts.joined(separator: ", ")) + (limit.severity == .warn ? " (warn)" : "")
    }

    static func percent(_ share: Double) -> String {
        let text = String(format: "%.2f", share * 100)
        return (text.hasSuffix(".00") ? String(text.dropLast(3)) : text) + "%"
    }

    static func bySource(_ sources: [QualityMeasurements.SourceLinkage], _ value: KeyPath<QualityMeasurements.SourceLinkage, Int>) -> String {
        sources.filter { $0[keyPath: value] > 0 }.map { "\($0.source) \($0[keyPath: value])" }.joined(separator: ", ")
    }

    static func describe(_ gaps: [PeriodGap], quarterly: Bool) -> String {
        let shown = gaps.prefix(6).map { gap in
            let period = quarterly ? gap.period.quarterLabel : String(gap.period.description.prefix(7))
            return (quarterly ? "" : gap.domain + " ") + "\(period): \(gap.count) vs median \(Int(gap.baseline.rounded()))"
        }
        return shown.joined(separator: ", ") + (gaps.count > 6 ? ", and \(gaps.count - 6) more" : "")
    }
}

extension LocalDate {
    func addingMonths(_ count: Int) -> LocalDate { Offset(count, .months).applied(to: self) }

    /// 2024Q3.
    public var quarterLabel: String { "\(year)Q\((components.month - 1) / 3 + 1)" }
}
