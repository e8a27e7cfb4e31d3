import CReadStat
import Foundation
import OutcomesDomain

/// The variables of a Stata .dta that were asked for, as ReadStat reads them: numbers apart from
/// Stata's missing values, strings trimmed, value labels by label set. What the values mean to a
/// comparison is decided by the caller (`EvaluationTable.read(dta:)`).
struct StataFile {
    /// How Stata stores a variable (what `describe` calls its storage type).
    enum Storage: String, Sendable {
        case byte, int, long, float, double, string = "str", longString = "strL"

        init(_ type: readstat_type_t) {
            switch type {
            case READSTAT_TYPE_INT8: self = .byte
            case READSTAT_TYPE_INT16: self = .int
            case READSTAT_TYPE_INT32: self = .long
            case READSTAT_TYPE_FLOAT: self = .float
            case READSTAT_TYPE_DOUBLE: self = .double
            case READSTAT_TYPE_STRING_REF: self = .longString
            default: self = .string
            }
        }

        var isString: Bool { self == .string || self == .longString }
    }

    struct Column {
        let name: String
        let storage: Storage
        /// Bytes per value: a str6 holds 6.
        let width: Int
        /// The name of the variable's value-label set (`label values`), if it has one.
        let labelSet: String?
        /// A numeric variable's values, NaN where missing (only where missing is allowed).
        var numbers: [Double] = []
        /// A string variable's values, trimmed; "" where missing (only where missing is allowed).
        var texts: [String] = []

        var count: Int { storage.isString ? texts.count : numbers.count }

        /// Its storage type as Stata's `describe` shows it: byte, double, str6, strL.
        var storageName: String { storage == .string ? "str\(width)" : storage.rawValue }

        /// The value at `index` as text: a string as it is, a whole number without a point, a float
        /// as Stata shows it (0.1, not 0.10000000149011612); "" when missing.
        func text(at index: Int) -> String {
            if storage.isString { return texts[index] }
            return Self.text(numbers[index], storage: storage)
        }

        static func text(_ number: Double, storage: Storage) -> String {
            guard number.isFinite else { return "" }
            if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
            return storage == .float ? String(describing: Float(number)) : String(describing: number)
        }
    }

    let path: String
    /// Every variable of the file, in its order.
    var variableNames: [String] = []
    var observations = 0
    var columns: [String: Column] = [:]
    /// Value labels by label set, then by value.
    var valueLabels: [String: [Double: String]] = [:]

    /// The label of `column`'s value at `index`, if its label set names one.
    func label(_ column: Column, at index: Int) -> String? {
        column.labelSet.flatMap { valueLabels[$0]?[column.numbers[index]] }
    }

