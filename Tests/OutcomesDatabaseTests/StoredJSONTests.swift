import Foundation
import OutcomesStatistics
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase
@testable import OutcomesDomain

/// The stored JSON, now `Codable` documents, is what the program stored before: a determination's
/// `detail` (sealed with its run) and a comparison run's columns are the same jsonb, a scenario's
/// results the same text (its `results_sha256` hashes it), and what was stored reads back as the
/// document it came from.
@Suite(.serialized) struct StoredJSONTests {
    static let usd = Currency(code: "USD")!
    static func money(_ text: String) -> Money { Money(Decimal(string: text)!, usd) }

    /// The jsonb PostgreSQL stores for the old text and for the document, as it prints them.
    func stored<Value: Encodable>(_ legacy: String, _ document: Value, on db: PostgresConnection) throws -> (legacy: String, now: String) {
        let row = try db.execute("SELECT \(legacy)::jsonb::text, (\(try PostgresJSON(document)))::text")[0]
        return (try row.decode(at: 0), try row.decode(at: 1))
    }

    func readBack<Value: Decodable>(_ legacy: String, as type: Value.Type, on db: PostgresConnection) throws -> Value {
        try db.execute("SELECT \(legacy)::jsonb").scalar(PostgresJSON<Value>.self).value
    }

    /// Every branch of the detail: pooled and split, weighted, a condition and its relation, stored
    /// comparison runs, brackets open and closed, caps; a baseline without improvement; a clawback.
    static var determinations: [Determination] {
        let weighted = GroupFigure(participants: 3, total: 124, count: 4, weightDenominator: 2)
        let split = PooledSplit(rule: .byParticipants, earned: money("5700"), payable: money("5700"), shares: [
            .init(provider: "hearth", participants: 1, earned: money("1900"), payable: money("1900")),
            .init(provider: "keystone/north", participants: 2, earned: money("3800"), payable: money("3800")),
        ])
        let effect = Determination(
            lineID: "fewer_jail_days", mechanism: .effect, cohort: "2021", provider: "keystone/north",
            treated: GroupFigure(participants: 3, total: 15, count: 3), basis: .matchedGroup, comparison: weighted,
            improvement: ExactRatio(100, 3), threshold: 10, finding: .met,
            steps: [PricingStep(from: 10, to: 20, units: ExactRatio(10), price: money("100"), amount: ExactRatio(3000)),
                    PricingStep(from: 20, to: nil, units: ExactRatio(40, 3), price: money("50.5"), amount: ExactRatio(2020, 3))],
            scale: 3, earned: money("3800"), payable: money("3500.25"),
            reasons: [.cap(.line("fewer_jail_days"), cap: money("3500.25"), payable: money("3500.25"), before: money("3800")),
                      .lessEarnedByCohorts(money("12.5"))],
            condition: AmountCondition(.greaterOrEqual, 10), split: split, comparisonRuns: ["2021": 7, "all periods": 12])
        let savings = Determination(
            lineID: "jail_savings", mechanism: .savingsShare, cohort: Determination.allPeriods, provider: "",
            treated: GroupFigure(participants: 0, total: 0, count: 0), basis: .baseline(30), comparison: nil, improvement: nil,
            threshold: nil, finding: .notMeasurable, steps: [], scale: 1, earned: money("0"), payable: money("0"), reasons: [])
        let clawback = Determination(
            lineID: "reconvictions", mechanism: .clawback, cohort: "2022", provider: "hearth",
            treated: GroupFigure(participants: 7, total: 1, count: 7), basis: .controlArm, comparison: GroupFigure(participants: 9, total: 2, count: 9),
            improvement: ExactRatio(1, 7), threshold: Decimal(string: "0.05")!, finding: .targetMissed,
            steps: [PricingStep(from: 0, to: nil, units: ExactRatio(1), price: money("-700"), amount: ExactRatio(-700))],
            scale: 1, earned: money("-700"), payable: money("-700"), reasons: [], condition: AmountCondition(.lessOrEqual, Decimal(string: "0.05")!))
        return [effect, savings, clawback]
    }

