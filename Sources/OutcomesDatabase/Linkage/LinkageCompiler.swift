import OutcomesDomain
import PostgresClient

/// Compiles a linkage specification into SQL fragments over the run's work tables: the records
/// normalised once, the blocking rules, each comparison's level as a CASE, a pair's agreement
/// pattern packed into one bigint, and its term-frequency bits. One implementation of every rule:
/// training, scoring and the reports all use these fragments.
struct LinkageCompiler {
    let spec: LinkageSpec

    /// The run's work tables (unlogged, so that parallel workers can read them; created and dropped
    /// inside the run's transaction), in the linkage_work schema, which no search path holds.
    static let records: SQLIdentifier = "linkage_work.records"
    static let candidates: SQLIdentifier = "linkage_work.candidates"
    static let patterns: SQLIdentifier = "linkage_work.patterns"
    static let sample: SQLIdentifier = "linkage_work.sample"
    static let edges: SQLIdentifier = "linkage_work.edges"
    static let clusters: SQLIdentifier = "linkage_work.clusters"
    static let assignments: SQLIdentifier = "linkage_work.assignments"
    static let frontier: SQLIdentifier = "linkage_work.frontier"
    static let changed: SQLIdentifier = "linkage_work.changed"
    static let jumping: SQLIdentifier = "linkage_work.jumping"
    static let contradictions: SQLIdentifier = "linkage_work.contradictions"

    static let workTables: [SQLIdentifier] = [records, candidates, patterns, sample, edges, clusters, assignments, frontier, changed, jumping, contradictions]

    /// Four bits per comparison: 0 for the null level, else the level's index plus one.
    static let bitsPerComparison = 4
    static let maximumLevels = (1 << bitsPerComparison) - 2

    // MARK: Records

    /// One row per identifier record with every field normalised as comparisons and blocking read it
    /// (fixed-width columns first, which rows read fastest; the date also as the text that exact and
    /// edit-distance levels compare): names upper case with only letters and digits, empty as no value, sex U as no value, the
    /// derived blocking keys, and for each term-frequency comparison the share of the records with a
    /// value that hold the record's value (`tf0`, …; counted once here, not joined per pair).
    var createRecords: PostgresQuery {
        let frequencies = termFrequencyComparisons.map { item -> PostgresQuery in
            let value = Self.exactValue(spec.comparisons[item.index].field, side: "n")
            return """
                , CASE WHEN \(value) IS NOT NULL
                       THEN count(*) OVER (PARTITION BY \(value))::float8 / count(\(value)) OVER () END AS \(identifier: Self.tfAlias(item.index))
                """
        }
        return """
            CREATE UNLOGGED TABLE \(identifier: Self.records) AS
            SELECT n.* \(frequencies.joined(separator: " ")) FROM (
                SELECT record_id, birth_year, birth_month, birth_date, source_system, source_key,
                       \(Self.name("first_name")) AS first_name, \(Self.name("middle_name")) AS middle_name,
                       \(Self.name("last_name")) AS last_name,
                       birth_date::text AS birth_date_text, ssn, ssn_last4, nullif(sex, 'U') AS sex,
                       nullif(upper(btrim(regexp_replace(address, '[^[:alnum:]]+', ' ', 'g'))), '') AS address,
                       \(Self.name("city")) AS city, \(Self.name("postcode")) AS postcode,
                       left(\(Self.name("first_name")), 1) AS first_initial,
                       nullif(soundex(\(Self.name("last_name"))), '') AS last_name_soundex,
                       nullif(soundex(\(Self.name("first_name"))), '') AS first_name_soundex
                FROM linkage.identifiers) n
            """
    }

    private static func name(_ column: String) -> PostgresQuery {
        "nullif(upper(regexp_replace(\(identifier: .generated(column)), '[^[:alnum:]]+', '', 'g')), '')"
    }

    // MARK: Blocking

    /// Both sides have the rule's keys and they are equal.
    static func holds(_ rule: LinkageSpec.BlockingRule, left: PostgresQuery = "l", right: PostgresQuery = "r") -> PostgresQuery {
        rule.keys.map { key -> PostgresQuery in
            let column = SQLIdentifier.generated(key.rawValue)
            return "\(left).\(identifier: column) = \(right).\(identifier: column)"
        }.joined(separator: " AND ")
    }

    /// Pairs of distinct records, each once (l < r); for link_only, from different sources.
    var pairCondition: PostgresQuery {
        switch spec.linkType {
        case .dedupe: "l.record_id < r.record_id"
        case .linkOnly: "l.record_id < r.record_id AND l.source_system <> r.source_system"
        }
    }

