import Foundation
import OutcomesCLI
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

extension MetricsBenchmark {
    /// Three metrics, on the participant or (`of:`) on the participant's children and household:
    /// the same measures, windows and domains, so the two contracts differ by the relatives alone.
    static func familyContractYAML(_ contract: ProgramCatalog.Contract, overRelatives: Bool) -> String {
        func of(_ selection: String, _ aggregate: String) -> String {
            overRelatives ? ", of: \(selection), aggregate: \(aggregate)" : ""
        }
        return contractHeader(contract) + """
            metrics:
              - {id: placed_24m, measure: any, domain: child_welfare, window: {anchor: enrollment_start, from: 1 day, to: 24 months}\(of("{relation: child, age_at_index: 0-17}", "any"))}
              - {id: er_visits_12m, measure: count, domain: er_visit, window: {anchor: enrollment_start, from: 0 days, to: 12 months}\(of("{relation: child}", "sum"))}
              - {id: wages_4q, measure: sum, domain: wages, window: {anchor: enrollment_start, from: 1 quarter, to: 5 quarters}\(of("{relation: household}", "sum"))}
            """
    }

    /// Times the four synthetic contracts' three metrics on the participants, then the same three
    /// over their relatives (each side by side, the best of three); returns the table's rows.
    func familyRows(on target: DatabaseTarget, progress: Progress) throws -> [[Cell]] {
        func runners(overRelatives: Bool) throws -> [MetricsRunner] {
            try ProgramCatalog.syntheticWithFamilies.contracts.map {
                MetricsRunner(trying: try OutcomeContract.parse(
                    yaml: Self.familyContractYAML($0, overRelatives: overRelatives), file: "bench-family-\($0.id).yaml"))
            }
        }
        let own = try runners(overRelatives: false), relatives = try runners(overRelatives: true)
        progress.note("Computing 3 metrics on every participant of \(own.count) contracts, then on their relatives…")
        var ownSeconds: [Double] = [], relativeSeconds: [Double] = []
        var participants = 0
        for _ in 0..<3 {
            // Alternating, so neither side has the warmer cache.
            ownSeconds.append(try measure { try Self.runSideBySide(own, on: target) }.seconds)
            let timed = try measure { try Self.runSideBySide(relatives, on: target) }
            relativeSeconds.append(timed.seconds)
            participants = timed.value.filter { $0.providerID == MetricsRunner.allProviders && $0.metricID == "wages_4q" }
                .reduce(0) { $0 + $1.participants }
        }
        let (person, family) = (ownSeconds.min()!, relativeSeconds.min()!)
        func seconds(_ values: [Double]) -> String { values.map { String(format: "%.2f", $0) }.joined(separator: ", ") }
        return [
            [.text("participants of the family comparison (4 contracts)"), .text(String(participants))],
            [.text("3 person metrics + aggregates (s; best of 3: \(seconds(ownSeconds)))"), .text(String(format: "%.2f", person))],
            [.text("the same 3 over children and households (s; best of 3: \(seconds(relativeSeconds)))"), .text(String(format: "%.2f", family))],
            [.text("ratio family / person metrics"), .text(String(format: "%.2f", family / person))],
        ]
    }
}
