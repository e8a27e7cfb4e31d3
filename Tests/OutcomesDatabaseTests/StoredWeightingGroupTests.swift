import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// `compare --store-comparison` for the weighting designs: a coarsened-exact-matching group and an
/// entropy-balancing group stored with each provider's own weights to 1e-9, paid against with
/// amounts worked out by hand (CEM: counts per stratum; ebal: the closed form of one covariate
/// with three values), `payments verify --recompute` passing on those runs, a weighted group
/// replacing the period's matched one, the lcm with a nearest-neighbour group of another period,
/// and the refusals: aipw, the ATE, denominators no int64 holds.
@Suite(.serialized) struct StoredWeightingGroupTests {
    static func evaluation(_ design: String, covariates: String, intake: String = "2021") -> String {
        """
        evaluation: jail-weighted
        contract: housing-2021
        pool:
          eligibility: {domain: shelter}
          intake: {from: \(intake)-01-01, to: \(intake)-12-31}
          min_days: 1
          index_date: first_eligibility
        covariates: [\(covariates)]
        outcomes: [jail_days_12m]
        \(design)
        """
    }

    /// (person, birth year, sex, provider — nil for a pool member —, enrolled or eligible on, jail days from a month later)
    typealias Person = (id: Int, born: Int, sex: String, provider: String?, date: String, jailDays: Int)

    func prepared(_ people: [Person], contract: String = WeightedMatchedGroupTests.contract) throws -> (PostgresConnection, StoredContract) {
        let db = try referenceDataOnly()
        var events = HandcraftedEvents(db)
        func add(_ person: Int, _ domain: String, _ type: String, _ from: String, _ to: String) throws {
            try events.add(person, domain, type, from, to)
        }
        for person in people {
            try db.execute("INSERT INTO ids.persons (person_id, birth_year, sex) VALUES (\(person.id), \(person.born), \(person.sex))")
            if let provider = person.provider {
                try db.execute("""
                    INSERT INTO ids.enrollments (person_id, enrollment_id, program_id, provider_id, contract_id, start_date, end_date)
                    VALUES (\(person.id), \(person.id), 'housing', \(provider), 'housing-2021', \(person.date)::date, (\(person.date)::date + 300))
                    """)
            } else {
                try add(person.id, "shelter", "emergency_shelter", person.date, person.date)
            }
            if person.jailDays > 0 {
                let start = LocalDate(iso: person.date)!.adding(days: 31)
                try add(person.id, "jail", "booking", start.description, start.adding(days: person.jailDays - 1).description)
            }
        }
        let stored = try ContractStore.loadStored(text: contract, file: "weighted.yaml", on: db)
        for period in stored.contract.periods { try MetricsRunner(stored: stored).run(period: period, on: db) }
        return (db, stored)
    }

    func store(_ text: String, _ stored: StoredContract, period: String = "2021", on db: PostgresConnection) throws -> ComparisonRunner.Outcome {
        var runner = ComparisonRunner(definition: try EvaluationDefinition.parse(yaml: text, file: "evaluation.yaml"), text: text,
                                      stored: stored, period: stored.contract.period(period), source: .pool)
        runner.storeComparison = true
        return try runner.run(on: db)
    }

    func weights(_ runID: Int, _ db: PostgresConnection) throws -> [String] {
        try db.execute("""
            SELECT person_id::int, provider_id, weight, weight_denominator FROM evaluation.matched_weights
            WHERE run_id = \(runID) ORDER BY person_id, provider_id
            """).map { "\(try $0.decode(Int.self, at: 0)) \(try $0.decode(String.self, at: 1)) \(try $0.decode(Int.self, at: 2))/\(try $0.decode(Int.self, at: 3))" }
    }

    func figure(_ run: PaymentRunResult, _ line: String, _ provider: String, cohort: String = "2021") throws -> Determination {
        try #require(run.determinations.first { $0.lineID == line && $0.provider == provider && $0.cohort == cohort })
    }

