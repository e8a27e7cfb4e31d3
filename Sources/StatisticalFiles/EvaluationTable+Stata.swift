import Foundation
import OutcomesDomain

extension EvaluationTable {
    /// Reads a Stata .dta as strictly as `read(csv:)` reads a CSV, with the same options
    /// (README, "Cohort comparisons"):
    /// - `treatment` holds 0 or 1; `id` and `group` are optional (numbers as their codes);
    /// - a numeric variable (byte, int, long, float, double) is a numeric column; a string variable is
    ///   categorical, and one holding a number is an error unless `categorical` names it (Stata keeps
    ///   numbers in numeric variables: a number in a string is a `destring` not yet done);
    /// - a numeric variable in `categorical` holds categories: its value labels where it has them,
    ///   else its numbers as text; without `categorical` a labelled variable is its numeric codes;
    /// - a missing value (`.`, `.a`–`.z`, an empty string or `NA`) in a used column is an error
    ///   naming the file, the observation and the column: nothing is imputed;
    /// - a file ReadStat cannot read is one error naming the file, in words.
    public static func read(dta path: String, treatment: String, id: String?, group: String?, using used: Set<String>,
                            numeric: Set<String> = [], categorical: Set<String> = [], options: [String: String] = [:]) throws -> EvaluationTable
    {
        guard FileManager.default.isReadableFile(atPath: path) else { throw EvaluationError.unreadable(file: path) }
        // The option that named each variable, in the order the CSV reader checks them.
        let roles = [(treatment, "treatment")] + [id.map { ($0, "id") }, group.map { ($0, "group") }].compactMap { $0 }
            + used.sorted().map { ($0, options[$0] ?? "covariates") }
        let file: StataFile
        do {
            var names: [String] = []
            for (name, _) in roles where !names.contains(name) { names.append(name) }
            file = try StataFile.read(path, variables: names, required: used.union([treatment]))
        } catch {
            throw error.evaluationError(path: path, treatment: treatment, option: { name in roles.first { $0.0 == name }?.1 ?? "covariates" })
        }
        try checkCategorical(categorical, used: used, numeric: numeric)
        guard file.observations > 0 else { throw EvaluationError.data(file: path, line: 0, .noObservations) }

        let treated = try treatmentValues(file.columns[treatment]!, file: path)
        let ids = id.map { name in (0..<file.observations).map { file.columns[name]!.text(at: $0) } }
            ?? (1...file.observations).map(String.init)
        let groups: [String?] = (0..<file.observations).map { index in
            guard treated[index], let name = group else { return nil }
            let text = file.columns[name]!.text(at: index)
            return text.isEmpty ? nil : text
        }
        var columns: [String: Column] = [:]
        for name in used.sorted() {  // the first error is the same in every run
            columns[name] = try column(file.columns[name]!, of: file, numeric: numeric.contains(name), categorical: categorical.contains(name))
        }
        return EvaluationTable(ids: ids, treated: treated, groups: groups, columns: columns, source: path)
    }

    private static func treatmentValues(_ column: StataFile.Column, file path: String) throws(EvaluationError) -> [Bool] {
        var treated: [Bool] = []
        treated.reserveCapacity(column.count)
        for index in 0..<column.count {
            let text = column.text(at: index)
            guard text == "0" || text == "1" else {
                throw .observation(file: path, observation: index + 1, .treatmentNotBinary(column: column.name, value: text))
            }
            treated.append(text == "1")
        }
        return treated
    }

    private static func column(_ column: StataFile.Column, of file: StataFile, numeric: Bool, categorical: Bool) throws(EvaluationError) -> Column {
        guard column.storage.isString else {
            guard categorical else { return .numeric(column.numbers) }
            // A label set named but absent is a cut copy (ReadStat drops a partly read last table) or
            // labels never defined: either way the categories would silently be codes.
            if let set = column.labelSet, file.valueLabels[set] == nil {
                throw .data(file: file.path, line: 0, .valueLabelsMissing(column: column.name, labelSet: set))
            }
            return .categorical(column.numbers.indices.map { file.label(column, at: $0) ?? column.text(at: $0) })
        }
        if numeric {
            throw .data(file: file.path, line: 0, .outcomeIsString(column: column.name, storage: column.storageName))
        }
        if !categorical, let index = column.texts.firstIndex(where: { NumberLiteral.double($0) != nil }) {
            throw .observation(file: file.path, observation: index + 1, .numberInString(column: column.name, text: column.texts[index]))
        }
        return .categorical(column.texts)
    }
}

extension StataFileError {
    /// The comparison's error: an unknown variable names the option that asked for it.
    func evaluationError(path: String, treatment: String, option: (String) -> String) -> EvaluationError {
        switch self {
        case .noVariable(let name, let variables):
            return .option(option(name), .noColumn(name, source: path, columns: variables, listed: .stataVariables))
        case .missing(let observation, let name, let code) where name == treatment:
            return .observation(file: path, observation: observation, .treatmentMissing(column: name, code: code))
        case .missing(let observation, let name, let code):
            return .observation(file: path, observation: observation, .missingValue(column: name, code: code))
        case .notFinite(let observation, let name):
            return .observation(file: path, observation: observation, .notFinite(column: name))
        case .empty:
            return .data(file: path, line: 0, .emptyStataFile)
        case .unreadable(let words):
            if Self.isText(path) {
                return .data(file: path, line: 0, .textNamedDTA(readStat: words))
            }
            return .data(file: path, line: 0, .notStata(readStat: words, exportLine: DataFileFormat.stata.exportLine(path)))
        }
    }

    /// A CSV (or other text) named .dta: its first line is text with a comma, tab or semicolon.
    private static func isText(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path), let head = try? handle.read(upToCount: 512), !head.isEmpty else { return false }
        try? handle.close()
        let firstLine = head.prefix { $0 != 10 }
        return head.allSatisfy { $0 == 9 || $0 == 10 || $0 == 13 || $0 >= 32 && $0 != 127 }
            && firstLine.contains { $0 == UInt8(ascii: ",") || $0 == 9 || $0 == UInt8(ascii: ";") }
    }
}
