import OutcomesDomain
import PostgresClient

/// Metrics over relatives (`of:`). Two statements:
/// 1. `relativeUnits()`: each unit's relatives through the edges valid on its index date, one row
///    per unit and relative, keyed by the relative (on Citus distributed by the relative, so the
///    relative's events and birth date are on the same worker), and a row for the unit itself
///    (the household's own member, and the anchor of a unit with no relatives). A flag per metric
///    says whether the relative is of the kind it asks for.
/// 2. `relativeBranch`: each relative's events measured over the unit's windows (the same
///    aggregates as a unit's own), then, per unit, the relatives' values aggregated (any, all,
///    sum, mean, count), with their ids and values kept in order.
extension MetricCompiler {
    /// The flag of metric `index` on a relatives row: the relative is of the kind the metric asks for.
    func relativeFlag(_ index: Int) -> SQLIdentifier { .generated("m\(index)_of") }

    /// Statement 1: the units' relatives.
    func relativeUnits() -> PostgresQuery {
        let indices = relativeMetrics
        let codes = Set(indices.flatMap { contract.metrics[$0].relatives!.relations.edgeCodes }).sorted()
        let edgeFlags: [PostgresQuery] = indices.map { index in
            let selection = contract.metrics[index].relatives!
            var condition: PostgresQuery = "r.relation = ANY (\(selection.relations.edgeCodes)::text[])"
            if !selection.evidence.isEmpty {
                condition.append(" AND r.evidence = ANY (\(selection.evidence.map(\.rawValue))::text[])")
            }
            return "bool_or(\(condition)) AS \(identifier: relativeFlag(index))"
        }
        let selfFlags: [PostgresQuery] = indices.map { index in
            "\(contract.metrics[index].relatives!.relations.includesParticipant) AS \(identifier: relativeFlag(index))"
        }
        var slice: [PostgresQuery] = []
        if case .enrollments = units { slice.append(cohortConditions()) }
        return """
            SELECT r.relative_id AS person_id, p.person_id AS participant_id, p.start_date, p.enrollment_id, p.provider_id, p.end_date,
                   \(edgeFlags.joined(separator: ", "))
            FROM (\(unitRows([], slice))) p
            JOIN ids.relationships r
              ON r.person_id = p.person_id AND r.relation = ANY (\(codes)::text[])
             AND r.valid_from <= p.start_date AND (r.valid_to IS NULL OR r.valid_to >= p.start_date)
            GROUP BY r.relative_id, p.person_id, p.start_date, p.enrollment_id, p.provider_id, p.end_date
            UNION ALL
            SELECT p.person_id, p.person_id, p.start_date, p.enrollment_id, p.provider_id, p.end_date, \(selfFlags.joined(separator: ", "))
            FROM (\(unitRows([], slice))) p
            """
    }

