import Foundation
import OutcomesDomain
import PostgresClient

/// A person attribute a published table may be broken down by (the state data plans' equity
/// breakdowns). Each is one allow-listed SQL expression over a row of `ids.persons` at a date.
public enum PersonAttribute: String, Sendable, CaseIterable {
    case race, sex, ageBand = "age_band", county
    /// The person's family at the date, from their own edges valid then (`FamilyType`).
    case familyType = "family_type"

    /// Age bands at the start of the participant's window, as public health tables cut them.
    static let ageBands = [(25, "under 25"), (35, "25-34"), (45, "35-44"), (55, "45-54"), (65, "55-64")]

    /// The attribute of `ps` (a row of ids.persons) at `date` (an SQL expression): the age band in
    /// whole years at that date, from the birth date, else the birth year.
    func sql(person ps: SQLIdentifier, at date: PostgresQuery) -> PostgresQuery {
        let column = { (name: SQLIdentifier) -> PostgresQuery in "\(identifier: ps).\(identifier: name)" }
        switch self {
        case .race: return column("race_ethnicity")
        case .sex: return column("sex")
        case .county: return "coalesce(\(column("county")), 'unknown')"
        case .ageBand:
            let (birthDate, birthYear) = (column("birth_date"), column("birth_year"))
            let age: PostgresQuery = "(CASE WHEN \(birthDate) IS NOT NULL THEN date_part('year', age(\(date), \(birthDate)))::int "
                + "WHEN \(birthYear) IS NOT NULL THEN date_part('year', \(date))::int - \(birthYear) END)"
            let bands: [PostgresQuery] = Self.ageBands.map { "WHEN \(age) < \($0.0) THEN \($0.1)::text " }
            return "CASE WHEN \(age) IS NULL THEN 'unknown' \(bands.joined())ELSE '65 and over' END"
        case .familyType:
            // The person's own rows only (on Citus, on the person's worker).
            // (An alias of its own: `date` may name the caller's `r`.)
            let has = { (codes: [String]) -> PostgresQuery in "coalesce(bool_or(family_edge.relation = ANY (\(codes)::text[])), false)" }
            let cases: [PostgresQuery] = FamilyType.allCases.dropLast().map { type in
                let condition: PostgresQuery = switch type {
                case .fosterCare: has(FamilyType.fosterChildren)
                case .twoParents: "\(has(FamilyType.ownChildren)) AND \(has(FamilyType.partners))"
                case .singleParent: has(FamilyType.ownChildren)
                case .kinshipCare: has(FamilyType.kinChildren)
                case .noChildren: "true"
                }
                return "WHEN \(condition) THEN \(type.rawValue)::text "
            }
            return """
                (SELECT CASE \(cases.joined())ELSE \(FamilyType.noChildren.rawValue)::text END
                 FROM ids.relationships family_edge
                 WHERE family_edge.person_id = \(column("person_id")) AND family_edge.valid_from <= \(date)
                   AND (family_edge.valid_to IS NULL OR family_edge.valid_to >= \(date)))
                """
        }
    }
}

/// Outcome metrics of a computed period broken down by provider and a person attribute, each
/// metric as an `EquityTable` (margins and suppression over the two-way table).
public enum MetricEquity {
    public static func tables(contract: OutcomeContract, period: String, by attribute: PersonAttribute, policy: SmallCellPolicy,
                              on connection: PostgresConnection) throws -> [(metric: MetricDefinition, table: EquityTable)] {
        var counts: [String: [EquityTable.Count]] = [:]
        // The attribute's expression is one of a fixed list (never user text); the values are bound.
        let query: PostgresQuery = """
            SELECT r.metric_id, r.provider_id, \(attribute.sql(person: "p", at: "r.window_start")) AS grp, count(*)::bigint, count(r.value)::bigint,
                   coalesce(sum(r.value), 0)
            FROM metrics.person_results r
            JOIN ids.persons p USING (person_id)
            WHERE r.contract_id = \(contract.storedID) AND r.period = \(period)
            GROUP BY 1, 2, 3
            """
        for row in try connection.execute(query) {
            let metric: String = try row.decode(at: 0)
            counts[metric, default: []].append(EquityTable.Count(
                provider: try row.decode(at: 1), group: try row.decode(at: 2), participants: try row.decode(at: 3), withValue: try row.decode(at: 4),
                total: try row.decode(at: 5)))
        }
        return contract.metrics.compactMap { metric in
            counts[metric.id].map { (metric, EquityTable(counts: $0, binary: metric.isBinary, policy: policy)) }
        }
    }
}

/// What the ledger paid per participant, by provider and a person attribute (per-participant
/// lines only: an effect line pays a cohort, not a person), as an `EquityTable` of people paid
/// and amounts.
public enum PaymentEquity {
    public static func table(contract: OutcomeContract, by attribute: PersonAttribute, policy: SmallCellPolicy, on connection: PostgresConnection) throws
        -> EquityTable
    {
        // The attribute's expression is one of a fixed list; it is taken on the first day of the
        // period paid (a label such as "all" names no year); a period the contract version no
        // longer has, on the first day of the year its label begins with, if it does.
        let starts: [PostgresQuery] = contract.periods.map { "(\($0.label)::text, \($0.start)::date)" }
        let query: PostgresQuery = """
            SELECT provider_id, grp, count(*)::bigint, sum(paid) FROM (
                SELECT l.provider_id, \(attribute.sql(person: "p", at: "coalesce(ps.start, CASE WHEN l.period ~ '^[0-9]{4}' THEN make_date(left(l.period, 4)::int, 1, 1) END)")) AS grp, l.person_id,
                       sum(l.amount) AS paid
                FROM payments.ledger l
                JOIN ids.persons p USING (person_id)
                LEFT JOIN (VALUES \(starts.joined(separator: ", "))) AS ps(period, start) ON ps.period = l.period
                WHERE l.contract_id = \(contract.id) AND l.person_id IS NOT NULL
                GROUP BY 1, 2, 3 HAVING sum(l.amount) <> 0) paid
            GROUP BY 1, 2
            """
        let counts = try connection.execute(query).map {
            EquityTable.Count(provider: try $0.decode(at: 0), group: try $0.decode(at: 1), participants: try $0.decode(at: 2),
                              withValue: try $0.decode(at: 2), total: try $0.decode(at: 3))
        }
        return EquityTable(counts: counts, binary: false, policy: policy)
    }
}

