import OutcomesDomain
import PostgresClient

/// Compiles all of a contract's metrics for a reporting period into one set-based statement that
/// computes every participant's values inside PostgreSQL.
///
/// Shape, per slice of participants (a range of person ids):
/// 1. `p`: each person's first enrollment under the contract, with every metric's window bounds
///    and the bit strings the window measures need, computed once per participant;
/// 2. `g`: the participants who count for at least one metric, joined once with their events and
///    grouped, one aggregate with its own FILTER per metric (the input arrives in person order, so
///    the grouping needs no sort and no hash table);
/// 3. one row per participant and metric that counts them.
/// The slices are the branches of a UNION ALL, which PostgreSQL runs in parallel workers when the
/// statement is a CREATE TABLE AS (an INSERT may not run in parallel). Nothing in a branch is a
/// correlated subquery, which would keep the branches out of the workers.
///
/// Every value from the contract file is a bound parameter; the only text spliced into the SQL
/// comes from fixed vocabularies (anchor columns, comparison operators) and generated column names.
struct MetricCompiler {
    let contract: OutcomeContract
    let period: ReportingPeriod
    let loadID: Int
    /// Whose metrics: the contract's participants, or any set of units.
    var units: UnitSource = .enrollments
    /// One row per unit with a column per metric (`m0`, `m1`, …), instead of a row per unit and
    /// metric that counts it: an evaluation's covariates, read as a matrix.
    var wide = false
    /// The result set (`metrics.result_sets`) the rows are stored under; 0 for a table that does
    /// not become a partition of `metrics.person_results` (an evaluation's).
    var resultSet = 0
    /// Where metrics over relatives find the units' relatives: inside each branch, or (on Citus)
    /// in a table `build` makes with `relativeUnits()`.
    var relativesSource: RelativesSource = .inline
    /// Only the units of these persons (an incremental run's changed persons); nil for all.
    var persons: [Int]? = nil

    enum RelativesSource: Equatable {
        case inline
        case table(SQLIdentifier)
    }

    /// The units metrics are computed for: each a person, an index date (the window anchor
    /// `enrollment_start`/`index_date`), an optional end and the provider it is reported under.
    enum UnitSource {
        /// A person's first enrollment under the contract that meets the cohort rule.
        case enrollments
        /// A table with columns person_id, start_date (the index date), end_date, enrollment_id and
        /// provider_id, one row per person: a comparison pool, a control arm, participants.
        case table(SQLIdentifier)
    }

    /// One window a metric measures: its own window, or a change's window before enrollment.
    struct Part {
        let prefix: String
        let window: Window
        /// The measure taken over the window (a change's base measure).
        let measure: Measure
        var start: SQLIdentifier { .generated(prefix + "_start") }
        var end: SQLIdentifier { .generated(prefix + "_end") }
        /// The first date the outcome was achieved (for metrics assigned by achievement).
        var achievedOn: SQLIdentifier { .generated(prefix + "_achieved_on") }
        /// Aggregated value over the participant's events.
        var measured: SQLIdentifier { .generated(prefix + "_measured") }
        /// The start dates of the window's months or quarters, for `width_bucket`.
        var unitStarts: SQLIdentifier { .generated(prefix + "_unit_starts") }
    }

    func parts(of index: Int) -> (post: Part, pre: Part?) {
        let metric = contract.metrics[index]
        if case .change(let base, let preWindow) = metric.measure {
            return (Part(prefix: "m\(index)", window: metric.window, measure: base),
                    Part(prefix: "m\(index)_pre", window: preWindow, measure: base))
        }
        return (Part(prefix: "m\(index)", window: metric.window, measure: metric.measure), nil)
    }

    /// The metrics over the units' own events, and those over their relatives (by index).
    var ownMetrics: [Int] { contract.metrics.indices.filter { contract.metrics[$0].relatives == nil } }
    var relativeMetrics: [Int] { contract.metrics.indices.filter { contract.metrics[$0].relatives != nil } }

    func windowParts(_ indices: [Int]) -> [Part] {
        indices.flatMap { index -> [Part] in
            let (post, pre) = parts(of: index)
            return [post] + (pre.map { [$0] } ?? [])
        }
    }

