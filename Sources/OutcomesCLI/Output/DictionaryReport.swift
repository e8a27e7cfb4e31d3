import Foundation
import OutcomesDatabase
import OutcomesDomain

extension Report {
    /// The data dictionary as people read it (md, html) and programs do (json): schemas, tables,
    /// columns with their keys, event domains by source system, and the loaded contracts' metrics.
    init(dictionary: DataDictionary, policy: SmallCellPolicy) {
        self.init(title: "Data dictionary")
        notes = [
            "\(dictionary.tables.count) tables and views, \(dictionary.tables.reduce(0) { $0 + $1.columns.count }) columns, "
                + "\(Set(dictionary.domains.map(\.domain)).count) event domains, \(dictionary.metrics.count) metrics of "
                + "\(Set(dictionary.metrics.map(\.contractID)).count) loaded contracts.",
            "person_id is the pseudonymous id of the master person index; names, dates of birth and other identifiers are "
                + "held only in the linkage schema, which only the linker's role reads.",
            "Event counts of 1 to \(policy.threshold - 1) are suppressed (\(policy.marker)).",
        ]
        var schemas = ReportTable(name: "schemas", title: "Schemas", columns: ["schema", "definition"])
        schemas.rows = dictionary.schemas.map { [.text($0.name), Self.definition($0.definition)] }
        var tables = ReportTable(name: "tables", title: "Tables and views", columns: ["table", "kind", "columns", "primary_key", "definition"])
        tables.rows = dictionary.tables.map {
            [.text($0.qualifiedName), .text($0.kind), .int($0.columns.count), .text($0.primaryKey.joined(separator: ", ")), Self.definition($0.definition)]
        }
        var columns = ReportTable(name: "columns", title: "Columns", columns: ["table", "column", "type", "required", "references", "definition"],
                                  moreColumns: ["references"])
        columns.narrowColumns = ["required", "type"]
        for table in dictionary.tables {
            for column in table.columns {
                let references = table.foreignKeys.filter { $0.columns.contains(column.name) }.map { key in
                    "\(key.table) (\(key.referenced[key.columns.firstIndex(of: column.name)!]))"
                }
                columns.rows.append([.text(table.qualifiedName), .text(column.name), .text(column.type), .text(column.required ? "yes" : "no"),
                                     .text(references.joined(separator: "; ")), Self.definition(column.definition)])
            }
        }
        var domains = ReportTable(
            name: "event_domains", title: "Event domains by source system",
            columns: ["domain", "shape", "definition", "source_system", "source", "agency", "years_available", "events"],
            moreColumns: ["shape", "source"])
        domains.narrowColumns = ["source_system", "events"]
        domains.rows = dictionary.domains.map {
            // The years of a suppressed count would narrow when its few events happened.
            [.text($0.domain), .text($0.shape), Self.definition($0.definition), $0.sourceSystem.map(Cell.text) ?? .null,
             $0.sourceName.map(Cell.text) ?? .null, $0.agency.map(Cell.text) ?? .null,
             policy.suppresses($0.events) ? .suppressed(policy.marker) : Self.years($0.firstYear, $0.lastYear), .count($0.events, policy)]
        }
        var metrics = ReportTable(
            name: "metrics", title: "Metrics of the loaded contracts",
            columns: ["contract", "version", "program", "metric", "label", "definition", "measure", "window", "unit", "years"],
            moreColumns: ["program", "measure", "window"])
        metrics.narrowColumns = ["version", "years", "unit"]
        metrics.rows = dictionary.metrics.map {
            [.text($0.contractID), .int($0.version), .text($0.programID), .text($0.metric.id), .text($0.metric.label),
             .text($0.metric.definitionText), .text($0.metric.measureName), .text($0.metric.windowText), .text($0.metric.unitText),
             Self.years($0.firstYear, $0.lastYear)]
        }
        self.tables = [schemas, tables, columns, domains, metrics]
    }

