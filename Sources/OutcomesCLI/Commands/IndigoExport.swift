import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain

/// `outcomes export indigo --contract ID`: the contract in the GO Lab INDIGO data standard's
/// project tables — outcome metrics, outcome pricings, results, outcome payments — with its field
/// names, aggregates only, every count under the small-cell policy.
struct IndigoExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "indigo",
        abstract: "The contract's outcome metrics, pricings, results and payments in the INDIGO data standard.",
        discussion: """
            Writes the four project tables of the GO Lab INDIGO data standard (schema/project.json) \
            that a contract fills: outcome_metrics (each payment line's outcome, its definition, \
            how it is validated), outcome_pricings (price per unit, the most a line pays), results \
            (per line and period: participants engaged, those with the outcome paid for; interim \
            or final) and outcome_payments (actual, from the ledger, by line, period, payer and \
            recipient; planned, from the contract's latest stored scenario, by recipient and \
            period). --format json prints INDIGO's nested form ({"value": …} objects); md and csv \
            print the tables with INDIGO's field paths as columns. Counts of 1 to 10 are \
            suppressed, with whatever would reveal them (under the database's publication \
            threshold once `outcomes publish` has set one; a higher --small-cell-threshold is \
            refused). Milestones (not outcomes) and clawbacks \
            are left out.

            Examples:
              outcomes export indigo --contract reentry-2021
              outcomes export indigo --contract housing-2021 --format json
            """
    )

    @Option(name: .long, help: ArgumentHelp("A loaded contract: ID or ID@VERSION.", valueName: "id"))
    var contract: String

    @OptionGroup var suppression: SuppressionOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func validate() throws { try ContractReference.validate(contract) }

    func run() throws {
        let (connection, _) = try database.connectReady(progress: output.progress, as: .analyst)
        let stored = try ContractStore.stored(reference: contract, on: connection)
        guard let terms = stored.contract.payments else {
            throw ValidationError("contract \(stored.contract.id) has no payment terms: INDIGO's outcome tables describe paid outcomes.")
        }
        let figures = try IndigoFigures.read(contract: stored.contract.id, on: connection)
        let project = IndigoProject(contract: stored.contract, terms: terms, figures: figures, policy: try suppression.releasePolicy(on: connection))
        if output.format == .json, output.output == nil { return print(try project.json(), terminator: "") }
        if output.format == .json, let path = output.output { return try SafeWriter(option: "--output").write(try project.json(), to: path) }
        try output.emit(project.report)
    }
}

/// An INDIGO field: a key, or a key inside an object (`period/start_date`), kept apart so that the
/// JSON nests it without reading its printed name back.
struct IndigoField: ExpressibleByStringLiteral, Equatable {
    let object: String?
    let key: String
    /// INDIGO holds this value as a plain string, not as `{"value": …}` (the outcome metric's id).
    var isPlain = false

    init(stringLiteral key: String) { (object, self.key) = (nil, key) }
    init(_ object: String, _ key: String) { (self.object, self.key) = (object, key) }
    static let plainID = { var field: IndigoField = "id"; field.isPlain = true; return field }()

    /// As a column of the printed tables: INDIGO's path notation.
    var name: String { object.map { "\($0)/\(key)" } ?? key }
}

/// The INDIGO tables of one contract, as rows of INDIGO fields and values.
struct IndigoProject {
    typealias Row = [(field: IndigoField, value: Cell)]
    let name: String
    var tables: [(name: String, rows: [Row])] = []

