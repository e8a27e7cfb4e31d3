import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// `outcomes compare` against the IDS: a stored matched comparison group that an effect line
/// pays against, and a comparison that cannot be made storing nothing.
@Suite(.serialized) struct ComparisonRunTests {
    static let evaluation = """
        evaluation: housing-matched-test
        contract: housing-2021
        pool:
          eligibility: {domain: shelter}
          intake: {from: 2019-01-01, to: 2020-12-31}
          min_days: 14
          index_date: participants
          seed: 7
        covariates:
          - {id: shelter_days_2019_2020, measure: days_covered, domain: shelter, window: {anchor: date, date: 2019-01-01, from: 0 days, to: 729 days}}
          - {id: any_jail_2019_2020, measure: any, domain: jail, window: {anchor: date, date: 2019-01-01, from: 0 days, to: 729 days}}
          - {id: shelter_entries_12m_before, measure: count, domain: shelter, window: {anchor: index_date, from: -12 months, to: -1 day}}
          - age
        outcomes: [any_shelter_12m]
        caliper: 0.2
        """

    @Test func anEffectLinePaysAgainstAStoredMatchedComparison() throws {
        let matched = DeterminationRunTests.shared.replacingOccurrences(of: "shared_control_group", with: "matched_group")
        let (db, stored) = try DeterminationRunTests().prepared(matched, persons: 4_000)
        let definition = try EvaluationDefinition.parse(yaml: Self.evaluation, file: "evaluation.yaml")
        var runner = ComparisonRunner(definition: definition, text: Self.evaluation, stored: stored, period: stored.contract.period("2021"),
                                      source: .pool)
        runner.storeComparison = true
        let comparison = try runner.run(on: db)
        // The inputs' hash is over the table as read, a line per unit: person, treated, provider,
        // index date and each covariate and outcome as Swift writes a number, tab-separated. Written
        // here as the first release wrote it, so a rerun hashes the same inputs the same way.
        let table = comparison.table
        let names = ["shelter_days_2019_2020", "any_jail_2019_2020", "shelter_entries_12m_before", "age", "any_shelter_12m"]
        var lines = SHA256()
        for unit in table.ids.indices {
            var line = "\(table.ids[unit])\t\(table.treated[unit])\t\(table.groups[unit] ?? "")\t\(table.indexDates[unit])"
            for name in names {
                guard case .numeric(let values) = table.columns[name] else { Issue.record("\(name) is not numeric"); return }
                line += "\t\(values[unit])"
            }
            lines.update(line + "\n")
        }
        #expect(table.count > 100)
        #expect(comparison.inputsSHA256 == lines.hexDigest())
        let run = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        guard case .posted = run.outcome else { Issue.record("not posted: \(run.outcome)"); return }

        // The oracle: each stored matched control, under its participant's provider, with its own
        // shelter history in the 12 months after its index date read straight from the events.
        var expected: [String: (Int, Int)] = [:]
        for row in try db.execute("""
            SELECT t.provider_id,
                   EXISTS (SELECT 1 FROM ids.events ev WHERE ev.person_id = c.person_id AND ev.domain = 'shelter'
                             AND ev.start_date <= (c.index_date + interval '12 months')::date
                             AND coalesce(ev.end_date, '2024-12-31') >= c.index_date + 1)
            FROM evaluation.run_units c
            JOIN evaluation.run_units t ON t.run_id = c.run_id AND t.subclass = c.subclass AND t.treated
            WHERE c.run_id = \(comparison.runID) AND NOT c.treated
            """) {
            let provider: String = try row.decode(at: 0), any: Bool = try row.decode(at: 1)
            expected[provider, default: (0, 0)].0 += 1
            if any { expected[provider]!.1 += 1 }
        }
        let determinations = run.determinations.filter { $0.cohort == "2021" }
        #expect(determinations.count == 2 && expected.count == 2)
        for determination in determinations {
            let (members, withShelter) = try #require(expected[determination.provider])
            #expect(determination.basis == .matchedGroup)
            // 1:1 without replacement: each control weighs 1.
            #expect(determination.comparison == GroupFigure(participants: members, total: Decimal(withShelter), count: members, weightDenominator: 1))
        }
        // One control per matched participant, each once.
        let sizes = comparison.result.sampleSizes
        #expect(sizes.matched.control == sizes.matched.treated && sizes.matched.control == Double(expected.values.reduce(0) { $0 + $1.0 }))
        #expect(try db.execute("SELECT count(DISTINCT person_id) = count(*) FROM metrics.person_results WHERE contract_id = 'housing-2021@matched' AND metric_id = 'any_shelter_12m'").scalar(Bool.self))

        // The run is on record with what it used.
        let record = try db.execute("""
            SELECT version, contract_sha256, load_id, spec_sha256, inputs_sha256, stored_comparison FROM evaluation.runs WHERE run_id = \(comparison.runID)
            """)[0]
        #expect(try record.decode(Int.self, at: 0) == stored.version && record.decode(String.self, at: 1) == stored.fileSHA256)
        #expect(try record.decode(String.self, at: 3) == SHA256.hex(Self.evaluation) && record.decode(String.self, at: 4) == comparison.inputsSHA256)
        #expect(try record.decode(Bool.self, at: 5))

        // Another matched group (index dates drawn with another seed) is another input of the payment run.
        let reseeded = Self.evaluation.replacingOccurrences(of: "seed: 7", with: "seed: 8")
        var again = ComparisonRunner(definition: try EvaluationDefinition.parse(yaml: reseeded, file: "evaluation.yaml"), text: reseeded,
                                     stored: stored, period: stored.contract.period("2021"), source: .pool)
        again.storeComparison = true
        _ = try again.run(on: db)
        let rerun = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        #expect(rerun.inputsSHA256 != run.inputsSHA256)
        #expect(rerun.outcome != .noChange)
    }

