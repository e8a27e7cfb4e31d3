import Foundation
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

/// An open-data package: its tables, suppressed, and what describes them. Made from the stored
/// results of a loaded contract's periods; written into a folder by `write(into:)`.
struct OpenDataPackage {
    let info: OpenDataPackageInfo
    let resources: [OpenDataResource]
    let readme: String

    /// The package of `tables` (default: metrics by provider, or by provider and the attribute of `by`); refuses a
    /// period not computed from the loaded version, and a table with nothing left to publish.
    static func make(stored: StoredContract, periods: [ReportingPeriod], tables: [PublishableTable], by: [PersonAttribute],
                     policy: SmallCellPolicy, profile: PublicationProfile, on connection: PostgresConnection) throws -> OpenDataPackage {
        let tables = tables.isEmpty ? [by.first.map { .metricsBy($0) } ?? .metricsByProvider] : tables
        var computations: [PublishedComputation] = [], resources: [OpenDataResource] = []
        for table in tables {
            let (resource, origins) = try OpenDataResource.make(table, contract: stored, periods: periods, policy: policy, on: connection)
            resources.append(resource)
            computations += origins
        }
        for resource in resources {
            guard !resource.rows.isEmpty else {
                throw PublishEmptyError(resource: resource.name, reason: "it has no rows: no participant is counted in "
                    + periods.map(\.label).joined(separator: ", "))
            }
            guard resource.hasPublishedFigures else {
                throw PublishEmptyError(resource: resource.name, reason: "suppression under a threshold of \(policy.threshold) leaves no figure in it")
            }
        }
        let subject = tables.map(\.subject).joined(separator: "; ")
        let info = OpenDataPackageInfo(
            name: packageName(stored.contract.id, periods, tables), title: "\(stored.contract.name): \(subject), \(periods.map(\.label).joined(separator: ", "))",
            description: "The \(subject) of the \(stored.contract.name) contract (\(stored.contract.id), version \(stored.version)), suppressed for privacy.",
            contract: stored, computations: computations, periods: periods, policy: policy, profile: profile)
        return OpenDataPackage(info: info, resources: resources,
                               readme: OpenDataReadme.text(info, resources: resources, latestLoad: try DataLoads.current(on: connection)?.id,
                                                           summary: try IDSSummary.read(from: connection)))
    }

    /// Every file of the package into `folder` (a temporary folder the caller renames into place).
    func write(into folder: String) throws {
        let file = SafeWriter(option: "--output")
        for resource in resources {
            try file.write(resource.csv(), to: folder + "/" + resource.path)
            try file.write(try SortedJSON.text(DataPackageDocument.schema(resource, info), prettyPrinted: true) + "\n",
                           to: folder + "/" + resource.schemaPath)
        }
        try file.write(try SortedJSON.text(DataPackageDocument(info, resources: resources), prettyPrinted: true) + "\n", to: folder + "/datapackage.json")
        try file.write(try SortedJSON.text(DCATCatalogDocument(info, resources: resources), prettyPrinted: true) + "\n", to: folder + "/data.json")
        try file.write(readme, to: folder + "/README.md")
    }