    static let scenario = """
        scenario: stored
        contract: housing-2021
        base_year: 2024
        price_index: {2020: 100, 2024: 110}
        discount_rate: 0.05
        horizon: 5
        timing: end_of_period
        cost_per_participant: {amount: 1000, low: 800, high: 1300, year: 2024}
        effects:
          - {outcome: shelter_entries_12m, estimate: -0.5, std_error: 0.1, decay: 0.5, years: 3}
        unit_values:
          - {outcome: shelter_entries_12m, perspective: taxpayers, value: -2000, year: 2020}
          - {outcome: shelter_entries_12m, perspective: participants, value: -500, low: -700, high: -400, year: 2020}
        draws: 500
        seed: 11
        variants:
          - {name: effects at the lower bound, effects_at: lower}
          - {name: free, cost_per_participant: 0}
        """

    @Test func aDeterminationsDetailIsStoredAsBefore() throws {
        let (db, _) = try TestDatabase.fresh(migrated: false)
        for determination in Self.determinations {
            let legacy = try LegacyJSON.detail(determination)
            // The text itself, in Foundation's key order, is the old text byte for byte …
            #expect(try SortedJSON.text(determination.detail) == legacy)
            // … and what PostgreSQL stores (and seals) from the bound document is the same jsonb.
            let (old, now) = try stored(legacy, determination.detail, on: db)
            #expect(old == now, "\(determination.lineID)")
            #expect(try readBack(legacy, as: DeterminationDetail.self, on: db) == determination.detail)
        }
    }

    /// A scenario with a provider's group, variants (one free: no ratio), projected payments whose
    /// cap scopes sort differently by bytes and by Foundation's order, and terms left out.
    @Test func aScenariosResultsKeepTheirTextAndSoTheirHash() throws {
        let definition = try ScenarioDefinition.parse(yaml: Self.scenario, file: "s.yaml")
        let effect = ScenarioRun.ResolvedEffect(outcome: "shelter_entries_12m", estimate: -0.5, standardError: 0.1)
        let run = ScenarioRun(definition, effects: [nil: [effect], "hearth/north": [effect]])
        func key(_ provider: String, _ period: String) -> PaymentProjection.Key { .init(provider: provider, period: period) }
        let scopes: [PaymentProjection.Cap] = [.scope(.line("L10")), .scope(.line("L2")), .scope(.line("a_b")), .scope(.line("a1")),
                                               .scope(.contract), .scope(.providerAllMechanisms("Hearth")), .providerCap]
        let draws = (0..<40).map { index in
            PaymentProjection.Draw(owed: [key("hearth/north", "2021"): Decimal(index) * Decimal(string: "12.34")!, key("keystone", "2022"): Decimal(500 - index)],
                                   capsBound: Set(scopes.indices.filter { index % ($0 + 2) == 0 }.map { scopes[$0] }))
        }
        let expected = PaymentProjection.Draw(owed: [key("hearth/north", "2021"): Decimal(string: "240.63")!, key("keystone", "2022"): 480], capsBound: [])
        let payments = PaymentProjection.summarize(expected: expected, draws: draws)
        let variants = [(name: "prices a tenth higher", summary: PaymentProjection.summarize(expected: expected, draws: Array(draws.prefix(10))), participants: 41)]
        let leftOut: [PaymentProjection.LeftOutTerm] = [.milestoneNotAttested(id: "enrolled", period: "2021", amount: Self.money("1000")),
                                                        .periodNotProjected(id: "rearrest", period: "2023")]
        let document = ScenarioResultsDocument(run, payments: payments, paymentVariants: variants, leftOut: leftOut)
        let legacy = try LegacyJSON.scenario(run, payments: payments, paymentVariants: variants, leftOut: leftOut)
        // Foundation's order: digits compared as numbers, so line:L2 before line:L10 (byte order would swap them).
        let (l2, l10) = (legacy.range(of: "\"line:L2\"")!, legacy.range(of: "\"line:L10\"")!)
        // The stored bytes are the subject: their hash is sealed.
        #expect(legacy.contains("\"cap_binds\":{\"contract\"") && l2.lowerBound < l10.lowerBound && legacy.contains("null"))
        #expect(try SortedJSON.text(document) == legacy)
        #expect(SHA256.hex(try SortedJSON.text(document)) == SHA256.hex(legacy))

        let (db, _) = try TestDatabase.fresh(migrated: false)
        let (old, now) = try stored(legacy, document, on: db)
        #expect(old == now)
        #expect(try readBack(legacy, as: ScenarioResultsDocument.self, on: db) == document)
        // A run stored before households were a perspective has no such key: it reads as 0.
        func withoutHouseholds(_ value: Any) -> Any {
            if let object = value as? [String: Any] {
                return object.filter { $0.key != "households" }.mapValues(withoutHouseholds)
            }
            if let array = value as? [Any] { return array.map(withoutHouseholds) }
            return value
        }
        let older = try JSONSerialization.data(withJSONObject: withoutHouseholds(try JSONSerialization.jsonObject(with: Data(legacy.utf8))))
        #expect(!String(decoding: older, as: UTF8.self).contains("households") && legacy.contains("\"households\""))
        let read = try JSONDecoder().decode(ScenarioResultsDocument.self, from: older)
        #expect(try SortedJSON.text(read) == legacy, "the older run reads back with households 0, as this run has it")
        // Without payments, neither payments key is written.
        let plain = ScenarioResultsDocument(run, payments: nil, paymentVariants: [])
        #expect(try SortedJSON.text(plain) == LegacyJSON.scenario(run, payments: nil, paymentVariants: []))
    }

