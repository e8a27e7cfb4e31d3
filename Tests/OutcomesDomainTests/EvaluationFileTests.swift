import Foundation
import Testing
@testable import OutcomesDomain

/// Evaluation files: what they declare, and every mistake reported as file:line.
@Suite struct EvaluationFileTests {
    static let valid = """
        evaluation: housing-matched
        contract: housing-2021@2
        pool:
          eligibility: {domain: shelter}
          intake: {from: 2019-01-01, to: 2020-12-31}
          min_days: 14
          index_date: participants
          seed: 5
        covariates:
          - {id: jail_days_12m_before, measure: days_covered, domain: jail, window: {anchor: index_date, from: -365 days, to: -1 day}}
          - age
          - county
        exact: [index_quarter, county]
        outcomes:
          - {metric: jail_days_12m, pre: jail_days_12m_before}
          - housed_12m
        caliper: 0.2
        ratio: 2
        """

    func error(_ text: String) -> String {
        do {
            _ = try EvaluationDefinition.parse(yaml: text, file: "e.yaml")
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func aValidFileDeclaresItsParts() throws {
        let definition = try EvaluationDefinition.parse(yaml: Self.valid, file: "e.yaml")
        #expect(definition.contract == "housing-2021@2")
        #expect(definition.pool.minimumDays == 14 && definition.pool.indexDate == .participants && definition.pool.seed == 5)
        #expect(definition.pool.excludePrograms.isEmpty && definition.pool.intakeTo == LocalDate(iso: "2020-12-31"))
        #expect(definition.covariates.map(\.name) == ["jail_days_12m_before", "age", "county"])
        #expect(definition.design.exact == ["index_quarter", "county"] && definition.design.caliper == 0.2 && definition.design.ratio == 2)
        #expect(definition.outcomes == [.init(name: "jail_days_12m", pre: "jail_days_12m_before"), .init(name: "housed_12m")])
        #expect(definition.design.method == .nearest && definition.design.estimand == .att)
    }

    @Test(arguments: [
        ("  - age\n", "  - height\n", "e.yaml:11: unknown attribute 'height'"),
        ("from: -365 days, to: -1 day", "from: -365 days, to: 30 days", "e.yaml:10: covariate 'jail_days_12m_before': its window must end before the index date"),
        ("measure: days_covered, domain: jail", "measure: days_to_event, domain: jail", "e.yaml:10: covariate 'jail_days_12m_before': measure days_to_event can be missing"),
        ("exact: [index_quarter, county]", "exact: [index_quarter, shoe_size]", "e.yaml:13: exact-match key 'shoe_size' is neither an attribute"),
        ("pre: jail_days_12m_before", "pre: jail_days_24m_before", "e.yaml:15: pre 'jail_days_24m_before' is not one of the covariates"),
        ("index_date: participants", "index_date: tomorrow", "e.yaml:7"),
        ("intake: {from: 2019-01-01, to: 2020-12-31}", "intake: {from: 2021-01-01, to: 2020-12-31}", "e.yaml:5: the intake window ends before it starts"),
        ("ratio: 2", "ratio: 0", "e.yaml:18: ratio: must be a whole number from 1 to 100"),
        ("contract: housing-2021@2", "contract: Housing 2021", "e.yaml:2: 'Housing 2021' is not a contract reference"),
        ("ratio: 2", "ratio: 2\nse: CR2", "e.yaml:19"),
        ("ratio: 2", "ratio: 2\nreplace: true\nse: CR1", "e.yaml:20: se: CR1 clusters by matched set or subclass"),
        ("ratio: 2", "ratio: 2\nse: CR1-two-way", "e.yaml:19: se: CR1-two-way clusters by matched set and unit"),
    ])
    func mistakesNameTheLine(_ change: (String, String, String)) {
        #expect(Self.valid.contains(change.0))
        let message = error(Self.valid.replacingOccurrences(of: change.0, with: change.1))
        #expect(message.contains(change.2), "\(message)")
    }

    /// The valid file without its matching options (exact, caliper, ratio): lines 1–16.
    static let plain = valid.replacingOccurrences(of: "exact: [index_quarter, county]\n", with: "").replacingOccurrences(of: "caliper: 0.2\nratio: 2", with: "")

    @Test(arguments: [
        ("method: subclass\nsubclasses: 1", "e.yaml:17: subclasses: must be a whole number from 2 to 100"),
        ("method: cem\ncutpoints: {height: 3}", "e.yaml:17: cutpoints: height is not a covariate"),
        ("method: cem\ncutpoints: {age: 0}", "e.yaml:17: cutpoints: age needs 1 to 1000 bins"),
        ("method: aipw\nse: HC3", "e.yaml:17: se: AIPW's standard error comes from its influence function"),
        ("subclasses: 4", "e.yaml:16: subclasses: applies to subclassification"),
        ("method: weighting\nse: CR1", "e.yaml:17: se: CR1 clusters by matched set or subclass"),
    ])
    func designMistakesNameTheLine(_ change: (String, String)) {
        let message = error(Self.plain + change.0 + "\n")
        #expect(message.contains(change.1), "\(message)")
    }

    @Test func designsAndStandardErrorsAreDeclared() throws {
        let plain = Self.plain
        let cem = try EvaluationDefinition.parse(yaml: plain + "method: cem\ncutpoints: {age: 4, jail_days_12m_before: 3}\nse: CR1\n", file: "e.yaml")
        #expect(cem.design.method == .cem && cem.design.cutpoints == ["age": 4, "jail_days_12m_before": 3] && cem.design.standardErrors == .cr1)
        let subclass = try EvaluationDefinition.parse(yaml: plain + "method: subclass\nsubclasses: 10\nestimand: ATE\n", file: "e.yaml")
        #expect(subclass.design.subclasses == 10 && subclass.design.standardErrorConvention == .hc3)
        let replace = try EvaluationDefinition.parse(yaml: Self.valid + "\nreplace: true\n", file: "e.yaml")
        #expect(replace.design.standardErrors == nil && replace.design.standardErrorConvention == .hc3)
        #expect(try EvaluationDefinition.parse(yaml: Self.valid, file: "e.yaml").design.standardErrorConvention == .cr1)
        #expect(try EvaluationDefinition.parse(yaml: plain + "method: aipw\n", file: "e.yaml").design.standardErrorConvention == nil)
    }

    @Test func missingPartsAreNamed() {
        #expect(error(Self.valid.replacingOccurrences(of: "caliper: 0.2\n", with: "").replacingOccurrences(of: "outcomes:\n  - {metric: jail_days_12m, pre: jail_days_12m_before}\n  - housed_12m\n", with: ""))
            .contains("outcomes"))
        #expect(error("evaluation: x\ncontract: c\n").contains("pool"))
        #expect(error(Self.valid + "\nmatching: nearest\n").contains("matching"))
    }
}
