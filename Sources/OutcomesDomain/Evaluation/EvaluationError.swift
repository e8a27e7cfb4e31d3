/// Why a comparison could not be made, as a paragraph the user can act on. Each case carries a
/// typed problem (`OptionProblem`, `DataProblem`, `DesignProblem`) with the values a program
/// needs; the English is built from it here and in the problems' `explanation`, nowhere else.
public enum EvaluationError: UserFacingError, Equatable {
    /// A command-line option or evaluation-file key, and what is wrong with it.
    case option(String, OptionProblem)
    /// A data file and line (0: the file as a whole), and what is wrong there.
    case data(file: String, line: Int, DataProblem)
    /// A data file without lines (a Stata .dta), its observation (from 1), and what is wrong there.
    case observation(file: String, observation: Int, DataProblem)
    /// A data file that does not exist or cannot be read.
    case unreadable(file: String)
    /// The data are fine but the comparison cannot be made (no overlap, no pool, …).
    case design(DesignProblem)
    /// A cell of a numeric column that is not a number: file, line, column, its text and why. `numberAt`
    /// is the line of a number in the same column (nil when the column is numeric by use: an outcome).
    case cell(file: String, line: Int, column: String, text: String, problem: NumberLiteral.Problem, numberAt: Int?)

    public var message: String {
        switch self {
        case .option(let name, let problem): "--\(name): \(problem.explanation)."
        case .data(let file, let line, let problem): line > 0 ? "\(file):\(line): \(problem.explanation)." : "\(file): \(problem.explanation)."
        case .observation(let file, let observation, let problem): "\(file): observation \(observation): \(problem.explanation)."
        case .design(let problem): "cannot compare: \(problem.explanation)."
        case .unreadable(let file): "\(file): no such file, or it cannot be read; --data names a CSV with a header row, or a Stata .dta."
        case .cell(let file, let line, let column, let text, let problem, let numberAt):
            "\(file):\(line): column \(column.printable): \(text.printable) is not a number (\(problem.explanation)); "
                + (numberAt.map { "the column holds numbers (line \($0)), so it is read as numeric. Correct the cell, or declare the column "
                    + "categorical with --categorical \(column.printable)." }
                    ?? "the column is an outcome, which must be numeric.")
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .option: .usage
        case .data, .observation, .design, .cell: .dataError
        case .unreadable: .noInput
        }
    }
}
