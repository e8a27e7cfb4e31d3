import Foundation

extension OutcomeContract {
    static let topLevelKeys = [
        "contract", "name", "program", "version", "data_through", "currency", "rounding", "cohort", "periods", "metrics",
        "payments",
    ]
    static let metricKeys = [
        "id", "label", "measure", "domain", "domains", "source_systems", "event_types", "amount", "window",
        "consecutive", "condition", "of", "pre_window", "assign_by", "during", "outside", "aggregate", "description",
    ]

    /// Limits on what one file may declare (they keep a run's statements and memory bounded).
    static let maximumMetrics = 200
    /// Versions are stored as the database's integer.
    static let maximumVersion = Int(Int32.max)
    static let maximumPeriods = 1_200

    /// Reads a contract file (YAML). Every problem is reported as file:line with what is allowed.
    public static func load(path: String) throws -> OutcomeContract {
        try parse(yaml: YAMLValue.readFile(path), file: path)
    }

    public static func parse(yaml text: String, file: String) throws -> OutcomeContract {
        let root = try YAMLValue.parse(text, file: file)
        let entries = try root.mapping(allowed: topLevelKeys, context: "the contract")
        let id = try entries.required("contract", in: "the contract", at: root).string("contract")
        guard id.range(of: "^[a-z0-9][a-z0-9_-]*$", options: .regularExpression) != nil else {
            throw entries["contract"]!.error(.wrongForm(expected: .identifier), "the contract id '\(id)' may hold only a-z, 0-9, '-' and '_'")
        }
        let metricsNode = try entries.required("metrics", in: "the contract", at: root)
        var metrics: [MetricDefinition] = []
        for item in metricsNode.list() {
            let metric = try parseMetric(item)
            if metrics.contains(where: { $0.id == metric.id }) {
                throw item.error(.duplicateName(metric.id), "metric id '\(metric.id)' is used twice")
            }
            metrics.append(metric)
        }
        guard !metrics.isEmpty else { throw metricsNode.error(.tooFew("metrics"), "a contract needs at least one metric") }
        guard metrics.count <= Self.maximumMetrics else {
            throw metricsNode.error(.tooMany("metrics"), "a contract has at most \(Self.maximumMetrics) metrics, not \(metrics.count)")
        }
        let periods = try parsePeriods(try entries.required("periods", in: "the contract", at: root))
        // A window anchored on the reporting period must be a window of every period.
        for (metric, item) in zip(metrics, metricsNode.list()) where metric.window.anchor == .reportingPeriod {
            if let period = periods.first(where: { metric.window.range(of: $0) == nil }) {
                throw item.error(.outOfOrder, "metric '\(metric.id)': its window ends before it starts in period \(period.label)")
            }
        }
        let cohort = try entries["cohort"].map(parseCohort) ?? CohortRule()
        var contract = OutcomeContract(
            id: id,
            name: try entries["name"]?.string("name") ?? id,
            program: try entries.required("program", in: "the contract", at: root).string("program"),
            dataThrough: try entries.required("data_through", in: "the contract", at: root).date("data_through"),
            cohort: cohort,
            periods: periods,
            metrics: metrics,
            payments: try PaymentTerms.parse(entries, root: root, metrics: metrics, periods: periods, providers: cohort.providers))
        if let terms = contract.payments {
            contract.version = terms.version
        } else if let versionNode = entries["version"] {
            contract.version = try versionNode.int("version")
            guard (1...maximumVersion).contains(contract.version) else { throw versionNode.error(.outOfRange("version"), "version must be from 1 to \(maximumVersion)") }
        }
        return contract
    }

    /// Domains are data: every domain a metric names must be one the IDS knows (`known`), else an
    /// error at the metric's domain line of `file`.
    public func checkDomains(known: Set<String>, file: String) throws {
        for metric in metrics {
            for domain in metric.events.domains + (metric.events.overlap?.events.domains ?? []) where !known.contains(domain) {
                throw DefinitionFileError(
                    file: file, line: metric.domainLine,
                    code: .unknownName(.domain, domain), problem: "metric '\(metric.id)' names domain '\(domain)', which the IDS does not know; its domains: "
                        + "\(known.sorted().joined(separator: ", ")) (load others with an extract's event_domains.csv)")
            }
        }
    }

    static func parseCohort(_ node: YAMLValue) throws -> CohortRule {
        let entries = try node.mapping(
            allowed: ["providers", "study_arm", "min_enrolled_days", "assign_by"], context: "cohort")
        let minimum = try entries["min_enrolled_days"]?.int("min_enrolled_days") ?? 0
        guard minimum >= 0 else { throw entries["min_enrolled_days"]!.error(.outOfRange("min_enrolled_days"), "min_enrolled_days cannot be negative") }
        return CohortRule(
            providers: try entries["providers"]?.list().map { try $0.string("a provider") } ?? [],
            studyArm: try entries["study_arm"]?.choice("study arm", StudyArm.allCases.map { ($0.rawValue, $0) }),
            minimumEnrolledDays: minimum,
            assignBy: try entries["assign_by"]?.choice(
                "assign_by", CohortRule.PeriodAssignment.allCases.map { ($0.rawValue, $0) }) ?? .windowEnd)
    }