    /// `SELECT b …`: person ids that cut the contract's enrollments into `count` slices of about
    /// equal size (fewer when there are few enrollments).
    func sliceBoundaries(count: Int) -> PostgresQuery {
        let source: PostgresQuery
        switch units {
        case .enrollments: source = "ids.enrollments e WHERE \(cohortConditions())"
        case .table(let table): source = "\(identifier: table) e"
        }
        return """
            SELECT DISTINCT b FROM unnest((
                SELECT percentile_disc(ARRAY(SELECT s::float8 / \(count)::int FROM generate_series(1, \(count)::int - 1) AS s))
                       WITHIN GROUP (ORDER BY e.person_id)
                FROM \(source)
            )) AS b
            WHERE b IS NOT NULL ORDER BY b
            """
    }

    /// One row per participant and metric that counts them, computed in one branch per slice of
    /// participants; `boundaries` are the person ids between slices.
    func results(boundaries: [Int]) -> PostgresQuery {
        let lowers: [Int?] = [nil] + boundaries, uppers: [Int?] = boundaries + [nil]
        let slices = Array(zip(lowers, uppers))
        let (own, relatives) = (ownMetrics, relativeMetrics)
        func union(_ branches: [PostgresQuery]) -> PostgresQuery {
            "SELECT * FROM (\n(\(branches.joined(separator: ")\nUNION ALL\n(")))\n) AS sliced"
        }
        let ownRows = own.isEmpty ? nil : union(slices.map { branch(own, lower: $0, upper: $1) })
        let relativeRows = relatives.isEmpty ? nil : union(slices.map { relativeBranch(relatives, lower: $0, upper: $1) })
        switch (ownRows, relativeRows) {
        case (let ownRows?, nil): return ownRows
        case (nil, let relativeRows?): return relativeRows
        case (let ownRows?, let relativeRows?):
            guard wide else { return "\(ownRows)\nUNION ALL\n\(relativeRows)" }
            // One row per unit: the two halves' columns side by side.
            let columns: [PostgresQuery] = contract.metrics.indices.map {
                let alias: SQLIdentifier = own.contains($0) ? "o" : "r"
                return column(alias, .generated("m\($0)"))
            }
            return """
                SELECT coalesce(o.person_id, r.person_id) AS person_id, \(columns.joined(separator: ", "))
                FROM (\(ownRows)) o FULL JOIN (\(relativeRows)) r ON r.person_id = o.person_id
                """
        case (nil, nil): return "SELECT NULL::bigint AS person_id WHERE false"
        }
    }

