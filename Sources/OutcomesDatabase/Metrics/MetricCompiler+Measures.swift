import OutcomesDomain
import PostgresClient

/// The SQL of each measure: what a participant's window needs, the aggregate over the
/// participant's events, and the value computed from the aggregate.
///
/// Days covered and sustained runs are bit strings with one bit per day (or month, or quarter)
/// from the window's start: each event sets the bits it overlaps, `bit_or` merges them —
/// overlapping spells are counted once — and `bit_count` or `position` read the result. The
/// strings have a fixed length per metric, enough for any window (bits past the window's end stay
/// clear), and everything stays a plain expression, so it runs in the parallel workers.
extension MetricCompiler {
    /// Columns computed once per participant for a window's measure (`start`: its first day).
    func measureColumns(_ part: Part, start: PostgresQuery) -> [PostgresQuery] {
        guard case .sustained(_, let unit, _) = part.measure, unit != .days else { return [] }
        return ["\(unitStarts(part.window, unit: unit, from: start)) AS \(identifier: part.unitStarts)"]
    }

    /// The aggregate over the participant's joined events (`ev`) for one window; days covered may
    /// be limited to the days `overlap`'s events also cover (`during`) or do not (`outside`).
    func aggregate(_ part: Part, events: PostgresQuery, overlap: (kind: EventSelection.Overlap.Kind, events: PostgresQuery)? = nil,
                   through: PostgresQuery) -> PostgresQuery {
        let (start, end) = (column("p", part.start), column("p", part.end))
        let spellEnd: PostgresQuery = "coalesce(ev.end_date, \(through))"
        let overlaps: PostgresQuery = "\(events) AND ev.start_date <= \(end) AND \(spellEnd) >= \(start)"
        let startsIn: PostgresQuery = "\(events) AND ev.start_date BETWEEN \(start) AND \(end)"
        switch part.measure {
        case .any: return "count(*) FILTER (WHERE \(overlaps))"
        case .count: return "count(*) FILTER (WHERE \(startsIn))"
        case .sum: return "sum(ev.amount) FILTER (WHERE \(startsIn))"
        case .daysToEvent: return "min(ev.start_date) FILTER (WHERE \(startsIn))"
        case .daysCovered, .daysWithout, .sustained(_, .days, _):
            // The bits of the spell's days inside the window.
            let first: PostgresQuery = "greatest(ev.start_date, \(start)) - \(start)"
            let last: PostgresQuery = "least(\(spellEnd), \(end)) - \(start)"
            let bits = maximumDays(part.window)
            let covered: PostgresQuery = "bit_or(\(mask(bits: bits, first: first, last: last))) FILTER (WHERE \(overlaps))"
            guard let overlap else { return covered }
            // Days also (or never) covered by the other events: the two bit strings combined.
            let zeros: PostgresQuery = "\(String(repeating: "0", count: bits))::varbit"
            let other: PostgresQuery = "coalesce(bit_or(\(mask(bits: bits, first: first, last: last))) FILTER (WHERE \(overlap.events) "
                + "AND ev.start_date <= \(end) AND \(spellEnd) >= \(start)), \(zeros))"
            return overlap.kind == .during ? "(\(covered) & \(other))" : "(\(covered) & ~\(other))"
        case .sustained(_, let unit, _):
            // The bits of the units holding the spell's first to last day inside the window.
            let starts = column("p", part.unitStarts)
            let first: PostgresQuery = "width_bucket(greatest(ev.start_date, \(start)), \(starts)) - 1"
            let last: PostgresQuery = "width_bucket(least(\(spellEnd), \(end)), \(starts)) - 1"
            let bits = maximumUnits(part.window, unitMonths: Offset(1, unit).months)
            return "bit_or(\(mask(bits: bits, first: first, last: last))) FILTER (WHERE \(overlaps))"
        case .change:
            preconditionFailure("a change is aggregated through its base measure")
        }
    }

    /// A string of `bits` bits with bits `first` through `last` (0-based) set.
    private func mask(bits: Int, first: PostgresQuery, last: PostgresQuery) -> PostgresQuery {
        let ones: PostgresQuery = "\(String(repeating: "1", count: bits))::varbit"
        return "((\(ones) >> (\(first))) & (\(ones) << (\(bits - 1)::int - (\(last)))))"
    }

    /// The aggregate dating a metric's achievement, for metrics assigned by it (sustained runs are
    /// dated from their bit string instead, by `achievementDate`).
    func achievementAggregate(_ index: Int, events: PostgresQuery, through: PostgresQuery) -> PostgresQuery? {
        let metric = contract.metrics[index]
        guard contract.assignment(of: metric) == .achieved, metric.window.anchor != .reportingPeriod else { return nil }
        let part = Part(prefix: "m\(index)", window: metric.window, measure: metric.measure)
        let (start, end) = (column("p", part.start), column("p", part.end))
        switch metric.measure {
        case .any:
            // The first day a selected event touches the window.
            return "min(greatest(ev.start_date, \(start))) FILTER (WHERE \(events) AND ev.start_date <= \(end) "
                + "AND coalesce(ev.end_date, \(through)) >= \(start))"
        case .count, .daysToEvent:
            return "min(ev.start_date) FILTER (WHERE \(events) AND ev.start_date BETWEEN \(start) AND \(end))"
        default:
            return nil
        }
    }