    /// `{every: quarter|year|month, from:, to:}` or a list of `{label:, from:, to:}`.
    static func parsePeriods(_ node: YAMLValue) throws -> [ReportingPeriod] {
        if node.node.sequence != nil {
            let periods = try node.list().map { item -> ReportingPeriod in
                let entries = try item.mapping(allowed: ["label", "from", "to"], context: "a period")
                let period = ReportingPeriod(
                    label: try entries.required("label", in: "a period", at: item).string("label"),
                    start: try entries.required("from", in: "a period", at: item).date("from"),
                    end: try entries.required("to", in: "a period", at: item).date("to"))
                guard period.start <= period.end else { throw item.error(.outOfOrder, "period '\(period.label)' ends before it starts") }
                return period
            }
            guard !periods.isEmpty else { throw node.error(.tooFew("periods"), "periods needs at least one period") }
            guard periods.count <= maximumPeriods else { throw node.error(.tooMany("periods"), "a contract has at most \(maximumPeriods) periods") }
            return periods
        }
        let entries = try node.mapping(allowed: ["every", "from", "to"], context: "periods")
        let unit = try entries.required("every", in: "periods", at: node)
            .choice("period length", [("month", 1), ("quarter", 3), ("year", 12)])
        let from = try entries.required("from", in: "periods", at: node).date("from")
        let to = try entries.required("to", in: "periods", at: node).date("to")
        let (_, month, day) = from.components
        guard day == 1, (month - 1) % unit == 0 else {
            throw entries["from"]!.error(.inconsistent, "periods of \(unit) month(s) must start on the first day of one, not \(from)")
        }
        guard from <= to else { throw node.error(.outOfOrder, "periods end before they start") }
        var periods: [ReportingPeriod] = []
        var start = from
        while start <= to {
            guard periods.count < maximumPeriods else { throw node.error(.tooMany("periods"), "a contract has at most \(maximumPeriods) periods") }
            let next = Offset(unit, .months).applied(to: start)
            let (y, m, _) = start.components
            let label = switch unit {
            case 1: "\(y)-" + (m < 10 ? "0\(m)" : "\(m)")
            case 3: start.quarterLabel
            default: "\(y)"
            }
            periods.append(ReportingPeriod(label: label, start: start, end: min(next.adding(days: -1), to)))
            start = next
        }
        return periods
    }

