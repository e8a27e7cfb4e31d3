import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain
import OutcomesStatistics
import StatisticalFiles

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare participants with a matched or weighted comparison group: effect estimates and balance.",
        discussion: """
            Against the IDS (--evaluation FILE): the evaluation file (YAML, see scenarios/README.md) \
            names a loaded contract, whose participants and outcome metrics are used as loaded, a \
            comparison pool of eligible people never enrolled (with an index date each) and \
            baseline covariates measured before the index date. Covariates and outcomes are \
            computed in PostgreSQL by the metric compiler for every unit, streamed once, and the \
            run is stored in the evaluation schema. --against control_arm compares with the \
            randomized control arm instead (the experimental estimate). --store-comparison \
            stores the comparison group's metrics for the period as <contract>@matched, which \
            effect lines with comparison: matched_group pay against: the matched controls with \
            their matching weights (nearest), or for weighting, subclass, cem and ebal the \
            comparison units with the weights each provider's own run gives them, to 1e-9 \
            (aipw has no single set of weights to store).

            On a flat CSV an evaluator already has (--data): one row per unit, a 0/1 treatment \
            column, covariates (numeric, or text such as race, dummy-coded on the first level as R \
            does) and outcomes; --outcome NAME:PRE adds a difference-in-differences estimate. A \
            column holding a number is numeric, and then every cell of it must be a number \
            (-12.5, .5, 1e+05): text, NaN or Inf there is an error naming file:line and the \
            column. --categorical COL declares a column of categories, numbers or not (codes, \
            zip codes). An empty cell or NA is missing, an error: nothing is imputed.

            A Stata file (--data FILE.dta) is read with ReadStat, as strictly: numeric variables \
            are numeric columns, string variables categories (one holding numbers must be \
            destrung, or declared --categorical); a variable with value labels is its codes \
            unless --categorical names it, then its labels. A missing value (., .a to .z, an \
            empty string) in a column used is an error naming the observation. Files of R, SPSS \
            or SAS are refused with the line that writes them as CSV.

            Either way: a logistic propensity model, then the design. --method nearest (the \
            default): 1:1 greedy matching without replacement, largest score first, with MatchIt \
            4.7.2's matched sets, ties included (--search names another rule); weighting (inverse \
            probability); subclass (MatchIt 4.7.2's subclassification, --subclasses); cem \
            (MatchIt 4.7.2's coarsened exact matching, --cutpoints); ebal (WeightIt 1.4.0's \
            entropy balancing); aipw (doubly robust, as statsmodels 0.15's aipw). Then the effect \
            estimates (ATT by default: estimate, standard error — --se names the convention, by \
            default MatchIt's vignette's: CR1 by matched set without replacement, HC3 with \
            replacement and after subclass or cem, HC2 after weighting — z-based 95% interval, \
            p-value and minimum detectable effect at 80% power), overall and per provider, the \
            sample sizes and the balance before and after, as MatchIt's summary() reports them.

            Examples:
              outcomes compare --evaluation scenarios/housing-2021-evaluation.yaml
              outcomes compare --evaluation scenarios/housing-2021-evaluation.yaml --against control_arm
              outcomes compare --evaluation scenarios/housing-2021-evaluation.yaml --period 2022 --store-comparison --format json
              outcomes compare --evaluation scenarios/housing-2021-evaluation.yaml --by race
              outcomes compare --data scenarios/data/lalonde.csv --treatment treat --covariates age,educ,race,married,nodegree,re74,re75 --outcome re78
              outcomes compare --data scenarios/data/lalonde.csv --treatment treat --covariates age,educ,race,married,nodegree,re74,re75 --outcome re78:re75 --ratio 2 --replace
              outcomes compare --data scenarios/data/lalonde.csv --treatment treat --covariates age,educ,race,re74,re75 --outcome re78 --method weighting --estimand ATE --format json
              outcomes compare --data scenarios/data/lalonde.csv --treatment treat --covariates age,educ,race,married,re74,re75 --categorical educ --outcome re78
              outcomes compare --data scenarios/data/lalonde.csv --treatment treat --covariates age,educ,race,married,nodegree,re74,re75 --outcome re78 --method subclass --subclasses 10
              outcomes compare --data scenarios/data/lalonde.csv --treatment treat --covariates age,educ,race,married,nodegree,re74,re75 --outcome re78 --method cem --cutpoints age=4,re74=3
              outcomes compare --data scenarios/data/lalonde.csv --treatment treat --covariates age,educ,race,married,nodegree,re74,re75 --outcome re78 --method ebal --estimand ATE
              outcomes compare --data scenarios/data/lalonde.csv --treatment treat --covariates age,educ,race,married,nodegree,re74,re75 --outcome re78 --method aipw
              outcomes compare --data scenarios/data/lalonde.csv --treatment treat --covariates age,educ,race,married,nodegree,re74,re75 --outcome re78 --replace --se CR1-two-way
              outcomes compare --data scenarios/data/lalonde.dta --treatment treat --covariates age,educ,race,married,nodegree,re74,re75 --outcome re78
            """
    )

    @OptionGroup var options: CompareOptions
    @OptionGroup var output: OutputOptions

    func run() throws { try output.emit(options.makeReport(progress: output.progress)) }

    /// A comparison that cannot be made with what a file says (an empty pool, a constant covariate)
    /// names that file.
    static func naming<T>(_ file: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch EvaluationError.design(let problem) {
            throw EvaluationError.data(file: file, line: 0, .cannotCompare(problem))
        }
    }

    static func list(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `NAME` or `NAME:PRE`, both parts named: an empty one (`''`, `':'`, `'y:'`, `':y'`) or a third
    /// (`re78:re75:x`) is a usage error naming --outcome.
    static func outcome(_ value: String) throws(EvaluationError) -> EvaluationSpec.Outcome {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty }) else {
            throw .option("outcome", .notAnOutcome(value))
        }
        return EvaluationSpec.Outcome(name: parts[0], pre: parts.count > 1 ? parts[1] : nil)
    }

    /// The option that names each column the comparison reads (a column named twice: covariate
    /// first, then exact-match key, then outcome), so an error names the option the user typed. The
    /// treatment column is none of them: it is what the comparison explains, not an input to it.
    static func columnOptions(_ spec: EvaluationSpec, treatment: String) throws(EvaluationError) -> [String: String] {
        var roles: [String: EvaluationError.ColumnRole] = [:]
        for outcome in spec.outcomes { for name in [outcome.name] + (outcome.pre.map { [$0] } ?? []) { roles[name] = .outcome } }
        for name in spec.exact { roles[name] = .exactKey }
        for name in spec.covariates { roles[name] = .covariate }
        if let role = roles[treatment] { throw .option(role.option, .treatmentColumn(treatment, as: role)) }
        return roles.mapValues(\.option)
    }

    static func writeUnits(_ result: EvaluationResult, _ table: EvaluationTable, to path: String) throws {
        var lines = ["id,treated,weight,subclass,distance"]
        for unit in result.units {
            let id = table.ids[unit.index]
            let quoted = id.contains(where: { ",\"\n".contains($0) }) ? "\"" + id.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : id
            lines.append("\(quoted),\(table.treated[unit.index] ? 1 : 0),\(unit.weight),\(unit.subclass.map(String.init) ?? ""),\(unit.propensity.map { "\($0)" } ?? "")")
        }
        try SafeWriter(option: "--matched-data").write(lines.joined(separator: "\n") + "\n", to: path)
    }
}