    /// The date metric `index` was achieved, in the grouped row `alias` (NULL when it was not).
    func achievementDate(_ index: Int, in alias: SQLIdentifier) -> PostgresQuery {
        let metric = contract.metrics[index]
        let part = Part(prefix: "m\(index)", window: metric.window, measure: metric.measure)
        guard case .sustained(let consecutive, let unit, _) = metric.measure else { return column(alias, part.achievedOn) }
        // The last day of the first run of `consecutive` units with events.
        let run: PostgresQuery = "\(String(repeating: "1", count: consecutive))::varbit"
        let position: PostgresQuery = "nullif(position(\(run) IN \(column(alias, part.measured))), 0)"
        let start = column(alias, part.start)
        let last: PostgresQuery = unit == .days
            ? "(\(start) + (\(position) - 1 + \(consecutive - 1)::int))"
            : "((\(start) + make_interval(months => (\(position) - 1 + \(consecutive)::int) * \(Offset(1, unit).months)::int))::date - 1)"
        return "least(\(last), \(column(alias, part.end)))"
    }

    /// The participant's value for one window from its aggregate, in the grouped row `alias`.
    func finish(_ part: Part, in alias: SQLIdentifier) -> PostgresQuery {
        let (measured, start, end) = (column(alias, part.measured), column(alias, part.start), column(alias, part.end))
        switch part.measure {
        case .any: return "(\(measured) > 0)::int"
        case .count: return measured
        case .sum: return "coalesce(\(measured), 0)"
        case .daysToEvent: return "\(measured) - \(start)"
        case .daysCovered: return "coalesce(bit_count(\(measured)), 0)"
        case .daysWithout: return "(\(end) - \(start) + 1) - coalesce(bit_count(\(measured)), 0)"
        case .sustained(let consecutive, let unit, let present):
            let run: PostgresQuery = "\(String(repeating: present ? "1" : "0", count: consecutive))::varbit"
            if present {
                return "(coalesce(position(\(run) IN \(measured)), 0) > 0)::int"
            }
            // The first run of clear bits (from the window's start when no event touched it) must
            // end inside the window: the string runs on past the window's end.
            let first: PostgresQuery = "coalesce(position(\(run) IN \(measured)), 1)"
            let runEnd: PostgresQuery = "\(first) + \(consecutive - 2)::int"
            let lastUnitStart: PostgresQuery = unit == .days
                ? "(\(start) + (\(runEnd)))"
                : "(\(start) + make_interval(months => (\(runEnd)) * \(Offset(1, unit).months)::int))::date"
            return "(\(first) > 0 AND \(lastUnitStart) <= \(end))::int"
        case .change:
            preconditionFailure("a change is finished through its base measure")
        }
    }

    /// `ARRAY[start, start + 1 unit, start + 2 units, …]`, enough entries to cover the window:
    /// `width_bucket(date, array) - 1` is then the index of the unit holding `date` (the largest
    /// k with start + k units <= date, months added as PostgreSQL adds them).
    private func unitStarts(_ window: Window, unit: Offset.Unit, from start: PostgresQuery) -> PostgresQuery {
        let unitMonths = Offset(1, unit).months
        let starts: [PostgresQuery] = (0..<maximumUnits(window, unitMonths: unitMonths)).map { index in
            "(\(start) + make_interval(months => \(index * unitMonths)::int))::date"
        }
        return "ARRAY[\(starts.joined(separator: ", "))]"
    }

    /// Adding n months moves a date by 28n - 3 to 31n days (clipped to the month's end).
    private static func latestDay(_ offset: Offset) -> Int {
        offset.unit == .days ? offset.days : (offset.months >= 0 ? 31 * offset.months : 28 * offset.months)
    }

    private static func earliestDay(_ offset: Offset) -> Int {
        offset.unit == .days ? offset.days : (offset.months >= 0 ? 28 * offset.months : 31 * offset.months) - 3
    }

    /// An upper bound on the number of days in a window, whatever its anchor date.
    static func maximumDays(_ window: Window) -> Int {
        max(1, latestDay(window.to) - earliestDay(window.from) + 1)
    }

    /// An upper bound on the number of `unitMonths`-month units a window touches, whatever its anchor date.
    static func maximumUnits(_ window: Window, unitMonths: Int) -> Int {
        maximumUnits(days: maximumDays(window), unitMonths: unitMonths)
    }

    static func maximumUnits(days: Int, unitMonths: Int) -> Int {
        let wholeMonths = (days + 2) / 28 + 1
        return wholeMonths / unitMonths + 2
    }

    /// The bound for this contract: a window anchored on the reporting period spans the longest of
    /// its periods, moved by its offsets.
    func maximumDays(_ window: Window) -> Int {
        guard window.anchor == .reportingPeriod else { return Self.maximumDays(window) }
        let longest = contract.periods.map { $0.start.days(to: $0.end) + 1 }.max() ?? 1
        return max(1, longest - 1 + Self.latestDay(window.to) - Self.earliestDay(window.from) + 1)
    }

    func maximumUnits(_ window: Window, unitMonths: Int) -> Int {
        Self.maximumUnits(days: maximumDays(window), unitMonths: unitMonths)
    }
}
