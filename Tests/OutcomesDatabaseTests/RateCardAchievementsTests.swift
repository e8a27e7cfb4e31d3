import Foundation
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase
@testable import OutcomesDomain

/// Which lines' outcomes each participant achieved is one rule with two renderings: a payment
/// run evaluates it in PostgreSQL (`PaymentInputs.achievementsQuery`), and `RateCard.achievements`
/// gives it in Swift to the tests and scenarios built from values. By hand, then on random cards
/// and values (NULLs, missing rows and ties with thresholds included), the two agree.
@Suite(.serialized) struct RateCardAchievementsTests {
    struct Row: Equatable, CustomStringConvertible {
        let period: String
        let person: Int
        let provider: String
        let lines: UInt64
        let precondition: Bool
        var description: String { "\(period)/\(person)/\(provider): \(String(lines, radix: 2)) \(precondition)" }
    }

    /// A migrated database whose stored results take rows written by hand (a default partition).
    static func database() throws -> PostgresConnection {
        let (db, _) = try TestDatabase.fresh()
        try db.execute("CREATE TABLE metrics.handmade_results PARTITION OF metrics.person_results DEFAULT")
        return db
    }

    static func store(_ outcomes: [PeriodOutcomes], contract: String, on db: PostgresConnection) throws {
        let rows = outcomes.flatMap { period in period.outcomes.map { (period.period, $0) } }
        try db.execute("""
            INSERT INTO metrics.person_results (person_id, contract_id, metric_id, period, enrollment_id, provider_id, window_start,
                                                window_end, value, load_id, result_set)
            SELECT r.person, \(contract), r.metric, r.period, r.person, r.provider, DATE '2021-01-01', DATE '2021-12-31', r.value, 1, 0
            FROM unnest(\(rows.map { $0.1.personID })::bigint[], \(rows.map { $0.1.metricID })::text[], \(rows.map { $0.0 })::text[],
                        \(rows.map { $0.1.providerID })::text[], \(rows.map { $0.1.value })::numeric[])
                AS r(person, metric, period, provider, value)
            """)
    }

    static func sql(_ card: RateCard, contract: String, periods: [String], on db: PostgresConnection) throws -> [Row] {
        try db.execute(PaymentInputs.achievementsQuery(card, contract: contract, periods: periods)).map {
            Row(period: try $0.decode(at: 0), person: try $0.decode(at: 1), provider: try $0.decode(at: 2),
                lines: UInt64(bitPattern: Int64(try $0.decode(Int.self, at: 3))), precondition: try $0.decode(at: 4))
        }.sorted { ($0.period, $0.person) < ($1.period, $1.person) }  // the query leaves the order to its reader
    }

    /// By period, then participant.
    static func swift(_ card: RateCard, _ outcomes: [PeriodOutcomes]) -> [Row] {
        outcomes.flatMap { period in
            card.achievements(period).participants.map {
                Row(period: period.period, person: $0.personID, provider: $0.providerID, lines: $0.lines, precondition: $0.precondition)
            }
        }.sorted { ($0.period, $0.person) < ($1.period, $1.person) }
    }

    static func line(_ id: String, _ metric: String, _ condition: AmountCondition) -> RateCard.Line {
        RateCard.Line(id: id, outcome: OutcomeTest(metricID: metric, condition: condition), pricing: .flat(Money(100, Currency(code: "USD")!)),
                      recurs: false, requires: [], cap: nil)
    }