/// What `outcomes compare` compares, and its report (also `report compare` and `export notebook compare`).
struct CompareOptions: NotebookOptions {
    static let kind = "compare"
    static let command = "compare"
    static let notebook = NotebookExport.Kind.compare

    @Option(name: .long, help: ArgumentHelp("An evaluation file (YAML): compare a loaded contract's participants in the IDS.", valueName: "file"))
    var evaluation: String?

    @Option(name: .long, help: ArgumentHelp("With --evaluation: a reporting period of the contract (default: every complete window).", valueName: "label"))
    var period: String?

    @Option(name: .long, help: "With --evaluation: compare with the pool (default) or the randomized control_arm.")
    var against: ComparisonSource = .pool

    @Flag(name: .long, help: "With --evaluation and --period: store the matched or weighted comparison group's metrics as <contract>@matched for payments.")
    var storeComparison = false

    @Option(name: .long, help: ArgumentHelp("With --evaluation: also estimate for the participants of each group of race, sex, age_band or county (at the index date).",
                                            valueName: "attribute"))
    var by: PersonAttribute?

    @Option(name: .long, help: ArgumentHelp("A CSV with a header row, or a Stata .dta: one row per unit.", valueName: "file"))
    var data: String?

    @Option(name: .long, help: ArgumentHelp("With --data: the 0/1 column, 1 for participants (treated).", valueName: "column"))
    var treatment: String?

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("With --data: covariates of the propensity model, comma-separated (repeatable).", valueName: "columns"))
    var covariates: [String] = []

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("With --data: an outcome column, or NAME:PRE for a difference-in-differences too (repeatable).", valueName: "column"))
    var outcome: [String] = []

    @Option(name: .long, parsing: .singleValue,
            help: ArgumentHelp("With --data: covariate or exact-match columns holding categories, even when they look numeric (repeatable).",
                               valueName: "columns"))
    var categorical: [String] = []

    @Option(name: .long, help: ArgumentHelp("With --data: a column naming each unit (default: its line number).", valueName: "column"))
    var id: String?

    @Option(name: .long, help: ArgumentHelp("With --data: a column naming each participant's provider (adds per-provider estimates).", valueName: "column"))
    var group: String?

    @OptionGroup var design: ComparisonDesignOptions

    @Option(name: .long, help: ArgumentHelp("Also write the matched or weighted units (id, treated, weight, subclass, distance) to this CSV.", valueName: "file"))
    var matchedData: String?

    @OptionGroup var suppression: SuppressionOptions
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard (evaluation == nil) != (data == nil) else {
            throw ValidationError("Give either --evaluation FILE (against the IDS) or --data FILE (a CSV or Stata .dta), not \(data == nil ? "neither" : "both").")
        }
        if data != nil {
            guard treatment != nil else { throw ValidationError("--data needs --treatment COLUMN (the 0/1 column).") }
            for (name, given) in [("--period", period != nil), ("--store-comparison", storeComparison), ("--against", against != .pool), ("--by", by != nil)] where given {
                throw ValidationError("\(name) applies to --evaluation (the IDS), not --data.")
            }
        } else {
            for (name, given) in [("--treatment", treatment != nil), ("--covariates", !covariates.isEmpty), ("--outcome", !outcome.isEmpty),
                                  ("--id", id != nil), ("--group", group != nil), ("--categorical", !categorical.isEmpty)] where given {
                throw ValidationError("\(name) applies to --data; with --evaluation the file names the covariates and outcomes.")
            }
        }
    }

    func makeReport(progress: Progress) throws -> Report {
        // Refused before anything is computed or stored.
        if let matchedData { try SafeWriter(option: "--matched-data").check(matchedData, folder: false) }
        if let evaluation { return try reportOnIDS(evaluation, progress: progress) }
        let spec = try design.spec(covariates: covariates.flatMap(CompareCommand.list), outcomes: outcome.map(CompareCommand.outcome))
        let treatment = treatment!, data = data!
        let measured = Set(spec.outcomes.flatMap { [$0.name] + ($0.pre.map { [$0] } ?? []) })
        let options = try CompareCommand.columnOptions(spec, treatment: treatment)
        let table = try EvaluationTable.read(dataFile: data, treatment: treatment, id: id, group: group, using: Set(options.keys), numeric: measured,
                                             categorical: Set(categorical.flatMap(CompareCommand.list)), options: options)
        let result = try CompareCommand.naming(data) { try Evaluation.run(spec, on: table) }
        if let matchedData { try CompareCommand.writeUnits(result, table, to: matchedData) }
        return Report(comparison: result, source: data)
    }

    private func reportOnIDS(_ path: String, progress: Progress) throws -> Report {
        let text = try YAMLFile.read(path)
        let definition = try EvaluationDefinition.parse(yaml: text, file: path)
        var base = definition.design
        // The experiment needs no model: the randomized arms as they are, unless told otherwise.
        if against == .controlArm {
            (base.method, base.exact, base.caliper, base.ratio, base.replace, base.discard, base.trim) = (.none, [], nil, 1, false, .none, nil)
        }
        let spec = try design.applied(to: base)
        let (connection, _) = try database.connectReady(progress: progress, as: .analyst)
        let stored = try ContractStore.stored(reference: definition.contract, on: connection)
        try definition.check(against: stored.contract, domains: EventDomains.known(on: connection))
        let chosen = try period.map { try stored.contract.period(option: $0) }
        var runner = ComparisonRunner(definition: definition, text: text, stored: stored, period: chosen, source: against)
        runner.design = spec
        runner.storeComparison = storeComparison
        runner.groupBy = by
        runner.progress = { progress.note($0) }
        let outcome = try CompareCommand.naming(path) { try runner.run(on: connection) }
        if let matchedData { try CompareCommand.writeUnits(outcome.result, outcome.table, to: matchedData) }
        let comparison = against == .pool ? "the comparison pool" : "the randomized control arm"
        var report = Report(comparison: outcome.result, source: "\(stored.contract.id) against \(comparison)", policy: suppression.policy,
                            labels: definition.metricLabels(stored.contract))
        var notes = ["Evaluation \(definition.id), run \(outcome.runID): participants and outcomes from version \(stored.version) of \(stored.contract.id) as loaded (SHA-256 \(stored.fileSHA256.prefix(12))…), data load \(outcome.loadID)\(chosen.map { ", period \($0.label)" } ?? ", every complete window"); inputs SHA-256 \(outcome.inputsSHA256.prefix(12))…."]
        if outcome.participantsLeftOut > 0 {
            notes.append("\(outcome.participantsLeftOut) participants have no outcome counted\(chosen.map { " in \($0.label)" } ?? " yet") (or no known age) and are left out.")
        }
        if storeComparison {
            notes.append("Stored the \(spec.method == .nearest ? "matched" : "weighted comparison") group's metrics as \(stored.contract.id)\(OutcomeContract.matchedSuffix), period \(chosen!.label), for version \(stored.version): effect lines with comparison: matched_group pay against it.")
        }
        report.notes.insert(contentsOf: notes, at: 0)
        if let by, let byGroup = outcome.byGroup {
            report.add(estimatesBy: byGroup, attribute: by, policy: suppression.policy, labels: definition.metricLabels(stored.contract))
        }
        return report
    }

    /// The notebook reproduces a stored comparison run of an evaluation file.
    func notebookParameters() throws -> [String: String] {
        guard let evaluation else { throw ValidationError("a comparison notebook needs --evaluation FILE.") }
        return ["evaluation": try EvaluationDefinition.parse(yaml: try YAMLFile.read(evaluation), file: evaluation).id]
    }
}

