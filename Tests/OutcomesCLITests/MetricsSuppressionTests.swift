import Foundation
import OutcomesDatabase
import OutcomesDomain
import Testing
@testable import OutcomesCLI

/// Every count cell of the metrics report is protected, not only the participant count.
@Suite struct MetricsSuppressionTests {
    /// A contract of one yes/no metric, Any jail stay.
    static func contract() throws -> OutcomeContract {
        try OutcomeContract.parse(yaml: """
            contract: c
            program: reentry
            data_through: 2024-12-31
            periods: [{label: "2021", from: 2021-01-01, to: 2021-12-31}]
            metrics:
              - {id: any_jail, label: Any jail stay, measure: any, domain: jail, window: {anchor: enrollment_start, from: 0 days, to: 12 months}}
            """, file: "c.yaml")
    }

    func row(_ provider: String, _ participants: Int, _ withValue: Int, _ total: Int) -> ProviderMetricResult {
        let rate = withValue == 0 ? nil : Decimal(total) / Decimal(withValue)
        return ProviderMetricResult(metricID: "any_jail", providerID: provider, measure: "any", participants: participants,
                                    withValue: withValue, total: Decimal(total), mean: rate, rate: rate)
    }

    func report(_ rows: [ProviderMetricResult]) throws -> [[Cell]] {
        let contract = try Self.contract()
        return Report(metrics: rows, contract: contract, period: contract.periods[0], policy: SmallCellPolicy(threshold: 11))
            .tables[0].rows.map { Array($0.dropFirst(3)) }
    }

    @Test func aTotalOfThreePeopleIsNotPrinted() throws {
        // 3 of hearth's 40 participants were jailed: the total, its rate, and what would give them away are suppressed.
        let cells = try report([row("hearth", 40, 40, 3), row("keystone", 55, 55, 20), row("(all)", 95, 95, 23)])
        let marker = Cell.suppressed("<11")
        #expect(cells[0][2] == marker && cells[0][3] == marker && cells[0][4] == marker)
        #expect(cells[0][0] == .int(40) && cells[0][1] == .int(40))
        // Keystone's total or the overall total goes too, or 23 − 20 would give hearth's 3.
        #expect(cells[1][2] == marker || cells[2][2] == marker)
        #expect(cells[2][0] == .int(95), "what reveals nothing stays")
    }

    @Test func participantsWithoutAValueAreProtectedToo() throws {
        // 44 participants, 40 with a value: the 4 without one would be 44 − 40.
        let cells = try report([row("hearth", 44, 40, 20), row("keystone", 55, 55, 20), row("(all)", 99, 95, 40)])
        let marker = Cell.suppressed("<11")
        #expect(cells[0][0] == marker || cells[0][1] == marker)
        #expect((cells[2][0] == marker || cells[2][1] == marker), "the (all) row would give it by the same subtraction")
    }

    /// The chart's dashed line (all providers' rate) is drawn only when the table shows that rate, at
    /// the value shown: hearth's 35 of 40 and keystone's 20 of 55 hide the (all) counts, and a line at
    /// 55/95 would give them back (95 − 55 = 40 for hearth, so its 5 without the outcome).
    @Test func theChartsLineIsAShownRate() throws {
        let contract = try Self.contract()
        for (rows, hidden) in [([row("hearth", 40, 40, 35), row("keystone", 55, 55, 20), row("(all)", 95, 95, 55)], true),
                               ([row("hearth", 40, 40, 20), row("keystone", 55, 55, 20), row("(all)", 95, 95, 40)], false)] {
            let report = Report(metrics: rows, contract: contract, period: contract.periods[0], policy: SmallCellPolicy(threshold: 11))
            let rate = try #require(report.tables[0].rows.first { $0[2] == .text("(all)") })[7]
            #expect(rate.isSuppressed == hidden)
            let references = report.charts.compactMap { chart -> Double?? in if case .intervals(_, let reference) = chart.kind { reference } else { nil } }
            #expect(references.count == 1)
            if case .rate(let shown) = rate {
                #expect(references == [NSDecimalNumber(decimal: shown).doubleValue])
            } else {
                #expect(rate.isSuppressed && references == [nil], "a hidden rate draws no line: \(references)")
            }
        }
    }

    /// The reading cites only what the table shows: the participants it counts are a shown (all)
    /// cell, and each rate it names is a shown rate cell, at the table's precision.
    @Test(arguments: [
        [("hearth", 40, 40, 3), ("keystone", 55, 55, 20), ("(all)", 95, 95, 23)],
        [("hearth", 5, 5, 2), ("keystone", 60, 60, 30), ("(all)", 65, 65, 32)],
        [("hearth", 44, 40, 20), ("keystone", 55, 55, 20), ("(all)", 99, 95, 40)],
        [("hearth", 3, 3, 1), ("keystone", 4, 4, 2), ("(all)", 7, 7, 3)],
        [("hearth", 120, 118, 60), ("keystone", 80, 80, 61), ("(all)", 200, 198, 121)],
    ] as [[(String, Int, Int, Int)]])
    func theReadingCitesOnlyShownCells(_ rows: [(String, Int, Int, Int)]) throws {
        let contract = try Self.contract()
        let report = Report(metrics: rows.map { row($0.0, $0.1, $0.2, $0.3) }, contract: contract, period: contract.periods[0],
                            policy: SmallCellPolicy(threshold: 11))
        let table = report.tables[0].rows
        let all = try #require(table.first { $0[2] == .text("(all)") })
        let sentence = report.reading.first { $0.hasPrefix("In 2021, up to ") }
        if case .int(let shown) = all[3] {
            #expect(sentence == "In 2021, up to \(shown) participants were measured across 2 providers.", "\(report.reading)")
        } else {
            #expect(sentence == nil, "a hidden count is never cited: \(report.reading)")
        }
        let shownRates = Set(table.compactMap { row -> String? in if case .rate = row[7] { row[7].display } else { nil } })
        let cited = report.reading.joined(separator: " ").split(separator: " ").filter { $0.contains("%") }
            .map { String($0.trimmingCharacters(in: CharacterSet(charactersIn: ",."))) }
        #expect(cited.allSatisfy(shownRates.contains), "cited \(cited), shown \(shownRates)")
    }
}
