import Foundation
import Testing
@testable import OutcomesDomain

/// The `of:` and `aggregate:` grammar of a metric over relatives, and `per: relative` on a
/// rate-card line: what is read, and each mistake refused at its line with its code.
@Suite struct RelativesContractFileTests {
    static let contract = """
        contract: family-2021
        program: family
        version: 1
        data_through: 2024-12-31
        currency: USD
        periods: {every: year, from: 2022-01-01, to: 2023-12-31}
        metrics:
          - id: children_home
            measure: any
            domain: child_welfare
            window: {anchor: enrollment_start, from: 0 days, to: 12 months}
            of: {relation: child, age_at_index: 0-5, evidence: [declared, derived]}
            aggregate: count
          - id: household_wages
            measure: sum
            domain: wages
            window: {anchor: enrollment_start, from: 0 days, to: 12 months}
            of: {relation: household}
            aggregate: sum
          - id: own_jail
            measure: any
            domain: jail
            window: {anchor: enrollment_start, from: 0 days, to: 12 months}
        payments:
          rate_card:
            lines:
              - {id: per_child, outcome: children_home, achieved: "= 0", per: relative, price: 500}
        """

    @Test func theGrammarIsRead() throws {
        let contract = try OutcomeContract.parse(yaml: Self.contract, file: "family.yaml")
        let children = try #require(contract.metrics[0].relatives)
        #expect(children.relations == .codes(["child", "natural_child", "adopted_child", "foster_child", "step_child"]))
        #expect(children.ageAtIndex == 0...5 && children.evidence == [.declared, .derived] && children.aggregate == .count)
        #expect(contract.metrics[0].measureName == "count(any)" && !contract.metrics[0].isBinary)
        #expect(contract.metrics[1].relatives?.relations == .household && contract.metrics[1].relatives?.relations.includesParticipant == true)
        #expect(contract.metrics[2].relatives == nil)
        #expect(contract.payments?.rateCard?.lines[0].perRelative == true)
    }

    func refusal(_ old: String, _ new: String) -> DefinitionFileError? {
        #expect(Self.contract.contains(old), "the fixture holds \(old)")
        do {
            _ = try OutcomeContract.parse(yaml: Self.contract.replacingOccurrences(of: old, with: new), file: "family.yaml")
            return nil
        } catch let error as DefinitionFileError {
            return error
        } catch {
            Issue.record("not a file error: \(error)")
            return nil
        }
    }

    @Test func mistakesAreRefusedAtTheirLine() throws {
        let allowed = RelationshipCode.codes + ["household"]
        var error = refusal("relation: child,", "relation: cousin,")
        #expect(error?.line == 12 && error?.code == .unknownWord("cousin", allowed: allowed))
        error = refusal("age_at_index: 0-5", "age_at_index: 5")
        #expect(error?.line == 12 && error?.code == .wrongForm(expected: .text))
        error = refusal("age_at_index: 0-5", "age_at_index: 6-2")
        #expect(error?.line == 12 && error?.code == .outOfOrder)
        error = refusal("age_at_index: 0-5", "age_at_index: 0-200")
        #expect(error?.line == 12 && error?.code == .outOfRange("age_at_index"))
        error = refusal("evidence: [declared, derived]", "evidence: [rumoured]")
        #expect(error?.line == 12 && error?.code == .unknownWord("rumoured", allowed: ["declared", "derived", "inferred"]))
        error = refusal("    aggregate: count\n", "")
        #expect(error?.line == 8 && error?.code == .missingKey("aggregate"))
        error = refusal("    aggregate: count\n", "    aggregate: median\n")
        #expect(error?.line == 13 && error?.code == .unknownWord("median", allowed: ["any", "all", "sum", "mean", "count", "number"]))
        error = refusal("    domain: jail\n", "    domain: jail\n    aggregate: any\n")
        #expect(error?.line == 23 && error?.code == .keyDoesNotApply("aggregate"))
        error = refusal("relation: household}", "relation: [household, child]}")
        #expect(error?.line == 18 && error?.code == .unsupported)
        error = refusal("relation: household}", "relation: []}")
        #expect(error?.line == 18 && error?.code == .tooFew("relation"))
        error = refusal("    of: {relation: household}\n", "    of: {relation: household}\n    assign_by: achieved\n")
        #expect(error?.line == 19 && error?.code == .unsupported)
        error = refusal("measure: sum", "measure: change\n    pre_window: {anchor: enrollment_start, from: -12 months, to: -1 day}")
        #expect(error?.line == 19 && error?.code == .unsupported)
        // per: relative needs a metric over relatives, one price, and no exclusive group.
        error = refusal("outcome: children_home, achieved: \"= 0\", per: relative", "outcome: own_jail, per: relative")
        #expect(error?.line == 27 && error?.code == .unsupported)
        error = refusal("per: relative, price: 500}", "per: relative, tiers: [{up_to: 2, price: 500}, {price: 200}]}")
        #expect(error?.line == 27 && error?.code == .unsupported)
        error = refusal("per: relative, price: 500}", "per: relative, price: 500}\n      - {id: other, outcome: own_jail, price: 9}\n    exclusive: [[per_child, other]]")
        #expect(error?.line == 29 && error?.code == .unsupported)
        error = refusal("per: relative", "per: child")
        #expect(error?.line == 27 && error?.code == .unknownWord("child", allowed: ["relative"]))
    }
}
