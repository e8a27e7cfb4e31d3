import Foundation

/// The documented CSV layout of one IDS table in an extract: its file name, columns, key and checks.
/// A file must have a header naming its columns (any order; optional columns may be left out).
public struct ExtractLayout: Sendable {
    public enum Kind: Sendable, Equatable {
        case integer, date, text
        /// A decimal with at most `whole` digits before the point and `fraction` after it, as the
        /// column stores it: more would be rounded or refused by the database, never read as written.
        case decimal(whole: Int, fraction: Int)
        case code([String])
        /// A date of birth, whole or partial (`PartialBirthDate`): staged as the whole date, and
        /// the year and month under the names given (each empty when unknown).
        case partialDate(year: String, month: String)
        /// An SSN, whole or its last four (`SocialSecurityNumber`): staged as the nine digits, the
        /// last four under the name given, and whether it was a placeholder, which holds no value.
        case ssn(lastFour: String, placeholder: String)
        /// An identifier record's free text (a name, an address): at most `IdentifierText.maximumLength`
        /// code points, no control characters (`IdentifierText`).
        case identifierText
        /// A source record's key or its source system, in every file that carries one: at most
        /// `IdentifierText.maximumKeyLength` code points, no control characters, and not beginning
        /// like a spreadsheet formula (`IdentifierText`).
        case sourceKey
    }

    /// A column of the staging table a file streams into: a file column fills one or more.
    public struct StagedColumn: Sendable, Equatable {
        public enum Value: Sendable, Equatable { case integer, date, decimal, text, flag }
        public let name: String
        public let value: Value
        /// False for what only the load reads (whether an SSN was a placeholder).
        public let stored: Bool
    }

    public struct Column: Sendable {
        public let name: String
        public let kind: Kind
        public let required: Bool
        /// An empty cell (or an absent column) keeps what is stored, instead of clearing it: for a
        /// description a row may have been given by a migration or an earlier extract.
        public var keepsStoredWhenEmpty = false
    }

    /// The file name in an extract directory, e.g. `events.csv`.
    public let file: String
    /// The IDS table it loads, e.g. `ids.events`.
    public let table: String
    public let columns: [Column]
    public let key: [String]
    /// Tables whose rows must exist for this one's (checked in this order of loading).
    public let referencesPersons: Bool
    public let span: (start: String, end: String)?
    /// For content that may name a source record instead of a person: the columns of that key
    /// (`source_system`, `source_key`, or `source_key` alone where `source_system` is required
    /// anyway). A file gives `person_id` or these, never both; whichever it gives is required.
    public let sourceKey: [String]
    /// For an edge between two persons: the relative's column and the columns of the relative's
    /// source record, read as `person_id` and `sourceKey` are (one or the other, never both).
    public let relative: (column: String, sourceKey: [String])?

    init(file: String, table: String, columns: [Column], key: [String], referencesPersons: Bool,
         span: (start: String, end: String)?, sourceKey: [String] = [], relative: (column: String, sourceKey: [String])? = nil)
    {
        (self.file, self.table, self.columns, self.key) = (file, table, columns, key)
        (self.referencesPersons, self.span, self.sourceKey, self.relative) = (referencesPersons, span, sourceKey, relative)
    }

    /// The ways a row names its persons: the person (`person_id` or its source record), and the relative for an edge.
    var personColumns: [(column: String, sourceKey: [String])] {
        (sourceKey.isEmpty ? [] : [("person_id", sourceKey)]) + (relative.map { [$0] } ?? [])
    }

    /// The staging table's columns, in the order `write` fills them.
    public var stagedColumns: [StagedColumn] {
        columns.flatMap { column -> [StagedColumn] in
            switch column.kind {
            case .integer: [.init(name: column.name, value: .integer, stored: true)]
            case .date: [.init(name: column.name, value: .date, stored: true)]
            case .decimal: [.init(name: column.name, value: .decimal, stored: true)]
            case .text, .code, .identifierText, .sourceKey: [.init(name: column.name, value: .text, stored: true)]
            case .partialDate(let year, let month):
                [.init(name: column.name, value: .date, stored: true), .init(name: year, value: .integer, stored: true),
                 .init(name: month, value: .integer, stored: true)]
            case .ssn(let lastFour, let placeholder):
                [.init(name: column.name, value: .text, stored: true), .init(name: lastFour, value: .text, stored: true),
                 .init(name: placeholder, value: .flag, stored: false)]
            }
        }
    }