    init(contract: OutcomeContract, terms: PaymentTerms, figures: IndigoFigures, policy: SmallCellPolicy) {
        name = contract.name
        let currency = terms.currency.code
        let labels = Dictionary(uniqueKeysWithValues: contract.metrics.map { ($0.id, $0.label) })
        // The lines that pay for outcomes, from the terms (milestones are not outcomes; clawbacks repay).
        struct OutcomeLine { let id, metric: String; let price, cap: Money?; let comparison: EffectLine.Comparison? }
        let flat: (RateCard.Line) -> Money? = { if case .flat(let price) = $0.pricing { price } else { nil } }
        let outcomes = (terms.rateCard?.lines ?? []).map { OutcomeLine(id: $0.id, metric: $0.outcome.metricID, price: flat($0), cap: $0.cap, comparison: nil) }
            + terms.effectLines.map { OutcomeLine(id: $0.id, metric: $0.outcome.metricID, price: nil, cap: $0.cap, comparison: $0.comparison) }
            + terms.perDayLines.map { OutcomeLine(id: $0.id, metric: $0.days, price: $0.pricePerDay, cap: $0.cap, comparison: nil) }
            + terms.savingsShares.map { OutcomeLine(id: $0.id, metric: $0.outcome, price: nil, cap: $0.cap, comparison: $0.comparison) }
        // Their wording (mechanism, what they pay, on what conditions) as the terms report gives it, for people.
        let wording = Dictionary(terms.describedLines.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        func validation(_ line: OutcomeLine) -> String {
            switch line.comparison {
            case .comparisonGroup?, .sharedControlGroup?: "Randomised Control Trial"
            case .matchedGroup?: "Quasi-experimental study"
            case .baseline?: "Historical comparison"
            case nil: "Simple ex-post verification"
            }
        }
        let population = "Participants of \(contract.program) enrolled under \(contract.id) (first enrollment, at least \(contract.cohort.minimumEnrolledDays) days)"
        tables.append(("outcome_metrics", outcomes.map { line in
            [(IndigoField.plainID, .text(line.id)),
             ("definition", .text("\(labels[line.metric] ?? line.metric) (\(line.metric)), \(wording[line.id]?.mechanism ?? ""): \(wording[line.id]?.conditions ?? "")")),
             ("target_population", .text(population)), ("outcome_validation_method", .text(validation(line))),
             ("data_source_for_outcome_validation", .text("Integrated Data System: linked administrative records (\(line.metric))"))]
        }))
        tables.append(("outcome_pricings", outcomes.map { line in
            [("outcome_metric_id", .text(line.id)), ("currency", .text(currency)), (IndigoField("price_per_unit", "amount"), line.price.map { .money($0) } ?? .null),
             (IndigoField("maximum_price_if_all_targets_achieved", "amount"), line.cap.map { .money($0) } ?? .null), ("price_description", .text(wording[line.id]?.pays ?? ""))]
        }))
        let periods = Dictionary(uniqueKeysWithValues: contract.periods.map { ($0.label, $0) })
        var results: [Row] = []
        for line in outcomes {
            for period in contract.periods {
                guard let engaged = figures.engaged[line.metric]?[period.label] else { continue }
                let positive = figures.achieved[line.id]?[period.label]
                // Those with the outcome paid for, and those without: neither may be worked out when small.
                let hidden = positive.map { policy.suppressed(CountTable(atoms: [$0, engaged - $0], cells: [[0, 1], [0]])) }
                    ?? [policy.suppresses(engaged)]
                let marker = Cell.suppressed(policy.marker)
                results.append([
                    ("outcome_metric_id", .text(line.id)), ("result_level", .text("Outcome level")),
                    ("result_type", .text(figures.finalPeriods.contains(period.label) ? "Final" : "Interim")),
                    (IndigoField("period", "start_date"), .text("\(period.start)")), (IndigoField("period", "end_date"), .text("\(period.end)")),
                    ("number_engaged_in_impact_bond", hidden[0] ? marker : .int(engaged)),
                    ("number_with_positive_social_outcomes", positive.map { hidden.count > 1 && hidden[1] ? marker : .int($0) } ?? .null),
                ])
            }
        }
        tables.append(("results", results))
        tables.append(("outcome_payments", figures.paid.map { paid in
            [("outcome_metric_id", .text(paid.line)), (IndigoField("period", "start_date"), .text(periods[paid.period].map { "\($0.start)" } ?? paid.period)),
             (IndigoField("period", "end_date"), .text(periods[paid.period].map { "\($0.end)" } ?? paid.period)), ("payer_organisation_id", .text(paid.payer)),
             ("recipient_organisation_id", .text(paid.provider)), ("type", .text("Actual")), (IndigoField("money", "currency"), .text(currency)),
             (IndigoField("money", "amount"), .money(Money(paid.amount, terms.currency)))]
        } + figures.planned.map { planned in
            [("outcome_metric_id", .null), (IndigoField("period", "start_date"), .text(periods[planned.period].map { "\($0.start)" } ?? planned.period)),
             (IndigoField("period", "end_date"), .text(periods[planned.period].map { "\($0.end)" } ?? planned.period)), ("payer_organisation_id", .null),
             ("recipient_organisation_id", .text(planned.provider)), ("type", .text("Planned")), (IndigoField("money", "currency"), .text(currency)),
             (IndigoField("money", "amount"), .money(Money(planned.amount, terms.currency)))]
        }))
    }

    var report: Report {
        var report = Report(title: "\(name): INDIGO project tables")
        report.notes = ["Field names of the GO Lab INDIGO data standard (project schema); counts under the small-cell policy; aggregates only."]
        report.tables = tables.map { table in
            var out = ReportTable(name: table.name, title: table.name.replacingOccurrences(of: "_", with: " ").capitalized,
                                  columns: table.rows.first?.map(\.field.name) ?? [])
            out.rows = table.rows.map { $0.map(\.value) }
            out.headersAsWritten = true
            return out
        }
        return report
    }

    /// INDIGO's nested form: each value as `{"value": …}`, paths as nested objects; keys sorted
    /// and laid out as the command has always printed them.
    func json() throws(SortedJSONError) -> String {
        try SortedJSON.text(IndigoDocument(self), prettyPrinted: true) + "\n"
    }
}

/// The project as INDIGO's JSON holds it: a row's field paths (`period/start_date`) as nested
/// objects, each value as `{"value": …}` (a suppressed count as a null value with a note), a
/// missing value left out.
private struct IndigoDocument: Encodable {
    enum Value: Encodable {
        /// INDIGO's metric id is a plain string.
        case plain(String)
        case wrapped(Cell)