/// How the comparison is made, shared by `compare --data` and the IDS evaluation.
struct ComparisonDesignOptions: ParsableArguments {
    @Option(name: .long, help: "nearest (matching, the default), weighting (inverse probability), subclass (propensity subclasses), cem (coarsened exact matching), ebal (entropy balancing), aipw (doubly robust) or none (as randomized).")
    var method: EvaluationSpec.Method?

    @Option(name: .long, help: "ATT (effect on participants, the default) or ATE (every method but nearest).")
    var estimand: Estimand?

    @Option(name: .long, help: ArgumentHelp("Columns a control must share with its participant, comma-separated.", valueName: "columns"))
    var exact: String?

    @Option(name: .long, help: "Controls per participant (k:1 matching; default 1).")
    var ratio: Int?

    @Flag(name: .long, help: "Match with replacement: a control may serve several participants.")
    var replace = false

    @Option(name: .long, help: ArgumentHelp("Largest distance to a control, in standard deviations of the propensity score (0.2 is common).", valueName: "sd"))
    var caliper: Double?

    @Option(name: .long, help: "Drop units outside common support first: none (default), treated, control or both.")
    var discard: EvaluationSpec.Discard?

    @Option(name: .long, help: "Nearest-neighbour search: matchit-4.7 (default: MatchIt 4.7.2's matches, ties included), first-in-data-order (the nearest control, ties to the first in data order; formerly 'nearest') or matchit-4.5.1 (Debian's MatchIt 4.5.1's pairs).")
    var search: EvaluationSpec.Search?

