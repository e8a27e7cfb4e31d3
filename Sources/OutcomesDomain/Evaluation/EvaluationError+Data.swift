extension EvaluationError {
    /// What is wrong in a data file, at a line of a CSV or an observation of a Stata .dta (the error
    /// names the file and the place).
    public enum DataProblem: Sendable, Equatable {
        // A CSV.
        /// The CSV reader's own error (a field the grammar does not read, say), said in its words.
        case csv(ExtractError)
        /// Not even a header row.
        case noHeader
        case columnNamedTwice(String)
        case fieldCount(found: Int, expected: Int)
        /// A header but no rows.
        case noRows
        /// An empty (or NA) cell of a used column: nothing is imputed.
        case emptyCell(column: String)

        // A CSV or a Stata .dta.
        /// A treatment value other than 0 or 1 (its text).
        case treatmentNotBinary(column: String, value: String)
        /// A column read as text that an option (named) needs as numbers: a text it holds.
        case textInNumericColumn(String, option: String, example: String)

        // A Stata .dta.
        case noObservations
        /// Not even a header.
        case emptyStataFile
        /// A text file (a CSV, perhaps) named .dta: ReadStat's words.
        case textNamedDTA(readStat: String)
        /// A file ReadStat cannot read: its words, and the line that exports it from Stata as a CSV.
        case notStata(readStat: String, exportLine: String)
        /// A categorical column whose value-label set the file does not hold.
        case valueLabelsMissing(column: String, labelSet: String)
        /// An outcome held in a string variable (its storage type, `str10` say).
        case outcomeIsString(column: String, storage: String)
        /// A missing treatment value: its code (`""` for an empty string, `.a` say).
        case treatmentMissing(column: String, code: String)
        /// A missing value in a used column: its code (`""` for an empty string, `NA`, `.`, `.a` say).
        case missingValue(column: String, code: String)
        /// NaN or an infinity.
        case notFinite(column: String)
        /// A string variable holding a number (the text), neither destrung nor declared categorical.
        case numberInString(column: String, text: String)

        /// A comparison that cannot be made with what the file holds (the command line names the file).
        indirect case cannotCompare(DesignProblem)
    }
}

extension EvaluationError.DataProblem {
    /// What is wrong, in English: a clause after the file and place.
    public var explanation: String {
        switch self {
        case .csv(let error): String(error.reason.dropLast(error.reason.hasSuffix(".") ? 1 : 0))
        case .noHeader: "the file is empty; it needs a header row"
        case .columnNamedTwice(let name): "the header names column \(name.printable) twice; which one is meant cannot be told"
        case .fieldCount(let found, let expected): "\(found) fields where the header has \(expected)"
        case .noRows: "the file has a header but no rows"
        case .emptyCell(let column): "column \(column.printable) is empty; outcomes does not impute — fill or drop the row"
        case .treatmentNotBinary(let column, let value): "the treatment column \(column.printable) must be 0 or 1, not \(value.printable)"
        case .textInNumericColumn(let column, let option, let example):
            "column \(column.printable) (\(option)) must be numeric; it holds text such as \(example.printable)"
        case .noObservations: "the file has no observations"
        case .emptyStataFile: "the file is empty; a Stata .dta holds at least a header"
        case .textNamedDTA(let words): "not a Stata .dta file but text, a CSV perhaps: name it .csv (ReadStat: \(words))"
        case .notStata(let words, let exportLine):
            "not a Stata .dta file ReadStat can read: \(words); if Stata opens it, `\(exportLine.printable)` there writes a CSV that --data reads"
        case .valueLabelsMissing(let column, let set):
            "column \(column.printable) has value labels \(set.printable), which the file does not hold (a truncated copy, "
                + "or labels never defined: in Stata, `label list \(set.printable)` shows them, `label values \(column.printable)` detaches the name)"
        case .outcomeIsString(let column, let storage):
            "column \(column.printable) is an outcome but a string variable (\(storage)); outcomes are numeric: "
                + "`destring \(column.printable), replace` in Stata, then save the file again"
        case .treatmentMissing(let column, let code):
            "the treatment column \(column.printable) must be 0 or 1, not \(code.isEmpty ? "an empty string" : code.printable)"
        case .missingValue(let column, let code):
            "column \(column.printable) is \(code.isEmpty ? "an empty string" : code == "NA" ? "NA" : "missing (\(code))"); "
                + "outcomes does not impute — fill or drop the observation"
        case .notFinite(let column): "column \(column.printable) is not a finite number (NaN or infinite)"
        case .numberInString(let column, let text):
            "column \(column.printable) is a string variable holding the number \(text.printable); if it holds numbers, "
                + "destring it in Stata (`destring \(column.printable), replace`); if categories, declare it with --categorical \(column.printable)"
        case .cannotCompare(let problem): "cannot compare: \(problem.explanation)"
        }
    }
}
