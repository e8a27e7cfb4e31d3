import ArgumentParser
import Foundation
import OutcomesDomain
import OutcomesStatistics

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare participants with a matched or weighted comparison group: effect estimates and balance.",
        discussion: """
            On a flat CSV an evaluator already has (--data): one row per unit, a 0/1 treatment \
            column, covariates (numeric, or text such as race, dummy-coded on the first level as R \
            does) and outcomes. Fits a logistic propensity model, matches (--method nearest, the \
            default: 1:1 greedy without replacement, largest score first, as R's MatchIt) or \
            weights (--method weighting), and prints the effect estimates (ATT by default: \
            estimate, standard error — clustered by matched set without replacement, else HC2 — \
            z-based 95% interval, p-value and minimum detectable effect at 80% power), the sample \
            sizes and the balance table before and after, as MatchIt's summary() reports them.

            --outcome NAME:PRE adds a difference-in-differences estimate of NAME − PRE. --group \
            COL adds one estimate per provider (its participants against their own matches).

            Examples:
              outcomes compare --data scenarios/data/lalonde.csv --treatment treat --covariates age,educ,race,married,nodegree,re74,re75 --outcome re78
              outcomes compare --data scenarios/data/lalonde.csv --treatment treat --covariates age,educ,race,married,nodegree,re74,re75 --outcome re78:re75 --ratio 2 --replace
              outcomes compare --data scenarios/data/lalonde.csv --treatment treat --covariates age,educ,race,re74,re75 --outcome re78 --method weighting --estimand ATE --format json
            """
    )

    @Option(name: .long, help: ArgumentHelp("A CSV with a header row, one row per unit.", valueName: "file"))
    var data: String

    @Option(name: .long, help: ArgumentHelp("The 0/1 column: 1 for participants (treated).", valueName: "column"))
    var treatment: String

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("Covariates of the propensity model, comma-separated (repeatable).", valueName: "columns"))
    var covariates: [String] = []

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("An outcome column, or NAME:PRE for a difference-in-differences too (repeatable).", valueName: "column"))
    var outcome: [String] = []

    @Option(name: .long, help: ArgumentHelp("A column naming each unit (default: its line number).", valueName: "column"))
    var id: String?

    @Option(name: .long, help: ArgumentHelp("A column naming each participant's provider: adds per-provider estimates.", valueName: "column"))
    var group: String?

    @OptionGroup var design: ComparisonDesignOptions

    @Option(name: .long, help: ArgumentHelp("Also write the matched or weighted units (id, treated, weight, subclass, distance) to this CSV.", valueName: "file"))
    var matchedData: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let spec = try design.spec(covariates: covariates.flatMap(Self.list), outcomes: outcome.map(Self.outcome))
        var used = Set(spec.covariates + spec.exact + spec.outcomes.flatMap { [$0.name] + ($0.pre.map { [$0] } ?? []) })
        used.remove(treatment)
        let table = try EvaluationTable.read(csv: data, treatment: treatment, id: id, group: group, using: used)
        let result = try Evaluation.run(spec, on: table)
        if let matchedData { try Self.writeUnits(result, table, to: matchedData) }
        print(Report(comparison: result, source: data).render(output.format), terminator: "")
    }

    static func list(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func outcome(_ value: String) -> EvaluationSpec.Outcome {
        let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
        return EvaluationSpec.Outcome(name: parts[0], pre: parts.count > 1 ? parts[1] : nil)
    }

    static func writeUnits(_ result: EvaluationResult, _ table: EvaluationTable, to path: String) throws {
        var lines = ["id,treated,weight,subclass,distance"]
        for unit in result.units {
            let id = table.ids[unit.index]
            let quoted = id.contains(where: { ",\"\n".contains($0) }) ? "\"" + id.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : id
            lines.append("\(quoted),\(table.treated[unit.index] ? 1 : 0),\(unit.weight),\(unit.subclass.map(String.init) ?? ""),\(unit.propensity.map { "\($0)" } ?? "")")
        }
        do {
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw EvaluationError.option("matched-data", "cannot write \(path): \(error.localizedDescription)")
        }
    }
}

/// How the comparison is made, shared by `compare --data` and the IDS evaluation.
struct ComparisonDesignOptions: ParsableArguments {
    @Option(name: .long, help: "nearest (matching), weighting (inverse probability) or none (as randomized).")
    var method: EvaluationSpec.Method = .nearest

    @Option(name: .long, help: "ATT (effect on participants) or ATE (weighting only).")
    var estimand: Estimand = .att

    @Option(name: .long, help: ArgumentHelp("Columns a control must share with its participant, comma-separated.", valueName: "columns"))
    var exact: String?

    @Option(name: .long, help: "Controls per participant (k:1 matching).")
    var ratio = 1

    @Flag(name: .long, help: "Match with replacement: a control may serve several participants.")
    var replace = false

    @Option(name: .long, help: ArgumentHelp("Largest distance to a control, in standard deviations of the propensity score (0.2 is common).", valueName: "sd"))
    var caliper: Double?

    @Option(name: .long, help: "Drop units outside common support first: none, treated, control or both.")
    var discard: EvaluationSpec.Discard = .none

    @Option(name: .long, help: "Nearest-neighbour search: nearest (documented) or matchit-4.5.1 (that version's pairs).")
    var search: EvaluationSpec.Search = .nearest

    @Option(name: .long, help: ArgumentHelp("Weighting: cap weights at this quantile of theirs (e.g. 0.99).", valueName: "quantile"))
    var trim: Double?

    @Flag(name: .long, help: "Also estimate with the covariates in the outcome regression (ANCOVA).")
    var adjust = false

    @Option(name: .long, help: "Confidence level of the intervals.")
    var confidence = 0.95

    @Option(name: .long, help: "Power of the minimum detectable effect.")
    var power = 0.8

    func spec(covariates: [String], outcomes: [EvaluationSpec.Outcome]) throws -> EvaluationSpec {
        var spec = EvaluationSpec(covariates: covariates, outcomes: outcomes)
        spec.method = method
        spec.estimand = estimand
        spec.exact = exact.map(CompareCommand.list) ?? []
        (spec.ratio, spec.replace, spec.caliper, spec.discard, spec.search) = (ratio, replace, caliper, discard, search)
        (spec.trim, spec.adjust, spec.confidence, spec.power) = (trim, adjust, confidence, power)
        return try spec.validated()
    }
}

extension EvaluationSpec.Method: ExpressibleByArgument {}
extension EvaluationSpec.Discard: ExpressibleByArgument {}
extension EvaluationSpec.Search: ExpressibleByArgument {}
extension Estimand: ExpressibleByArgument {}
