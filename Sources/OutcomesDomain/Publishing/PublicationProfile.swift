import Foundation

/// Who publishes an open-data package and on what terms: the DCAT-US 1.1 fields a state portal
/// requires of every dataset (publisher, contact point, license, access level, spatial coverage,
/// accrual periodicity, keywords, identifiers) and the state handbook's extras (row label,
/// geographic unit). Read from a small YAML file (`scenarios/publication-profile.yaml`), strictly:
/// a missing required field, a license that is not a URL or an unknown key is an error at its line.
public struct PublicationProfile: Sendable, Equatable {
    public struct Publisher: Sendable, Equatable {
        public let name: String
        /// The organization the publisher belongs to (`subOrganizationOf`), if any.
        public let parent: String?
    }

    public enum AccessLevel: String, Sendable, CaseIterable {
        case `public` = "public"
        case restrictedPublic = "restricted public"
        case nonPublic = "non-public"
    }

    public let publisher: Publisher
    public let contactName: String
    public let contactEmail: String
    public let license: String
    public let licenseTitle: String?
    public let accessLevel: AccessLevel
    /// Why access is restricted, and how to ask for it: required unless `accessLevel` is public.
    public let rights: String?
    /// Each dataset's identifier is this URL followed by the package and resource names.
    public let identifierPrefix: String
    public let landingPage: String?
    public let spatial: String
    /// ISO 8601 repeating duration (`R/P1Y`, `R/P3M`) or `irregular`.
    public let accrualPeriodicity: String
    public let keywords: [String]
    public let themes: [String]
    public let language: String
    /// The state handbook's extras: what a row is, and the geography the figures cover.
    public let rowLabel: String?
    public let geographicUnit: String?
    /// The one small-cell threshold every package of this publisher is suppressed under (the data
    /// use agreement's; at least 11). One threshold, not one per package: the same table published
    /// under two thresholds, each with its own complements, could give back a cell either hides.
    public let smallCellThreshold: Int

    /// The smallest threshold a package may be published under.
    public static let minimumThreshold = 11

    static let keys = [
        "publisher", "contact", "license", "license_title", "access_level", "rights", "identifier_prefix", "landing_page", "spatial",
        "accrual_periodicity", "keywords", "themes", "language", "row_label", "geographic_unit", "small_cell_threshold",
    ]

    public static func load(path: String) throws -> PublicationProfile {
        try parse(yaml: YAMLValue.readFile(path), file: path)
    }

    public static func parse(yaml text: String, file: String) throws -> PublicationProfile {
        let root = try YAMLValue.parse(text, file: file)
        let entries = try root.mapping(allowed: keys, context: "a publication profile")
        let context = "a publication profile"
        let publisherNode = try entries.required("publisher", in: context, at: root)
        let publisherEntries = try publisherNode.mapping(allowed: ["name", "parent"], context: "publisher")
        let contactNode = try entries.required("contact", in: context, at: root)
        let contactEntries = try contactNode.mapping(allowed: ["name", "email"], context: "contact")
        let emailNode = try contactEntries.required("email", in: "contact", at: contactNode)
        let keywordsNode = try entries.required("keywords", in: context, at: root)
        let keywords = try keywordsNode.strings("keywords")
        guard !keywords.isEmpty else { throw keywordsNode.error(.tooFew("keywords"), "keywords names no keyword; give at least one, e.g. [pay for success]") }
        let periodicityNode = try entries.required("accrual_periodicity", in: context, at: root)
        let periodicity = try periodicityNode.string("accrual_periodicity")
        guard isAccrualPeriodicity(periodicity) else {
            throw periodicityNode.error(.wrongForm(expected: .text),
                                        "accrual_periodicity must be an ISO 8601 repeating duration such as R/P1Y (yearly) or R/P3M (quarterly), or irregular, not '\(periodicity)'")
        }
        let accessNode = try entries.required("access_level", in: context, at: root)
        let accessLevel = try accessNode.choice("access_level", AccessLevel.allCases.map { ($0.rawValue, $0) })
        let rights = try entries["rights"].map { node in
            let text = try node.string("rights")
            guard text.count <= 255 else { throw node.error(.outOfRange("rights"), "rights is at most 255 characters (DCAT-US), not \(text.count)") }
            return text
        }
        let threshold = try entries["small_cell_threshold"].map { node in
            let value = try node.int("small_cell_threshold")
            guard value >= minimumThreshold else {
                throw node.error(.outOfRange("small_cell_threshold"),
                                 "small_cell_threshold is at least \(minimumThreshold) (no published count from 1 to 10), not \(value)")
            }
            return value
        } ?? minimumThreshold
        if accessLevel != .public, rights == nil {
            throw accessNode.error(.missingKey("rights"), "access_level: \(accessLevel.rawValue) needs 'rights': why access is restricted and how to ask for it")
        }
        return PublicationProfile(
            publisher: Publisher(name: try publisherEntries.required("name", in: "publisher", at: publisherNode).string("publisher name"),
                                 parent: try publisherEntries["parent"]?.string("publisher parent")),
            contactName: try contactEntries.required("name", in: "contact", at: contactNode).string("contact name"),
            contactEmail: try emailNode.email("contact email"),
            license: try entries.required("license", in: context, at: root).url("license"),
            licenseTitle: try entries["license_title"]?.string("license_title"),
            accessLevel: accessLevel, rights: rights,
            identifierPrefix: try entries.required("identifier_prefix", in: context, at: root).url("identifier_prefix"),
            landingPage: try entries["landing_page"]?.url("landing_page"),
            spatial: try entries.required("spatial", in: context, at: root).string("spatial"),
            accrualPeriodicity: periodicity,
            keywords: keywords,
            themes: try entries["themes"]?.strings("themes") ?? [],
            language: try entries["language"]?.languageTag("language") ?? "en-US",
            rowLabel: try entries["row_label"]?.string("row_label"),
            geographicUnit: try entries["geographic_unit"]?.string("geographic_unit"),
            smallCellThreshold: threshold)
    }

