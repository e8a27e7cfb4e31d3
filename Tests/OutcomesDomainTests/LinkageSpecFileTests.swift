import Foundation
import Testing
@testable import OutcomesDomain

/// Linkage specifications: what a file declares, every mistake as a typed code at file:line, the
/// canonical JSON a run records, and the worked examples scenarios/linkage-*.yaml.
@Suite struct LinkageSpecFileTests {
    static let valid = """
        linkage: agencies
        comparisons:
          - name: first_name
            field: first_name
            levels:
              - exact: {term_frequency: true}
              - jaro_winkler: 0.92
              - jaro_winkler: 0.80
          - name: birth_date
            field: birth_date
            levels: [exact, day_month_swapped, {damerau_levenshtein: 1}, same_year_month, same_year]
          - name: ssn
            field: ssn
            levels: [exact, ssn_transposition, ssn_one_digit, ssn_last4]
        blocking:
          - [last_name, birth_year]
          - [first_name, birth_date]
          - [ssn]
        training:
          lambda: {deterministic: [[ssn, birth_date], [first_name, last_name, birth_date]], recall: 0.8}
          u: {sample_pairs: 1000000, seed: 1}
          m: {max_iterations: 25, tolerance: 0.0001}
        thresholds: {match: 0.95, review: 0.50}
        clustering: {contradiction: 0.01}
        limits: {max_pairs: 200000000}
        """

    func error(_ text: String) -> DefinitionFileError? {
        do {
            _ = try LinkageSpec.parse(text: text, file: "l.yaml")
            return nil
        } catch {
            return error as? DefinitionFileError
        }
    }

    @Test func aValidFileReadsToItsSpec() throws {
        let spec = try LinkageSpec.parse(text: Self.valid, file: "l.yaml")
        let expected = LinkageSpec(
            id: "agencies",
            comparisons: [
                .init(name: "first_name", field: .firstName, levels: [.exact(termFrequency: true), .jaroWinkler(atLeast: 0.92), .jaroWinkler(atLeast: 0.8)]),
                .init(name: "birth_date", field: .birthDate, levels: [.exact(termFrequency: false), .dayMonthSwapped, .damerauLevenshtein(atMost: 1),
                                                                       .sameYearMonth, .sameYear]),
                .init(name: "ssn", field: .ssn, levels: [.exact(termFrequency: false), .ssnTransposition, .ssnOneDigit, .ssnLastFour]),
            ],
            blocking: [.init(keys: [.lastName, .birthYear], line: 16), .init(keys: [.firstName, .birthDate], line: 17), .init(keys: [.ssn], line: 18)],
            training: .init(deterministicRules: [.init(keys: [.ssn, .birthDate], line: 20), .init(keys: [.firstName, .lastName, .birthDate], line: 20)],
                            recall: 0.8, uSamplePairs: 1_000_000, seed: 1, maxIterations: 25, tolerance: 0.0001),
            thresholds: .init(match: 0.95, review: 0.5), clustering: .init(contradiction: 0.01), limits: .init(maxPairs: 200_000_000),
            linkType: .dedupe)
        #expect(spec == expected)
    }

    @Test func optionalPartsTakeTheirDefaults() throws {
        let text = """
            linkage: febrl4
            link_type: link_only
            comparisons:
              - {name: surname, field: last_name, levels: [exact]}
            blocking: [[postcode]]
            training:
              lambda: {deterministic: [[ssn]], recall: 1}
            thresholds: {match: 0.9, review: 0.9}
            """
        let spec = try LinkageSpec.parse(text: text, file: "l.yaml")
        #expect(spec.linkType == .linkOnly)
        #expect(spec.training == .init(deterministicRules: [.init(keys: [.ssn], line: 7)], recall: 1))
        #expect(spec.clustering == .init() && spec.limits == .init())
    }