    /// The rows of one slice of participants, for the metrics `indices` (over their own events).
    private func branch(_ indices: [Int], lower: Int?, upper: Int?) -> PostgresQuery {
        let through: PostgresQuery = "\(contract.dataThrough)::date"
        let slice = unitConditions(lower: lower, upper: upper)
        let windows = windowParts(indices)

        // 1. Participants with their windows (from the enrollment) and the windows' unit starts.
        let participantColumns = windowColumns(windows, of: "e")
        let eligible = self.eligible(indices, in: "p", through: through)

        // 2. Each participant joined once with the events any metric may use.
        let starts = windows.map { column("p", $0.start) }, ends = windows.map { column("p", $0.end) }
        let domains = self.domains(indices)
        var groupColumns: [PostgresQuery] = ["p.person_id", "p.enrollment_id", "p.provider_id", "p.start_date", "p.end_date"]
        for part in windows {
            // Recomputed from the grouped enrollment dates rather than carried as grouping keys.
            let (start, end) = windowBounds(part.window, of: "p")
            groupColumns.append("\(start) AS \(identifier: part.start), \(end) AS \(identifier: part.end)")
        }
        for index in indices {
            let metric = contract.metrics[index]
            let events = eventConditions(metric.events)
            let overlap = metric.events.overlap.map { (kind: $0.kind, events: eventConditions($0.events)) }
            let (post, pre) = self.parts(of: index)
            for part in [post] + (pre.map { [$0] } ?? []) {
                groupColumns.append("\(aggregate(part, events: events, overlap: overlap, through: through)) AS \(identifier: part.measured)")
            }
            if let achieved = achievementAggregate(index, events: events, through: through) {
                groupColumns.append("\(achieved) AS \(identifier: post.achievedOn)")
            }
        }

        // 3. One row per metric that counts the participant.
        func perMetric(_ expressions: [PostgresQuery?]) -> PostgresQuery {
            Self.perMetric(zip(indices, expressions).map { ($0, $1) })
        }
        var counted: [PostgresQuery] = [], windowStarts: [PostgresQuery] = [], windowEnds: [PostgresQuery] = []
        var values: [PostgresQuery] = [], preValues: [PostgresQuery?] = [], postValues: [PostgresQuery?] = [], ratios: [PostgresQuery?] = []
        for index in indices {
            let (post, pre) = parts(of: index)
            counted.append(countsForMetric(index, in: "g", through: through))
            windowStarts.append(column("g", post.start))
            windowEnds.append(column("g", post.end))
            let after = finish(post, in: "g")
            if let pre {
                let before = finish(pre, in: "g")
                values.append("((\(after)) - (\(before)))::numeric")
                preValues.append("(\(before))::numeric")
                postValues.append("(\(after))::numeric")
                ratios.append("(\(after))::numeric / nullif(\(before), 0)")
            } else {
                values.append("(\(after))::numeric")
                preValues.append(nil)
                postValues.append(nil)
                ratios.append(nil)
            }
        }
        let grouped: PostgresQuery = """
            (
                SELECT \(groupColumns.joined(separator: ",\n           "))
                FROM (
                    \(unitRows(participantColumns, slice))
                ) p
                LEFT JOIN ids.events ev
                  ON ev.person_id = p.person_id AND ev.domain = ANY (\(domains)::text[])
                 AND ev.start_date <= greatest(\(ends.joined(separator: ", ")))
                 AND coalesce(ev.end_date, \(through)) >= least(\(starts.joined(separator: ", ")))
                WHERE \(eligible)
                GROUP BY \(Self.unitKey(of: "p"))
            ) g
            """
        if wide {
            // One row per unit, metric i's value in column m<i> (NULL where it does not count the unit).
            let columns: [PostgresQuery] = zip(indices, zip(counted, values)).map { index, measured in
                "CASE WHEN \(measured.0) THEN \(measured.1) END AS \(identifier: .generated("m\(index)"))"
            }
            return "SELECT g.person_id, \(columns.joined(separator: ", ")) FROM \(grouped)"
        }
        return """
            SELECT g.person_id, \(contract.storedID)::text AS contract_id, k.metric_id,
                   \(period.label)::text AS period, g.enrollment_id, g.provider_id,
                   \(perMetric(windowStarts)) AS window_start, \(perMetric(windowEnds)) AS window_end,
                   \(perMetric(values)) AS value, \(perMetric(preValues))::numeric AS pre_value,
                   \(perMetric(postValues))::numeric AS post_value, \(perMetric(ratios))::numeric AS ratio,
                   \(loadID)::integer AS load_id, now() AS computed_at, \(resultSet)::integer AS result_set,
                   NULL::integer AS relatives, NULL::bigint[] AS relative_ids, NULL::numeric[] AS relative_values
            FROM \(grouped)
            CROSS JOIN \(metricRows(indices))
            WHERE \(perMetric(counted))
            """
    }

    /// `CASE WHEN k.i = <index + 1> THEN <expression> … END`: each metric's expression on its row.
    /// A searched CASE: Citus evaluates a simple one's `WHEN 1` on the coordinator, without the
    /// value it tests, as NULL.
    static func perMetric(_ expressions: [(index: Int, expression: PostgresQuery?)]) -> PostgresQuery {
        let cases = expressions.compactMap { index, expression in
            expression.map { "WHEN k.i = \(index + 1) THEN \($0)" as PostgresQuery }
        }
        return cases.isEmpty ? "NULL" : "CASE \(cases.joined(separator: " ")) END"
    }

    /// `(VALUES (i, metric_id), …) AS k(i, metric_id)` for the metrics `indices` (i is index + 1).
    func metricRows(_ indices: [Int]) -> PostgresQuery {
        let rows: [PostgresQuery] = indices.map { "(\($0 + 1), \(contract.metrics[$0].id)::text)" }
        return "(VALUES \(rows.joined(separator: ", "))) AS k(i, metric_id)"
    }

    /// The event domains the metrics `indices` read.
    func domains(_ indices: [Int]) -> [String] {
        Set(indices.flatMap { contract.metrics[$0].events.domains + (contract.metrics[$0].events.overlap?.events.domains ?? []) }).sorted()
    }

    /// Each window's first and last day for the unit row `alias`, and what its measure needs computed once per unit.
    func windowColumns(_ windows: [Part], of alias: SQLIdentifier) -> [PostgresQuery] {
        windows.flatMap { part -> [PostgresQuery] in
            let (start, end) = windowBounds(part.window, of: alias)
            return ["\(start) AS \(identifier: part.start), \(end) AS \(identifier: part.end)"] + measureColumns(part, start: start)
        }
    }

    /// `alias.name` for a generated column.
    func column(_ alias: SQLIdentifier, _ name: SQLIdentifier) -> PostgresQuery {
        "\(identifier: alias).\(identifier: name)"
    }