        private enum Key: String, CodingKey { case value, notes }

        func encode(to encoder: any Encoder) throws {
            let cell: Cell
            switch self {
            case .plain(let text): return try text.encode(to: encoder)
            case .wrapped(let wrapped): cell = wrapped
            }
            var container = encoder.container(keyedBy: Key.self)
            switch cell {
            case .suppressed(let marker):
                try container.encodeNil(forKey: .value)
                try container.encode("suppressed: \(marker)", forKey: .notes)
            case .money(let money): try container.encode(money.amount, forKey: .value)
            case .int(let n): try container.encode(n, forKey: .value)
            default: try container.encode(cell.plain, forKey: .value)
            }
        }
    }

    enum Field: Encodable {
        case value(Value)
        case object([String: Value])

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .value(let value): try value.encode(to: encoder)
            case .object(let members): try members.encode(to: encoder)
            }
        }
    }

    let name: String
    let tables: [(name: String, rows: [[String: Field]])]

    init(_ project: IndigoProject) {
        name = project.name
        tables = project.tables.map { table in
            (table.name, table.rows.map { row in
                var object: [String: Field] = [:]
                for (field, cell) in row where cell != .null {
                    var value = Value.wrapped(cell)
                    if field.isPlain, case .text(let id) = cell { value = .plain(id) }
                    guard let outer = field.object else { object[field.key] = .value(value); continue }
                    var inner: [String: Value] = if case .object(let members)? = object[outer] { members } else { [:] }
                    inner[field.key] = value
                    object[outer] = .object(inner)
                }
                return object
            })
        }
    }

    private struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(["value": name], forKey: Key(stringValue: "name"))
        for table in tables { try container.encode(table.rows, forKey: Key(stringValue: table.name)) }
    }
}