    @Test(arguments: [
        ("limits: {max_pairs: 200000000}", "limits: {max_pairs: 200000000}\nmodel: fs", 26,
         .unknownKey("model", allowed: LinkageSpec.keys)),
        ("linkage: agencies", "linkage: agencies\nlink_type: both", 2,
         .unknownWord("both", allowed: ["dedupe", "link_only"])),
        ("field: ssn", "field: phone", 13, .unknownWord("phone", allowed: IdentifierField.allCases.map(\.rawValue))),
        ("- name: ssn", "- name: first_name", 12, .duplicateName("first_name")),
        // One field compared twice (hostile review finding 11): its evidence would count twice.
        ("  - name: birth_date", "  - name: first_initial\n    field: first_name\n    levels: [exact]\n  - name: birth_date", 9,
         .duplicateName("first_name")),
        ("- name: ssn", "- name: SSN", 12, .wrongForm(expected: .identifier)),
        // A level that does not apply to the field's kind.
        ("[exact, ssn_transposition,", "[exact, day_month_swapped,", 14, .keyDoesNotApply("day_month_swapped")),
        ("day_month_swapped, {damerau", "ssn_last4, {damerau", 11, .keyDoesNotApply("ssn_last4")),
        ("- jaro_winkler: 0.80", "- same_year", 8, .keyDoesNotApply("same_year")),
        ("field: birth_date", "field: sex", 11, .keyDoesNotApply("day_month_swapped")),
        ("[exact, ssn_transposition,", "[exact, {jaro_winkler: 0.9}, ssn_transposition,", 14, .keyDoesNotApply("jaro_winkler")),
        // Levels listed twice, out of order, of the wrong form or range.
        ("- jaro_winkler: 0.80", "- jaro_winkler: 0.92", 8, .duplicateName("jaro_winkler 0.92")),
        ("levels: [exact, day_month_swapped,", "levels: [exact, exact,", 11, .duplicateName("exact")),
        ("- jaro_winkler: 0.80", "- jaro_winkler: 0.95", 8, .outOfOrder),
        ("same_year_month, same_year]", "same_year, same_year_month]", 11, .outOfOrder),
        ("levels: [exact, ssn_transposition, ssn_one_digit, ssn_last4]", "levels: [ssn_last4, exact]", 14, .outOfOrder),
        ("- jaro_winkler: 0.80", "- jaro_winkler", 8, .wrongForm(expected: .mapping)),
        ("- jaro_winkler: 0.80", "- jaro_winkler: 1.5", 8, .outOfRange("jaro_winkler")),
        ("- jaro_winkler: 0.80", "- jaro_winkler: 0", 8, .outOfRange("jaro_winkler")),
        ("- jaro_winkler: 0.80", "- jaro_winkler: .8", 8, .unreadNumber(text: ".8", problem: .missingWholePart)),
        ("- jaro_winkler: 0.80", "- {jaro_winkler: 0.8, exact: {}}", 8, .conflictingKeys(["exact", "jaro_winkler"])),
        ("- jaro_winkler: 0.80", "- {}", 8, .missingOneOf(LinkageSpec.levelsWithValues)),
        ("- jaro_winkler: 0.80", "- {soundex: 1}", 8, .unknownKey("soundex", allowed: LinkageSpec.levelsWithValues)),
        ("- jaro_winkler: 0.80", "- nickname", 8, .unknownWord("nickname", allowed: LinkageSpec.bareLevels.map(\.0))),
        ("- exact: {term_frequency: true}", "- exact: {term_frequency: yes}", 6, .wrongForm(expected: .boolean)),
        ("{damerau_levenshtein: 1}", "{damerau_levenshtein: 0}", 11, .outOfRange("damerau_levenshtein")),
        ("{damerau_levenshtein: 1}", "{damerau_levenshtein: 1.5}", 11, .unreadNumber(text: "1.5", problem: .notWhole)),
        ("levels: [exact, ssn_transposition, ssn_one_digit, ssn_last4]", "levels: []", 14, .tooFew("levels")),
        ("levels: [exact, ssn_transposition, ssn_one_digit, ssn_last4]", "levels: [exact, {damerau_levenshtein: 2}, {damerau_levenshtein: 1}]", 14,
         .outOfOrder),
        // Blocking.
        ("  - [ssn]\ntraining", "  - []\ntraining", 18, .tooFew("keys")),
        ("  - [ssn]\ntraining", "  - ssn\ntraining", 18, .wrongForm(expected: .list)),
        ("  - [ssn]\ntraining", "  - [ssn, ssn]\ntraining", 18, .duplicateName("ssn")),
        ("  - [ssn]\ntraining", "  - [birth_year, last_name]\ntraining", 18, .duplicateName("birth_year, last_name")),
        ("  - [ssn]\ntraining", "  - [ssn, shoe_size]\ntraining", 18,
         .unknownWord("shoe_size", allowed: LinkageSpec.BlockingKey.allCases.map(\.rawValue))),
        ("blocking:\n  - [last_name, birth_year]\n  - [first_name, birth_date]\n  - [ssn]", "blocking: []", 15, .tooFew("blocking")),
        // Training.
        ("recall: 0.8", "recall: 0", 20, .outOfRange("recall")),
        ("recall: 0.8", "recall: 1.2", 20, .outOfRange("recall")),
        ("{deterministic: [[ssn, birth_date], [first_name, last_name, birth_date]], recall: 0.8}", "{recall: 0.8}", 20,
         .missingKey("deterministic")),
        ("[[ssn, birth_date], [first_name, last_name, birth_date]]", "[]", 20, .tooFew("deterministic")),
        ("max_iterations: 25", "max_iterations: 0", 22, .outOfRange("max_iterations")),
        ("tolerance: 0.0001", "tolerance: 1e-4", 22, .unreadNumber(text: "1e-4", problem: .exponent)),
        ("seed: 1", "seed: -1", 21, .outOfRange("seed")),
        ("sample_pairs: 1000000", "sample_pairs: 1_000_000", 21, .unreadNumber(text: "1_000_000", problem: .separator)),
        // Thresholds, clustering, limits.
        ("{match: 0.95, review: 0.50}", "{match: 0.95, review: 0.96}", 23, .outOfOrder),
        ("{match: 0.95, review: 0.50}", "{match: 1, review: 0.50}", 23, .outOfRange("match")),
        ("{match: 0.95, review: 0.50}", "{match: 0.95, review: 0}", 23, .outOfRange("review")),
        ("{match: 0.95, review: 0.50}", "{match: 0.95}", 23, .missingKey("review")),
        ("contradiction: 0.01", "contradiction: 0.6", 24, .outOfRange("contradiction")),
        ("max_pairs: 200000000", "max_pairs: 0", 25, .outOfRange("max_pairs")),
        ("linkage: agencies", "linkage: Agencies!", 1, .wrongForm(expected: .identifier)),
    ] as [(String, String, Int, DefinitionFileError.Code)])
    func mistakesNameTheLine(old: String, new: String, line: Int, code: DefinitionFileError.Code) {
        #expect(Self.valid.contains(old))
        let error = error(Self.valid.replacingOccurrences(of: old, with: new))
        #expect(error?.file == "l.yaml" && error?.line == line, "\(String(describing: error))")
        #expect(error?.code == code)
    }