    static func column(_ name: String, _ kind: Kind, required: Bool = false) -> Column {
        Column(name: name, kind: kind, required: required)
    }

    /// The vocabulary of event domains, with their shape: data, so that new kinds of records
    /// (tenancies, qualifications, convictions) load and are measured without a code change.
    public static let eventDomains = ExtractLayout(
        file: "event_domains.csv", table: "ids.event_domains",
        columns: [column("domain", .text, required: true),
                  column("shape", .code(EventDomain.Shape.allCases.map(\.rawValue)), required: true),
                  Column(name: "description", kind: .text, required: false, keepsStoredWhenEmpty: true)],
        key: ["domain"], referencesPersons: false, span: nil)
    public static let sourceSystems = ExtractLayout(
        file: "source_systems.csv", table: "ids.source_systems",
        columns: [column("source_system", .sourceKey, required: true), column("name", .text, required: true),
                  column("agency", .text, required: true), column("domain", .text)],
        key: ["source_system"], referencesPersons: false, span: nil)
    public static let programs = ExtractLayout(
        file: "programs.csv", table: "ids.programs",
        columns: [column("program_id", .text, required: true), column("name", .text, required: true),
                  column("randomized", .code(["true", "false"]))],
        key: ["program_id"], referencesPersons: false, span: nil)
    public static let providers = ExtractLayout(
        file: "providers.csv", table: "ids.providers",
        columns: [column("provider_id", .text, required: true), column("name", .text, required: true),
                  column("program_id", .text, required: true)],
        key: ["provider_id"], referencesPersons: false, span: nil)
    public static let contracts = ExtractLayout(
        file: "contracts.csv", table: "ids.contracts",
        columns: [column("contract_id", .text, required: true), column("program_id", .text, required: true),
                  column("name", .text, required: true), column("payer", .text, required: true),
                  column("start_date", .date, required: true), column("end_date", .date)],
        key: ["contract_id"], referencesPersons: false, span: ("start_date", "end_date"))
    public static let persons = ExtractLayout(
        file: "persons.csv", table: "ids.persons",
        columns: [column("person_id", .integer, required: true), column("birth_date", .date),
                  column("birth_year", .integer), column("sex", .code(Sex.allCases.map(\.rawValue))),
                  column("race_ethnicity", .text), column("county", .text)],
        key: ["person_id"], referencesPersons: false, span: nil)
    public static let sourceLinks = ExtractLayout(
        file: "source_links.csv", table: "ids.source_links",
        columns: [column("person_id", .integer, required: true), column("source_system", .sourceKey, required: true),
                  column("source_key", .sourceKey, required: true),
                  column("match_method", .code(MatchMethod.allCases.map(\.rawValue)), required: true),
                  column("match_score", .decimal(whole: 1, fraction: 4), required: true)],
        key: ["person_id", "source_system", "source_key"], referencesPersons: true, span: nil)
    public static let enrollments = ExtractLayout(
        file: "enrollments.csv", table: "ids.enrollments",
        columns: [column("person_id", .integer), column("enrollment_id", .integer, required: true),
                  column("program_id", .text, required: true), column("provider_id", .text, required: true),
                  column("contract_id", .text), column("start_date", .date, required: true), column("end_date", .date),
                  column("exit_reason", .text), column("study_arm", .code(StudyArm.allCases.map(\.rawValue))),
                  column("source_system", .sourceKey), column("source_key", .sourceKey)],
        key: ["person_id", "enrollment_id"], referencesPersons: true, span: ("start_date", "end_date"),
        sourceKey: ["source_system", "source_key"])
    public static let events = ExtractLayout(
        file: "events.csv", table: "ids.events",
        columns: [column("person_id", .integer), column("event_id", .integer, required: true),
                  column("domain", .text, required: true),
                  column("event_type", .text), column("source_system", .sourceKey, required: true),
                  column("source_record", .text, required: true), column("start_date", .date, required: true),
                  column("end_date", .date), column("amount", .decimal(whole: 12, fraction: 2)), column("source_key", .sourceKey)],
        key: ["person_id", "event_id"], referencesPersons: true, span: ("start_date", "end_date"),
        sourceKey: ["source_key"])
    /// One agency record's identifiers, for linkage: stored in `linkage.identifiers` (which only
    /// the linker reads), as the source wrote them; an empty field is no value.
    public static let identifiers = ExtractLayout(
        file: "identifiers.csv", table: "linkage.identifiers",
        columns: [column("source_system", .sourceKey, required: true), column("source_key", .sourceKey, required: true),
                  column("first_name", .identifierText), column("middle_name", .identifierText), column("last_name", .identifierText),
                  column("birth_date", .partialDate(year: "birth_year", month: "birth_month")),
                  column("ssn", .ssn(lastFour: "ssn_last4", placeholder: "ssn_placeholder")),
                  column("sex", .code(Sex.allCases.map(\.rawValue))), column("race_ethnicity", .identifierText),
                  column("county", .identifierText), column("address", .identifierText), column("city", .identifierText),
                  column("postcode", .identifierText)],
        key: ["source_system", "source_key"], referencesPersons: false, span: nil)