    /// The pairs rule `index` proposes that no earlier rule proposed, so that the union holds each pair once.
    func proposedOnlyBy(_ index: Int, rules: [LinkageSpec.BlockingRule]) -> PostgresQuery {
        let earlier = rules[..<index].map { "NOT coalesce(\(Self.holds($0)), false)" as PostgresQuery }
        return ([Self.holds(rules[index]), pairCondition] + earlier).joined(separator: " AND ")
    }

    /// An upper bound on the pairs a rule proposes, from group sizes (for the estimate before running).
    static func estimatedPairs(_ rule: LinkageSpec.BlockingRule) -> PostgresQuery {
        let keys = rule.keys.map { "\(identifier: .generated($0.rawValue))" as PostgresQuery }
        let present = keys.map { "\($0) IS NOT NULL" as PostgresQuery }.joined(separator: " AND ")
        return """
            SELECT coalesce(sum(n * (n - 1) / 2), 0)::bigint, count(*)::bigint
            FROM (SELECT count(*)::numeric AS n FROM \(identifier: records) WHERE \(present) GROUP BY \(keys.joined(separator: ", "))) g
            """
    }

    // MARK: Comparison levels

    /// The pair's level in each comparison as columns `c0`, `c1`, … (each computed once), and the
    /// term frequency of the agreed value as `tf0`, … where a comparison adjusts for it.
    var levelColumns: PostgresQuery {
        let levels = spec.comparisons.enumerated().map { index, comparison -> PostgresQuery in
            "\(level(comparison)) AS \(identifier: Self.levelColumn(index))"
        }
        let frequencies = termFrequencyComparisons.map { item -> PostgresQuery in
            "l.\(identifier: Self.tfAlias(item.index)) AS \(identifier: Self.tfAlias(item.index))"
        }
        return (levels + frequencies).joined(separator: ", ")
    }

    static func levelColumn(_ index: Int) -> SQLIdentifier { .generated("c\(index)") }
    static func tfAlias(_ index: Int) -> SQLIdentifier { .generated("tf\(index)") }

    /// The packed agreement pattern, from the level columns.
    var pattern: PostgresQuery {
        spec.comparisons.indices.map { index -> PostgresQuery in
            let weight = Int64(1) << Int64(Self.bitsPerComparison * index)
            return "\(identifier: Self.levelColumn(index))::bigint * \(weight)"
        }.joined(separator: " + ")
    }

    /// 0 for the null level, 1 + the index of the first level that holds, or 1 + the number of levels (else).
    func level(_ comparison: LinkageSpec.Comparison) -> PostgresQuery {
        var cases: [PostgresQuery] = ["WHEN \(Self.missing(comparison.field)) THEN 0"]
        for (index, level) in comparison.levels.enumerated() {
            cases.append("WHEN \(Self.condition(level, field: comparison.field)) THEN \(index + 1)")
        }
        return "CASE \(cases.joined(separator: " ")) ELSE \(comparison.levels.count + 1) END"
    }

    static func missing(_ field: IdentifierField) -> PostgresQuery {
        switch field {
        case .birthDate: "l.birth_year IS NULL OR r.birth_year IS NULL"
        case .ssn: "l.ssn_last4 IS NULL OR r.ssn_last4 IS NULL"
        default: "l.\(identifier: .generated(field.rawValue)) IS NULL OR r.\(identifier: .generated(field.rawValue)) IS NULL"
        }
    }

    /// The value an exact level compares (and term frequencies count).
    static func exactValue(_ field: IdentifierField, side: PostgresQuery) -> PostgresQuery {
        switch field {
        case .birthDate: "\(side).birth_date_text"
        case .ssn: "\(side).ssn"
        default: "\(side).\(identifier: .generated(field.rawValue))"
        }
    }

    static func condition(_ level: LinkageSpec.Level, field: IdentifierField) -> PostgresQuery {
        let l = exactValue(field, side: "l"), r = exactValue(field, side: "r")
        switch level {
        case .exact:
            return "\(l) = \(r)"
        case .jaroWinkler(let threshold):
            return "jarowinkler(\(l), \(r)) >= \(threshold)"
        case .damerauLevenshtein(atMost: 1):
            return "(levenshtein_less_equal(\(l), \(r), 1) <= 1 OR \(adjacentSwap(l, r)))"
        case .damerauLevenshtein(let k):
            // Levenshtein bounds the alignment distance: osa ≤ lev ≤ 2·osa; only the open cases pay for it.
            return """
                (levenshtein_less_equal(\(l), \(r), \(k)::int) <= \(k)
                 OR (levenshtein_less_equal(\(l), \(r), \(2 * k)::int) <= \(2 * k) AND linkage.osa_distance(\(l), \(r)) <= \(k)))
                """
        case .dayMonthSwapped:
            return """
                (l.birth_date IS NOT NULL AND r.birth_date IS NOT NULL AND l.birth_year = r.birth_year
                 AND extract(day FROM l.birth_date) = r.birth_month AND l.birth_month = extract(day FROM r.birth_date))
                """
        case .sameYearMonth:
            return "(l.birth_year = r.birth_year AND l.birth_month = r.birth_month)"
        case .sameYear:
            return "l.birth_year = r.birth_year"
        case .ssnTransposition:
            return adjacentSwap("l.ssn", "r.ssn")
        case .ssnOneDigit:
            return "levenshtein(l.ssn, r.ssn) = 1"
        case .ssnLastFour:
            return "l.ssn_last4 = r.ssn_last4"
        }
    }