    @Test(arguments: [EvaluationSpec.Method.weighting, .nearest, .ebal])
    func aComparisonRunsColumnsAreStoredAsBefore(_ method: EvaluationSpec.Method) throws {
        let rows: [(group: String?, x: Double, y: Double)] = [("A", 4, 3), ("A", 6, 1), ("A", 5, 2), ("B/2", 1, 7), ("B/2", 3, 4),
                                                              (nil, 0, 9), (nil, 2, 5), (nil, 3, 8), (nil, 4, 2), (nil, 5, 6), (nil, 6, 1), (nil, 1, 4)]
        let table = EvaluationTable(ids: rows.indices.map { "\($0 + 1)" }, treated: rows.map { $0.group != nil }, groups: rows.map(\.group),
                                    columns: ["x": .numeric(rows.map(\.x)), "y": .numeric(rows.map(\.y))], source: "a test table")
        var spec = EvaluationSpec(covariates: ["x"], outcomes: [.init(name: "y")])
        spec.method = method
        let result = try Evaluation.run(spec, on: table)
        let legacy = try LegacyJSON.Evaluation(result), document = EvaluationRunDocument(result)
        let (db, _) = try TestDatabase.fresh(migrated: false)
        let columns: [(String, String, any Encodable)] = [
            ("design", legacy.design, document.design), ("sample_sizes", legacy.sampleSizes, document.sampleSizes),
            ("estimates", legacy.estimates, document.estimates), ("balance", legacy.balance, document.balance),
            ("propensity_model", legacy.propensityModel, document.propensityModel), ("warnings", legacy.warnings, document.warnings),
        ]
        for (name, old, value) in columns {
            let (before, now) = try stored(old, value, on: db)
            #expect(before == now, "\(name)")
        }
        #expect(try readBack(legacy.estimates, as: [EvaluationRunDocument.Estimate].self, on: db) == document.estimates)
        #expect(try readBack(legacy.balance, as: EvaluationRunDocument.Balance.self, on: db) == document.balance)
    }
}
