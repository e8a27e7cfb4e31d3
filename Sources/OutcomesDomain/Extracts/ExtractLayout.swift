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
    }

    public struct Column: Sendable {
        public let name: String
        public let kind: Kind
        public let required: Bool
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

    static func column(_ name: String, _ kind: Kind, required: Bool = false) -> Column {
        Column(name: name, kind: kind, required: required)
    }

    /// The vocabulary of event domains, with their shape: data, so that new kinds of records
    /// (tenancies, qualifications, convictions) load and are measured without a code change.
    public static let eventDomains = ExtractLayout(
        file: "event_domains.csv", table: "ids.event_domains",
        columns: [column("domain", .text, required: true),
                  column("shape", .code(EventDomain.Shape.allCases.map(\.rawValue)), required: true)],
        key: ["domain"], referencesPersons: false, span: nil)
    public static let sourceSystems = ExtractLayout(
        file: "source_systems.csv", table: "ids.source_systems",
        columns: [column("source_system", .text, required: true), column("name", .text, required: true),
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
        columns: [column("person_id", .integer, required: true), column("source_system", .text, required: true),
                  column("source_key", .text, required: true),
                  column("match_method", .code(MatchMethod.allCases.map(\.rawValue)), required: true),
                  column("match_score", .decimal(whole: 1, fraction: 4), required: true)],
        key: ["person_id", "source_system", "source_key"], referencesPersons: true, span: nil)
    public static let enrollments = ExtractLayout(
        file: "enrollments.csv", table: "ids.enrollments",
        columns: [column("person_id", .integer, required: true), column("enrollment_id", .integer, required: true),
                  column("program_id", .text, required: true), column("provider_id", .text, required: true),
                  column("contract_id", .text), column("start_date", .date, required: true), column("end_date", .date),
                  column("exit_reason", .text), column("study_arm", .code(StudyArm.allCases.map(\.rawValue)))],
        key: ["person_id", "enrollment_id"], referencesPersons: true, span: ("start_date", "end_date"))
    public static let events = ExtractLayout(
        file: "events.csv", table: "ids.events",
        columns: [column("person_id", .integer, required: true), column("event_id", .integer, required: true),
                  column("domain", .text, required: true),
                  column("event_type", .text), column("source_system", .text, required: true),
                  column("source_record", .text, required: true), column("start_date", .date, required: true),
                  column("end_date", .date), column("amount", .decimal(whole: 12, fraction: 2))],
        key: ["person_id", "event_id"], referencesPersons: true, span: ("start_date", "end_date"))

    /// In loading order: what a table refers to comes first.
    public static let all = [eventDomains, sourceSystems, programs, providers, contracts, persons, sourceLinks, enrollments, events]

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
                if column.required { throw fail(.missingValue, "a value is required.") }
                buffer.null()
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