    /// Statement 2, for one slice of units (by the unit's person id): a row per unit and metric
    /// that counts the unit, as `branch` gives for own metrics.
    func relativeBranch(_ indices: [Int], lower: Int?, upper: Int?) -> PostgresQuery {
        let through: PostgresQuery = "\(contract.dataThrough)::date"
        var slice: [PostgresQuery] = []
        if let lower { slice.append("u.participant_id >= \(lower)") }
        if let upper { slice.append("u.participant_id < \(upper)") }
        let windows = windowParts(indices)

        // Each relative (and unit) with the unit's windows, and whether the relative counts for each metric.
        var unitColumns = windowColumns(windows, of: "u")
        for index in indices {
            var flag: PostgresQuery = column("u", relativeFlag(index))
            if let ages = contract.metrics[index].relatives!.ageAtIndex {
                // Whole years on the index date; a relative without a date of birth, or not yet
                // born (whose negative age PostgreSQL's age() truncates to 0 years), has no age.
                flag.append(" AND coalesce(rp.birth_date <= u.start_date AND date_part('year', age(u.start_date, rp.birth_date)) "
                    + "BETWEEN \(ages.lowerBound) AND \(ages.upperBound), false)")
            }
            unitColumns.append("\(flag) AS \(identifier: relativeFlag(index))")
        }
        let conditions: PostgresQuery = slice.isEmpty ? "true" : slice.joined(separator: " AND ")
        let relativeRows: PostgresQuery = """
            SELECT u.person_id, u.participant_id, u.start_date, u.enrollment_id, u.provider_id, u.end_date,
                   \(unitColumns.joined(separator: ",\n       "))
            FROM \(identifier: relativesTable) u
            LEFT JOIN ids.persons rp ON rp.person_id = u.person_id
            WHERE \(conditions)
            ORDER BY u.person_id
            """
        let anyFlag: PostgresQuery = indices.map { column("p", relativeFlag($0)) }.joined(separator: " OR ")
        // Every unit keeps its own row, so that a unit without relatives is reported; only the
        // relatives a metric asks for have their events read.
        let eligible: PostgresQuery =
            "\(minimumDaysCondition(of: "p", through: through)) AND (\(countsForAnyMetric(indices, in: "p", through: through)))"

        // Each relative's measures, grouped per relative and unit.
        let starts = windows.map { column("p", $0.start) }, ends = windows.map { column("p", $0.end) }
        let keys: [PostgresQuery] = ["p.person_id", "p.participant_id", "p.start_date", "p.enrollment_id", "p.provider_id", "p.end_date"]
            + indices.map { column("p", relativeFlag($0)) }
        var measuredColumns = keys
        for part in windows {
            let (start, end) = windowBounds(part.window, of: "p")
            measuredColumns.append("\(start) AS \(identifier: part.start), \(end) AS \(identifier: part.end)")
        }
        for index in indices {
            let metric = contract.metrics[index]
            let overlap = metric.events.overlap.map { (kind: $0.kind, events: eventConditions($0.events)) }
            let part = parts(of: index).post
            measuredColumns.append("\(aggregate(part, events: eventConditions(metric.events), overlap: overlap, through: through)) AS \(identifier: part.measured)")
        }
        let measured: PostgresQuery = """
            SELECT \(measuredColumns.joined(separator: ",\n       "))
            FROM (
                \(relativeRows)
            ) p
            LEFT JOIN ids.events ev
              ON (\(anyFlag)) AND ev.person_id = p.person_id AND ev.domain = ANY (\(domains(indices))::text[])
             AND ev.start_date <= greatest(\(ends.joined(separator: ", ")))
             AND coalesce(ev.end_date, \(through)) >= least(\(starts.joined(separator: ", ")))
            WHERE \(eligible)
            GROUP BY \(keys.joined(separator: ", "))
            """

        // Per unit: the relatives' values aggregated, with their ids and values.
        var unitAggregates: [PostgresQuery] = ["g.participant_id", "g.start_date", "g.enrollment_id", "g.provider_id", "g.end_date"]
        for part in windows {
            let (start, end) = windowBounds(part.window, of: "g")
            unitAggregates.append("\(start) AS \(identifier: part.start), \(end) AS \(identifier: part.end)")
        }
        for index in indices {
            let part = parts(of: index).post
            let flag = column("g", relativeFlag(index))
            let value: PostgresQuery = "(\(finish(part, in: "g")))::numeric"
            let achieved: PostgresQuery = "(\(value) IS NOT NULL AND \(value) <> 0)"
            let aggregated: PostgresQuery = switch contract.metrics[index].relatives!.aggregate {
            case .any: "bool_or(\(achieved)) FILTER (WHERE \(flag))::int"
            case .all: "bool_and(\(achieved)) FILTER (WHERE \(flag))::int"
            case .sum: "sum(\(value)) FILTER (WHERE \(flag))"
            case .mean: "avg(\(value)) FILTER (WHERE \(flag))"
            case .count: "count(*) FILTER (WHERE \(flag) AND \(achieved))"
            case .number: "count(*) FILTER (WHERE \(flag))"
            }
            let name = "m\(index)"
            unitAggregates += [
                "count(*) FILTER (WHERE \(flag)) AS \(identifier: .generated(name + "_relatives"))",
                "(\(aggregated))::numeric AS \(identifier: .generated(name + "_value"))",
                "array_agg(g.person_id ORDER BY g.person_id) FILTER (WHERE \(flag)) AS \(identifier: .generated(name + "_ids"))",
                "array_agg(\(value) ORDER BY g.person_id) FILTER (WHERE \(flag)) AS \(identifier: .generated(name + "_values"))",
            ]
        }
        let grouped: PostgresQuery = """
            (
                SELECT \(unitAggregates.joined(separator: ",\n           "))
                FROM (
                    \(measured)
                ) g
                GROUP BY g.participant_id, g.start_date, g.enrollment_id, g.provider_id, g.end_date
            ) q
            """
        func field(_ index: Int, _ suffix: String) -> PostgresQuery { column("q", .generated("m\(index)_" + suffix)) }
        // A unit with none of the relatives a metric asks for has no value (how many there are is 0).
        let values: [PostgresQuery] = indices.map { index in
            contract.metrics[index].relatives!.aggregate == .number
                ? field(index, "value") : "CASE WHEN \(field(index, "relatives")) > 0 THEN \(field(index, "value")) END"
        }
        let counted = indices.map { countsForMetric($0, in: "q", through: through) }
        if wide {
            let columns: [PostgresQuery] = zip(indices, zip(counted, values)).map { index, measured in
                "CASE WHEN \(measured.0) THEN \(measured.1) END AS \(identifier: .generated("m\(index)"))"
            }
            return "SELECT q.participant_id AS person_id, \(columns.joined(separator: ", ")) FROM \(grouped)"
        }
        func perMetric(_ expressions: [PostgresQuery]) -> PostgresQuery { Self.perMetric(zip(indices, expressions).map { ($0, $1) }) }
        return """
            SELECT q.participant_id AS person_id, \(contract.storedID)::text AS contract_id, k.metric_id,
                   \(period.label)::text AS period, q.enrollment_id, q.provider_id,
                   \(perMetric(indices.map { column("q", parts(of: $0).post.start) })) AS window_start,
                   \(perMetric(indices.map { column("q", parts(of: $0).post.end) })) AS window_end,
                   \(perMetric(values)) AS value, NULL::numeric AS pre_value, NULL::numeric AS post_value, NULL::numeric AS ratio,
                   \(loadID)::integer AS load_id, now() AS computed_at, \(resultSet)::integer AS result_set,
                   (\(perMetric(indices.map { field($0, "relatives") })))::integer AS relatives,
                   \(perMetric(indices.map { field($0, "ids") }))::bigint[] AS relative_ids,
                   \(perMetric(indices.map { field($0, "values") }))::numeric[] AS relative_values
            FROM \(grouped)
            CROSS JOIN \(metricRows(indices))
            WHERE \(perMetric(counted))
            """
    }
}
