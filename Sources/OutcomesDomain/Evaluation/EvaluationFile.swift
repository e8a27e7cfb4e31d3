import Foundation
import OutcomesStatistics

/// An evaluation of a contract's participants against a comparison pool drawn from the IDS, as
/// an evaluation file (YAML under `scenarios/`) declares it: who is in the pool and when their
/// index date is, the baseline covariates (metrics over windows before the index date, and person
/// attributes at it), the outcomes (the contract's own metrics) and how the comparison is made.
public struct EvaluationDefinition: Sendable, Equatable {
    public struct Pool: Sendable, Equatable {
        public enum IndexDate: String, Sendable, CaseIterable {
            /// The first eligibility event in the intake window.
            case firstEligibility = "first_eligibility"
            /// A participant's enrollment date drawn for each pool member (seeded, uniform over participants).
            case participants
        }
        /// Events that make a person eligible, in the intake window.
        public var eligibility: EventSelection
        public var intakeFrom: LocalDate
        public var intakeTo: LocalDate
        /// Days covered by eligibility events inside the intake window, at least (1: any).
        public var minimumDays: Int
        public var indexDate: IndexDate
        public var seed: Int
        /// Persons ever enrolled in these programs are not in the pool (default: the contract's program).
        public var excludePrograms: [String]
        /// Only persons of these counties (empty: all).
        public var counties: [String]
        /// The line of `eligibility` in the file.
        public var eligibilityLine = 0
    }

    public enum Attribute: String, Sendable, CaseIterable {
        case age, sex, race, county
        case indexQuarter = "index_quarter"
    }

    public enum Covariate: Sendable, Equatable {
        case metric(MetricDefinition)
        case attribute(Attribute)

        public var name: String {
            switch self {
            case .metric(let metric): metric.id
            case .attribute(let attribute): attribute.rawValue
            }
        }
    }

    public var id: String
    /// `id` or `id@version` of a loaded contract: its participants and outcome metrics.
    public var contract: String
    public var pool: Pool
    public var covariates: [Covariate]
    /// Exact-match keys: attributes (index quarter, county, sex) or covariate ids.
    public var exact: [String]
    /// The contract's metrics to estimate effects on, each with an optional pre-window covariate (DiD).
    public var outcomes: [EvaluationSpec.Outcome]
    /// Method and options (covariates, outcomes and exact are filled from the fields above).
    public var design: EvaluationSpec
    /// The file it was read from and the line of each outcome, for errors found once the contract is known.
    public var file = ""
    public var outcomeLines: [Int] = []

    /// Measures whose value is a number for every unit (a covariate cannot be missing).
    static let covariateMeasures: Set<String> = ["any", "count", "days_covered", "days_without", "sum"]
}

extension EvaluationDefinition {
    static let keys = ["evaluation", "contract", "pool", "covariates", "exact", "outcomes", "method", "estimand", "ratio", "replace",
                       "caliper", "discard", "search", "trim", "subclasses", "cutpoints", "se", "adjust", "confidence", "power"]

    public static func load(path: String) throws -> EvaluationDefinition {
        try parse(yaml: YAMLValue.readFile(path), file: path)
    }

