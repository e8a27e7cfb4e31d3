import OutcomesDomain
import PostgresClient

/// Metrics over relatives (`of:`): each unit's relatives through the edges valid on its index
/// date, a row per unit and relative (and one for the unit itself: the household's own member,
/// and the anchor of a unit with no relatives), with a flag per metric saying whether the relative
/// is of the kind it asks for. Each relative's events are measured over the unit's windows (the
/// same aggregates as a unit's own), then, per unit, the relatives' values are aggregated (any,
/// all, sum, mean, count), with their ids and values kept in order.
///
/// On one node the units' relatives are found inside each slice's branch (`inlineRelatives`): the
/// rows stay in unit order (the plan sorts only each unit's few rows by relative), so the
/// groupings per relative and per unit stream, with no table and no full sort. On Citus a relative's events
/// are on the relative's shard, so the relatives are first written to a table distributed by the
/// relative (`relativeUnits()`), and the branch reads it.
extension MetricCompiler {
    /// The flag of metric `index` on a relatives row: the relative is of the kind the metric asks for.
    func relativeFlag(_ index: Int) -> SQLIdentifier { .generated("m\(index)_of") }

    /// The relation codes any of the metrics over relatives follows.
    var relativeEdgeCodes: [String] {
        Set(relativeMetrics.flatMap { contract.metrics[$0].relatives!.relations.edgeCodes }).sorted()
    }

    /// Whether the edge `r` is of the kind metric `index` asks for.
    func edgeCondition(_ index: Int) -> PostgresQuery {
        let selection = contract.metrics[index].relatives!
        var condition: PostgresQuery = "r.relation = ANY (\(selection.relations.edgeCodes)::text[])"
        if !selection.evidence.isEmpty {
            condition.append(" AND r.evidence = ANY (\(selection.evidence.map(\.rawValue))::text[])")
        }
        return condition
    }

    /// The edges of `p`'s person valid on its index date, of the codes the metrics follow.
    func validEdges(of alias: SQLIdentifier) -> PostgresQuery {
        "r.relation = ANY (\(relativeEdgeCodes)::text[]) AND r.valid_from <= \(column(alias, "start_date")) "
            + "AND (r.valid_to IS NULL OR r.valid_to >= \(column(alias, "start_date")))"
    }

    /// Metric `index`'s age rule on a relative born on `birthDate`, at the unit's index date
    /// `indexDate`: whole years on the index date; a relative without a date of birth, or not yet
    /// born (whose negative age PostgreSQL's age() truncates to 0 years), has no age.
    func ageCondition(_ index: Int, birthDate: PostgresQuery, indexDate: PostgresQuery) -> PostgresQuery? {
        guard let ages = contract.metrics[index].relatives!.ageAtIndex else { return nil }
        return "coalesce(\(birthDate) <= \(indexDate) AND date_part('year', age(\(indexDate), \(birthDate))) "
            + "BETWEEN \(ages.lowerBound) AND \(ages.upperBound), false)"
    }

    /// Each unit of the slice with its relatives, found inside the branch (one node): a row per
    /// unit and relative and one for the unit itself, grouped in unit order, with the flags.
    func inlineRelatives(_ indices: [Int], slice: [PostgresQuery]) -> PostgresQuery {
        // The windows are computed here, once per unit and relative: in a subquery PostgreSQL
        // flattens they would be computed again in every event's FILTER.
        let windows = windowParts(indices)
        var columns: [PostgresQuery] = windowColumns(windows, of: "p")
        for index in indices {
            let includesSelf = contract.metrics[index].relatives!.relations.includesParticipant
            var flag: PostgresQuery = "bool_or(CASE WHEN s.own THEN \(includesSelf) ELSE \(edgeCondition(index)) END)"
            if let age = ageCondition(index, birthDate: "min(rp.birth_date)", indexDate: "p.start_date") {
                flag.append(" AND \(age)")
            }
            columns.append("\(flag) AS \(identifier: relativeFlag(index))")
        }
        // Only the units a metric counts in the period have their relatives looked up.
        let eligible = self.eligible(indices, in: "p", through: "\(contract.dataThrough)::date")
        // The unit's own row is the `own` one; the other reads the edges (none: a NULL key finds
        // nothing). Birth dates are read for the ages asked, on the edges of the relations that ask
        // (an age rule's edge is among them, so its group has the date), and the unit's own only
        // for a household's.
        let aged = indices.filter { contract.metrics[$0].relatives!.ageAtIndex != nil }
        let agedCodes = Set(aged.flatMap { contract.metrics[$0].relatives!.relations.edgeCodes }).sorted()
        let ownAge = aged.contains { contract.metrics[$0].relatives!.relations.includesParticipant }
        let born: PostgresQuery = "CASE WHEN s.own THEN \(ownAge ? "p.person_id" : "NULL::bigint" as PostgresQuery) "
            + "WHEN r.relation = ANY (\(agedCodes)::text[]) THEN r.relative_id END"
        let birthDates: PostgresQuery = aged.isEmpty
            ? "LEFT JOIN (SELECT NULL::date AS birth_date) rp ON false"
            : "LEFT JOIN ids.persons rp ON rp.person_id = \(born)"
        return """
            SELECT p.person_id AS participant_id, p.start_date, p.enrollment_id, p.provider_id, p.end_date,
                   coalesce(r.relative_id, p.person_id) AS person_id,
                   \(columns.joined(separator: ",\n       "))
            FROM (\(unitRows(windowColumns(windows, of: "e"), slice))) p
            CROSS JOIN (VALUES (true), (false)) AS s(own)
            LEFT JOIN ids.relationships r
              ON r.person_id = CASE WHEN s.own THEN NULL ELSE p.person_id END AND \(validEdges(of: "p"))
            \(birthDates)
            WHERE (s.own OR r.person_id IS NOT NULL) AND \(eligible)
            GROUP BY \(Self.unitKey(of: "p")), coalesce(r.relative_id, p.person_id)
            """
    }

