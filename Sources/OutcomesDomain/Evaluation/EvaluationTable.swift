import Foundation

/// The units of a comparison, one row each: an id, treated or not, the group (provider) a treated
/// unit belongs to, and named columns — covariates, exact-match keys and outcomes. Built from the
/// IDS in PostgreSQL or read from a CSV an evaluator already has.
public struct EvaluationTable: Sendable {
    public enum Column: Sendable, Equatable {
        case numeric([Double])
        case categorical([String])
    }

    public var ids: [String]
    public var treated: [Bool]
    /// The provider of each treated unit (and of a randomized control unit, its site); nil when none is named.
    public var groups: [String?]
    public var columns: [String: Column]
    /// Where the rows came from, for messages: a file name, or "the IDS".
    public var source: String
    /// Each unit's index date (ISO), when the units come from the IDS.
    public var indexDates: [String] = []
    /// Each unit's household on its index date, as a cluster label (a unit in no household is
    /// its own); nil when the table does not come from the IDS.
    public var households: [Int]? = nil

    public init(ids: [String], treated: [Bool], groups: [String?]? = nil, columns: [String: Column], source: String) {
        self.ids = ids
        self.treated = treated
        self.groups = groups ?? Array(repeating: nil, count: ids.count)
        self.columns = columns
        self.source = source
    }

    public var count: Int { ids.count }

    func numeric(_ name: String, option: String) throws(EvaluationError) -> [Double] {
        switch try column(name, option: option) {
        case .numeric(let values): return values
        case .categorical(let values):
            let example = values.first { Double($0) == nil } ?? ""
            throw .data(file: source, line: 0, .textInNumericColumn(name, option: option, example: example))
        }
    }

    func column(_ name: String, option: String) throws(EvaluationError) -> Column {
        guard let column = columns[name] else {
            throw .option(option, .noColumn(name, source: source, columns: columns.keys.sorted(), listed: .table))
        }
        return column
    }

    /// The rows at `indices`, in that order.
    public func subset(_ indices: [Int]) -> EvaluationTable {
        var subset = EvaluationTable(ids: indices.map { ids[$0] }, treated: indices.map { treated[$0] }, groups: indices.map { groups[$0] },
                                     columns: columns.mapValues { column in
                                         switch column {
                                         case .numeric(let v): .numeric(indices.map { v[$0] })
                                         case .categorical(let v): .categorical(indices.map { v[$0] })
                                         }
                                     }, source: source)
        if !indexDates.isEmpty { subset.indexDates = indices.map { indexDates[$0] } }
        subset.households = households.map { labels in indices.map { labels[$0] } }
        return subset
    }
}

