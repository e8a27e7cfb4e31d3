import PostgresClient

/// The units a compiler measures: the contract's participants (each person's first enrollment in
/// the cohort) or the rows of a unit table (a comparison's participants and pool), read in key order.
extension MetricCompiler {
    /// A unit's key, person first: what its results are grouped by, and the order units are read in,
    /// so that each unit's events, joined in that order, are grouped without another sort.
    static func unitKey(of alias: SQLIdentifier) -> PostgresQuery {
        let names: [SQLIdentifier] = ["person_id", "start_date", "enrollment_id", "provider_id", "end_date"]
        return names.map { "\(identifier: alias).\(identifier: $0)" as PostgresQuery }.joined(separator: ", ")
    }

    /// A participant is a person's first enrollment that meets `conditions` (on `ids.enrollments e`),
    /// with its person, start, enrollment, provider and end, and `extraColumns` computed from it.
    static func firstEnrollments(extraColumns: [PostgresQuery] = [], conditions: PostgresQuery) -> PostgresQuery {
        """
        SELECT DISTINCT ON (e.person_id) \(unitKey(of: "e"))\(extraColumns.map { ",\n       \($0)" as PostgresQuery }.joined())
        FROM ids.enrollments e
        WHERE \(conditions)
        ORDER BY \(unitKey(of: "e"))
        """
    }

    /// The conditions on the unit rows `e` of one slice (person ids from `lower`, below `upper`):
    /// the cohort rule for the contract's participants, and the persons asked for.
    func unitConditions(lower: Int?, upper: Int?) -> [PostgresQuery] {
        var conditions: [PostgresQuery] = []
        if case .enrollments = units { conditions.append(cohortConditions()) }
        if let persons { conditions.append("e.person_id = ANY (\(persons)::bigint[])") }
        if let lower { conditions.append("e.person_id >= \(lower)") }
        if let upper { conditions.append("e.person_id < \(upper)") }
        return conditions
    }

    /// The units with their window columns, in key order.
    func unitRows(_ columns: [PostgresQuery], _ slice: [PostgresQuery]) -> PostgresQuery {
        let conditions: PostgresQuery = slice.isEmpty ? "true" : slice.joined(separator: " AND ")
        switch units {
        case .enrollments:
            return Self.firstEnrollments(extraColumns: columns, conditions: conditions)
        case .table(let table):
            return """
                SELECT \(([Self.unitKey(of: "e")] + columns).joined(separator: ",\n       "))
                FROM \(identifier: table) e
                WHERE \(conditions)
                ORDER BY \(Self.unitKey(of: "e"))
                """
        }
    }
}
