import Foundation
import OutcomesDomain
import PostgresClient

/// An independent, straightforward Swift computation of metric values from the raw IDS rows:
/// the reference the compiled SQL is checked against. Deliberately naive (day by day, unit by unit).
struct MetricOracle {
    struct Enrollment {
        let personID: Int, enrollmentID: Int, providerID: String, contractID: String
        let start: LocalDate, end: LocalDate?, arm: String?
    }

    struct Event {
        let domain: String, type: String?, source: String, start: LocalDate, end: LocalDate?, amount: Decimal?
    }

    struct Value: Equatable {
        let value: Decimal?, pre: Decimal?, post: Decimal?, ratio: Decimal?

        /// Equal values; ratios within 1e-12 (PostgreSQL divides numerics to about 16 significant digits).
        func matches(_ other: Value) -> Bool {
            guard value == other.value, pre == other.pre, post == other.post else { return false }
            guard let ratio, let otherRatio = other.ratio else { return ratio == nil && other.ratio == nil }
            return abs(NSDecimalNumber(decimal: ratio - otherRatio).doubleValue) < 1e-12
        }
    }

    let enrollments: [Enrollment]
    let events: [Int: [Event]]

    init(reading db: PostgresConnection) throws {
        enrollments = try db.execute("""
            SELECT person_id, enrollment_id, provider_id, contract_id, start_date::text, end_date::text, study_arm
            FROM ids.enrollments
            """).map {
            Enrollment(
                personID: try $0.decode(at: 0), enrollmentID: try $0.decode(at: 1), providerID: try $0.decode(at: 2),
                contractID: try $0.decode(String?.self, at: 3) ?? "", start: LocalDate(iso: try $0.decode(String.self, at: 4))!,
                end: try $0.decode(String?.self, at: 5).flatMap { LocalDate(iso: $0) }, arm: try $0.decode(at: 6))
        }
        var events: [Int: [Event]] = [:]
        for row in try db.execute("""
            SELECT person_id, domain, event_type, source_system, start_date::text, end_date::text, amount FROM ids.events
            """) {
            events[try row.decode(Int.self, at: 0), default: []].append(Event(
                domain: try row.decode(at: 1), type: try row.decode(at: 2), source: try row.decode(at: 3),
                start: LocalDate(iso: try row.decode(String.self, at: 4))!,
                end: try row.decode(String?.self, at: 5).flatMap { LocalDate(iso: $0) }, amount: try row.decode(at: 6)))
        }
        self.events = events
    }

    /// Each participant's first enrollment under the contract's cohort rule.
    func participants(_ contract: OutcomeContract) -> [Int: Enrollment] {
        var first: [Int: Enrollment] = [:]
        for enrollment in enrollments where enrollment.contractID == contract.id
            && (contract.cohort.providers.isEmpty || contract.cohort.providers.contains(enrollment.providerID))
            && (contract.cohort.studyArm == nil || contract.cohort.studyArm?.rawValue == enrollment.arm)
        {
            if let current = first[enrollment.personID],
                (current.start, current.enrollmentID) < (enrollment.start, enrollment.enrollmentID) { continue }
            first[enrollment.personID] = enrollment
        }
        return first
    }

    /// Whether the metric counts the participant in the period, and its window.
    func countedWindow(contract: OutcomeContract, metric: MetricDefinition, enrollment: Enrollment, period: ReportingPeriod,
                       selected: [Event]) -> ClosedRange<LocalDate>? {
        let through = contract.dataThrough
        let enrolledDays = min(enrollment.end ?? through, through).daysSinceEpoch - enrollment.start.daysSinceEpoch + 1
        guard enrolledDays >= contract.cohort.minimumEnrolledDays, let window = range(metric.window, enrollment, period) else { return nil }
        let inPeriod = { (date: LocalDate) in period.start <= date && date <= period.end }
        switch contract.assignment(of: metric) {
        case .windowEnd: return window.upperBound <= through && inPeriod(window.upperBound) ? window : nil
        case .enrollmentStart: return window.upperBound <= through && inPeriod(enrollment.start) ? window : nil
        case .achieved: return nil
        }
    }

    func values(contract: OutcomeContract, metric: MetricDefinition, period: ReportingPeriod) -> [Int: Value] {
        let through = contract.dataThrough
        var result: [Int: Value] = [:]
        for (person, enrollment) in participants(contract) {
            let enrolledDays = min(enrollment.end ?? through, through).daysSinceEpoch - enrollment.start.daysSinceEpoch + 1
            guard enrolledDays >= contract.cohort.minimumEnrolledDays, let window = range(metric.window, enrollment, period)
            else { continue }
            let selected = (events[person] ?? []).filter { select($0, metric.events) }
            let inPeriod = { (date: LocalDate) in period.start <= date && date <= period.end }
            if metric.window.anchor == .reportingPeriod {
                // Every period the participant is enrolled during the window.
                guard window.upperBound <= through, enrollment.start <= window.upperBound,
                    (enrollment.end ?? through) >= window.lowerBound else { continue }
            } else {
                switch contract.assignment(of: metric) {
                case .windowEnd: guard window.upperBound <= through, inPeriod(window.upperBound) else { continue }
                case .enrollmentStart: guard window.upperBound <= through, inPeriod(enrollment.start) else { continue }
                case .achieved:
                    if let achieved = achievement(metric.measure, window, selected, through) {
                        guard inPeriod(achieved) else { continue }
                    } else {
                        guard window.upperBound <= through, inPeriod(window.upperBound) else { continue }
                    }
                }
            }
            if let overlap = metric.events.overlap {
                let others = (events[person] ?? []).filter { select($0, overlap.events) }
                result[person] = Value(value: covered(window, selected, through, also: others, during: overlap.kind == .during),
                                       pre: nil, post: nil, ratio: nil)
                continue
            }
            if case .change(let base, let preWindow) = metric.measure {
                guard let pre = range(preWindow, enrollment), pre.upperBound <= through else { continue }
                let post = measure(base, window, selected, through)!, before = measure(base, pre, selected, through)!
                result[person] = Value(value: post - before, pre: before, post: post, ratio: before == 0 ? nil : post / before)
            } else {
                result[person] = Value(value: measure(metric.measure, window, selected, through), pre: nil, post: nil, ratio: nil)
            }
        }
        return result
    }