    static func usd(_ amount: String) -> Money { Money(Decimal(string: amount)!, Currency(code: "USD")!) }
    static let billion = 1_000_000_000

    /// WeightedMatchedGroupTests' eight people: participants 1 (F, hearth), 2 (M, keystone), 3 (F,
    /// keystone); pool 11–14 (F), 15 (M); all enrolled or eligible on 2021-03-01.
    static let eight: [Person] = WeightedMatchedGroupTests.people.map { person, sex, provider, jail in
        (person, 1985, sex, provider, "2021-03-01", jail)
    }

    @Test func aCEMGroupReplacesTheMatchedOneAndPaysEachProviderAgainstItsOwnStrata() throws {
        let (db, stored) = try prepared(Self.eight)
        // The period's group was a 2:1 matched one (WeightedMatchedGroupTests: 1,000 and 4,700; together 1,900 and 3,800).
        let matched = try store(Self.evaluation("ratio: 2\nexact: [sex]", covariates: "sex"), stored, on: db)
        let first = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        #expect(try figure(first, "fewer_jail_days", "keystone").earned == Self.usd("4700"))
        #expect(try figure(first, "fewer_jail_days", "keystone").comparisonRuns == ["2021": matched.runID])

        // CEM on sex, each provider against the whole pool. hearth (participant 1, F): the women 11–14
        // weigh 1/4 each (1 participant over 4 controls), the man 15 nothing. keystone (2, M; 3, F): the
        // women 1/4 each, 15 weighs 1. Each provider's controls together weigh as its participants.
        let cem = try store(Self.evaluation("method: cem", covariates: "sex"), stored, on: db)
        #expect(cem.result.warnings.contains { if case .groupNotEstimated(group: "hearth", _) = $0 { true } else { false } },
                "hearth's one participant gives no HC3 standard error, yet its weights are stored: \(cem.result.warnings)")
        let quarter = "\(Self.billion / 4)/\(Self.billion)", whole = "\(Self.billion)/\(Self.billion)"
        #expect(try weights(cem.runID, db) == [
            "11 hearth \(quarter)", "11 keystone \(quarter)", "12 hearth \(quarter)", "12 keystone \(quarter)",
            "13 hearth \(quarter)", "13 keystone \(quarter)", "14 hearth \(quarter)", "14 keystone \(quarter)", "15 keystone \(whole)",
        ])
        // The period's <id>@matched results are the CEM group's now: one row per member and provider.
        #expect(try db.execute("""
            SELECT count(*) FROM metrics.person_results WHERE contract_id = 'housing-2021@matched' AND period = '2021' AND metric_id = 'jail_days_12m'
            """).scalar(Int.self) == 9)

        let second = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        guard case .posted = second.outcome else { Issue.record("not posted: \(second.outcome)"); return }
        // hearth: 0 days against (20 + 10 + 0 + 26) / 4 = 14: 14 × 100 × 1 = 1,400.
        let hearth = try figure(second, "fewer_jail_days", "hearth")
        #expect(hearth.comparison == GroupFigure(participants: 4, total: Decimal(14 * Self.billion), count: Self.billion, weightDenominator: Self.billion))
        #expect(hearth.earned == Self.usd("1400") && hearth.comparisonRuns == ["2021": cem.runID])
        // keystone: (10 + 5) / 2 = 7.5 against (56 / 4 + 44) / 2 = 29: 21.5 × 100 × 2 = 4,300.
        let keystone = try figure(second, "fewer_jail_days", "keystone")
        #expect(keystone.comparison == GroupFigure(participants: 5, total: Decimal(58 * Self.billion), count: 2 * Self.billion,
                                                   weightDenominator: Self.billion))
        #expect(keystone.improvement == ExactRatio(Decimal(string: "21.5")!) && keystone.earned == Self.usd("4300"))
        // Together: 15 / 3 = 5 against (14 + 58) / 3 = 24 — each provider's comparisons count as its participants:
        // 19 × 100 × 3 = 5,700, split 1 : 2.
        let together = try figure(second, "fewer_jail_days_together", "keystone")
        #expect(together.comparison?.value == ExactRatio(24) && together.split?.payable == Self.usd("5700") && together.payable == Self.usd("3800"))
        #expect(try WeightedMatchedGroupTests().ledger(db) == ["fewer_jail_days/hearth": 1400, "fewer_jail_days/keystone": 4300,
                                                               "fewer_jail_days_together/hearth": 1900, "fewer_jail_days_together/keystone": 3800])

        // A naive oracle from the stored run's units: per provider, each stratum (the run's subclass) counts
        // as many times as the provider has participants in it, at the mean of its controls' jail days.
        let jail = Dictionary(uniqueKeysWithValues: Self.eight.map { ($0.id, Decimal($0.jailDays)) })
        let units = try db.execute("SELECT person_id::int, treated, coalesce(provider_id, ''), subclass FROM evaluation.run_units WHERE run_id = \(cem.runID)")
            .map { (id: try $0.decode(Int.self, at: 0), treated: try $0.decode(Bool.self, at: 1), provider: try $0.decode(String.self, at: 2),
                    stratum: try $0.decode(Int.self, at: 3)) }
        for determination in [hearth, keystone] {
            var total = Decimal(0), count = Decimal(0)
            for stratum in Set(units.map(\.stratum)) {
                let participants = units.filter { $0.treated && $0.provider == determination.provider && $0.stratum == stratum }.count
                let controls = units.filter { !$0.treated && $0.stratum == stratum }.map { jail[$0.id]! }
                guard participants > 0 else { continue }
                total += Decimal(participants) * controls.reduce(0, +) / Decimal(controls.count)
                count += Decimal(participants)
            }
            #expect(determination.comparison?.value == ExactRatio(total, count), "\(determination.provider)")
        }

        // Both runs recompute from their sealed inputs; the second, whose group is still the stored one, is
        // also read again from the stored results.
        let verification = try ChainVerification.verify(on: db, recompute: true)
        #expect(verification.isIntact, "\(verification.breaks.map(\.detail))")
        #expect(verification.recomputed?.runs == 2 && verification.recomputed?.checkedAgainstResults == 1)

        // Refused, with nothing stored: AIPW (no single set of weights) and the ATE, both exit 64. (A provider
        // whose own weights cannot be made: WeightedGroupTests.)
        let runs = try db.execute("SELECT count(*) FROM evaluation.runs").scalar(Int.self)
        let aipw = #expect(throws: EvaluationError.self) { _ = try store(Self.evaluation("method: aipw", covariates: "sex"), stored, on: db) }
        #expect(aipw == .option("store-comparison", .storeNeedsOneSetOfWeights), "\(aipw?.message ?? "")")
        #expect(aipw?.exitStatus == .usage && aipw?.exitStatus.rawValue == 64)
        let ate = #expect(throws: EvaluationError.self) { _ = try store(Self.evaluation("method: cem\nestimand: ATE", covariates: "sex"), stored, on: db) }
        #expect(ate == .option("estimand", .storeNeedsATT) && ate?.exitStatus == .usage, "\(ate?.message ?? "")")
        #expect(try db.execute("SELECT count(*) FROM evaluation.runs").scalar(Int.self) == runs)
    }

    /// Entropy balancing on age alone, with three pool members aged 30, 31 and 32: weights
    /// proportional to rᵃᵍᵉ⁻³⁰ that bring the pool's mean age to the participants'. hearth's
    /// participants are 31 and 32 (target 31.5): (r + 2r²) / (1 + r + r²) = 1.5, r² − r − 3 = 0,
    /// r = (1 + √13) / 2. keystone's are 30 and 31 (target 30.5): 3s² + s − 1 = 0, s = (√13 − 1) / 6.
    static let ebalPeople: [Person] = [
        (1, 1990, "F", "hearth", "2021-03-01", 0), (2, 1989, "M", "hearth", "2021-03-01", 5),
        (3, 1991, "F", "keystone", "2021-03-01", 10), (4, 1990, "M", "keystone", "2021-03-01", 2),
        (11, 1991, "F", nil, "2021-03-01", 12), (12, 1990, "M", nil, "2021-03-01", 3), (13, 1989, "F", nil, "2021-03-01", 30),
        // 2022: two hearth participants and six pool members, matched 3:1 on age.
        (5, 1980, "F", "hearth", "2022-03-01", 7), (6, 1985, "M", "hearth", "2022-03-01", 1),
        (21, 1975, "F", nil, "2022-03-01", 4), (22, 1978, "M", nil, "2022-03-01", 8), (23, 1980, "F", nil, "2022-03-01", 15),
        (24, 1983, "M", nil, "2022-03-01", 16), (25, 1985, "F", nil, "2022-03-01", 23), (26, 1990, "M", nil, "2022-03-01", 42),
    ]

    /// With a line tested over every period too: its "all periods" figures sum both periods' weights.
    static let contractWithOverall = WeightedMatchedGroupTests.contract + """

            - id: fewer_jail_days_overall
              outcome: jail_days_12m
              better: lower
              improvement: absolute
              comparison: matched_group
              threshold: 0
              overall_threshold: 0
              per_participant: true
              per_unit: {units: fractional, counted_from: zero, brackets: [{from: 0, price: 100}]}
        """

    @Test func anEntropyBalancingGroupPaysAgainstItsRealWeightsToABillionth() throws {
        let (db, stored) = try prepared(Self.ebalPeople, contract: Self.contractWithOverall)
        let ebal = try store(Self.evaluation("method: ebal", covariates: "age"), stored, on: db)
        let r = (1 + 13.0.squareRoot()) / 2, s = (13.0.squareRoot() - 1) / 6
        // Each provider's three weights, scaled to its two participants, to 1e-9.
        func closedForm(_ ratio: Double) -> [Double] { (0..<3).map { 2 * pow(ratio, Double($0)) / (1 + ratio + ratio * ratio) } }
        let rows = try db.execute("SELECT person_id::int, provider_id, weight, weight_denominator FROM evaluation.matched_weights WHERE run_id = \(ebal.runID) ORDER BY 2, 1")
        #expect(rows.count == 6)
        for (row, expected) in zip(rows, closedForm(r) + closedForm(s)) {
            let (person, provider): (Int, String) = (try row.decode(at: 0), try row.decode(at: 1))
            let weight: Int = try row.decode(at: 2), denominator: Int = try row.decode(at: 3)
            #expect(denominator == Self.billion && abs(Double(weight) - expected * Double(Self.billion)) <= 1,
                    "\(person) \(provider): \(weight) against \(expected)")
        }

        let run = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        guard case .posted = run.outcome else { Issue.record("not posted: \(run.outcome)"); return }
        // The oracle: jail days 12, 3, 30 at ages 30, 31, 32, weighted 1 : r : r².
        func mean(_ ratio: Double) -> Double { (12 + 3 * ratio + 30 * ratio * ratio) / (1 + ratio + ratio * ratio) }
        func cents(_ value: Double) -> Decimal { Decimal(string: String(format: "%.2f", value))! }
        let oracle = ["hearth": mean(r) - 2.5, "keystone": mean(s) - 6]
        for (provider, improvement) in oracle {
            let determination = try figure(run, "fewer_jail_days", provider)
            let found = NSDecimalNumber(decimal: try #require(determination.improvement).rounded(scale: 12)).doubleValue
            #expect(abs(found - improvement) < 1e-7, "\(provider): \(found) against \(improvement)")
            #expect(determination.earned.amount == cents(improvement * 100 * 2), "\(provider): \(determination.earned) against \(improvement * 200)")
            #expect(determination.comparison?.weightDenominator == Self.billion)
        }
        // Together: every provider's comparisons weigh as its two participants: (m_h + m_k) / 2 against 17 / 4.
        let together = try figure(run, "fewer_jail_days_together", "hearth")
        let pooled = (mean(r) + mean(s)) / 2 - 4.25
        #expect(abs(NSDecimalNumber(decimal: together.improvement!.rounded(scale: 12)).doubleValue - pooled) < 1e-7)
        #expect(together.split?.earned.amount == cents(pooled * 100 * 4))

        // 2022's group is matched 3:1 (weights in thirds): a 2022 run reads both periods' groups over
        // lcm(10⁹, 3) = 3 × 10⁹.
        let nearest = try store(Self.evaluation("ratio: 3\nse: HC3", covariates: "age", intake: "2022"), stored, period: "2022", on: db)
        #expect(try weights(nearest.runID, db) == (21...26).map { "\($0) hearth 1/3" })
        let later = try PaymentRunner(stored: stored).run(period: "2022", on: db)
        guard case .posted = later.outcome else { Issue.record("not posted: \(later.outcome)"); return }
        // Over every period: keystone's figure is 2021's alone, the same ratio in thirds of a billionth; hearth's adds
        // 2022's six controls (10⁹ each, weighing as its two participants) to three times its 2021 weights.
        let keystone2021 = try #require(try figure(run, "fewer_jail_days_overall", "keystone").comparison)
        let keystoneOverall = try figure(later, "fewer_jail_days_overall", "keystone", cohort: Determination.allPeriods)
        #expect(keystoneOverall.comparison == GroupFigure(participants: 3, total: 3 * keystone2021.total, count: 3 * keystone2021.count,
                                                          weightDenominator: 3 * Self.billion))
        #expect(keystoneOverall.comparisonRuns == ["2021": ebal.runID, "2022": nearest.runID])
        let hearth2021 = try #require(try figure(run, "fewer_jail_days_overall", "hearth").comparison)
        let hearthOverall = try figure(later, "fewer_jail_days_overall", "hearth", cohort: Determination.allPeriods)
        #expect(hearthOverall.comparison == GroupFigure(participants: 9, total: 3 * hearth2021.total + Decimal(108 * Self.billion),
                                                        count: 3 * hearth2021.count + 6 * Self.billion, weightDenominator: 3 * Self.billion))
        // (m_h + 18) / 2 against (0 + 5 + 7 + 1) / 4.
        let overallImprovement = NSDecimalNumber(decimal: try #require(hearthOverall.improvement).rounded(scale: 12)).doubleValue
        #expect(abs(overallImprovement - ((mean(r) + 18) / 2 - 3.25)) < 1e-7)
        // hearth 2022: (7 + 1) / 2 = 4 against (4 + 8 + 15 + 16 + 23 + 42) / 6 = 18: 14 × 100 × 2 = 2,800.
        let current = try figure(later, "fewer_jail_days", "hearth", cohort: "2022")
        #expect(current.comparison == GroupFigure(participants: 6, total: Decimal(108 * Self.billion), count: 6 * Self.billion,
                                                  weightDenominator: 3 * Self.billion))
        #expect(current.earned == Self.usd("2800"))
        #expect(try figure(later, "fewer_jail_days", "keystone", cohort: "2022").finding == .noParticipants)

        let verification = try ChainVerification.verify(on: db, recompute: true)
        #expect(verification.isIntact, "\(verification.breaks.map(\.detail))")
        #expect(verification.recomputed?.runs == 2 && verification.recomputed?.checkedAgainstResults == 2)

        // A row added to a stored run with another denominator (here one whose lcm with the others no
        // int64 holds: 9,999,999,967 is prime) refuses the run with one paragraph: it would rescale
        // every other row of that run, and it is not what the run stored.
        try db.execute("""
            INSERT INTO evaluation.matched_weights (person_id, run_id, provider_id, weight, weight_denominator)
            VALUES (21, \(nearest.runID), 'keystone', 1, 9999999967)
            """)
        let refused = #expect(throws: DatabaseError.self) { _ = try PaymentRunner(stored: stored).run(period: "2022", on: db) }
        #expect(refused?.code == .comparisonWeightsInconsistent && refused?.exitStatus == .dataError)
        #expect(refused?.message.contains("\n") == false, "one paragraph: \(refused?.message ?? "")")
    }
}
