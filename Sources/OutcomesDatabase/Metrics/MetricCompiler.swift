import OutcomesDomain
import PostgresClient

/// Compiles all of a contract's metrics into two set-based statements that compute every
/// participant's values for a reporting period inside PostgreSQL.
///
/// Shape: participants (first enrollment under the contract) get every metric's window bounds
/// (`eligibleTable`); they are joined once with their events on `person_id`; each metric is an
/// aggregate with its own FILTER; the per-person row is unpivoted into one row per metric for
/// which the participant counts (`resultsTable`). One pass over the events serves all metrics.
///
/// Every value from the contract file is a bound parameter; the only text spliced into the SQL
/// comes from fixed vocabularies (anchor columns, comparison operators) and generated column names.
struct MetricCompiler {
    let contract: OutcomeContract
    let period: ReportingPeriod
    let loadID: Int

    private struct Columns {
        let index: Int
        var start: String { "m\(index)_start" }
        var end: String { "m\(index)_end" }
        var preStart: String { "m\(index)_pre_start" }
        var preEnd: String { "m\(index)_pre_end" }
        var ok: String { "m\(index)_ok" }
        var post: String { "m\(index)_post" }
        var pre: String { "m\(index)_pre" }
    }

    /// The columns of a results table, in `metrics.person_results` order and types.
    static let resultColumns = """
        person_id, contract_id, metric_id, period, enrollment_id, provider_id, window_start, window_end,
        value, pre_value, post_value, ratio, load_id, computed_at
        """

    /// `CREATE TABLE eligible AS …`: every participant with each metric's window bounds and
    /// whether the metric counts them in the period, and the slice (of `slices`) they fall in.
    func eligibleTable(_ table: SQLIdentifier, slices: Int) -> PostgresQuery {
        var query = PostgresQuery(unsafeSQL: "")
        let through = "\(query.bind(contract.dataThrough.description))::date"
        let cohortFilters = cohortConditions(&query)
        let minimumDays = query.bind(contract.cohort.minimumEnrolledDays)
        let periodStart = "\(query.bind(period.start.description))::date"
        let periodEnd = "\(query.bind(period.end.description))::date"
        var windows: [String] = [], flags: [String] = []
        for (index, metric) in contract.metrics.enumerated() {
            let c = Columns(index: index)
            windows.append(windowColumns(metric.window, c.start, c.end, &query))
            var complete = "\(c.end) <= \(through)"
            if case .change(_, let pre) = metric.measure {
                windows.append(windowColumns(pre, c.preStart, c.preEnd, &query))
                complete += " AND \(c.preEnd) <= \(through) AND \(c.preStart) <= \(c.preEnd)"
            }
            let assigned = contract.cohort.assignBy == .windowEnd ? c.end : "start_date"
            flags.append("coalesce(\(complete) AND \(assigned) BETWEEN \(periodStart) AND \(periodEnd), false) AS \(c.ok)")
        }
        let sliceCount = query.bind(slices)
        query.append(sql: "CREATE TABLE ")
        query.append(sql: table.quoted)
        query.append(sql: """
             AS
            WITH cohort AS (
                -- A participant is a person's first enrollment under the contract.
                SELECT DISTINCT ON (e.person_id) e.person_id, e.enrollment_id, e.provider_id, e.start_date, e.end_date
                FROM ids.enrollments e
                WHERE \(cohortFilters)
                ORDER BY e.person_id, e.start_date, e.enrollment_id
            ),
            windows AS (
                SELECT c.*, \(windows.joined(separator: ",\n                       "))
                FROM cohort c
                WHERE least(coalesce(c.end_date, \(through)), \(through)) - c.start_date + 1 >= \(minimumDays)
            )
            -- Per metric: the window is fully observed and falls in the period.
            SELECT * FROM (SELECT w.*, abs(w.person_id % \(sliceCount))::int AS slice,
                                  \(flags.joined(separator: ",\n                                  ")) FROM windows w) f
            WHERE \(contract.metrics.indices.map { Columns(index: $0).ok }.joined(separator: " OR "))
            """)
        return query
    }