    @Option(name: .long, help: ArgumentHelp("Weighting: cap weights at this quantile of theirs (e.g. 0.99).", valueName: "quantile"))
    var trim: Double?

    @Option(name: .long, help: ArgumentHelp("Subclassification: the number of propensity-score subclasses (default 6, as MatchIt).", valueName: "n"))
    var subclasses: Int?

    @Option(name: .long, help: ArgumentHelp("CEM: equal-width bins of numeric covariates, e.g. age=4,re74=3 (others by Sturges' rule, as MatchIt).", valueName: "column=bins,…"))
    var cutpoints: String?

    @Option(name: .long, help: ArgumentHelp("Standard errors: HC0, HC1, HC2, HC3, CR0 or CR1 (by matched set or subclass), CR1-two-way (by matched set and unit, matching with replacement), CR1-household (by each unit's household in the IDS). Default per design, as MatchIt's vignette: CR1 matching without replacement; HC3 with replacement, subclass and cem; HC2 weighting, ebal and none.", valueName: "convention"))
    var se: EvaluationSpec.StandardErrors?

    @Flag(name: .long, help: "Also estimate with the covariates in the outcome regression (ANCOVA).")
    var adjust = false

    @Option(name: .long, help: "Confidence level of the intervals (default 0.95).")
    var confidence: Double?