    /// `housing-2021-2023`, `housing-2021-2023-payments`: lowercase letters, digits, `-`, `.` and `_` (a Data Package name).
    static func packageName(_ contractID: String, _ periods: [ReportingPeriod], _ tables: [PublishableTable] = []) -> String {
        let raw = ([contractID] + periods.sorted { $0.start < $1.start }.map(\.label) + tables.compactMap(\.packageSuffix))
            .joined(separator: "-").lowercased()
        return String(raw.map { ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-._".contains($0) ? $0 : "-" })
    }
}

/// One table of an open-data package: suppressed aggregates only, each column typed and defined.
struct OpenDataResource {
    struct Field: Encodable {
        let name: String
        let type: String
        let description: String
        /// The values a categorical field holds (Table Schema v1 checks them) ...
        var constraints: Constraints? = nil
        /// ... and their labels (Table Schema v2 categories).
        var categories: [Category]? = nil
    }
    struct Constraints: Encodable { let `enum`: [String] }
    struct Category: Encodable { let value: String; let label: String }

    let name: String
    let title: String
    let description: String
    var fields: [Field]
    let primaryKey: [String]
    var rows: [[Cell]]

    var path: String { name + ".csv" }
    var schemaPath: String { name + ".schema.json" }

    /// The CSV a portal loads: a suppressed cell is the policy's marker (declared as a missing
    /// value), an absent one empty; numbers without separators.
    func csv() -> String {
        let field = Report.csvField
        let lines = [fields.map { field($0.name) }.joined(separator: ",")] + rows.map { row in
            row.map { cell -> String in
                if case .suppressed(let marker) = cell { return field(marker) }
                return field(cell.csv)
            }.joined(separator: ",")
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Declares the values of the text fields `names` (those the rows hold) as the field's
    /// allowed values, with their labels where `labels` has them.
    mutating func declareCategories(_ names: [String], labels: [String: [String: String]] = [:]) {
        for name in names {
            guard let index = fields.firstIndex(where: { $0.name == name }) else { continue }
            let values = Set(rows.compactMap { row -> String? in if case .text(let value) = row[index] { value } else { nil } }).sorted()
            fields[index].constraints = Constraints(enum: values)
            if let labels = labels[name] {
                fields[index].categories = values.map { Category(value: $0, label: labels[$0] ?? $0) }
            }
        }
    }

    /// Whether any count or figure is left to publish after suppression.
    var hasPublishedFigures: Bool {
        rows.contains { row in row.contains { $0.isNumber } }
    }
}

/// The tables `outcomes publish` may put in a package — each suppressed by the small-cell policy
/// and holding no row per person — and why any other table is refused.
enum PublishableTable: Equatable {
    case metricsByProvider
    case metricsBy(PersonAttribute)
    case paymentsByProvider
    case comparisonEstimates
    case scenarioResults

    var name: String {
        switch self {
        case .metricsByProvider: "metrics_by_provider"
        case .metricsBy(let attribute): "metrics_by_provider_and_\(attribute.rawValue)"
        case .paymentsByProvider: "payments_by_provider"
        case .comparisonEstimates: "comparison_estimates"
        case .scenarioResults: "scenario_results"
        }
    }

    /// What the table is about, in a package's title and description.
    var subject: String {
        switch self {
        case .metricsByProvider: "outcome metrics by provider"
        case .metricsBy(let attribute): "outcome metrics by provider and \(attribute.rawValue.replacingOccurrences(of: "_", with: " "))"
        case .paymentsByProvider: "outcome payments by provider"
        case .comparisonEstimates: "estimated effects"
        case .scenarioResults: "benefits and costs"
        }
    }

    /// Tables other than the metrics by provider name their package apart.
    var packageSuffix: String? {
        switch self {
        case .metricsByProvider: nil
        case .metricsBy(let attribute): "by-" + attribute.rawValue
        case .paymentsByProvider: "payments"
        case .comparisonEstimates: "estimates"
        case .scenarioResults: "scenarios"
        }
    }

    static var all: [PublishableTable] {
        [.metricsByProvider] + PersonAttribute.allCases.map { .metricsBy($0) } + [.paymentsByProvider, .comparisonEstimates, .scenarioResults]
    }

    /// Why a table may not be published.
    enum Refusal: Equatable {
        /// A table with a row per person (or a person's id in it): never published.
        case personLevel(String)
        /// An aggregate stored without small-cell suppression: only its suppressed report is published.
        case notSuppressed(String)
        case unknown(String)
    }

    /// The publishable table `name` names, or why it is refused: a database table with a person's
    /// id in it is person-level; any other stored table is unsuppressed.
    static func resolve(_ name: String, tables: [DataDictionary.Table]) -> Result<PublishableTable, PublishRefusedError> {
        if let table = all.first(where: { $0.name == name }) { return .success(table) }
        // A person's id, or a source record's key (which the linker's tables map to a person and
        // to identifiers): the table is about persons. The linkage schemas hold identifiers.
        let personColumns: Set<String> = ["person_id", "participant_id", "relative_id", "relative_ids", "record_id", "source_key",
                                          "person_key", "relative_key", "left_record", "right_record"]
        if let table = tables.first(where: { $0.qualifiedName == name || $0.name == name }) {
            let personal = ["linkage", "linkage_work"].contains(table.schema) || table.columns.contains { personColumns.contains($0.name) }
            return .failure(PublishRefusedError(table: name, refusal: personal ? .personLevel(table.qualifiedName) : .notSuppressed(table.qualifiedName)))
        }
        return .failure(PublishRefusedError(table: name, refusal: .unknown(name)))
    }
}

/// `publish --table` named a table that may not leave: exit 64.
struct PublishRefusedError: UserFacingError, Equatable {
    let table: String
    let refusal: PublishableTable.Refusal

    var exitStatus: ExitStatus { .usage }
    var message: String {
        let allowed = "Publishable tables: " + PublishableTable.all.map(\.name).joined(separator: ", ") + "."
        switch refusal {
        case .personLevel(let qualified):
            return "--table \(table): \(qualified) holds persons' rows, ids, record keys or identifiers and is never published; only "
                + "suppressed aggregates leave the database. \(allowed)"
        case .notSuppressed(let qualified):
            return "--table \(table): \(qualified) is stored without small-cell suppression and is not published as it is; "
                + "publish its suppressed form instead. \(allowed)"
        case .unknown:
            return "--table \(table) is not a table outcomes publishes. \(allowed)"
        }
    }
}
