import Foundation
import OutcomesDatabase
import OutcomesDomain

/// What a package describes itself with: its name, title, the contract version and computations
/// it publishes, the suppression applied, and the publisher's profile.
struct OpenDataPackageInfo {
    let name: String
    let title: String
    let description: String
    let contract: StoredContract
    let computations: [PublishedComputation]
    let periods: [ReportingPeriod]
    let policy: SmallCellPolicy
    let profile: PublicationProfile

    /// The latest computation date: the package's `modified`.
    var modified: String { computations.map(\.computedOn).max() ?? "" }
    var temporal: String { "\(periods.map(\.start).min()!)/\(periods.map(\.end).max()!)" }
    var suppressedMeaning: String {
        "\(policy.marker): suppressed — a count of 1 to \(policy.threshold - 1), or a cell from which one could be worked out, "
            + "and the mean or rate of a suppressed count"
    }
}

/// `datapackage.json`: a Frictionless Tabular Data Package (v1) with each resource's Table Schema.
struct DataPackageDocument: Encodable {
    struct License: Encodable { let path: String; let title: String? }
    struct Contributor: Encodable { let title: String; let email: String; let role: String }
    struct Source: Encodable { let title: String }
    struct Schema: Encodable {
        let fields: [OpenDataResource.Field]
        let primaryKey: [String]
        let missingValues: [String]
    }
    struct Resource: Encodable {
        let name: String
        let path: String
        let profile = "tabular-data-resource"
        let title: String
        let description: String
        let format = "csv"
        let mediatype = "text/csv"
        let encoding = "utf-8"
        let schema: Schema
    }

    let profile = "tabular-data-package"
    let name: String
    let title: String
    let description: String
    let version: String
    let created: String
    let keywords: [String]
    let licenses: [License]
    let contributors: [Contributor]
    /// What the figures were computed from: the contract version and its text's hash, each data load and its content hash.
    let sources: [Source]
    let resources: [Resource]

    init(_ info: OpenDataPackageInfo, resources: [OpenDataResource]) {
        name = info.name
        title = info.title
        description = info.description
        // The contract version, then the latest data load: a recomputation on new data is a new version.
        version = "\(info.contract.version).\(info.computations.map(\.loadID).max() ?? 0).0"
        created = info.modified + "T00:00:00Z"
        keywords = info.profile.keywords
        licenses = [License(path: info.profile.license, title: info.profile.licenseTitle)]
        contributors = [Contributor(title: info.profile.contactName, email: info.profile.contactEmail, role: "publisher")]
        sources = [Source(title: "Contract \(info.contract.contract.id) version \(info.contract.version), text SHA-256 \(info.contract.fileSHA256)")]
            + Set(info.computations.map(\.loadID)).subtracting([0]).sorted().map { load in
                let hash = info.computations.first { $0.loadID == load }?.contentHash ?? "none"
                return Source(title: "IDS data load \(load), content SHA-256 \(hash)")
            }
        self.resources = resources.map { Resource(name: $0.name, path: $0.path, title: $0.title, description: $0.description, schema: Self.schema($0, info)) }
    }

    static func schema(_ resource: OpenDataResource, _ info: OpenDataPackageInfo) -> Schema {
        Schema(fields: resource.fields, primaryKey: resource.primaryKey, missingValues: ["", info.policy.marker])
    }
}

/// `data.json`: a DCAT-US 1.1 catalog with a dataset per resource, as state portals harvest it.
struct DCATCatalogDocument: Encodable {
    struct Organization: Encodable {
        let type = "org:Organization"
        let name: String
        let subOrganizationOf: ParentOrganization?
        enum CodingKeys: String, CodingKey { case type = "@type", name, subOrganizationOf }
    }
    struct ParentOrganization: Encodable {
        let type = "org:Organization"
        let name: String
        enum CodingKeys: String, CodingKey { case type = "@type", name }
    }
    struct Contact: Encodable {
        let type = "vcard:Contact"
        let fn: String
        let hasEmail: String
        enum CodingKeys: String, CodingKey { case type = "@type", fn, hasEmail }
    }
    struct Distribution: Encodable {
        let type = "dcat:Distribution"
        let title: String
        let downloadURL: String
        let mediaType = "text/csv"
        let format = "CSV"
        let describedBy: String
        let describedByType = "application/json"
        enum CodingKeys: String, CodingKey { case type = "@type", title, downloadURL, mediaType, format, describedBy, describedByType }
    }
    struct Dataset: Encodable {
        let type = "dcat:Dataset"
        let title: String
        let description: String
        let keyword: [String]
        let modified: String
        let publisher: Organization
        let contactPoint: Contact
        let identifier: String
        let accessLevel: String
        let rights: String?
        let license: String
        let spatial: String
        let temporal: String
        let accrualPeriodicity: String
        let language: [String]
        let theme: [String]?
        let landingPage: String?
        let isPartOf: String
        let describedBy: String
        let describedByType = "application/json"
        let distribution: [Distribution]
        /// The state handbook's extras.
        let rowLabel: String?
        let geographicUnit: String?
        enum CodingKeys: String, CodingKey {
            case type = "@type", title, description, keyword, modified, publisher, contactPoint, identifier, accessLevel, rights, license,
                 spatial, temporal, accrualPeriodicity, language, theme, landingPage, isPartOf, describedBy, describedByType,
                 distribution, rowLabel, geographicUnit
        }
    }

    let context = "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld"
    let type = "dcat:Catalog"
    let conformsTo = "https://project-open-data.cio.gov/v1.1/schema"
    let describedBy = "https://project-open-data.cio.gov/v1.1/schema/catalog.json"
    let dataset: [Dataset]
    enum CodingKeys: String, CodingKey { case context = "@context", type = "@type", conformsTo, describedBy, dataset }

    init(_ info: OpenDataPackageInfo, resources: [OpenDataResource]) {
        let profile = info.profile
        let base = profile.identifierPrefix.hasSuffix("/") ? profile.identifierPrefix : profile.identifierPrefix + "/"
        let packageURL = base + info.name + "/"
        dataset = resources.map { resource in
            Dataset(
                title: "\(info.title): \(resource.title)", description: resource.description, keyword: profile.keywords,
                modified: info.modified,
                publisher: Organization(name: profile.publisher.name, subOrganizationOf: profile.publisher.parent.map { ParentOrganization(name: $0) }),
                contactPoint: Contact(fn: profile.contactName, hasEmail: "mailto:" + profile.contactEmail),
                identifier: packageURL + resource.name, accessLevel: profile.accessLevel.rawValue, rights: profile.rights, license: profile.license,
                spatial: profile.spatial, temporal: info.temporal, accrualPeriodicity: profile.accrualPeriodicity, language: [profile.language],
                theme: profile.themes.isEmpty ? nil : profile.themes, landingPage: profile.landingPage, isPartOf: packageURL,
                describedBy: packageURL + resource.schemaPath,
                distribution: [Distribution(title: resource.title, downloadURL: packageURL + resource.path, describedBy: packageURL + resource.schemaPath)],
                rowLabel: profile.rowLabel, geographicUnit: profile.geographicUnit)
        }
    }
}