    @Option(name: .long, help: "Power of the minimum detectable effect (default 0.8).")
    var power: Double?

    func spec(covariates: [String], outcomes: [EvaluationSpec.Outcome]) throws -> EvaluationSpec {
        try applied(to: EvaluationSpec(covariates: covariates, outcomes: outcomes))
    }

    /// `base` (an evaluation file's design, or the defaults) with the options given on the command line.
    func applied(to base: EvaluationSpec) throws -> EvaluationSpec {
        var spec = base
        if let method, method != base.method {
            // Another method than the file's: its nearest-neighbour or weighting options do not carry over.
            spec.method = method
            (spec.exact, spec.caliper, spec.ratio, spec.replace, spec.discard, spec.trim) = ([], nil, 1, false, .none, nil)
            (spec.subclasses, spec.cutpoints, spec.standardErrors) = (6, [:], nil)
        }
        if let estimand { spec.estimand = estimand }
        if let exact { spec.exact = CompareCommand.list(exact) }
        if let ratio { spec.ratio = ratio }
        if replace { spec.replace = true }
        if let caliper { spec.caliper = caliper }
        if let discard { spec.discard = discard }
        if let search { spec.search = search }
        if let trim { spec.trim = trim }
        if let subclasses { spec.subclasses = subclasses }
        if let cutpoints { spec.cutpoints = try Self.bins(cutpoints) }
        if let se { spec.standardErrors = se }
        if adjust { spec.adjust = true }
        if let confidence { spec.confidence = confidence }
        if let power { spec.power = power }
        return try spec.validated()
    }
}

extension ComparisonDesignOptions {
    /// `column=bins,…`, every part named and the bins a whole number.
    static func bins(_ value: String) throws(EvaluationError) -> [String: Int] {
        var bins: [String: Int] = [:]
        for part in CompareCommand.list(value) {
            let pieces = part.split(separator: "=", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count == 2, !pieces[0].isEmpty, let count = Int(pieces[1]) else {
                throw .option("cutpoints", .notColumnEqualsBins(part))
            }
            guard bins.updateValue(count, forKey: pieces[0]) == nil else { throw .option("cutpoints", .binsGivenTwice(pieces[0])) }
        }
        return bins
    }
}

extension EvaluationSpec.Method: ExpressibleByArgument {}
extension EvaluationSpec.StandardErrors: ExpressibleByArgument {}
extension EvaluationSpec.Discard: ExpressibleByArgument {}
extension EvaluationSpec.Search: ExpressibleByArgument {}
extension Estimand: ExpressibleByArgument {}
extension ComparisonSource: ExpressibleByArgument {}

extension EvaluationError.ColumnRole {
    /// The option that names a column in this role.
    fileprivate var option: String {
        switch self {
        case .covariate: "covariates"
        case .exactKey: "exact"
        case .outcome: "outcome"
        }
    }
}