    /// Typed edges between persons: "relative_id is person_id's <relation>" (`RelationshipCode`),
    /// each person named by id or by a source record (the relative's in `relative_source_system`,
    /// the edge's own source system when empty).
    public static let relationships = ExtractLayout(
        file: "relationships.csv", table: "ids.relationships",
        columns: [column("person_id", .integer), column("relative_id", .integer),
                  column("relation", .code(RelationshipCode.codes), required: true),
                  column("source_system", .sourceKey, required: true),
                  column("valid_from", .date, required: true), column("valid_to", .date),
                  column("evidence", .code(RelationshipEvidence.allCases.map(\.rawValue))),
                  column("source_key", .sourceKey), column("relative_source_system", .sourceKey),
                  column("relative_source_key", .sourceKey)],
        key: ["person_id", "relative_id", "relation", "source_system", "valid_from"], referencesPersons: true,
        span: ("valid_from", "valid_to"), sourceKey: ["source_key"],
        relative: ("relative_id", ["relative_source_key"]))
    /// Household memberships (HUD HMIS): who lived in which household, with the relationship to its head (3.15).
    public static let households = ExtractLayout(
        file: "households.csv", table: "ids.household_members",
        columns: [column("person_id", .integer), column("household_key", .sourceKey, required: true),
                  column("source_system", .sourceKey, required: true),
                  column("relationship_to_head", .code(HouseholdRelationship.allCases.map { String($0.rawValue) }), required: true),
                  column("valid_from", .date, required: true), column("valid_to", .date), column("source_key", .sourceKey)],
        key: ["person_id", "source_system", "household_key", "valid_from"], referencesPersons: true,
        span: ("valid_from", "valid_to"), sourceKey: ["source_key"])

    /// The IDS's own files (schema `ids`), in loading order: what a table refers to comes first.
    public static let all = [eventDomains, sourceSystems, programs, providers, contracts, persons, sourceLinks, enrollments, events,
                             households, relationships]
    /// Every file an extract folder may hold, in loading order: the identifier extract after the
    /// source systems it names.
    public static let extractFiles = [eventDomains, sourceSystems, identifiers] + all.dropFirst(2)