    /// `irregular`, or `R/P` with at least one of nY, nM, nW, nD (DCAT-US 1.1's accrualPeriodicity).
    static func isAccrualPeriodicity(_ text: String) -> Bool {
        if text == "irregular" { return true }
        guard text.hasPrefix("R/P"), text.count > 3 else { return false }
        var digits = "", units = ""
        for character in text.dropFirst(3) {
            if character.isASCII && character.isNumber { digits.append(character); continue }
            guard !digits.isEmpty, "YMWD".contains(character), !units.contains(character) else { return false }
            units.append(character)
            digits = ""
        }
        return digits.isEmpty && !units.isEmpty
    }
}

extension YAMLValue {
    /// A list of texts (`[a, b]`).
    func strings(_ what: String) throws -> [String] {
        guard node.sequence != nil else { throw error(.wrongForm(expected: .list), "\(what) must be a list, e.g. [a, b]") }
        return try list().map { try $0.string(what) }
    }

    /// An absolute http(s) URL with a host and no spaces.
    func url(_ what: String) throws -> String {
        let text = try string(what)
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false,
              !text.contains(" ")
        else { throw error(.wrongForm(expected: .url), "\(what) must be a URL starting with https:// or http://, not '\(text)'") }
        return text
    }

    /// `name@domain.tld` in characters DCAT-US's `hasEmail` pattern allows (ASCII letters and
    /// digits, and `_~!$&'()*+,;=.-` before the `@`; `_`, `.` and `-` after it), without `mailto:`.
    func email(_ what: String) throws -> String {
        let text = try string(what)
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        func allowed(_ part: Substring, _ extra: String) -> Bool {
            part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || extra.contains($0)) }
        }
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              allowed(parts[0], "_~!$&'()*+,;=.-"), allowed(parts[1], "_.-"), !text.hasPrefix("mailto:")
        else { throw error(.wrongForm(expected: .email), "\(what) must be an e-mail address such as opendata@example.gov, not '\(text)'") }
        return text
    }

    /// A language tag as DCAT-US reads one: a 2- or 3-letter language, then optionally a 4-letter
    /// script and a 2-letter or 3-digit region (`en`, `en-US`, `es-419`, `zh-Hant-TW`).
    func languageTag(_ what: String) throws -> String {
        let text = try string(what)
        var subtags = text.split(separator: "-", omittingEmptySubsequences: false)[...]
        func take(_ count: ClosedRange<Int>, _ kind: (Character) -> Bool) -> Bool {
            guard let next = subtags.first, count.contains(next.count), next.allSatisfy({ $0.isASCII && kind($0) }) else { return false }
            subtags = subtags.dropFirst()
            return true
        }
        let language = take(2...3, \.isLetter)
        _ = take(4...4, \.isLetter)
        _ = take(2...2, \.isLetter) || take(3...3, \.isNumber)
        guard language, subtags.isEmpty
        else { throw error(.wrongForm(expected: .languageTag), "\(what) must be a language tag such as en-US or es, not '\(text)'") }
        return text
    }
}