    @Test func limitsOnComparisonsAndLevels() {
        let levels = (1...15).map { "{jaro_winkler: 0.\(99 - $0)}" }.joined(separator: ", ")
        let tooManyLevels = Self.valid.replacingOccurrences(of: "levels: [exact, ssn_transposition, ssn_one_digit, ssn_last4]",
                                                              with: "levels: [\(levels)]").replacingOccurrences(of: "field: ssn", with: "field: last_name")
        #expect(error(tooManyLevels)?.code == .tooMany("levels"))
        #expect(error(tooManyLevels)?.line == 14)
        let comparisons = (1...17).map { "  - {name: c\($0), field: sex, levels: [exact]}" }.joined(separator: "\n")
        let tooManyComparisons = "linkage: x\ncomparisons:\n\(comparisons)\nblocking: [[sex]]\ntraining: {lambda: {deterministic: [[sex]], recall: 1}}\n"
            + "thresholds: {match: 0.9, review: 0.5}\n"
        // One comparison per field, so a specification never nears the comparisons a pattern packs:
        // the second comparison of sex is the error.
        #expect(IdentifierField.allCases.count <= LinkageSpec.maximumComparisons)
        #expect(error(tooManyComparisons)?.code == .duplicateName("sex"))
        #expect(error(tooManyComparisons)?.line == 4)
    }