extension EvaluationTable {
    /// Reads a CSV with a header row (README, "Cohort comparisons"):
    /// - `treatment` holds 0 or 1; `id` and `group` columns are optional;
    /// - an empty cell, or `NA`, in a used column is missing: an error naming file:line (nothing is imputed);
    /// - a column in `categorical` holds categories (any text, dummy-coded);
    /// - any other used column is numeric when one of its cells is a number by the grammar of
    ///   `NumberLiteral` (its `dataTable` dialect: leading zeros and exponents allowed), and then every
    ///   cell must be one: text, `NaN` or `Inf` is an error naming file:line and the column. A column
    ///   without a number is categorical (text such as race) — unless it is in `numeric` (outcomes).
    /// `options` names the option each used column came from (`outcome`, `exact`; by default
    /// `covariates`): a column the file lacks is an error naming that option.
    public static func read(csv path: String, treatment: String, id: String?, group: String?, using used: Set<String>,
                            numeric: Set<String> = [], categorical: Set<String> = [], options: [String: String] = [:]) throws -> EvaluationTable
    {
        guard FileManager.default.isReadableFile(atPath: path) else { throw EvaluationError.unreadable(file: path) }
        var reader = try CSVReader(path: path)
        // The CSV reader's errors speak of loading extracts; here they are the comparison's data errors.
        func next() throws -> CSVReader.Record? {
            do {
                return try reader.next()
            } catch let error as ExtractError {
                throw EvaluationError.data(file: path, line: error.line, .csv(error))
            }
        }
        guard let header = try next() else { throw EvaluationError.data(file: path, line: 1, .noHeader) }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        func position(_ name: String, _ option: String) throws -> Int {
            guard let index = names.firstIndex(of: name) else {
                throw EvaluationError.option(option, .noColumn(name, source: path, columns: names, listed: .csvHeader))
            }
            guard names.lastIndex(of: name) == index else {
                throw EvaluationError.data(file: path, line: header.line, .columnNamedTwice(name))
            }
            return index
        }
        let treatmentColumn = try position(treatment, "treatment")
        let idColumn = try id.map { try position($0, "id") }
        let groupColumn = try group.map { try position($0, "group") }
        let usedColumns = try used.sorted().map { ($0, try position($0, options[$0] ?? "covariates")) }
        try checkCategorical(categorical, used: used, numeric: numeric)
        var ids: [String] = [], treated: [Bool] = [], groups: [String?] = []
        var raw: [[String]] = Array(repeating: [], count: usedColumns.count)
        var lines: [Int] = []
        while let record = try next() {
            guard record.fields.count == names.count else {
                throw EvaluationError.data(file: path, line: record.line, .fieldCount(found: record.fields.count, expected: names.count))
            }
            let value = record.fields[treatmentColumn].trimmingSpaces
            guard value == "0" || value == "1" else {
                throw EvaluationError.data(file: path, line: record.line, .treatmentNotBinary(column: treatment, value: value))
            }
            treated.append(value == "1")
            ids.append(idColumn.map { record.fields[$0] } ?? String(record.line))
            groups.append(groupColumn.map { record.fields[$0] }.flatMap { value == "1" && !$0.isEmpty ? $0 : nil })
            lines.append(record.line)
            for (slot, (name, index)) in usedColumns.enumerated() {
                let cell = record.fields[index].trimmingSpaces
                guard !cell.isEmpty, cell != "NA" else {
                    throw EvaluationError.data(file: path, line: record.line, .emptyCell(column: name))
                }
                raw[slot].append(cell)
            }
        }
        guard !ids.isEmpty else { throw EvaluationError.data(file: path, line: 2, .noRows) }
        var columns: [String: Column] = [:]
        for (slot, (name, _)) in usedColumns.enumerated().sorted(by: { $0.element.1 < $1.element.1 }) {
            let cells = raw[slot]
            if categorical.contains(name) {
                columns[name] = .categorical(cells)
                continue
            }
            columns[name] = try numericColumn(name, cells, lines: lines, file: path, required: numeric.contains(name))
        }
        return EvaluationTable(ids: ids, treated: treated, groups: groups, columns: columns, source: path)
    }

    /// `--categorical` may name only columns the comparison uses, and never an outcome (whatever file
    /// format the table comes from).
    public static func checkCategorical(_ categorical: Set<String>, used: Set<String>, numeric: Set<String>) throws(EvaluationError) {
        for name in categorical.sorted() where !used.contains(name) {
            throw .option("categorical", .categoricalNotUsed(name))
        }
        if let name = categorical.intersection(numeric).sorted().first {
            throw .option("categorical", .categoricalOutcome(name))
        }
    }

    /// The column as numbers when it holds one; a cell that is not a number is then an error at its line.
    static func numericColumn(_ name: String, _ cells: [String], lines: [Int], file: String, required: Bool) throws(EvaluationError) -> Column {
        var numbers: [Double] = []
        numbers.reserveCapacity(cells.count)
        var firstNumber: Int?, firstOther: Int?
        for (index, cell) in cells.enumerated() {
            if let number = NumberLiteral.double(cell) {
                numbers.append(number)
                if firstNumber == nil { firstNumber = index }
            } else {
                if firstOther == nil { firstOther = index }
                numbers.append(.nan)
            }
            if let other = firstOther, firstNumber != nil || required {
                // Why the cell is not a number: worked out once, for the message.
                var problem = NumberLiteral.Problem.notANumber
                do throws(NumberLiteral.Problem) { _ = try NumberLiteral(cells[other], .dataTable) } catch { problem = error }
                throw .cell(file: file, line: lines[other], column: name, text: cells[other], problem: problem,
                            numberAt: required ? nil : firstNumber.map { lines[$0] })
            }
        }
        return firstNumber == nil ? .categorical(cells) : .numeric(numbers)
    }
}