    /// Exactly one transposition of adjacent characters apart: equal lengths, two places that differ
    /// (a Levenshtein distance of 2 when an insertion or deletion costs 2 and a substitution 1), and
    /// those two swapped. The cheap tests run first; the function sees few pairs.
    static func adjacentSwap(_ l: PostgresQuery, _ r: PostgresQuery) -> PostgresQuery {
        "(length(\(l)) = length(\(r)) AND levenshtein_less_equal(\(l), \(r), 2, 2, 1, 2) = 2 AND linkage.adjacent_swap(\(l), \(r)))"
    }

    // MARK: Term frequencies

    /// Comparisons whose exact level is adjusted by term frequency, with that level's index.
    var termFrequencyComparisons: [(index: Int, exactLevel: Int)] {
        spec.comparisons.enumerated().compactMap { index, comparison in
            guard let level = comparison.levels.firstIndex(where: { $0 == .exact(termFrequency: true) }) else { return nil }
            return (index, level)
        }
    }

    /// −Σ log2(tf) over the term-frequency comparisons where the pair sits at the exact level (the
    /// rest of the adjustment, +log2 u of that level, belongs to the pattern's weight), from the
    /// level and frequency columns.
    var termFrequencyBits: PostgresQuery {
        let terms = termFrequencyComparisons.map { item -> PostgresQuery in
            let column = Self.levelColumn(item.index), alias = Self.tfAlias(item.index)
            return "CASE WHEN \(identifier: column) = \(item.exactLevel + 1) THEN -ln(\(identifier: alias)) / ln(2::float8) ELSE 0 END"
        }
        return terms.isEmpty ? "0::float8" : "(\(terms.joined(separator: " + ")))::float8"
    }

    /// The scored pairs' source: every pair a query `from` (with aliases l and r) yields, with its
    /// pattern, term-frequency bits and which blocking rules it meets (bit i: rule i, for the EM
    /// sessions). With `proposedBy`, the pairs are those that rule proposes and no earlier one, so
    /// only the later rules are tested.
    func compared(from: PostgresQuery, proposedBy rule: Int? = nil) -> PostgresQuery {
        """
        SELECT record_l, record_r, \(pattern) AS pattern, \(termFrequencyBits) AS tf_bits, rules
        FROM (SELECT l.record_id AS record_l, r.record_id AS record_r, \(levelColumns), \(rulesMet(proposedBy: rule)) AS rules
              \(from) ) compared
        """
    }

    /// Rules a mask can hold.
    static let maskedRules = 63

    /// A bit per blocking rule the pair meets (the first 63 rules).
    func rulesMet(proposedBy first: Int?) -> PostgresQuery {
        let bits = spec.blocking.prefix(Self.maskedRules).enumerated().compactMap { index, rule -> PostgresQuery? in
            let bit = Int64(1) << Int64(index)
            switch first {
            case .some(let first) where index < first: return nil
            case .some(let first) where index == first: return "\(bit)"
            default: return "CASE WHEN coalesce(\(Self.holds(rule)), false) THEN \(bit) ELSE 0 END"
            }
        }
        return bits.isEmpty ? "0::bigint" : "(\(bits.joined(separator: " + ")))::bigint"
    }

    // MARK: Patterns

    /// A packed pattern as a level per comparison (nil for null), in the EM kernel's form.
    func unpack(_ pattern: Int64) -> [Int?] { Self.unpack(pattern, comparisons: spec.comparisons.count) }

    /// The same, from the number of comparisons alone (a stored run's pattern, read with its model).
    static func unpack(_ pattern: Int64, comparisons: Int) -> [Int?] {
        (0..<comparisons).map { index in
            let digit = Int((pattern >> Int64(Self.bitsPerComparison * index)) & Int64((1 << Self.bitsPerComparison) - 1))
            return digit == 0 ? nil : digit - 1
        }
    }

    /// Non-null levels per comparison: the listed ones and else.
    var levelCounts: [Int] { spec.comparisons.map { $0.levels.count + 1 } }
}
