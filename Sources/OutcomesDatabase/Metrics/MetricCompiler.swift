import OutcomesDomain
import PostgresClient

/// Compiles a metric definition into one set-based INSERT … SELECT that computes every participant's
/// value for a reporting period inside PostgreSQL.
///
/// Every value from the contract file (dates, offsets, domains, sources, amounts) is a bound
/// parameter; the only text spliced into the SQL comes from fixed vocabularies (anchor columns,
/// comparison operators) and internal column names.
struct MetricCompiler {
    let contract: OutcomeContract
    let metric: MetricDefinition
    let period: ReportingPeriod
    let loadID: Int

    func insertStatement() -> PostgresQuery {
        var query = PostgresQuery(unsafeSQL: "")
        let through = query.bind(contract.dataThrough.description)
        let cohortFilters = cohortConditions(&query)
        let postWindow = windowColumns(metric.window, prefix: "w", through: through, &query)
        var preWindow = ""
        if case .change(_, let pre) = metric.measure {
            preWindow = ",\n           " + windowColumns(pre, prefix: "p", through: through, &query)
        }
        let minimumDays = query.bind(contract.cohort.minimumEnrolledDays)
        let periodStart = query.bind(period.start.description), periodEnd = query.bind(period.end.description)
        let assignDate = contract.cohort.assignBy == .windowEnd ? "w_end" : "start_date"
        let measured = measuredValues(through: through, &query)
        let metadata = [contract.id, metric.id, period.label].map { query.bind($0) }
        let load = query.bind(loadID)
        query.append(sql: """
            INSERT INTO metrics.person_results
                (person_id, contract_id, metric_id, period, enrollment_id, provider_id, window_start, window_end,
                 value, pre_value, post_value, ratio, load_id)
            WITH cohort AS (
                -- A participant is a person's first enrollment under the contract.
                SELECT DISTINCT ON (e.person_id) e.person_id, e.enrollment_id, e.provider_id, e.start_date, e.end_date
                FROM ids.enrollments e
                WHERE \(cohortFilters)
                ORDER BY e.person_id, e.start_date, e.enrollment_id
            ),
            windows AS (
                SELECT c.*, \(postWindow)\(preWindow)
                FROM cohort c
                WHERE least(coalesce(c.end_date, \(through)::date), \(through)::date) - c.start_date + 1 >= \(minimumDays)
            ),
            eligible AS (
                -- Only windows the data fully cover, assigned to the period by \(assignDate).
                SELECT * FROM windows
                WHERE w_end <= \(through)::date \(preWindow.isEmpty ? "" : "AND p_end <= \(through)::date AND p_start <= p_end")
                  AND \(assignDate) BETWEEN \(periodStart)::date AND \(periodEnd)::date
            )
            SELECT w.person_id, \(metadata[0]), \(metadata[1]), \(metadata[2]), w.enrollment_id, w.provider_id,
                   w.w_start, w.w_end, \(isChange ? "m.post - m.pre, m.pre, m.post, m.post::numeric / nullif(m.pre, 0)" : "m.post, NULL, NULL, NULL"), \(load)
            FROM eligible w CROSS JOIN LATERAL (SELECT \(measured)) AS m
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

    /// `<prefix>_start` and `<prefix>_end` of a window, computed from its anchor.
    private func windowColumns(_ window: Window, prefix: String, through: String, _ query: inout PostgresQuery) -> String {
        let anchor: String
        switch window.anchor {
        case .enrollmentStart: anchor = "c.start_date"
        case .enrollmentEnd: anchor = "c.end_date"
        case .fixed(let date): anchor = "\(query.bind(date.description))::date"
        }
        func shifted(_ offset: Offset) -> String {
            "(\(anchor) + make_interval(months => \(query.bind(offset.months))::int, days => \(query.bind(offset.days))::int))::date"
        }
        return "\(shifted(window.from)) AS \(prefix)_start, \(shifted(window.to)) AS \(prefix)_end"
    }

    private var isChange: Bool {
        if case .change = metric.measure { return true }
        return false
    }

    /// `post` (the measure over the window) and, for a change, `pre` (over the pre-window), each once.
    private func measuredValues(through: String, _ query: inout PostgresQuery) -> String {
        let events = eventConditions(&query)
        guard case .change(let base, _) = metric.measure else {
            return "\(measure(metric.measure, start: "w.w_start", end: "w.w_end", events: events, through: through, &query)) AS post"
        }
        let post = measure(base, start: "w.w_start", end: "w.w_end", events: events, through: through, &query)
        let pre = measure(base, start: "w.p_start", end: "w.p_end", events: events, through: through, &query)
        return "\(post) AS post, \(pre) AS pre"
    }

    /// The WHERE conditions selecting the metric's events of the participant `w`.
    private func eventConditions(_ query: inout PostgresQuery) -> String {
        let selection = metric.events
        var conditions = [
            "ev.person_id = w.person_id",
            "ev.domain = ANY (\(query.bind(PostgresArrayLiteral.text(selection.domains.map(\.rawValue))))::text[])",
        ]
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

    private func measure(
        _ measure: Measure, start: String, end: String, events: String, through: String, _ query: inout PostgresQuery
    ) -> String {
        let spellEnd = "coalesce(ev.end_date, \(through)::date)"
        let overlaps = "ev.start_date <= \(end) AND \(spellEnd) >= \(start)"
        let startsIn = "ev.start_date BETWEEN \(start) AND \(end)"
        switch measure {
        case .any:
            return "(EXISTS (SELECT 1 FROM ids.events ev WHERE \(events) AND \(overlaps)))::int"
        case .count:
            return "(SELECT count(*) FROM ids.events ev WHERE \(events) AND \(startsIn))"
        case .sum:
            return "(SELECT coalesce(sum(ev.amount), 0) FROM ids.events ev WHERE \(events) AND \(startsIn))"
        case .daysToEvent:
            return "(SELECT min(ev.start_date) - \(start) FROM ids.events ev WHERE \(events) AND \(startsIn))"
        case .daysCovered:
            // range_agg merges overlapping spells, so no day is counted twice.
            return """
                (SELECT coalesce(sum(upper(r) - lower(r)), 0) FROM unnest((
                    SELECT range_agg(daterange(greatest(ev.start_date, \(start)), least(\(spellEnd), \(end)), '[]'))
                    FROM ids.events ev WHERE \(events) AND \(overlaps))) AS r)
                """
        case .sustained(let consecutive, let unit, let present):
            let step = Offset(1, unit)
            let months = query.bind(step.months), days = query.bind(step.days)
            let shortest = query.bind(unit == .days ? 1 : unit == .months ? 28 : 89)
            let unitStart = "(\(start) + make_interval(months => k * \(months)::int, days => k * \(days)::int))::date"
            let unitEnd = "least((\(start) + make_interval(months => (k + 1) * \(months)::int, days => (k + 1) * \(days)::int))::date - 1, \(end))"
            let flagged = """
                SELECT k, EXISTS (SELECT 1 FROM ids.events ev WHERE \(events)
                                  AND ev.start_date <= u_end AND \(spellEnd) >= u_start) AS present
                FROM (SELECT k, \(unitStart) AS u_start, \(unitEnd) AS u_end
                      FROM generate_series(0, (\(end) - \(start)) / \(shortest)::int) AS k) units
                WHERE u_start <= \(end)
                """
            // Runs of consecutive units with the wanted flag: gaps and islands on k.
            return """
                (SELECT (coalesce(max(run), 0) >= \(query.bind(consecutive)))::int FROM (
                    SELECT count(*) AS run FROM (
                        SELECT k - row_number() OVER (ORDER BY k) AS island FROM (\(flagged)) flags
                        WHERE present = \(query.bind(present))) marked
                    GROUP BY island) runs)
                """
        case .change:
            preconditionFailure("a change measure is compiled through its base measure")
        }
    }
}

/// PostgreSQL array literals for binding lists of text as one parameter (`$1::text[]`).
enum PostgresArrayLiteral {
    static func text(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}