    /// For each layout column, its position in the file's header (nil when an optional column is absent).
    public func positions(header: CSVReader.Record, file path: String) throws -> [Int?] {
        var seen: [String: Int] = [:]
        for (index, name) in header.fields.enumerated() {
            let name = name.trimmingCharacters(in: .whitespaces)
            guard columns.contains(where: { $0.name == name }) else {
                throw ExtractError(file: path, line: header.line, column: name,
                                   code: .unknownColumn, reason: "not a column of \(file); its columns are \(columns.map(\.name).joined(separator: ", ")).")
            }
            guard seen[name] == nil else {
                throw ExtractError(file: path, line: header.line, column: name, code: .repeatedColumn, reason: "the header names it twice.")
            }
            seen[name] = index
        }
        for (personColumn, sourceKey) in personColumns {
            let byPerson = seen[personColumn] != nil
            let byKey = sourceKey.filter { seen[$0] != nil }
            let whom = personColumn == "person_id" ? "person" : "relative"
            if byPerson, let keyColumn = byKey.first {
                throw ExtractError(file: path, line: header.line, column: keyColumn, code: .personAndSourceKey,
                                   reason: "the header names the \(whom) by \(personColumn) and by \(sourceKey.joined(separator: " and ")); give one or the other.")
            }
            if !byPerson, byKey.isEmpty {
                throw ExtractError(file: path, line: header.line, column: nil, code: .noPersonColumn,
                                   reason: "the header names no \(whom): give \(personColumn), or \(sourceKey.joined(separator: " and ")) of a linked source record.")
            }
            // A relative named by id names no source system of its record either.
            if byPerson, personColumn == relative?.column, seen["relative_source_system"] != nil {
                throw ExtractError(file: path, line: header.line, column: "relative_source_system", code: .personAndSourceKey,
                                   reason: "the header names the relative by \(personColumn) and gives relative_source_system, which belongs to relative_source_key; give one form or the other.")
            }
            if let absent = sourceKey.first(where: { !byPerson && seen[$0] == nil }) {
                throw ExtractError(file: path, line: header.line, column: absent,
                                   code: .missingColumn, reason: "a column of the source record's key is missing from the header.")
            }
        }
        return try columns.map { column in
            if column.required && seen[column.name] == nil {
                throw ExtractError(file: path, line: header.line, column: column.name,
                                   code: .missingColumn, reason: "a required column is missing from the header.")
            }
            return seen[column.name]
        }
    }