    func range(_ window: Window, _ enrollment: Enrollment, _ period: ReportingPeriod? = nil) -> ClosedRange<LocalDate>? {
        let anchor: LocalDate?
        switch window.anchor {
        case .enrollmentStart: anchor = enrollment.start
        case .enrollmentEnd: anchor = enrollment.end
        case .fixed(let date): anchor = date
        case .reportingPeriod: return period.flatMap { window.range(of: $0) }
        }
        guard let anchor else { return nil }
        let start = window.from.applied(to: anchor), end = window.to.applied(to: anchor)
        return start <= end ? start...end : nil
    }

    /// The first day of the window on which the outcome was achieved, day by day.
    private func achievement(_ measure: Measure, _ window: ClosedRange<LocalDate>, _ events: [Event], _ through: LocalDate)
        -> LocalDate?
    {
        switch measure {
        case .any:
            var day = window.lowerBound
            while day <= window.upperBound {
                if events.contains(where: { $0.start <= day && day <= ($0.end ?? through) }) { return day }
                day = day.adding(days: 1)
            }
            return nil
        case .count, .daysToEvent:
            return events.filter { window.contains($0.start) }.map(\.start).min()
        case .sustained(let consecutive, let unit, true):
            var run = 0, k = 0
            while true {
                let unitStart = Offset(k, unit).applied(to: window.lowerBound)
                guard unitStart <= window.upperBound else { return nil }
                let unitEnd = min(Offset(k + 1, unit).applied(to: window.lowerBound).adding(days: -1), window.upperBound)
                run = events.contains { overlaps($0, unitStart, unitEnd, through) } ? run + 1 : 0
                if run == consecutive { return unitEnd }
                k += 1
            }
        default:
            return nil
        }
    }

    /// Days of the window covered by `events` and also covered (`during`) — or not (`outside`) — by `others`.
    private func covered(_ window: ClosedRange<LocalDate>, _ events: [Event], _ through: LocalDate, also others: [Event],
                         during: Bool) -> Decimal {
        var count = 0
        var day = window.lowerBound
        while day <= window.upperBound {
            let inFirst = events.contains { $0.start <= day && day <= ($0.end ?? through) }
            let inOther = others.contains { $0.start <= day && day <= ($0.end ?? through) }
            if inFirst && inOther == during { count += 1 }
            day = day.adding(days: 1)
        }
        return Decimal(count)
    }

    func select(_ event: Event, _ selection: EventSelection) -> Bool {
        selection.domains.contains(event.domain)
            && (selection.sourceSystems.isEmpty || selection.sourceSystems.contains(event.source))
            && (selection.eventTypes.isEmpty || event.type.map(selection.eventTypes.contains) == true)
            && (selection.amount?.matches(event.amount) ?? true)
    }

    func overlaps(_ event: Event, _ start: LocalDate, _ end: LocalDate, _ through: LocalDate) -> Bool {
        event.start <= end && (event.end ?? through) >= start
    }

    func measure(_ measure: Measure, _ window: ClosedRange<LocalDate>, _ events: [Event], _ through: LocalDate) -> Decimal? {
        let (start, end) = (window.lowerBound, window.upperBound)
        let startingIn = events.filter { window.contains($0.start) }
        switch measure {
        case .any:
            return events.contains { overlaps($0, start, end, through) } ? 1 : 0
        case .count:
            return Decimal(startingIn.count)
        case .sum:
            return startingIn.compactMap(\.amount).reduce(0, +)
        case .daysToEvent:
            return startingIn.map(\.start).min().map { Decimal(start.days(to: $0)) }
        case .daysCovered, .daysWithout:
            var covered = 0, days = 0
            var day = start
            while day <= end {
                if events.contains(where: { $0.start <= day && day <= ($0.end ?? through) }) { covered += 1 }
                days += 1
                day = day.adding(days: 1)
            }
            return Decimal(measure == .daysCovered ? covered : days - covered)
        case .sustained(let consecutive, let unit, let present):
            var longest = 0, run = 0, k = 0
            while true {
                let unitStart = Offset(k, unit).applied(to: start)
                guard unitStart <= end else { break }
                let unitEnd = min(Offset(k + 1, unit).applied(to: start).adding(days: -1), end)
                let found = events.contains { overlaps($0, unitStart, unitEnd, through) }
                run = found == present ? run + 1 : 0
                longest = max(longest, run)
                k += 1
            }
            return longest >= consecutive ? 1 : 0
        case .change:
            return nil
        }
    }
}
