import Foundation
import Testing
@testable import OutcomesDomain

/// A metric in words for the data dictionary: the contract's `description:` when given, else a
/// sentence generated from the definition; wording is the subject here.
@Suite struct MetricWordingTests {
    func metrics(_ lines: String) throws -> [MetricDefinition] {
        try OutcomeContract.parse(yaml: """
            contract: words
            program: housing
            data_through: 2024-12-31
            periods: [{label: "2023", from: 2023-01-01, to: 2023-12-31}]
            metrics:
            \(lines)
            """, file: "words.yaml").metrics
    }

    @Test func aDescriptionIsTheDefinition() throws {
        let metric = try metrics("""
              - id: housed
                label: Housed at 12 months
                description: Whether the participant slept in no shelter in the 90 days before the anniversary.
                measure: days_without
                domain: shelter
                window: {anchor: enrollment_start, from: 9 months, to: 12 months}
            """)[0]
        #expect(metric.description == "Whether the participant slept in no shelter in the 90 days before the anniversary.")
        #expect(metric.definitionText == metric.description)
        #expect(metric.measuredText == "The days not covered by events of domain shelter in the window from 9 months to 12 months after the enrollment start.")
        #expect(metric.unitText == "days")
    }

    @Test func withoutOneTheDefinitionIsGenerated() throws {
        let all = try metrics("""
              - {id: a, measure: any, domain: jail, window: {anchor: enrollment_start, from: 0 days, to: 1 year}}
              - {id: b, measure: sum, domain: wages, source_systems: [UI], amount: "> 0", window: {anchor: enrollment_start, from: 1 quarter, to: 4 quarters}}
              - {id: c, measure: sustained, consecutive: 4 quarters, domain: wages, window: {anchor: enrollment_start, from: 0 days, to: 24 months}}
              - {id: d, measure: count, domain: er_visit, window: {anchor: period}}
              - {id: e, measure: any, domain: child_welfare, window: {anchor: enrollment_start, from: 1 day, to: 24 months}, of: {relation: child, age_at_index: 0-5}, aggregate: count}
            """)
        #expect(all.map(\.definitionText) == [
            "Whether any event of domain jail falls in the window from 0 days to 1 year after the enrollment start.",
            "The sum of the amounts of events of domain wages from source UI with amount > 0 starting in the window from 1 quarter to 4 quarters after the enrollment start.",
            "Whether events of domain wages are present in each of 4 quarters in a row in the window from 0 days to 24 months after the enrollment start.",
            "The number of events of domain er_visit starting in the reporting period (from its start + 0 days to its end + 0 days).",
            "Over the participant's relatives whose relationship is one of child, natural_child, adopted_child, foster_child, step_child aged 0–5 on the index date: how many relatives have a value present and not 0, "
                + "each relative's value being: whether any event of domain child_welfare falls in the window from 1 day to 24 months after the enrollment start.",
        ])
        #expect(all.map(\.unitText) == ["1 = yes, 0 = no", "the events' amount (dollars for wages)", "1 = yes, 0 = no", "events", "relatives"])
        #expect(all.map(\.windowText)[0] == "in the window from 0 days to 1 year after the enrollment start")
    }

    @Test func anEmptyDescriptionIsAnErrorAtItsLine() {
        #expect {
            _ = try metrics("""
                  - id: a
                    description: ""
                    measure: any
                    domain: jail
                    window: {anchor: enrollment_start, from: 0 days, to: 1 year}
                """)
        } throws: { error in
            let error = error as? DefinitionFileError
            return error?.line == 7 && error?.code == .wrongForm(expected: .text)
        }
    }
}

extension MetricWordingTests {
    @Test func windowsBeforeTheAnchorReadAsBefore() throws {
        let all = try metrics("""
              - {id: a, measure: count, domain: jail, window: {anchor: enrollment_start, from: -12 months, to: -1 day}}
              - {id: b, measure: count, domain: jail, window: {anchor: enrollment_end, from: -30 days, to: 90 days}}
            """)
        #expect(all.map(\.windowText) == ["in the window from 12 months to 1 day before the enrollment start",
                                          "in the window from 30 days before to 90 days after the enrollment end"])
    }
}
