import Foundation
import Testing
@testable import OutcomesDomain

/// The publication profile is read strictly: every DCAT-US field a portal requires is there, URLs
/// and e-mail addresses are what they say, and anything else is an error at its line.
@Suite struct PublicationProfileTests {
    static let valid = """
        publisher: {name: Department of Human Services, parent: State of Example}
        contact: {name: Outcomes Data Team, email: opendata@example.gov}
        license: https://creativecommons.org/publicdomain/zero/1.0/
        access_level: public
        identifier_prefix: https://data.example.gov/outcomes/
        spatial: State of Example
        accrual_periodicity: R/P1Y
        keywords: [pay for success]
        """

    func error(_ text: String) -> DefinitionFileError? {
        do {
            _ = try PublicationProfile.parse(yaml: text, file: "profile.yaml")
            return nil
        } catch {
            return error as? DefinitionFileError
        }
    }

    @Test func aValidProfile() throws {
        let profile = try PublicationProfile.parse(yaml: Self.valid, file: "profile.yaml")
        #expect(profile.publisher == .init(name: "Department of Human Services", parent: "State of Example"))
        #expect(profile.contactEmail == "opendata@example.gov" && profile.accessLevel == .public && profile.language == "en-US")
        #expect(profile.keywords == ["pay for success"] && profile.themes.isEmpty && profile.rowLabel == nil)
        // What DCAT-US's patterns allow: an e-mail address with + and ', a language with a region by number.
        let other = try PublicationProfile.parse(yaml: Self.valid.replacingOccurrences(of: "opendata@example.gov", with: "\"o'brien+data@dhs.example.gov\"")
                                                 + "\nlanguage: es-419", file: "profile.yaml")
        #expect(try PublicationProfile.parse(yaml: Self.valid + "\nlanguage: zh-Hant-TW", file: "p.yaml").language == "zh-Hant-TW")
        #expect(other.contactEmail == "o'brien+data@dhs.example.gov" && other.language == "es-419")
        #expect(profile.smallCellThreshold == 11)
        #expect(try PublicationProfile.parse(yaml: Self.valid + "\nsmall_cell_threshold: 20", file: "p.yaml").smallCellThreshold == 20)
    }

    @Test func everyRequiredFieldIsRequired() {
        let required = ["license", "access_level", "identifier_prefix", "spatial", "accrual_periodicity", "keywords", "publisher", "contact"]
        for key in required {
            let text = Self.valid.split(separator: "\n").filter { !$0.hasPrefix(key + ":") }.joined(separator: "\n")
            #expect(error(text)?.code == .missingKey(key), "\(key)")
        }
        #expect(error(Self.valid.replacingOccurrences(of: ", email: opendata@example.gov", with: ""))?.code == .missingKey("email"))
        #expect(error(Self.valid.replacingOccurrences(of: "{name: Department of Human Services, parent: State of Example}", with: "{parent: State}"))?.code
                == .missingKey("name"))
    }

    @Test func badValuesAreErrorsAtTheirLine() {
        let cases: [(String, String, DefinitionFileError.Code, Int)] = [
            ("license: https://creativecommons.org/publicdomain/zero/1.0/", "license: CC0", .wrongForm(expected: .url), 3),
            ("license: https://creativecommons.org/publicdomain/zero/1.0/", "license: ftp://example.gov/x", .wrongForm(expected: .url), 3),
            ("identifier_prefix: https://data.example.gov/outcomes/", "identifier_prefix: data.example.gov", .wrongForm(expected: .url), 5),
            ("opendata@example.gov", "opendata at example.gov", .wrongForm(expected: .email), 2),
            ("opendata@example.gov", "mailto:opendata@example.gov", .wrongForm(expected: .email), 2),
            ("opendata@example.gov", "\"open data@example.gov\"", .wrongForm(expected: .email), 2),
            ("opendata@example.gov", "\"opendata<x>@example.gov\"", .wrongForm(expected: .email), 2),
            ("opendata@example.gov", "opendata@exa_mple", .wrongForm(expected: .email), 2),
            ("keywords: [pay for success]", "keywords: [pay for success]\nlanguage: English", .wrongForm(expected: .languageTag), 9),
            ("keywords: [pay for success]", "keywords: [pay for success]\nsmall_cell_threshold: 10", .outOfRange("small_cell_threshold"), 9),
            ("keywords: [pay for success]", "keywords: [pay for success]\nsmall_cell_threshold: [11]", .wrongForm(expected: .wholeNumber), 9),
            ("keywords: [pay for success]", "keywords: [pay for success]\nlanguage: en-", .wrongForm(expected: .languageTag), 9),
            ("keywords: [pay for success]", "keywords: [pay for success]\nlanguage: en_US", .wrongForm(expected: .languageTag), 9),
            ("keywords: [pay for success]", "keywords: [pay for success]\nlanguage: en-12", .wrongForm(expected: .languageTag), 9),
            ("accrual_periodicity: R/P1Y", "accrual_periodicity: yearly", .wrongForm(expected: .text), 7),
            ("accrual_periodicity: R/P1Y", "accrual_periodicity: R/P1Y1Y", .wrongForm(expected: .text), 7),
            ("access_level: public", "access_level: open", .unknownWord("open", allowed: ["public", "restricted public", "non-public"]), 4),
            ("keywords: [pay for success]", "keywords: []", .tooFew("keywords"), 8),
            ("keywords: [pay for success]", "keywords: pay for success", .wrongForm(expected: .list), 8),
            ("spatial: State of Example", "spatial: State of Example\nspatail: typo", .unknownKey("spatail", allowed: PublicationProfile.keys), 7),
        ]
        for (old, new, code, line) in cases {
            let found = error(Self.valid.replacingOccurrences(of: old, with: new))
            #expect(found?.code == code && found?.line == line, "\(new): \(String(describing: found))")
        }
    }

    @Test func restrictedAccessNeedsRights() throws {
        let restricted = Self.valid.replacingOccurrences(of: "access_level: public", with: "access_level: restricted public")
        #expect(error(restricted)?.code == .missingKey("rights") && error(restricted)?.line == 4)
        let profile = try PublicationProfile.parse(yaml: restricted + "\nrights: Aggregates only; ask the IDS team for access.", file: "profile.yaml")
        #expect(profile.rights == "Aggregates only; ask the IDS team for access." && profile.accessLevel == .restrictedPublic)
        #expect(error(restricted + "\nrights: " + String(repeating: "x", count: 256))?.code == .outOfRange("rights"))
    }

    @Test func accrualPeriodicities() {
        #expect(["R/P1Y", "R/P3M", "R/P1M", "R/P1W", "R/P1D", "R/P1Y6M", "irregular"].allSatisfy(PublicationProfile.isAccrualPeriodicity))
        #expect(!["P1Y", "R/P", "R/PY", "R/P1Y1Y", "R/P1H", "yearly", ""].contains(where: PublicationProfile.isAccrualPeriodicity))
    }
}