    public static func parse(yaml text: String, file: String) throws -> EvaluationDefinition {
        let root = try YAMLValue.parse(text, file: file)
        let entries = try root.mapping(allowed: keys, context: "the evaluation")
        let id = try entries.identifier("evaluation", in: "the evaluation", at: root)
        let contract = try entries.contractReference(in: "the evaluation", at: root).reference
        let pool = try parsePool(try entries.required("pool", in: "the evaluation", at: root))

        var covariates: [Covariate] = []
        let covariatesNode = try entries.required("covariates", in: "the evaluation", at: root)
        for item in covariatesNode.list() {
            let covariate: Covariate
            if let name = item.node.string {
                guard let attribute = Attribute(rawValue: name) else {
                    throw item.error(.unknownWord(name, allowed: Attribute.allCases.map(\.rawValue)), "unknown attribute '\(name)'; attributes: \(Attribute.allCases.map(\.rawValue).joined(separator: ", ")), or a metric over a window before the index date")
                }
                covariate = .attribute(attribute)
            } else {
                let metric = try OutcomeContract.parseMetric(item)
                guard covariateMeasures.contains(metric.measure.name) else {
                    throw item.error(.unsupported, "covariate '\(metric.id)': measure \(metric.measure.name) can be missing; a covariate uses \(covariateMeasures.sorted().joined(separator: ", "))")
                }
                if metric.window.anchor == .enrollmentStart, metric.window.to.amount >= 0 {
                    throw item.error(.unsupported, "covariate '\(metric.id)': its window must end before the index date (to: -1 day or earlier), so treatment cannot affect it")
                }
                if metric.window.anchor == .enrollmentEnd || metric.window.anchor == .reportingPeriod {
                    throw item.error(.unsupported, "covariate '\(metric.id)': anchor its window at index_date or a date")
                }
                covariate = .metric(metric)
            }
            if covariates.contains(where: { $0.name == covariate.name }) { throw item.error(.duplicateName(covariate.name), "covariate '\(covariate.name)' is listed twice") }
            covariates.append(covariate)
        }
        guard !covariates.isEmpty else { throw covariatesNode.error(.tooFew("covariates"), "an evaluation needs at least one covariate") }

        let names = Set(covariates.map(\.name))
        let exact = try entries["exact"]?.list().map { item -> String in
            let key = try item.string("an exact-match key")
            guard names.contains(key) || Attribute(rawValue: key) != nil else {
                throw item.error(.unknownName(.attributeOrCovariate, key), "exact-match key '\(key)' is neither an attribute (\(Attribute.allCases.map(\.rawValue).joined(separator: ", "))) nor a covariate")
            }
            return key
        } ?? []
        let outcomesNode = try entries.required("outcomes", in: "the evaluation", at: root)
        let outcomeLines = outcomesNode.list().map(\.line)
        let outcomes = try outcomesNode.list().map { item -> EvaluationSpec.Outcome in
            if let name = item.node.string { return EvaluationSpec.Outcome(name: name) }
            let fields = try item.mapping(allowed: ["metric", "pre"], context: "an outcome")
            let pre = try fields["pre"]?.string("pre")
            if let pre, !names.contains(pre) { throw fields["pre"]!.error(.unknownName(.covariate, pre), "pre '\(pre)' is not one of the covariates") }
            return EvaluationSpec.Outcome(name: try fields.required("metric", in: "an outcome", at: item).string("metric"), pre: pre)
        }
        guard !outcomes.isEmpty else { throw outcomesNode.error(.tooFew("outcomes"), "an evaluation needs at least one outcome (a metric of the contract)") }

        var design = EvaluationSpec(covariates: covariates.map(\.name), outcomes: outcomes)
        design.exact = exact
        design.method = try entries["method"]?.choice("method", EvaluationSpec.Method.allCases.map { ($0.rawValue, $0) }) ?? .nearest
        design.estimand = try entries["estimand"]?.choice("estimand", Estimand.allCases.map { ($0.rawValue, $0) }) ?? .att
        design.ratio = try entries["ratio"]?.int("ratio") ?? 1
        design.replace = try entries["replace"]?.bool("replace") ?? false
        design.caliper = try entries["caliper"].map { NSDecimalNumber(decimal: try $0.decimal("caliper")).doubleValue }
        design.discard = try entries["discard"]?.choice("discard", EvaluationSpec.Discard.allCases.map { ($0.rawValue, $0) }) ?? .none
        design.search = try entries["search"]?.choice("search", EvaluationSpec.Search.allCases.map { ($0.rawValue, $0) }
            + EvaluationSpec.Search.earlierNames.map { ($0.key, $0.value) }) ?? .matchIt47
        design.trim = try entries["trim"].map { NSDecimalNumber(decimal: try $0.decimal("trim")).doubleValue }
        design.subclasses = try entries["subclasses"]?.int("subclasses") ?? 6
        if let node = entries["cutpoints"] {
            for (name, bins) in try node.pairs() { design.cutpoints[name] = try bins.int("cutpoints of \(name)") }
        }
        design.standardErrors = try entries["se"]?.choice("se", EvaluationSpec.StandardErrors.allCases.map { ($0.rawValue, $0) })
        design.adjust = try entries["adjust"]?.bool("adjust") ?? false
        if let node = entries["confidence"] { design.confidence = NSDecimalNumber(decimal: try node.decimal("confidence")).doubleValue }
        if let node = entries["power"] { design.power = NSDecimalNumber(decimal: try node.decimal("power")).doubleValue }
        do {
            design = try design.validated()
        } catch {
            guard case .option(let option, let problem) = error else { throw error }
            throw (entries[option] ?? root).error(.designRefused(option: option), "\(option): \(problem.explanation)")
        }
        var definition = EvaluationDefinition(id: id, contract: contract, pool: pool, covariates: covariates, exact: exact, outcomes: outcomes,
                                              design: design)
        (definition.file, definition.outcomeLines) = (file, outcomeLines)
        return definition
    }

