import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

extension DemoCommand {
    package static let familyContractFile = "family-2021.yaml"
    package static let familyEvaluationFile = "family-2021-evaluation.yaml"
    static let familyPeriod = "2023"

    /// The two-generation contract: its metrics for 2023 (measured on the parents' children and
    /// households), its payments for 2023 (per child kept at home, per parent employed), and a
    /// matched comparison of the children's outcomes.
    func addFamilies(to report: inout Report, files: DemoFiles, on connection: PostgresConnection) throws {
        let stored = try Self.loadContract(files.familyContract, on: connection)
        let contract = stored.contract
        let period = try contract.period(Self.familyPeriod).orThrow(
            ValidationError("\(files.familyContract.path) has no period \(Self.familyPeriod)"))
        // A payment run reads every period up to the one it pays.
        var latest: [ProviderMetricResult]?
        for earlier in contract.periods.prefix(while: { $0.start <= period.start }) {
            latest = try acting(as: .analyst, on: connection) { try MetricsRunner(stored: stored).run(period: earlier, on: connection) }
        }
        if let latest {
            let metrics = Report(metrics: latest, contract: contract, period: period, policy: suppression.policy)
            report.notes += metrics.notes.map { "Two-generation metrics: \($0)" }
            report.tables += metrics.tables.map { table in
                table.renamed("family_" + table.name, title: "Two-generation contract: " + table.title.lowercased())
            }
        }
        let run = try acting(as: .payments, on: connection) { try PaymentRunner(stored: stored).run(period: period.label, on: connection) }
        report.notes.append("Payments of \(contract.id) for \(period.label): " + Report.outcome(of: run))

        let (path, text) = files.familyEvaluation
        let definition = try EvaluationDefinition.parse(yaml: text, file: path)
        let outcome: ComparisonRunner.Outcome
        do {
            outcome = try acting(as: .analyst, on: connection) {
                try ComparisonRunner(definition: definition, text: text, stored: stored, period: nil, source: .pool).run(on: connection)
            }
        } catch let error as EvaluationError {
            // A small demo data set may hold too few served families to compare: said, not fatal.
            guard case .design = error else { throw error }
            report.notes.append("Two-generation comparison (evaluation \(definition.id)): not made on \(persons) people — "
                                + error.message + " Try a larger --persons (the default, 50000, has enough).")
            return
        }
        let comparison = Report(comparison: outcome.result, source: contract.id, policy: suppression.policy)
        report.notes.append("Two-generation comparison (evaluation \(definition.id), run \(outcome.runID)): "
                            + comparison.notes.joined(separator: " ")
                            + " Full report: outcomes compare --evaluation scenarios/\(Self.familyEvaluationFile).")
        let tables = ComparisonTables(outcome.result, estimates: outcome.result.estimates.filter { $0.group == nil }, policy: suppression.policy)
        report.tables.append(tables.estimates.renamed("family_comparison_estimates",
                                                      title: "Two-generation comparison: effect estimates against a matched pool (ATT)"))
    }
}