    /// EM sessions are the blocking rules unless `m: blocking:` names others.
    @Test func trainingSessionsDefaultToTheBlockingRules() throws {
        let spec = try LinkageSpec.parse(text: Self.valid, file: "l.yaml")
        #expect(spec.training.sessions.isEmpty && spec.trainingSessions == spec.blocking)
        let named = try LinkageSpec.parse(text: Self.valid.replacingOccurrences(
            of: "m: {max_iterations: 25, tolerance: 0.0001}", with: "m: {blocking: [[ssn], [first_name, sex]], max_iterations: 25, tolerance: 0.0001}"),
            file: "l.yaml")
        #expect(named.trainingSessions.map { $0.keys } == [[.ssn], [.firstName, .sex]])
    }

    // MARK: Canonical JSON

    /// The canonical JSON of the valid file, written out: defaults included, keys sorted, no lines.
    @Test func canonicalJSONIsStableAndComplete() throws {
        let spec = try LinkageSpec.parse(text: Self.valid, file: "l.yaml")
        let json = try spec.canonicalJSON()
        #expect(json.hasPrefix(#"{"blocking":[["last_name","birth_year"],["first_name","birth_date"],["ssn"]],"clustering":{"contradiction":0.01},"#))
        #expect(json.contains(#"{"level":"exact","term_frequency":true},{"at_least":0.92,"level":"jaro_winkler"}"#))
        #expect(json.contains(#""link_type":"dedupe""#) && json.contains(#""limits":{"max_pairs":200000000}"#))
        #expect(json.contains(#""training":{"deterministic":[["ssn","birth_date"],["first_name","last_name","birth_date"]],"max_iterations":25,"#
                              + #""recall":0.8,"sample_pairs":1000000,"seed":1,"#
                              + #""sessions":[["last_name","birth_year"],["first_name","birth_date"],["ssn"]],"tolerance":0.0001}"#))
        // Comments, layout and the defaults written or left out do not change it.
        let relaid = Self.valid.replacingOccurrences(of: "clustering: {contradiction: 0.01}\n", with: "# the default guard\n")
            .replacingOccurrences(of: "  u: {sample_pairs: 1000000, seed: 1}\n", with: "")
        let other = try LinkageSpec.parse(text: "\n\n" + relaid, file: "other.yaml")
        #expect(try other.canonicalJSON() == json)
        #expect(try other.sha256() == SHA256.hex(json) && SHA256.hex(json).count == 64)
        var changed = spec
        changed.thresholds.match = 0.96
        #expect(try changed.sha256() != spec.sha256())
    }

    // MARK: The worked examples

    static let examplesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scenarios")

    @Test func everyWorkedExampleReads() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.examplesFolder.path)
            .filter { $0.hasPrefix("linkage-") && $0.hasSuffix(".yaml") }.sorted()
        #expect(files == ["linkage-agencies.yaml", "linkage-febrl3.yaml", "linkage-febrl4.yaml"])
        for file in files {
            let spec = try LinkageSpec.read(path: Self.examplesFolder.appendingPathComponent(file).path)
            #expect(spec.id == String(file.dropFirst("linkage-".count).dropLast(".yaml".count)))
        }
    }

    /// linkage-febrl4.yaml is linkage-febrl3.yaml linking A to B only, with Splink's FEBRL4 recall for λ.
    @Test func theFEBRLExamplesDifferOnlyInLinkType() throws {
        let febrl = try LinkageSpec.read(path: Self.examplesFolder.appendingPathComponent("linkage-febrl3.yaml").path)
        let febrl4 = try LinkageSpec.read(path: Self.examplesFolder.appendingPathComponent("linkage-febrl4.yaml").path)
        #expect(febrl.comparisons.map(\.field) == [.firstName, .lastName, .birthDate, .ssn, .address, .postcode])
        #expect(febrl.linkType == .dedupe && febrl4.linkType == .linkOnly)
        #expect(febrl.training.recall == 0.9 && febrl4.training.recall == 0.8)
        var same = febrl4
        (same.id, same.linkType, same.training.recall) = (febrl.id, febrl.linkType, febrl.training.recall)
        #expect(same == febrl)
    }
}
