import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Metrics over relatives against a naive oracle that walks persons, edges and events, on random
/// families loaded through the extract loader (edges stated either way round, from two sources,
/// starting and ending around the index date; households whose members' edges the load infers).
@Suite struct FamilyMetricTests {
    static let contractYAML = RandomFamilies.contractYAML

    struct Stored: Equatable {
        let value: Decimal?, relatives: Int?, ids: [Int], values: [Decimal]

        /// Equal, a mean within 1e-12 (PostgreSQL divides numerics to about 20 significant digits).
        func matches(_ other: Stored) -> Bool {
            guard relatives == other.relatives, ids == other.ids, values == other.values else { return false }
            guard let value, let otherValue = other.value else { return value == nil && other.value == nil }
            return abs(NSDecimalNumber(decimal: value - otherValue).doubleValue) < 1e-12
        }
    }

    @Test(arguments: [UInt64(11), 12, 13])
    func metricsOverRelativesEqualTheOracle(seed: UInt64) throws {
        let db = try referenceDataOnly()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("families-\(seed)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try RandomFamilies(seed: seed).write(to: folder)
        _ = try ExtractLoader(directory: folder).load(into: db)
        let stored = try ContractStore.loadStored(text: Self.contractYAML, file: "families.yaml", on: db)
        let contract = stored.contract
        let oracle = try FamilyOracle(reading: db)
        // Every period: in one year only the units a metric counts then have their relatives read.
        for period in contract.periods {
            try MetricsRunner(stored: stored).run(period: period, on: db)
            try expectOracle(db, contract: contract, period: period, oracle: oracle)
        }
    }

    func expectOracle(_ db: PostgresConnection, contract: OutcomeContract, period: ReportingPeriod, oracle: FamilyOracle) throws {
        var withoutRelatives = 0, withRelatives = 0
        for metric in contract.metrics where metric.relatives != nil {
            let expected = oracle.values(contract: contract, metric: metric, period: period)
            var found: [Int: Stored] = [:]
            for row in try db.execute("""
                SELECT person_id, value, relatives, coalesce(relative_ids, '{}'), coalesce(relative_values, '{}')
                FROM metrics.person_results WHERE contract_id = \(contract.id) AND metric_id = \(metric.id) AND period = \(period.label)
                """) {
                found[try row.decode(at: 0)] = Stored(value: try row.decode(at: 1), relatives: try row.decode(at: 2),
                                                      ids: try row.decode(at: 3), values: try row.decode(at: 4))
            }
            #expect(Set(found.keys) == Set(expected.keys), "participants of \(metric.id)")
            for (person, value) in expected {
                #expect(found[person]?.matches(value) == true, "\(metric.id), participant \(person): \(String(describing: found[person])) ≠ \(value)")
                if value.relatives == 0 { withoutRelatives += 1 } else { withRelatives += 1 }
            }
        }
        // The random families hold both kinds of participant, so the comparison tests both.
        #expect(withoutRelatives > 20 && withRelatives > 20, "\(period.label): \(withoutRelatives) without, \(withRelatives) with")
        // The participant's own metric is computed beside them, as before.
        let ownMetric = contract.metrics[0]
        let expectedOwn = try MetricOracle(reading: db).values(contract: contract, metric: ownMetric, period: period)
        let storedOwn = try MetricOracleTests().storedValues(db, contract: contract.id, metric: ownMetric.id, period: period.label)
        #expect(Set(storedOwn.keys) == Set(expectedOwn.keys) && expectedOwn.allSatisfy { storedOwn[$0.key]?.matches($0.value) == true })
    }
}

/// `family_type` of every participant at the index date, against the rule walked naively.
@Suite struct FamilyTypeTests {
    @Test func familyTypesFollowTheRule() throws {
        let db = try referenceDataOnly()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("family-types-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try RandomFamilies(seed: 31, participants: 120).write(to: folder)
        _ = try ExtractLoader(directory: folder).load(into: db)
        let oracle = try FamilyOracle(reading: db)
        var stored: [Int: String] = [:]
        for row in try db.execute("""
            SELECT e.person_id, \(PersonAttribute.familyType.sql(person: "ps", at: "e.start_date"))
            FROM ids.enrollments e JOIN ids.persons ps USING (person_id)
            """) { stored[try row.decode(at: 0)] = try row.decode(at: 1) }
        var seen: [String: Int] = [:]
        for enrollment in oracle.metrics.enrollments {
            let day = enrollment.start
            let relations = Set((oracle.edges[enrollment.personID] ?? []).filter { $0.from <= day && ($0.to.map { $0 >= day } ?? true) }.map(\.relation))
            let own: Set = ["child", "natural_child", "adopted_child", "step_child"]
            let expected = relations.contains("foster_child") ? "foster_care"
                : !relations.isDisjoint(with: own) ? (!relations.isDisjoint(with: ["partner", "spouse", "domestic_partner"]) ? "two_parents" : "single_parent")
                : !relations.isDisjoint(with: ["ward", "grandchild"]) ? "kinship_care" : "no_children"
            #expect(stored[enrollment.personID] == expected, "participant \(enrollment.personID)")
            seen[expected, default: 0] += 1
        }
        #expect(seen.count == 5, "every family type occurs: \(seen)")
    }
}

/// The naive walk: for each participant, the edges valid on the index date (the participant
/// too, for a household), the relatives' ages counted in whole years, each relative's events
/// measured day by day over the participant's window, and the values aggregated.
struct FamilyOracle {
    struct Edge { let person: Int, relative: Int, relation: String, from: LocalDate, to: LocalDate?, evidence: String }