    /// Enrolled long enough: at least the minimum number of days up to the data-through date.
    func minimumDaysCondition(of alias: SQLIdentifier, through: PostgresQuery) -> PostgresQuery {
        let (start, end) = (column(alias, "start_date"), column(alias, "end_date"))
        return "least(coalesce(\(end), \(through)), \(through)) - \(start) + 1 >= \(contract.cohort.minimumEnrolledDays)"
    }

    func countsForAnyMetric(_ indices: [Int], in alias: SQLIdentifier, through: PostgresQuery) -> PostgresQuery {
        indices.map { countsForMetric($0, in: alias, through: through) }.joined(separator: " OR ")
    }

    /// The unit row `alias` is measured at all: enrolled long enough, and counted by one of the metrics `indices`.
    func eligible(_ indices: [Int], in alias: SQLIdentifier, through: PostgresQuery) -> PostgresQuery {
        "\(minimumDaysCondition(of: alias, through: through)) AND (\(countsForAnyMetric(indices, in: alias, through: through)))"
    }

    /// Whether metric `index` counts the participant in the period. By its assignment: the window
    /// fully observed by the data-through date and its end (or the enrollment start) in the period;
    /// the achievement in the period, or none and the window ended in it; for a window that is the
    /// period itself, the participant enrolled during it. On the participant rows (`p`, before the
    /// events are joined) the achievement is unknown: any window reaching into the period may count.
    func countsForMetric(_ index: Int, in alias: SQLIdentifier, through: PostgresQuery) -> PostgresQuery {
        let metric = contract.metrics[index]
        let (post, pre) = parts(of: index)
        let (start, end) = (column(alias, post.start), column(alias, post.end))
        let (enrolled, left) = (column(alias, "start_date"), column(alias, "end_date"))
        var complete: PostgresQuery = "\(end) <= \(through)"
        if let pre {
            let (preStart, preEnd) = (column(alias, pre.start), column(alias, pre.end))
            complete.append(" AND \(preEnd) <= \(through) AND \(preStart) <= \(preEnd)")
        }
        let condition: PostgresQuery
        if metric.window.anchor == .reportingPeriod {
            // Contract periods only: what came before the first is not a period of its own to measure.
            guard period.label != OutcomeContract.priorPeriodLabel else { return "false" }
            condition = "\(complete) AND \(enrolled) <= \(end) AND coalesce(\(left), \(through)) >= \(start)"
        } else {
            let (periodStart, periodEnd): (PostgresQuery, PostgresQuery) = ("\(period.start)::date", "\(period.end)::date")
            switch contract.assignment(of: metric) {
            case .windowEnd: condition = "\(complete) AND \(end) BETWEEN \(periodStart) AND \(periodEnd)"
            case .enrollmentStart: condition = "\(complete) AND \(enrolled) BETWEEN \(periodStart) AND \(periodEnd)"
            case .achieved where alias == "p":
                condition = "\(start) <= least(\(periodEnd), \(through)) AND \(end) >= \(periodStart)"
            case .achieved:
                let achieved = achievementDate(index, in: alias)
                condition = "CASE WHEN \(achieved) IS NOT NULL THEN \(achieved) BETWEEN \(periodStart) AND \(periodEnd) "
                    + "ELSE \(complete) AND \(end) BETWEEN \(periodStart) AND \(periodEnd) END"
            }
        }
        return "coalesce(\(condition), false)"
    }

    /// The contract's cohort rule on `ids.enrollments e`.
    func cohortConditions() -> PostgresQuery {
        var conditions: [PostgresQuery] = ["e.contract_id = \(contract.id)"]
        if !contract.cohort.providers.isEmpty {
            conditions.append("e.provider_id = ANY (\(contract.cohort.providers)::text[])")
        }
        if let arm = contract.cohort.studyArm {
            conditions.append("e.study_arm = \(arm.rawValue)")
        }
        return conditions.joined(separator: " AND ")
    }

    /// The window's first and last day for the enrollment row `alias`.
    func windowBounds(_ window: Window, of alias: SQLIdentifier) -> (start: PostgresQuery, end: PostgresQuery) {
        let anchor: PostgresQuery
        switch window.anchor {
        case .enrollmentStart: anchor = column(alias, "start_date")
        case .enrollmentEnd: anchor = column(alias, "end_date")
        case .fixed(let date): anchor = "\(date)::date"
        case .reportingPeriod:
            return (shifted("\(period.start)::date", by: window.from), shifted("\(period.end)::date", by: window.to))
        }
        return (shifted(anchor, by: window.from), shifted(anchor, by: window.to))
    }

