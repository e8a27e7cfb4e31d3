import Foundation
import OutcomesDomain
import PostgresClient

/// The one table the estimators read: a row per unit with its covariates (metric values pivoted,
/// attributes at the index date) and outcomes, built in PostgreSQL and streamed once, in a stable
/// order (participants first, then by person id), with a hash of what was read.
struct ComparisonTable {
    let definition: EvaluationDefinition
    let units: SQLIdentifier
    let covariates: SQLIdentifier?
    let outcomes: SQLIdentifier
    let loadID: Int

    /// The table, the SHA-256 of its rows as read, and how many participants there were before
    /// those without outcomes in the period were left out.
    func read(on connection: PostgresConnection) throws -> (EvaluationTable, String, Int) {
        // Each unit's household on its index date, read only when the standard errors cluster by
        // it (its own rows: on Citus, on its worker); in none, the unit is its own.
        let byHousehold = definition.design.standardErrorConvention == .household
        let household: PostgresQuery = byHousehold ? """
            coalesce((SELECT min(h.source_system || '/' || h.household_key) FROM ids.household_members h
                      WHERE h.person_id = u.person_id AND h.valid_from <= u.start_date
                        AND (h.valid_to IS NULL OR h.valid_to >= u.start_date)), 'person/' || u.person_id)
            """ : "NULL::text"
        var select: [PostgresQuery] = ["u.person_id", "u.treated", "u.provider_id", "u.start_date::text", household]
        var kinds: [(name: String, numeric: Bool)] = []
        let metricCovariates = definition.covariates.compactMap { if case .metric(let m) = $0 { m.id } else { nil } }
        var needsAge = false
        for covariate in definition.covariates {
            switch covariate {
            case .metric(let metric):
                select.append("coalesce(c.\(identifier: column("m", metricCovariates.firstIndex(of: metric.id)!)), 0)::float8")
                kinds.append((metric.id, true))
            case .attribute(let attribute):
                select.append(Self.attribute(attribute))
                kinds.append((attribute.rawValue, attribute == .age))
                needsAge = needsAge || attribute == .age
            }
        }
        // Exact keys that are attributes but not covariates.
        for key in definition.exact where !kinds.contains(where: { $0.name == key }) {
            if let attribute = EvaluationDefinition.Attribute(rawValue: key) {
                select.append(Self.attribute(attribute))
                kinds.append((key, attribute == .age))
            }
        }
        for (index, outcome) in definition.outcomes.enumerated() {
            select.append("o.\(identifier: column("o", index))::float8")
            kinds.append((outcome.name, true))
        }
        let outcomePivot: [PostgresQuery] = definition.outcomes.enumerated().map {
            "max(value) FILTER (WHERE metric_id = \($1.name)::text) AS \(identifier: column("o", $0))"
        }
        var joins: PostgresQuery = "JOIN (SELECT person_id, \(outcomePivot.joined(separator: ", ")) FROM \(identifier: outcomes) GROUP BY person_id) o USING (person_id)"
        // Covariates come one row per unit, a column per metric (the compiler's wide form).
        if let covariates { joins.append("\nLEFT JOIN \(identifier: covariates) c USING (person_id)") }
        var conditions: [PostgresQuery] = definition.outcomes.indices.map { "o.\(identifier: column("o", $0)) IS NOT NULL" }
        if needsAge { conditions.append("(ps.birth_date IS NOT NULL OR ps.birth_year IS NOT NULL)") }
        let query: PostgresQuery = """
            SELECT \(select.joined(separator: ", "))
            FROM \(identifier: units) u
            JOIN ids.persons ps USING (person_id)
            \(joins)
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY u.treated DESC, u.person_id
            """
        var ids: [String] = [], treated: [Bool] = [], groups: [String?] = [], indexDates: [String] = [], households: [Int] = []
        var householdLabels: [String: Int] = [:]
        var numbers = Array(repeating: [Double](), count: kinds.count), texts = Array(repeating: [String](), count: kinds.count)
        var hash = SHA256()
        var line = InputLine()
        try connection.stream(query) { row in
            let person: Int = try row.decode(at: 0), isTreated: Bool = try row.decode(at: 1)
            let provider: String? = try row.decode(at: 2), index: String = try row.decode(at: 3), household: String? = try row.decode(at: 4)
            if let household {
                households.append(householdLabels[household] ?? {
                    householdLabels[household] = householdLabels.count
                    return householdLabels.count - 1
                }())
            }
            ids.append(String(person))
            treated.append(isTreated)
            // A control arm's units name the site whose referral was randomized; a pool's name none.
            groups.append(provider.flatMap { $0.isEmpty ? nil : $0 })
            indexDates.append(index)
            line.start(person: person, treated: isTreated, provider: provider, indexDate: index, household: household)
            for (k, kind) in kinds.enumerated() {
                if kind.numeric {
                    let value: Double = try row.decode(at: 5 + k)
                    numbers[k].append(value)
                    line.append(value)
                } else {
                    let value: String = try row.decode(at: 5 + k)
                    texts[k].append(value)
                    line.append(value)
                }
            }
            hash.update(line.finished())
        }
        var columns: [String: EvaluationTable.Column] = [:]
        for (k, kind) in kinds.enumerated() { columns[kind.name] = kind.numeric ? .numeric(numbers[k]) : .categorical(texts[k]) }
        var table = EvaluationTable(ids: ids, treated: treated, groups: groups, columns: columns, source: "the IDS (data load \(loadID))")
        table.indexDates = indexDates
        if byHousehold { table.households = households }
        let participants = try connection.execute("SELECT count(*) FROM \(identifier: units) WHERE treated").scalar(Int.self)
        return (table, hash.hexDigest(), participants)
    }

    /// A unit's line in the inputs' hash: person, treated, provider (empty for none), index date,
    /// household (only when read: other runs hash as before), then each value as Swift interpolates
    /// it, tab-separated, ending in a newline. Built in one reused buffer.
    struct InputLine {
        private var bytes: [UInt8] = []

        mutating func start(person: Int, treated: Bool, provider: String?, indexDate: String, household: String?) {
            bytes.removeAll(keepingCapacity: true)
            bytes.append(contentsOf: "\(person)".utf8)
            append("\(treated)")
            append(provider ?? "")
            append(indexDate)
            if let household { append(household) }
        }

        mutating func append(_ value: Double) { append("\(value)") }

        mutating func append(_ text: String) {
            bytes.append(UInt8(ascii: "\t"))
            bytes.append(contentsOf: text.utf8)
        }

        mutating func finished() -> [UInt8] {
            bytes.append(UInt8(ascii: "\n"))
            return bytes
        }
    }

    private func column(_ prefix: String, _ index: Int) -> SQLIdentifier { .generated("\(prefix)\(index)") }

    /// An attribute at the index date, as text (or, for age, whole years as a number).
    static func attribute(_ attribute: EvaluationDefinition.Attribute) -> PostgresQuery {
        switch attribute {
        case .age:
            "(CASE WHEN ps.birth_date IS NOT NULL THEN extract(year FROM age(u.start_date, ps.birth_date)) ELSE extract(year FROM u.start_date) - ps.birth_year END)::float8"
        case .sex: "ps.sex"
        case .race: "ps.race_ethnicity"
        case .county: "coalesce(ps.county, 'unknown')"
        case .indexQuarter: "to_char(u.start_date, 'YYYY\"Q\"Q')"
        }
    }
}