    /// Reads `variables` (checked in this order: the first the file lacks is the error) of the .dta at
    /// `path`. A missing value (`.`, `.a`–`.z`, an empty string, `NA`) or a number that is not
    /// finite in one of `required` stops the reading at that observation.
    static func read(_ path: String, variables: [String], required: Set<String>) throws(StataFileError) -> StataFile {
        // ReadStat reports an empty file as a failed read; it is simpler than that.
        if (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) == 0 { throw .empty }
        let state = ParseState(path: path, variables: variables, required: required)
        guard let parser = readstat_parser_init() else { throw .unreadable("ReadStat could not start (out of memory)") }
        defer { readstat_parser_free(parser) }
        readstat_set_error_handler(parser) { message, context in
            guard let message, let context else { return }
            ParseState.from(context).readStatMessages.append(String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        readstat_set_variable_handler(parser) { index, variable, labelSet, context in
            guard let variable, let context else { return CREADSTAT_HANDLER_ABORT }
            return ParseState.from(context).variable(index: Int(index), variable, labelSet: labelSet.map { String(cString: $0) })
        }
        readstat_set_value_handler(parser) { observation, variable, value, context in
            guard let variable, let context else { return CREADSTAT_HANDLER_ABORT }
            return ParseState.from(context).value(observation: Int(observation), variable, value)
        }
        readstat_set_value_label_handler(parser) { labelSet, value, label, context in
            guard let labelSet, let label, let context else { return CREADSTAT_HANDLER_OK }
            ParseState.from(context).valueLabel(set: String(cString: labelSet), value, String(cString: label))
            return CREADSTAT_HANDLER_OK
        }
        let status = readstat_parse_dta(parser, path, Unmanaged.passUnretained(state).toOpaque())
        if let failure = state.failure { throw failure }
        guard status == READSTAT_OK else { throw .unreadable(words(status, details: state.readStatMessages)) }
        try checkClosingTag(path)
        // A file without observations never reached the value handler, where the names are checked.
        if let failure = state.checkNames() { throw failure }
        var file = state.file
        file.columns = Dictionary(uniqueKeysWithValues: state.columns.map { ($0.name, $0) })
        return file
    }

    /// Stata 13 and later (formats 117–119) open with <stata_dta> and close with </stata_dta>.
    /// ReadStat stops reading after the value labels, so a copy cut within its last bytes would pass.
    static func checkClosingTag(_ path: String) throws(StataFileError) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let opening = Data("<stata_dta>".utf8), closing = Data("</stata_dta>".utf8)
        guard (try? handle.read(upToCount: opening.count)) == opening else { return }
        guard let end = try? handle.seekToEnd(), end >= UInt64(closing.count), (try? handle.seek(toOffset: end - UInt64(closing.count))) != nil,
              (try? handle.read(upToCount: closing.count)) == closing
        else { throw .unreadable("it does not end with </stata_dta> as a Stata 13+ file does (a truncated copy?)") }
    }

    /// ReadStat's error code in words a user can act on, with its own messages when it gave any.
    static func words(_ status: readstat_error_t, details: [String]) -> String {
        let words = switch status {
        case READSTAT_ERROR_OPEN: "it cannot be opened"
        case READSTAT_ERROR_READ, READSTAT_ERROR_SEEK: "it ends before the data it declares (a truncated copy?)"
        case READSTAT_ERROR_MALLOC: "it declares more data than can be held in memory (damaged?)"
        case READSTAT_ERROR_PARSE: "its contents are not laid out as a Stata dataset's (damaged, or another format?)"
        case READSTAT_ERROR_UNSUPPORTED_FILE_FORMAT_VERSION: "its first bytes name no Stata format ReadStat reads (not a .dta, or damaged)"
        case READSTAT_ERROR_UNSUPPORTED_CHARSET, READSTAT_ERROR_CONVERT, READSTAT_ERROR_CONVERT_BAD_STRING,
             READSTAT_ERROR_CONVERT_SHORT_STRING, READSTAT_ERROR_CONVERT_LONG_STRING:
            "its text is not in the character encoding it declares"
        case READSTAT_ERROR_ROW_COUNT_MISMATCH, READSTAT_ERROR_COLUMN_COUNT_MISMATCH, READSTAT_ERROR_ROW_WIDTH_MISMATCH:
            "its observations do not match the size its header declares (damaged?)"
        case READSTAT_ERROR_VALUE_TYPE_MISMATCH, READSTAT_ERROR_BAD_FORMAT_STRING:
            "a variable's storage type or display format is not one Stata writes (damaged?)"
        default: String(cString: readstat_error_message(status)).lowercased()
        }
        let said = details.map(\.readable).filter { !$0.isEmpty }.prefix(2).joined(separator: "; ")
        return said.isEmpty ? words : "\(words) (ReadStat: \(said))"
    }
}

/// Why a .dta could not be read as asked.
enum StataFileError: Error, Equatable {
    /// The file has no variable of this name; `variables` are the ones it has.
    case noVariable(String, variables: [String])
    /// A required variable is missing at this observation (from 1): `code` is `.`, `.a`…`.z`, or "" for a string.
    case missing(observation: Int, variable: String, code: String)
    /// A required numeric variable holds NaN or an infinity at this observation (Stata itself cannot).
    case notFinite(observation: Int, variable: String)
    /// The file has no bytes at all.
    case empty
    /// ReadStat could not read the file, in words.
    case unreadable(String)
}

/// What the C callbacks fill in, reached through ReadStat's context pointer.
private final class ParseState {
    var file: StataFile
    let variables: [String]
    let wanted: Set<String>
    let required: Set<String>
    /// The columns being read, and the position in `columns` of each variable index (nil: skipped).
    var columns: [StataFile.Column] = []
    var slots: [Int?] = []
    var requiredBySlot: [Bool] = []
    var seen: Set<String> = []
    var namesChecked = false
    var failure: StataFileError?
    var readStatMessages: [String] = []

    init(path: String, variables: [String], required: Set<String>) {
        self.file = StataFile(path: path)
        self.variables = variables
        self.wanted = Set(variables)
        self.required = required
    }

    static func from(_ context: UnsafeMutableRawPointer) -> ParseState {
        Unmanaged<ParseState>.fromOpaque(context).takeUnretainedValue()
    }

    func checkNames() -> StataFileError? {
        namesChecked = true
        let present = Set(file.variableNames)
        return variables.first { !present.contains($0) }.map { .noVariable($0, variables: file.variableNames) }
    }