    static func parseMetric(_ node: YAMLValue) throws -> MetricDefinition {
        let entries = try node.mapping(allowed: metricKeys, context: "a metric")
        let id = try entries.required("id", in: "a metric", at: node).string("id")
        guard id.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) != nil else {
            throw entries["id"]!.error(.wrongForm(expected: .identifier), "metric id '\(id)' may hold only a-z, 0-9 and '_', starting with a letter")
        }
        let context = "metric '\(id)'"
        let measureNode = try entries.required("measure", in: context, at: node)
        let measureName = try measureNode.string("measure")
        let window = try parseWindow(try entries.required("window", in: context, at: node), context: context)
        let measure: Measure
        switch measureName {
        case "any": measure = .any
        case "count": measure = .count
        case "days_covered": measure = .daysCovered
        case "days_without": measure = .daysWithout
        case "sum": measure = .sum
        case "days_to_event": measure = .daysToEvent
        case "sustained":
            let run = try entries.required("consecutive", in: context, at: node)
            let expected = "consecutive must be a positive count of days, months or quarters, e.g. '4 quarters'"
            guard let offset = Offset(text: try run.string("consecutive")) else { throw run.error(.wrongForm(expected: .offset), expected) }
            guard offset.amount > 0, offset.unit != .years else { throw run.error(.outOfRange("consecutive"), expected) }
            let present: Bool = try entries["condition"]?.choice("condition", [("present", true), ("absent", false)]) ?? true
            measure = .sustained(consecutive: offset.amount, unit: offset.unit, present: present)
        case "change":
            if let mapping = entries["of"], mapping.node.mapping != nil {
                throw mapping.error(.unsupported, "a change is measured on the participant: 'of' names its base measure (any, count, days_covered, sum), not relatives")
            }
            let base = try entries.required("of", in: context, at: node)
                .choice("base measure of a change", [("any", Measure.any), ("count", .count), ("days_covered", .daysCovered), ("sum", .sum)])
            let pre = try parseWindow(try entries.required("pre_window", in: context, at: node), context: "\(context) pre_window")
            measure = .change(of: base, pre: pre)
        default:
            throw measureNode.error(.unknownWord(measureName, allowed: Measure.names), "unknown measure '\(measureName)'; allowed: \(Measure.names.joined(separator: ", "))")
        }
        for key in ["consecutive", "condition"] where entries[key] != nil && measure.name != "sustained" {
            throw entries[key]!.error(.keyDoesNotApply(key), "'\(key)' belongs to measure: sustained")
        }
        // `of:` is a change's base measure (a word) or the relatives measured (a mapping).
        let relativesNode = entries["of"].flatMap { $0.node.mapping == nil ? nil : $0 }
        for key in ["pre_window"] + (relativesNode == nil ? ["of"] : []) where entries[key] != nil && measure.name != "change" {
            throw entries[key]!.error(.keyDoesNotApply(key), "'\(key)' belongs to measure: change")
        }
        if let aggregateNode = entries["aggregate"], relativesNode == nil {
            throw aggregateNode.error(.keyDoesNotApply("aggregate"), "'aggregate' belongs to a metric over relatives (of: {relation: …})")
        }
        if case .change(_, let pre) = measure, pre.anchor == .reportingPeriod {
            throw entries["pre_window"]!.error(.unsupported, "a pre_window cannot be anchored on the reporting period; anchor it on the enrollment or a date")
        }
        var events = try parseSelection(entries, node: node, context: context)
        if entries["during"] != nil, entries["outside"] != nil {
            throw node.error(.conflictingKeys(["during", "outside"]), "\(context) has both 'during' and 'outside'; give one")
        }
        for kind in [EventSelection.Overlap.Kind.during, .outside] {
            guard let overlapNode = entries[kind.rawValue] else { continue }
            guard measure == .daysCovered else { throw overlapNode.error(.keyDoesNotApply(kind.rawValue), "'\(kind.rawValue)' belongs to measure: days_covered") }
            let fields = try overlapNode.mapping(allowed: ["domain", "domains", "source_systems", "event_types", "amount"],
                                                 context: "\(context) \(kind.rawValue)")
            let selection = try parseSelection(fields, node: overlapNode, context: "\(context) \(kind.rawValue)")
            events.overlap = kind == .during ? .during(selection) : .outside(selection)
        }
        var metric = MetricDefinition(
            id: id, label: try entries["label"]?.string("label") ?? id, measure: measure, events: events, window: window)
        metric.domainLine = (entries["domain"] ?? entries["domains"])?.line ?? node.line
        metric.description = try entries["description"]?.string("description")
        if let relativesNode {
            metric.relatives = try parseRelatives(relativesNode, aggregate: try entries.required("aggregate", in: context, at: node), context: context)
            if let assignNode = entries["assign_by"], try assignNode.string("assign_by") == CohortRule.PeriodAssignment.achieved.rawValue {
                throw assignNode.error(.unsupported, "a metric over relatives has no date of achievement: it counts once its window has ended; drop assign_by: achieved")
            }
        }
        if let assignNode = entries["assign_by"] {
            metric.assignBy = try assignNode.choice("assign_by", CohortRule.PeriodAssignment.allCases.map { ($0.rawValue, $0) })
            if metric.assignBy == .achieved, !metric.hasAchievementDate {
                throw assignNode.error(.unsupported, "assign_by: achieved needs a date of achievement: measures any, count, days_to_event, "
                                       + "or sustained with condition: present")
            }
        }
        if window.anchor == .reportingPeriod, let assignNode = entries["assign_by"] {
            throw assignNode.error(.keyDoesNotApply("assign_by"), "a window anchored on the reporting period counts every period a participant is enrolled; drop 'assign_by'")
        }
        return metric
    }

    static func parseSelection(_ entries: [String: YAMLValue], node: YAMLValue, context: String) throws -> EventSelection {
        guard let domainNode = entries["domain"] ?? entries["domains"] else { throw node.error(.missingKey("domain"), "\(context) needs 'domain'") }
        // Domains are data (ids.event_domains): here only their spelling is checked.
        let domains = try domainNode.list().map { item -> String in
            let code = try item.string("domain")
            guard code.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) != nil else {
                throw item.error(.wrongForm(expected: .identifier), "domain '\(code)' is not a domain code (a-z, 0-9 and '_', starting with a letter)")
            }
            return code
        }
        return EventSelection(
            domains: domains,
            sourceSystems: try entries["source_systems"]?.list().map { try $0.string("a source system") } ?? [],
            eventTypes: try entries["event_types"]?.list().map { try $0.string("an event type") } ?? [],
            amount: try entries["amount"]?.comparison("amount"))
    }

    static func parseWindow(_ node: YAMLValue, context: String) throws -> Window {
        let entries = try node.mapping(allowed: ["anchor", "date", "from", "to"], context: "\(context) window")
        let anchorNode = try entries.required("anchor", in: "a window", at: node)
        let anchor: Anchor
        switch try anchorNode.string("anchor") {
        // An evaluation's units have an index date: a participant's is the enrollment start.
        case "enrollment_start", "index_date": anchor = .enrollmentStart
        case "enrollment_end": anchor = .enrollmentEnd
        case "date": anchor = .fixed(try entries.required("date", in: "a window anchored at a date", at: node).date("date"))
        case "period": anchor = .reportingPeriod
        case let other:
            throw anchorNode.error(.unknownWord(other, allowed: ["enrollment_start", "index_date", "enrollment_end", "date", "period"]), "unknown anchor '\(other)'; allowed: enrollment_start (index_date in an evaluation), enrollment_end, date, period")
        }
        func offset(_ key: String) throws -> Offset {
            // A window anchored on the period is the period unless told otherwise.
            if anchor == .reportingPeriod, entries[key] == nil { return Offset(0, .days) }
            let value = try entries.required(key, in: "a window", at: node)
            let text = value.node.string ?? ""
            guard let offset = Offset(text: text) else {
                if (try? NumberLiteral.integer(text)) != nil {
                    throw value.error(.wrongForm(expected: .offset), "the offset '\(text)' has no unit; write e.g. '\(text) days' (units: days, months, quarters, years)")
                }
                throw value.error(.wrongForm(expected: .offset), "'\(text)' is not an offset; write a whole number and a unit, e.g. '12 months' or '-1 day'")
            }
            return offset
        }
        let window = Window(anchor: anchor, from: try offset("from"), to: try offset("to"))
        if anchor == .reportingPeriod { return window }  // checked against every period once they are read
        // Months have different lengths: check the window on anchors where that matters.
        let probes = ["2021-01-31", "2021-02-28", "2024-02-29", "2023-06-30", "2023-07-01"].compactMap { LocalDate(iso: $0) }
        if probes.contains(where: { window.range(anchoredAt: $0) == nil }) {
            throw node.error(.outOfOrder, "the window ends before it starts (from \(window.from) to \(window.to))")
        }
        return window
    }

    /// `of: {relation: child | [child, ward] | household, age_at_index: 0-5, evidence: [declared]}`.
    static func parseRelatives(_ node: YAMLValue, aggregate aggregateNode: YAMLValue, context: String) throws -> RelativeSelection {
        let entries = try node.mapping(allowed: ["relation", "age_at_index", "evidence"], context: "\(context) of")
        let relationNode = try entries.required("relation", in: "\(context) of", at: node)
        let words = try relationNode.list().map { try $0.string("relation") }
        let allowed = RelationshipCode.codes + [RelativeSelection.household]
        let relations: RelativeSelection.Relations
        if words.isEmpty {
            throw relationNode.error(.tooFew("relation"), "relation names no relation; give one, e.g. relation: child")
        } else if let unknown = words.first(where: { !allowed.contains($0) }) {
            throw relationNode.error(.unknownWord(unknown, allowed: allowed), "unknown relation '\(unknown)'; relations: \(allowed.joined(separator: ", "))")
        } else if words.contains(RelativeSelection.household) {
            guard words.count == 1 else {
                throw relationNode.error(.unsupported, "relation: household is the whole household; it is not combined with other relations")
            }
            relations = .household
        } else {
            var codes: [String] = []
            for word in words { codes += RelationshipCode.selected(by: word).filter { !codes.contains($0) } }
            relations = .codes(codes)
        }
        var ages: ClosedRange<Int>? = nil
        if let ageNode = entries["age_at_index"] {
            let text = try ageNode.string("age_at_index")
            let bounds = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard bounds.count == 2, let low = bounds[0], let high = bounds[1] else {
                throw ageNode.error(.wrongForm(expected: .text), "age_at_index must be a range of whole years written LOW-HIGH, e.g. 0-5, not '\(text)'")
            }
            guard low >= 0, high <= RelativeSelection.maximumAge else {
                throw ageNode.error(.outOfRange("age_at_index"), "age_at_index must lie within 0-\(RelativeSelection.maximumAge)")
            }
            guard low <= high else { throw ageNode.error(.outOfOrder, "age_at_index \(text) ends before it starts") }
            ages = low...high
        }
        let evidence = try entries["evidence"]?.list().map {
            try $0.choice("evidence", RelationshipEvidence.allCases.map { ($0.rawValue, $0) })
        } ?? []
        let aggregate = try aggregateNode.choice("aggregate", RelativeAggregate.allCases.map { ($0.rawValue, $0) })
        return RelativeSelection(relations: relations, ageAtIndex: ages, evidence: evidence, aggregate: aggregate)
    }
}