    /// The dictionary in the state's layout, one row per element: Agency, Program, Data Category,
    /// Element Name, Definition, Data Type, Years Available. `agency` names the IDS's own tables' keeper.
    init(stateDictionary dictionary: DataDictionary, agency: String, policy: SmallCellPolicy) {
        self.init(title: "Data dictionary")
        var table = ReportTable(
            name: "dictionary", title: "Data dictionary",
            columns: ["Agency", "Program", "Data Category", "Element Name", "Definition", "Data Type", "Years Available"])
        table.csvNamesAsWritten = true
        table.headersAsWritten = true
        for source in dictionary.tables {
            for column in source.columns {
                table.rows.append([.text(agency), .null, .text(source.qualifiedName), .text(column.name), Self.definition(column.definition),
                                   .text(column.type), .null])
            }
        }
        for domain in dictionary.domains {
            let element = domain.sourceSystem.map { "\(domain.domain) (\($0))" } ?? domain.domain
            table.rows.append([domain.agency.map(Cell.text) ?? .null, .null, .text("Event domain"), .text(element),
                               Self.definition(domain.definition), .text("event records (\(domain.shape))"),
                               policy.suppresses(domain.events) ? .suppressed(policy.marker) : Self.years(domain.firstYear, domain.lastYear)])
        }
        for metric in dictionary.metrics {
            table.rows.append([.text(agency), .text(metric.programID), .text("Outcome metric: \(metric.contractID) version \(metric.version)"),
                               .text(metric.metric.id), .text("\(metric.metric.label): \(metric.metric.definitionText)"),
                               .text(metric.metric.unitText), Self.years(metric.firstYear, metric.lastYear)])
        }
        tables = [table]
    }

    private static func definition(_ text: String?) -> Cell { text.map(Cell.text) ?? .null }

    private static func years(_ first: Int?, _ last: Int?) -> Cell {
        guard let first, let last else { return .null }
        return .text(first == last ? String(first) : "\(first)–\(last)")
    }
}

/// A table's Frictionless Table Schema (v1, which v2 readers accept): each column a field with its
/// type, definition and `required`, the primary key, and foreign keys to the tables' own schemas.
struct TableSchemaDocument: Encodable {
    struct Field: Encodable {
        let name: String
        let type: String
        let description: String?
        let constraints: Constraints?
        /// The PostgreSQL type, kept where the Table Schema type is coarser (numeric, arrays).
        let pgType: String

        enum CodingKeys: String, CodingKey { case name, type, description, constraints, pgType = "x-postgresql-type" }
    }

    struct Constraints: Encodable { let required: Bool }

    struct ForeignKey: Encodable {
        struct Reference: Encodable {
            let resource: String
            let fields: [String]
        }
        let fields: [String]
        let reference: Reference
    }

    let title: String
    let description: String?
    let fields: [Field]
    let primaryKey: [String]?
    let foreignKeys: [ForeignKey]?
    let missingValues = [""]

    init(_ table: DataDictionary.Table) {
        title = table.qualifiedName
        description = table.definition
        fields = table.columns.map {
            Field(name: $0.name, type: Self.type(of: $0.type), description: $0.definition,
                  constraints: $0.required ? Constraints(required: true) : nil, pgType: $0.type)
        }
        primaryKey = table.primaryKey.isEmpty ? nil : table.primaryKey
        foreignKeys = table.foreignKeys.isEmpty ? nil : table.foreignKeys.map {
            ForeignKey(fields: $0.columns, reference: .init(resource: $0.table, fields: $0.referenced))
        }
    }

    /// The file a table's schema is written to.
    static func fileName(_ table: DataDictionary.Table) -> String { "\(table.qualifiedName).schema.json" }

    /// PostgreSQL's type as a Table Schema type.
    static func type(of postgresType: String) -> String {
        if postgresType.hasSuffix("[]") { return "array" }
        switch postgresType.split(separator: "(").first.map(String.init) ?? postgresType {
        case "bigint", "integer", "smallint": return "integer"
        case "numeric", "double precision", "real": return "number"
        case "boolean": return "boolean"
        case "date": return "date"
        case "timestamp with time zone", "timestamp without time zone": return "datetime"
        case "time without time zone", "time with time zone": return "time"
        case "json", "jsonb": return "object"
        case "text", "character varying", "character", "name", "bytea", "uuid": return "string"
        default: return "any"
        }
    }
}