    func variable(index: Int, _ variable: UnsafeMutablePointer<readstat_variable_t>, labelSet: String?) -> Int32 {
        // A damaged file can leave a variable without a name (ReadStat then gives none at all).
        guard let raw = readstat_variable_get_name(variable) as UnsafePointer<CChar>?, raw.pointee != 0 else {
            failure = .unreadable("variable \(index + 1) has no name (damaged?)")
            return CREADSTAT_HANDLER_ABORT
        }
        let name = String(cString: raw)
        // Stata cannot write a name twice; a damaged file can, and which one is meant cannot be told.
        guard seen.insert(name).inserted else {
            failure = .unreadable("it names variable \(name.printable) twice (damaged?)")
            return CREADSTAT_HANDLER_ABORT
        }
        file.variableNames.append(name)
        if slots.count <= index { slots += Array(repeating: nil, count: index + 1 - slots.count) }
        // Unused variables are skipped: ReadStat then calls no value handler for them.
        guard wanted.contains(name) else { return CREADSTAT_HANDLER_SKIP_VARIABLE }
        slots[index] = columns.count
        requiredBySlot.append(required.contains(name))
        columns.append(StataFile.Column(name: name, storage: StataFile.Storage(readstat_variable_get_type(variable)),
                                        width: readstat_variable_get_storage_width(variable), labelSet: labelSet.flatMap { $0.isEmpty ? nil : $0 }))
        return CREADSTAT_HANDLER_OK
    }

    func value(observation: Int, _ variable: UnsafeMutablePointer<readstat_variable_t>, _ value: readstat_value_t) -> Int32 {
        // Every variable is known before the first value: a name the file lacks stops the reading here.
        if !namesChecked, let failure = checkNames() {
            self.failure = failure
            return CREADSTAT_HANDLER_ABORT
        }
        let index = Int(readstat_variable_get_index(variable))
        guard index < slots.count, let slot = slots[index] else { return CREADSTAT_HANDLER_OK }
        file.observations = max(file.observations, observation + 1)
        let name = columns[slot].name, isRequired = requiredBySlot[slot]
        switch readstat_value_type(value) {
        case READSTAT_TYPE_STRING, READSTAT_TYPE_STRING_REF:
            let text = readstat_string_value(value).map { String(cString: $0) }?.trimmingCharacters(in: .whitespaces) ?? ""
            if isRequired, text.isEmpty || text == "NA" {
                failure = .missing(observation: observation + 1, variable: name, code: text)
                return CREADSTAT_HANDLER_ABORT
            }
            columns[slot].texts.append(text)
        default:
            var number = Self.number(value)
            if readstat_value_is_system_missing(value) != 0 || readstat_value_is_tagged_missing(value) != 0 {
                if isRequired {
                    let tag = readstat_value_is_tagged_missing(value) != 0 ? String(UnicodeScalar(UInt8(bitPattern: readstat_value_tag(value)))) : ""
                    failure = .missing(observation: observation + 1, variable: name, code: "." + tag)
                    return CREADSTAT_HANDLER_ABORT
                }
                number = .nan
            } else if !number.isFinite, isRequired {
                failure = .notFinite(observation: observation + 1, variable: name)
                return CREADSTAT_HANDLER_ABORT
            }
            columns[slot].numbers.append(number)
        }
        return CREADSTAT_HANDLER_OK
    }

    func valueLabel(set: String, _ value: readstat_value_t, _ label: String) {
        // A label of an extended missing value (.a "refused") labels no number.
        guard readstat_value_is_tagged_missing(value) == 0, readstat_value_is_system_missing(value) == 0 else { return }
        file.valueLabels[set, default: [:]][Self.number(value)] = label
    }

    static func number(_ value: readstat_value_t) -> Double {
        switch readstat_value_type(value) {
        case READSTAT_TYPE_INT8: Double(readstat_int8_value(value))
        case READSTAT_TYPE_INT16: Double(readstat_int16_value(value))
        case READSTAT_TYPE_INT32: Double(readstat_int32_value(value))
        case READSTAT_TYPE_FLOAT: Double(readstat_float_value(value))
        default: readstat_double_value(value)
        }
    }
}

private extension String {
    /// ReadStat's own message, short; what it quotes from a damaged file (bytes of any kind) is cut off.
    var readable: String {
        let plain = unicodeScalars.allSatisfy { (32..<127).contains($0.value) }
        let text = plain ? self : String(split(separator: ":", maxSplits: 1).first ?? "")
        return String(text.printable.prefix(200))
    }
}