    /// Checks one record and writes it as a COPY row: the layout's columns in order, then the line.
    public func write(_ record: CSVReader.Record, positions: [Int?], headerWidth: Int, file path: String,
                      into buffer: inout CopyTextBuffer) throws
    {
        guard record.fields.count == headerWidth else {
            throw ExtractError(file: path, line: record.line, column: nil,
                               code: .fieldCount(found: record.fields.count, expected: headerWidth), reason: "\(record.fields.count) fields where the header has \(headerWidth).")
        }
        var dates: [String: LocalDate] = [:]
        for (column, position) in zip(columns, positions) {
            let text = position.map { record.fields[$0].trimmingCharacters(in: .whitespaces) } ?? ""
            func fail(_ code: ExtractError.Code, _ reason: String) -> ExtractError {
                ExtractError(file: path, line: record.line, column: column.name, code: code, reason: reason)
            }
            if text.isEmpty {
                // The person's column the file chose (person_id, or the source key) is required too.
                let chosen = position != nil && personColumns.contains { $0.column == column.name || $0.sourceKey.contains(column.name) }
                if column.required || chosen { throw fail(.missingValue, "a value is required.") }
                // As many staged columns as the column fills; an absent SSN is no placeholder.
                switch column.kind {
                case .partialDate:
                    buffer.null(); buffer.null(); buffer.null()
                case .ssn:
                    buffer.null(); buffer.null(); buffer.bool(false)
                default:
                    buffer.null()
                }
                continue
            }
            switch column.kind {
            case .integer:
                do throws(NumberLiteral.Problem) {
                    buffer.int(try NumberLiteral.integer(text, .extract))
                } catch {
                    throw fail(.unreadNumber(text: text, problem: error), "'\(text)' is not a whole number: \(error.explanation).")
                }
            case .date:
                guard let date = LocalDate(iso: text) else { throw fail(.notADate(text), "'\(text)' is not a date written YYYY-MM-DD.") }
                guard LocalDate.inputRange.contains(date) else { throw fail(.dateOutOfRange(date), "\(text) is outside \(LocalDate.inputRangeText).") }
                dates[column.name] = date
                buffer.date(date)
            case .decimal(let whole, let fraction):
                let number: NumberLiteral
                do throws(NumberLiteral.Problem) {
                    number = try NumberLiteral(text, .extract)
                } catch {
                    throw fail(.unreadNumber(text: text, problem: error), "'\(text)' is not a decimal number (digits, optionally a point and more digits): \(error.explanation).")
                }
                // Zeros that change nothing (leading, trailing) do not count.
                let significantFraction = number.fractionDigits.reversed().drop(while: { $0 == "0" }).count
                guard significantFraction <= fraction, number.wholeDigits.drop(while: { $0 == "0" }).count <= whole else {
                    throw fail(.tooManyDigits(whole: whole, fraction: fraction), "'\(text)' has more digits than the column holds: at most \(whole) before the point and \(fraction) after it.")
                }
                buffer.text(text)
            case .code(let allowed):
                guard allowed.contains(text) else { throw fail(.unknownCode(text, allowed: allowed), "'\(text)' is not one of \(allowed.joined(separator: ", ")).") }
                buffer.text(text)
            case .text:
                buffer.text(text)
            case .identifierText, .sourceKey:
                let key = column.kind == .sourceKey
                do throws(IdentifierText.Problem) {
                    try IdentifierText.check(text, key: key)
                } catch .tooLong(let length, let maximum) {
                    // Never the value: it is an identifier, and long.
                    throw fail(.valueTooLong(length: length, maximum: maximum),
                               "the value is \(length) characters long; \(key ? "a source key or source system" : "identifier text") holds at most \(maximum).")
                } catch .controlCharacter(let scalar) {
                    throw fail(.controlCharacter(scalar),
                               "the value holds the character \(IdentifierText.codePoint(scalar)); control characters, line separators and bidirectional overrides are refused.")
                } catch .formulaStart(let first) {
                    throw fail(.formulaStart(first),
                               "the value begins with \(first); a source key or source system may not begin with = + - @ (a spreadsheet reads a formula) or ' (the review file's mark for one).")
                }
                buffer.text(text)
            case .partialDate:
                do throws(PartialBirthDate.Problem) {
                    let birth = try PartialBirthDate(text)
                    buffer.date(birth.date)
                    buffer.int(birth.year)
                    buffer.int(birth.month)
                } catch .yearOutOfRange(let year) {
                    throw fail(.birthYearOutOfRange(year), "\(text): the year is outside \(PartialBirthDate.years.lowerBound)–\(PartialBirthDate.years.upperBound).")
                } catch {
                    throw fail(.notAPartialDate(text), "'\(text)' is not a date of birth written YYYY-MM-DD, YYYY-MM or YYYY.")
                }
            case .ssn:
                do throws(SocialSecurityNumber.Problem) {
                    let ssn = try SocialSecurityNumber(text)
                    buffer.text(ssn.digits)
                    buffer.text(ssn.lastFourDigits)
                    buffer.bool(ssn == .placeholder)
                } catch {
                    let shape = SocialSecurityNumber.shape(of: text)
                    throw fail(.notAnSSN(shape: shape), "a value shaped \(shape) is not an SSN: write nine digits (NNNNNNNNN or NNN-NN-NNNN), or the last four (XXX-XX-NNNN or NNNN).")
                }
            }
        }
        if let span, let start = dates[span.start], let end = dates[span.end], end < start {
            throw ExtractError(file: path, line: record.line, column: span.end,
                               code: .endsBeforeStart, reason: "\(span.end) \(end) is before \(span.start) \(start).")
        }
        buffer.int(record.line)
        buffer.endRow()
    }
}