    /// `CREATE TABLE results AS …`: one row per participant and metric that counts them.
    ///
    /// Each slice of participants is joined with its events and aggregated in its own branch of a
    /// UNION ALL, so that PostgreSQL runs the branches in parallel workers (a CREATE TABLE AS may
    /// use parallel query; an INSERT may not). A branch reads its participants in person_id order
    /// and looks up each one's events by index, so the grouping needs no sort and no hash table.
    func resultsTable(_ table: SQLIdentifier, from eligible: SQLIdentifier, slices: Int) -> PostgresQuery {
        var query = PostgresQuery(unsafeSQL: "")
        let through = "\(query.bind(contract.dataThrough.description))::date"
        var starts: [String] = [], ends: [String] = [], aggregates: [String] = [], rows: [String] = []
        for (index, metric) in contract.metrics.enumerated() {
            let c = Columns(index: index)
            starts.append(c.start)
            ends.append(c.end)
            var base = metric.measure
            if case .change(let of, _) = metric.measure {
                starts.append(c.preStart)
                ends.append(c.preEnd)
                base = of
            }
            let events = eventConditions(metric.events, &query)
            aggregates.append(aggregate(base, events: events, start: "p.\(c.start)", end: "p.\(c.end)", through: through, &query)
                + " AS \(c.post)")
            if metric.measure.name == "change" {
                aggregates.append(aggregate(base, events: events, start: "p.\(c.preStart)", end: "p.\(c.preEnd)",
                                            through: through, &query) + " AS \(c.pre)")
            }
            let post = finish(base, "m.\(c.post)", start: "m.\(c.start)", end: "m.\(c.end)", &query)
            let values: String
            if metric.measure.name == "change" {
                let pre = finish(base, "m.\(c.pre)", start: "m.\(c.preStart)", end: "m.\(c.preEnd)", &query)
                values = "(\(post)) - (\(pre)), (\(pre))::numeric, (\(post))::numeric, (\(post))::numeric / nullif(\(pre), 0)"
            } else {
                values = "(\(post))::numeric, NULL::numeric, NULL::numeric, NULL::numeric"
            }
            rows.append("(\(query.bind(metric.id)), m.\(c.ok), m.\(c.start), m.\(c.end), \(values))")
        }
        let allDomains = Set(contract.metrics.flatMap { $0.events.domains.map(\.rawValue) }).sorted()
        let domains = query.bind(PostgresArrayLiteral.text(allDomains))
        let (contractID, periodLabel, load) = (query.bind(contract.id), query.bind(period.label), query.bind(loadID))
        let branches = (0..<max(1, slices)).map { slice in
            """
            (SELECT p.*, \(aggregates.joined(separator: ",\n                       "))
             FROM \(eligible.quoted) p
             LEFT JOIN ids.events ev
               ON ev.person_id = p.person_id AND ev.domain = ANY (\(domains)::text[])
              AND ev.start_date <= greatest(\(ends.map { "p.\($0)" }.joined(separator: ", ")))
              AND coalesce(ev.end_date, \(through)) >= least(\(starts.map { "p.\($0)" }.joined(separator: ", ")))
             WHERE p.slice = \(query.bind(slice))
             GROUP BY p.person_id)
            """
        }
        query.append(sql: "CREATE TABLE ")
        query.append(sql: table.quoted)
        query.append(sql: """
             AS
            WITH measured AS (
                -- One pass per slice: each participant joined once with the events any metric may use.
                \(branches.joined(separator: "\n    UNION ALL\n    "))
            )
            SELECT m.person_id, \(contractID)::text AS contract_id, v.metric_id, \(periodLabel)::text AS period,
                   m.enrollment_id, m.provider_id, v.window_start, v.window_end, v.value, v.pre_value, v.post_value,
                   v.ratio, \(load)::integer AS load_id, now() AS computed_at
            FROM measured m
            CROSS JOIN LATERAL (VALUES
                \(rows.joined(separator: ",\n                "))
            ) AS v(metric_id, ok, window_start, window_end, value, pre_value, post_value, ratio)
            WHERE v.ok
            """)
        return query
    }

    private func cohortConditions(_ query: inout PostgresQuery) -> String {
        var conditions = ["e.contract_id = \(query.bind(contract.id))"]
        if !contract.cohort.providers.isEmpty {
            conditions.append("e.provider_id = ANY (\(query.bind(PostgresArrayLiteral.text(contract.cohort.providers)))::text[])")
        }
        if let arm = contract.cohort.studyArm {
            conditions.append("e.study_arm = \(query.bind(arm.rawValue))")
        }
        return conditions.joined(separator: " AND ")
    }

    private func windowColumns(_ window: Window, _ start: String, _ end: String, _ query: inout PostgresQuery) -> String {
        let anchor: String
        switch window.anchor {
        case .enrollmentStart: anchor = "c.start_date"
        case .enrollmentEnd: anchor = "c.end_date"
        case .fixed(let date): anchor = "\(query.bind(date.description))::date"
        }
        func shifted(_ offset: Offset) -> String {
            "(\(anchor) + make_interval(months => \(query.bind(offset.months))::int, days => \(query.bind(offset.days))::int))::date"
        }
        return "\(shifted(window.from)) AS \(start), \(shifted(window.to)) AS \(end)"
    }