    /// The file against the IDS and the contract it names: the domains of the pool's eligibility
    /// and of the covariates must be ones the IDS knows (`domains`); each outcome must be a metric of
    /// the contract that every unit has a value of (not days_to_event, not anchored on the period).
    public func check(against contract: OutcomeContract, domains known: Set<String>) throws {
        let unknown = { (domains: [String]) in domains.first { !known.contains($0) } }
        let vocabulary = "its domains: \(known.sorted().joined(separator: ", ")) (load others with an extract's event_domains.csv)"
        if let domain = unknown(pool.eligibility.domains + (pool.eligibility.overlap?.events.domains ?? [])) {
            throw DefinitionFileError(file: file, line: pool.eligibilityLine, code: .unknownName(.domain, domain), problem: "eligibility names domain '\(domain)', which the IDS does not know; \(vocabulary)")
        }
        for case .metric(let metric) in covariates {
            if let domain = unknown(metric.events.domains + (metric.events.overlap?.events.domains ?? [])) {
                throw DefinitionFileError(file: file, line: metric.domainLine,
                                          code: .unknownName(.domain, domain), problem: "covariate '\(metric.id)' names domain '\(domain)', which the IDS does not know; \(vocabulary)")
            }
        }
        for (index, outcome) in outcomes.enumerated() {
            let line = index < outcomeLines.count ? outcomeLines[index] : 1
            guard let metric = contract.metrics.first(where: { $0.id == outcome.name }) else {
                throw DefinitionFileError(file: file, line: line, code: .unknownName(.metric, outcome.name), problem: "outcome '\(outcome.name)' is not a metric of contract \(contract.id); "
                                          + "its metrics: \(contract.metrics.map(\.id).joined(separator: ", "))")
            }
            guard metric.measure.name != "days_to_event", metric.window.anchor != .reportingPeriod else {
                throw DefinitionFileError(file: file, line: line, code: .unsupported, problem: "metric '\(metric.id)' cannot be an evaluation outcome (days_to_event is "
                                          + "missing for units without the event; a period-anchored window has no index date)")
            }
        }
    }

    static func parsePool(_ node: YAMLValue) throws -> Pool {
        let entries = try node.mapping(allowed: ["eligibility", "intake", "min_days", "index_date", "seed", "exclude_programs", "counties"],
                                       context: "pool")
        let eligibilityNode = try entries.required("eligibility", in: "pool", at: node)
        let eligibility = try OutcomeContract.parseSelection(
            try eligibilityNode.mapping(allowed: ["domain", "domains", "source_systems", "event_types", "amount"], context: "eligibility"),
            node: eligibilityNode, context: "eligibility")
        let intakeNode = try entries.required("intake", in: "pool", at: node)
        let intake = try intakeNode.mapping(allowed: ["from", "to"], context: "intake")
        let from = try intake.required("from", in: "intake", at: intakeNode).date("from")
        let to = try intake.required("to", in: "intake", at: intakeNode).date("to")
        guard from <= to else { throw intakeNode.error(.outOfOrder, "the intake window ends before it starts") }
        let minimumDays = try entries["min_days"]?.int("min_days") ?? 1
        guard minimumDays >= 1 else { throw entries["min_days"]!.error(.outOfRange("min_days"), "min_days must be 1 or more") }
        // Days covered are counted inside the intake window: more than it has can never be met.
        guard minimumDays <= from.days(to: to) + 1 else {
            throw entries["min_days"]!.error(.inconsistent, "min_days \(minimumDays) is more than the \(from.days(to: to) + 1) days of the intake window")
        }
        return Pool(
            eligibility: eligibility, intakeFrom: from, intakeTo: to, minimumDays: minimumDays,
            indexDate: try entries["index_date"]?.choice("index_date", Pool.IndexDate.allCases.map { ($0.rawValue, $0) }) ?? .firstEligibility,
            seed: try entries["seed"]?.int("seed") ?? 1,
            excludePrograms: try entries["exclude_programs"]?.list().map { try $0.string("a program") } ?? [],
            counties: try entries["counties"]?.list().map { try $0.string("a county") } ?? [],
            eligibilityLine: eligibilityNode.line)
    }
}

extension OutcomeContract {
    /// The same contract measuring `metrics` instead (no payment terms), its results stored under
    /// `resultsID`: an evaluation's covariates, or the contract's outcomes over other units.
    public func measuring(_ metrics: [MetricDefinition], storedAs resultsID: String, keepCohort: Bool) -> OutcomeContract {
        var copy = OutcomeContract(
            id: id, name: name, program: program, dataThrough: dataThrough,
            cohort: keepCohort ? cohort : CohortRule(providers: cohort.providers, studyArm: cohort.studyArm),
            periods: periods, metrics: metrics, payments: nil)
        copy.version = version
        copy.resultsID = resultsID
        return copy
    }

    /// Every day there is, as one period: a covariate (or an outcome over all periods) counts
    /// whenever its window is complete.
    public static let allTime = ReportingPeriod(label: "(all)", start: LocalDate(iso: "1900-01-01")!, end: LocalDate(iso: "9999-12-31")!)
}