    let metrics: MetricOracle
    let edges: [Int: [Edge]]
    let births: [Int: LocalDate]

    init(reading db: PostgresConnection) throws {
        metrics = try MetricOracle(reading: db)
        var edges: [Int: [Edge]] = [:]
        for row in try db.execute("SELECT person_id, relative_id, relation, valid_from::text, valid_to::text, evidence FROM ids.relationships") {
            let edge = Edge(person: try row.decode(at: 0), relative: try row.decode(at: 1), relation: try row.decode(at: 2),
                            from: LocalDate(iso: try row.decode(String.self, at: 3))!, to: try row.decode(String?.self, at: 4).flatMap { LocalDate(iso: $0) },
                            evidence: try row.decode(at: 5))
            edges[edge.person, default: []].append(edge)
        }
        self.edges = edges
        var births: [Int: LocalDate] = [:]
        for row in try db.execute("SELECT person_id, birth_date::text FROM ids.persons WHERE birth_date IS NOT NULL") {
            births[try row.decode(at: 0)] = LocalDate(iso: try row.decode(String.self, at: 1))!
        }
        self.births = births
    }

    static func wholeYears(from birth: LocalDate, to day: LocalDate) -> Int {
        let (b, d) = (birth.components, day.components)
        return d.year - b.year - ((d.month, d.day) < (b.month, b.day) ? 1 : 0)
    }

    func values(contract: OutcomeContract, metric: MetricDefinition, period: ReportingPeriod) -> [Int: FamilyMetricTests.Stored] {
        let selection = metric.relatives!
        let codes = selection.relations.edgeCodes
        var result: [Int: FamilyMetricTests.Stored] = [:]
        for (person, enrollment) in metrics.participants(contract) {
            guard let window = metrics.countedWindow(contract: contract, metric: metric, enrollment: enrollment, period: period, selected: [])
            else { continue }
            let index = enrollment.start
            var relatives = Set<Int>()
            for edge in edges[person] ?? [] where codes.contains(edge.relation)
                && (selection.evidence.isEmpty || selection.evidence.map(\.rawValue).contains(edge.evidence))
                && edge.from <= index && (edge.to.map { $0 >= index } ?? true) {
                relatives.insert(edge.relative)
            }
            if selection.relations.includesParticipant { relatives.insert(person) }
            if let ages = selection.ageAtIndex {
                relatives = relatives.filter { births[$0].map { ages.contains(Self.wholeYears(from: $0, to: index)) } ?? false }
            }
            let ids = relatives.sorted()
            let values = ids.map { relative in
                metrics.measure(metric.measure, window, (metrics.events[relative] ?? []).filter { metrics.select($0, metric.events) },
                                contract.dataThrough)!
            }
            let achieved = values.filter { $0 != 0 }.count
            let aggregated: Decimal = switch selection.aggregate {
            case .any: achieved > 0 ? 1 : 0
            case .all: achieved == ids.count ? 1 : 0
            case .sum: values.reduce(0, +)
            case .mean: values.isEmpty ? 0 : values.reduce(0, +) / Decimal(values.count)
            case .count: Decimal(achieved)
            case .number: Decimal(ids.count)
            }
            let value: Decimal? = ids.isEmpty && selection.aggregate != .number ? nil : aggregated
            result[person] = .init(value: value, relatives: ids.count, ids: ids, values: values)
        }
        return result
    }
}