    /// A metric's event filter (the person and the time are added per measure).
    private func eventConditions(_ selection: EventSelection, _ query: inout PostgresQuery) -> String {
        var conditions = ["ev.domain = ANY (\(query.bind(PostgresArrayLiteral.text(selection.domains.map(\.rawValue))))::text[])"]
        if !selection.sourceSystems.isEmpty {
            conditions.append("ev.source_system = ANY (\(query.bind(PostgresArrayLiteral.text(selection.sourceSystems)))::text[])")
        }
        if !selection.eventTypes.isEmpty {
            conditions.append("ev.event_type = ANY (\(query.bind(PostgresArrayLiteral.text(selection.eventTypes)))::text[])")
        }
        if let amount = selection.amount {
            conditions.append("ev.amount \(amount.comparison.rawValue) \(query.bind(amount.value))")
        }
        return conditions.joined(separator: " AND ")
    }

    /// The aggregate over a participant's joined events for one measure and window.
    private func aggregate(
        _ measure: Measure, events: String, start: String, end: String, through: String, _ query: inout PostgresQuery
    ) -> String {
        let spellEnd = "coalesce(ev.end_date, \(through))"
        let overlaps = "\(events) AND ev.start_date <= \(end) AND \(spellEnd) >= \(start)"
        let startsIn = "\(events) AND ev.start_date BETWEEN \(start) AND \(end)"
        switch measure {
        case .any: return "count(*) FILTER (WHERE \(overlaps))"
        case .count: return "count(*) FILTER (WHERE \(startsIn))"
        case .sum: return "sum(ev.amount) FILTER (WHERE \(startsIn))"
        case .daysToEvent: return "min(ev.start_date) FILTER (WHERE \(startsIn))"
        case .daysCovered:
            // range_agg merges overlapping spells, so no day is counted twice.
            return "range_agg(daterange(greatest(ev.start_date, \(start)), least(\(spellEnd), \(end)), '[]')) FILTER (WHERE \(overlaps))"
        case .sustained(_, let unit, _):
            // The units (from the window start) each event touches, as one integer multirange.
            let first = unitIndex("greatest(ev.start_date, \(start))", from: start, unit: unit, &query)
            let last = unitIndex("least(\(spellEnd), \(end))", from: start, unit: unit, &query)
            return "range_agg(int4range(\(first), \(last), '[]')) FILTER (WHERE \(overlaps))"
        case .change:
            preconditionFailure("a change is aggregated through its base measure")
        }
    }

    /// The participant's value from the aggregate.
    private func finish(_ measure: Measure, _ aggregated: String, start: String, end: String, _ query: inout PostgresQuery) -> String {
        switch measure {
        case .any: return "(\(aggregated) > 0)::int"
        case .count: return aggregated
        case .sum: return "coalesce(\(aggregated), 0)"
        case .daysToEvent: return "\(aggregated) - \(start)"
        case .daysCovered:
            return "(SELECT coalesce(sum(upper(r) - lower(r)), 0) FROM unnest(coalesce(\(aggregated), '{}'::datemultirange)) AS r)"
        case .sustained(let consecutive, let unit, let present):
            let units = "int4multirange(int4range(0, \(unitIndex(end, from: start, unit: unit, &query)) + 1))"
            let touched = "coalesce(\(aggregated), '{}'::int4multirange)"
            let runs = present ? touched : "(\(units) - \(touched))"
            return "((SELECT coalesce(max(upper(r) - lower(r)), 0) FROM unnest(\(runs)) AS r) >= \(query.bind(consecutive)))::int"
        case .change:
            preconditionFailure("a change is finished through its base measure")
        }
    }

    /// The index k of the unit holding `date`: the largest k with start + k units <= date
    /// (months added as PostgreSQL adds them, clipped to the month's end).
    private func unitIndex(_ date: String, from start: String, unit: Offset.Unit, _ query: inout PostgresQuery) -> String {
        guard unit != .days else { return "(\(date) - \(start))" }
        let months = query.bind(Offset(1, unit).months)
        let candidate = """
            (((extract(year FROM \(date)) * 12 + extract(month FROM \(date)))
              - (extract(year FROM \(start)) * 12 + extract(month FROM \(start))))::int / \(months)::int)
            """
        return "(CASE WHEN (\(start) + make_interval(months => \(candidate) * \(months)::int))::date > \(date) "
            + "THEN \(candidate) - 1 ELSE \(candidate) END)"
    }
}

/// PostgreSQL array literals for binding lists of text as one parameter (`$1::text[]`).
enum PostgresArrayLiteral {
    static func text(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}
