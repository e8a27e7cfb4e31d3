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
        guard file.observations > 0 else { throw EvaluationError.data(file: path, line: 0, "the file has no observations") }

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
                throw .observation(file: path, observation: index + 1, "the treatment column \(column.name.printable) must be 0 or 1, not \(text.printable)")
            }
            treated.append(text == "1")
        }
        return treated
    }

    private static func column(_ column: StataFile.Column, of file: StataFile, numeric: Bool, categorical: Bool) throws(EvaluationError) -> Column {
        let name = column.name.printable
        guard column.storage.isString else {
            guard categorical else { return .numeric(column.numbers) }
            // A label set named but absent is a cut copy (ReadStat drops a partly read last table) or
            // labels never defined: either way the categories would silently be codes.
            if let set = column.labelSet, file.valueLabels[set] == nil {
                throw .data(file: file.path, line: 0, "column \(name) has value labels \(set.printable), which the file does not hold (a truncated copy, "
                    + "or labels never defined: in Stata, `label list \(set.printable)` shows them, `label values \(name)` detaches the name)")
            }
            return .categorical(column.numbers.indices.map { file.label(column, at: $0) ?? column.text(at: $0) })
        }
        if numeric {
            throw .data(file: file.path, line: 0, "column \(name) is an outcome but a string variable (\(column.storageName)); outcomes are numeric: "
                + "`destring \(name), replace` in Stata, then save the file again")
        }
        if !categorical, let index = column.texts.firstIndex(where: { NumberLiteral.double($0) != nil }) {
            throw .observation(file: file.path, observation: index + 1,
                               "column \(name) is a string variable holding the number \(column.texts[index].printable); if it holds numbers, "
                                   + "destring it in Stata (`destring \(name), replace`); if categories, declare it with --categorical \(name)")
        }
        return .categorical(column.texts)
    }
}

extension StataFileError {
    /// The comparison's error: an unknown variable names the option that asked for it.
    func evaluationError(path: String, treatment: String, option: (String) -> String) -> EvaluationError {
        switch self {
        case .noVariable(let name, let variables):
            let known = variables.prefix(30).map(\.printable).joined(separator: ", ")
            return .option(option(name), "\(path) has no column \(name.printable); its variables are \(known.isEmpty ? "none" : known)")
        case .missing(let observation, let name, let code) where name == treatment:
            return .observation(file: path, observation: observation,
                                "the treatment column \(name.printable) must be 0 or 1, not \(code.isEmpty ? "an empty string" : code.printable)")
        case .missing(let observation, let name, let code):
            let what = code.isEmpty ? "an empty string" : code == "NA" ? "NA" : "missing (\(code))"
            return .observation(file: path, observation: observation,
                                "column \(name.printable) is \(what); outcomes does not impute — fill or drop the observation")
        case .notFinite(let observation, let name):
            return .observation(file: path, observation: observation, "column \(name.printable) is not a finite number (NaN or infinite)")
        case .empty:
            return .data(file: path, line: 0, "the file is empty; a Stata .dta holds at least a header")
        case .unreadable(let words):
            if Self.isText(path) {
                return .data(file: path, line: 0, "not a Stata .dta file but text, a CSV perhaps: name it .csv (ReadStat: \(words))")
            }
            return .data(file: path, line: 0, "not a Stata .dta file ReadStat can read: \(words); "
                + "if Stata opens it, `\(DataFileFormat.stata.exportLine(path).printable)` there writes a CSV that --data reads")
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