    @Test func byHand() throws {
        let db = try Self.database()
        let card = RateCard(precondition: OutcomeTest(metricID: "engaged", condition: AmountCondition(.greater, 0)),
                            lines: [Self.line("any", "housed", AmountCondition(.greater, 0)), Self.line("none", "jailed", AmountCondition(.equal, 0)),
                                    Self.line("long", "housed", AmountCondition(.greaterOrEqual, 2))],
                            exclusiveGroups: [], caps: .init(), tiersCountPer: .provider)
        func outcome(_ person: Int, _ metric: String, _ value: Decimal?) -> ParticipantOutcome {
            ParticipantOutcome(personID: person, providerID: "p", metricID: metric, value: value)
        }
        let outcomes = [PeriodOutcomes(period: "2021", outcomes: [
            outcome(1, "housed", 2), outcome(1, "jailed", 0), outcome(1, "engaged", nil),  // every line; NULL meets no precondition
            outcome(2, "housed", 0), outcome(2, "jailed", nil), outcome(2, "engaged", 1),  // none (NULL is not 0); engaged
            outcome(3, "housed", 1), outcome(3, "jailed", 3),  // the first line only; no engagement row
            outcome(4, "other", 1),  // no metric of the card: not read
        ])]
        try Self.store(outcomes, contract: "by-hand", on: db)
        #expect(try Self.sql(card, contract: "by-hand", periods: ["2021"], on: db) == [
            Row(period: "2021", person: 1, provider: "p", lines: 0b111, precondition: false),
            Row(period: "2021", person: 2, provider: "p", lines: 0b000, precondition: true),
            Row(period: "2021", person: 3, provider: "p", lines: 0b001, precondition: false),
        ])
        // The Swift rendering reads the same rows (a participant with none of the card's metrics is no one's concern).
        #expect(Self.swift(card, outcomes).filter { $0.person != 4 } == (try Self.sql(card, contract: "by-hand", periods: ["2021"], on: db)))
    }

    @Test func theSQLAndTheSwiftRenderingAgreeOnRandomCardsAndValues() throws {
        let db = try Self.database()
        var random = SeededGenerator(seed: 20261204)
        let metrics = ["m0", "m1", "m2", "m3"], periods = ["before", "2021", "2022"]
        // Few distinct values, so ties with the thresholds are common.
        func decimal() -> Decimal { Decimal(Int.random(in: -3...3, using: &random)) / Decimal([1, 2, 4].randomElement(using: &random)!) }
        func condition() -> AmountCondition { AmountCondition(AmountCondition.Comparison.allCases.randomElement(using: &random)!, decimal()) }
        var rows = 0, bits = 0, none = 0, preconditions = 0
        for round in 0..<30 {
            let contract = "random-\(round)"
            let lines = (0..<Int.random(in: 1...8, using: &random)).map { Self.line("l\($0)", metrics.randomElement(using: &random)!, condition()) }
            let precondition = Bool.random(using: &random) ? OutcomeTest(metricID: metrics.randomElement(using: &random)!, condition: condition()) : nil
            let card = RateCard(precondition: precondition, lines: lines, exclusiveGroups: [], caps: .init(), tiersCountPer: .provider)
            let read = Set(lines.map(\.outcome.metricID) + (precondition.map { [$0.metricID] } ?? []))
            // Rows of the card's metrics, as a metrics run stores them, now and then one missing or NULL.
            let outcomes = periods.map { period in
                PeriodOutcomes(period: period, outcomes: (1...20).flatMap { person in
                    read.sorted().compactMap { metric in
                        Int.random(in: 0..<8, using: &random) == 0 ? nil
                            : ParticipantOutcome(personID: person, providerID: "p\(person % 3)", metricID: metric,
                                                 value: Int.random(in: 0..<6, using: &random) == 0 ? nil : decimal())
                    }
                })
            }
            try Self.store(outcomes, contract: contract, on: db)
            let sql = try Self.sql(card, contract: contract, periods: periods, on: db)
            #expect(sql == Self.swift(card, outcomes), "round \(round)")
            rows += sql.count
            bits += sql.reduce(0) { $0 + $1.lines.nonzeroBitCount }
            none += sql.filter { $0.lines == 0 }.count
            preconditions += sql.filter(\.precondition).count
        }
        // The sample exercises achieved and not achieved alike.
        #expect(rows > 1000 && bits > 1000 && none > 100 && preconditions > 100)
    }
}