    /// `date` moved by `offset`, as PostgreSQL adds intervals (months clipped to the month's end).
    func shifted(_ date: PostgresQuery, by offset: Offset) -> PostgresQuery {
        offset.unit == .days
            ? "(\(date) + \(offset.days)::int)"
            : "(\(date) + make_interval(months => \(offset.months)::int))::date"
    }

    /// A metric's event filter (the person and the time are added per measure).
    func eventConditions(_ selection: EventSelection) -> PostgresQuery {
        // `= ANY` only for several values: it costs an array walk per event and aggregate.
        func isIn(_ column: PostgresQuery, _ values: [String]) -> PostgresQuery {
            values.count == 1 ? "\(column) = \(values[0])::text" : "\(column) = ANY (\(values)::text[])"
        }
        var conditions = [isIn("ev.domain", selection.domains)]
        if !selection.sourceSystems.isEmpty { conditions.append(isIn("ev.source_system", selection.sourceSystems)) }
        if !selection.eventTypes.isEmpty { conditions.append(isIn("ev.event_type", selection.eventTypes)) }
        if let amount = selection.amount {
            conditions.append(amount.predicate(on: "ev.amount"))
        }
        return conditions.joined(separator: " AND ")
    }
}

extension AmountCondition {
    /// The condition on `value` as SQL: the one rendering of the rule `matches(_:)` states in Swift.
    func predicate(on value: PostgresQuery) -> PostgresQuery {
        "\(value) \(comparison.sqlOperator) \(self.value)"
    }
}

extension AmountCondition.Comparison {
    /// The comparison as SQL's operator, from the fixed vocabulary.
    var sqlOperator: PostgresQuery {
        switch self {
        case .greater: ">"
        case .greaterOrEqual: ">="
        case .less: "<"
        case .lessOrEqual: "<="
        case .equal: "="
        case .notEqual: "<>"
        }
    }
}

extension MetricCompiler {
    /// Creates `table` with the units' results, one slice of units per parallel worker the server allows.
    func build(_ table: SQLIdentifier, on connection: PostgresConnection) throws {
        let layout = try TableLayout.of(connection)
        let workers = try connection.execute(
            "SELECT current_setting('max_parallel_workers_per_gather')::int").scalar(Int.self)
        // On Citus every shard is a slice already, run by its worker.
        // A few changed persons' units are found by index, in one slice.
        let slices = layout == .distributed || persons != nil ? 1 : min(max(workers, 1), 8)
        let boundaries: [Int] = slices > 1 ? try connection.execute(sliceBoundaries(count: slices)).map { try $0.decode(at: 0) } : []
        // Each unit's events are few and found by index, in person order: keep the planner from
        // hashing the events table or the groups. The parallelism comes from the slices: keep it
        // from splitting a slice's own scans across workers, which would keep the slices out of them.
        let planning: [(set: PostgresQuery, reset: PostgresQuery)] = [
            ("SET LOCAL enable_hashjoin = off", "SET LOCAL enable_hashjoin TO DEFAULT"),
            ("SET LOCAL enable_mergejoin = off", "SET LOCAL enable_mergejoin TO DEFAULT"),
            ("SET LOCAL enable_hashagg = off", "SET LOCAL enable_hashagg TO DEFAULT"),
            ("SET LOCAL min_parallel_table_scan_size = '1TB'", "SET LOCAL min_parallel_table_scan_size TO DEFAULT"),
            ("SET LOCAL min_parallel_index_scan_size = '1TB'", "SET LOCAL min_parallel_index_scan_size TO DEFAULT"),
        ]
        if layout == .distributed { try connection.execute("SET LOCAL citus.propagate_set_commands = 'local'") }
        var compiler = self
        // On Citus the relatives' events are on the relatives' shards: their units go in a table distributed by them.
        let relativesTable = SQLIdentifier(validating: table.description + "_relatives")!
        let staged = layout == .distributed && !relativeMetrics.isEmpty
        if staged {
            compiler.relativesSource = .table(relativesTable)
            try PersonLevelTable(table: relativesTable).create(as: relativeUnits(), layout: layout, on: connection)
            try connection.execute("ANALYZE \(identifier: relativesTable)")
        }
        for setting in planning { try connection.execute(setting.set) }
        try PersonLevelTable(table: table).create(as: compiler.results(boundaries: boundaries), layout: layout, on: connection)
        for setting in planning { try connection.execute(setting.reset) }
        if staged { try connection.execute("DROP TABLE \(identifier: relativesTable)") }
    }
}
