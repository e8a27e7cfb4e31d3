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

    func error(_ text: String) -> DefinitionFileError? {
        do {
            _ = try EvaluationDefinition.parse(yaml: text, file: "e.yaml")
            return nil
        } catch {
            return error as? DefinitionFileError
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
        ("  - age\n", "  - height\n", 11, .unknownWord("height", allowed: EvaluationDefinition.Attribute.allCases.map(\.rawValue))),
        ("from: -365 days, to: -1 day", "from: -365 days, to: 30 days", 10, .unsupported),
        ("measure: days_covered, domain: jail", "measure: days_to_event, domain: jail", 10, .unsupported),
        ("exact: [index_quarter, county]", "exact: [index_quarter, shoe_size]", 13, .unknownName(.attributeOrCovariate, "shoe_size")),
        ("pre: jail_days_12m_before", "pre: jail_days_24m_before", 15, .unknownName(.covariate, "jail_days_24m_before")),
        ("index_date: participants", "index_date: tomorrow", 7,
         .unknownWord("tomorrow", allowed: EvaluationDefinition.Pool.IndexDate.allCases.map(\.rawValue))),
        ("intake: {from: 2019-01-01, to: 2020-12-31}", "intake: {from: 2021-01-01, to: 2020-12-31}", 5, .outOfOrder),
        ("ratio: 2", "ratio: 0", 18, .designRefused(option: "ratio")),
        ("contract: housing-2021@2", "contract: Housing 2021", 2, .wrongForm(expected: .contractReference)),
        ("ratio: 2", "ratio: 2\nse: CR2", 19, .unknownWord("CR2", allowed: EvaluationSpec.StandardErrors.allCases.map(\.rawValue))),
        ("ratio: 2", "ratio: 2\nreplace: true\nse: CR1", 20, .designRefused(option: "se")),
        ("ratio: 2", "ratio: 2\nse: CR1-two-way", 19, .designRefused(option: "se")),
    ] as [(String, String, Int, DefinitionFileError.Code)])
    func mistakesNameTheLine(old: String, new: String, line: Int, code: DefinitionFileError.Code) {
        #expect(Self.valid.contains(old))
        let error = error(Self.valid.replacingOccurrences(of: old, with: new))
        #expect(error?.file == "e.yaml" && error?.line == line, "\(String(describing: error))")
        #expect(error?.code == code)
    }

    /// The valid file without its matching options (exact, caliper, ratio): lines 1–16.
    static let plain = valid.replacingOccurrences(of: "exact: [index_quarter, county]\n", with: "").replacingOccurrences(of: "caliper: 0.2\nratio: 2", with: "")

    @Test(arguments: [
        ("method: subclass\nsubclasses: 1", 17, "subclasses"),
        ("method: cem\ncutpoints: {height: 3}", 17, "cutpoints"),
        ("method: cem\ncutpoints: {age: 0}", 17, "cutpoints"),
        ("method: aipw\nse: HC3", 17, "se"),
        ("subclasses: 4", 16, "subclasses"),
        ("method: weighting\nse: CR1", 17, "se"),
    ])
    func designMistakesNameTheLine(added: String, line: Int, option: String) {
        let error = error(Self.plain + added + "\n")
        #expect(error?.file == "e.yaml" && error?.line == line, "\(String(describing: error))")
        #expect(error?.code == .designRefused(option: option))
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
        #expect(error(Self.valid.replacingOccurrences(of: "caliper: 0.2\n", with: "").replacingOccurrences(of: "outcomes:\n  - {metric: jail_days_12m, pre: jail_days_12m_before}\n  - housed_12m\n", with: ""))?
            .code == .missingKey("outcomes"))
        #expect(error("evaluation: x\ncontract: c\n")?.code == .missingKey("pool"))
        let unknown = error(Self.valid + "\nmatching: nearest\n")
        guard case .unknownKey("matching", let allowed)? = unknown?.code else { Issue.record("\(String(describing: unknown))"); return }
        #expect(allowed.contains("method") && unknown?.line == 19)
    }
}