    @Test func aComparisonThatCannotBeMadeStoresNothing() throws {
        let (db, stored) = try DeterminationRunTests().prepared(EffectPaymentRunTests.contract, persons: 1_500)
        let impossible = Self.evaluation.replacingOccurrences(of: "caliper: 0.2", with: "caliper: 0.0000001")
        let definition = try EvaluationDefinition.parse(yaml: impossible, file: "evaluation.yaml")
        var runner = ComparisonRunner(definition: definition, text: impossible, stored: stored, period: stored.contract.period("2021"), source: .pool)
        runner.design.exact = ["age"]  // one participant finds a control: one matched set cannot give a clustered SE
        runner.storeComparison = true
        let refused = #expect(throws: EvaluationError.self) { _ = try runner.run(on: db) }
        #expect(refused == .design(.effect(outcome: "any_shelter_12m", .tooLittleData, .cr1)), "\(refused?.message ?? "none")")
        #expect(try db.execute("SELECT count(*) FROM evaluation.runs").scalar(Int.self) == 0)
        #expect(try db.execute("SELECT count(*) FROM metrics.computed_periods WHERE contract_id = 'housing-2021@matched'").scalar(Int.self) == 0)
        #expect(try db.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'evaluation' AND tablename LIKE 'w%'").scalar(Int.self) == 0)
        // An outcome the contract does not measure is named.
        let unknown = try EvaluationDefinition.parse(yaml: Self.evaluation.replacingOccurrences(of: "[any_shelter_12m]", with: "[housed_24m]"), file: "e.yaml")
        let error = #expect(throws: EvaluationError.self) {
            _ = try ComparisonRunner(definition: unknown, text: "", stored: stored, period: nil, source: .pool).run(on: db)
        }
        guard case .design(.outcomeNotAMetric(let outcome, let contract, let metrics))? = error else { Issue.record("\(error?.message ?? "")"); return }
        #expect(outcome == "housed_24m" && contract == "housing-2021" && metrics.contains("any_shelter_12m") && !metrics.contains(outcome))
    }
}