    /// Statement 1 on Citus: the units' relatives, as a table distributed by the relative.
    func relativeUnits() -> PostgresQuery {
        let indices = relativeMetrics
        let edgeFlags: [PostgresQuery] = indices.map { "bool_or(\(edgeCondition($0))) AS \(identifier: relativeFlag($0))" }
        let selfFlags: [PostgresQuery] = indices.map { index in
            "\(contract.metrics[index].relatives!.relations.includesParticipant) AS \(identifier: relativeFlag(index))"
        }
        let slice = unitConditions(lower: nil, upper: nil)
        return """
            SELECT r.relative_id AS person_id, p.person_id AS participant_id, p.start_date, p.enrollment_id, p.provider_id, p.end_date,
                   \(edgeFlags.joined(separator: ", "))
            FROM (\(unitRows([], slice))) p
            JOIN ids.relationships r ON r.person_id = p.person_id AND \(validEdges(of: "p"))
            GROUP BY r.relative_id, \(Self.unitKey(of: "p"))
            UNION ALL
            SELECT p.person_id, p.person_id, p.start_date, p.enrollment_id, p.provider_id, p.end_date, \(selfFlags.joined(separator: ", "))
            FROM (\(unitRows([], slice))) p
            """
    }

    /// The branch of one slice of units (by the unit's person id): a row per unit and metric
    /// that counts the unit, as `branch` gives for own metrics.
    func relativeBranch(_ indices: [Int], lower: Int?, upper: Int?) -> PostgresQuery {
        let through: PostgresQuery = "\(contract.dataThrough)::date"
        let windows = windowParts(indices)
        // Each relative (and unit) with the unit's windows, and whether the relative counts for each metric.
        let relativeRows: PostgresQuery
        switch relativesSource {
        case .inline:
            relativeRows = inlineRelatives(indices, slice: unitConditions(lower: lower, upper: upper))
        case .table(let table):
            var slice: [PostgresQuery] = []
            if let lower { slice.append("u.participant_id >= \(lower)") }
            if let upper { slice.append("u.participant_id < \(upper)") }
            var unitColumns = windowColumns(windows, of: "u")
            for index in indices {
                var flag: PostgresQuery = column("u", relativeFlag(index))
                if let age = ageCondition(index, birthDate: "rp.birth_date", indexDate: "u.start_date") { flag.append(" AND \(age)") }
                unitColumns.append("\(flag) AS \(identifier: relativeFlag(index))")
            }
            let conditions: PostgresQuery = slice.isEmpty ? "true" : slice.joined(separator: " AND ")
            relativeRows = """
                SELECT u.participant_id, u.start_date, u.enrollment_id, u.provider_id, u.end_date, u.person_id,
                       \(unitColumns.joined(separator: ",\n       "))
                FROM \(identifier: table) u
                LEFT JOIN ids.persons rp ON rp.person_id = u.person_id
                WHERE \(conditions)
                ORDER BY u.person_id
                """
        }
        let anyFlag: PostgresQuery = indices.map { column("p", relativeFlag($0)) }.joined(separator: " OR ")
        // Every unit keeps its own row, so that a unit without relatives is reported; only the
        // relatives a metric asks for have their events read. Inline, only measured units came.
        let eligible: PostgresQuery = relativesSource == .inline ? "true" : self.eligible(indices, in: "p", through: through)

        // Each relative's measures, grouped per relative and unit.
        let starts = windows.map { column("p", $0.start) }, ends = windows.map { column("p", $0.end) }
        // Grouped in the order the rows arrive: by unit inline, by relative from the table.
        let unitKeys: [PostgresQuery] = ["p.participant_id", "p.start_date", "p.enrollment_id", "p.provider_id", "p.end_date"]
        let keys: [PostgresQuery] = relativesSource == .inline ? unitKeys + ["p.person_id"] : ["p.person_id"] + unitKeys
        var measuredColumns = keys + indices.map {
            "bool_or(\(column("p", relativeFlag($0)))) AS \(identifier: relativeFlag($0))" as PostgresQuery
        }
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
        let inUnitOrder: PostgresQuery = relativesSource == .inline ? "ORDER BY \(keys.joined(separator: ", "))" : ""
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
            \(inUnitOrder)
            """

        // Per unit: the relatives' values aggregated, with their ids and values in the relatives'
        // order. Inline, `measured` is sorted by unit and then relative (its grouping's own order,
        // so the sort costs nothing), and the unit's rows reach the arrays in that order, which a
        // sort per unit and array would only repeat. That holds while the level below stays
        // without joins and `measured`'s keys stay plain columns, so the grouping needs no sort of
        // its own (a sort is not stable). From the table (Citus, where a subquery's order does not
        // reach the coordinator's aggregate) the arrays sort their own input.
        let inRelativeOrder: PostgresQuery = relativesSource == .inline ? "" : " ORDER BY g.person_id"
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
                "array_agg(g.person_id\(inRelativeOrder)) FILTER (WHERE \(flag)) AS \(identifier: .generated(name + "_ids"))",
                "array_agg(\(value)\(inRelativeOrder)) FILTER (WHERE \(flag)) AS \(identifier: .generated(name + "_values"))",
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
