/// The columns a model is fitted on, built as R's `model.matrix` builds them: an intercept, the
/// numeric covariates as they are, and each categorical covariate as one 0/1 column per level but
/// the first (levels sorted, so a text column such as `race` with three values just works).
public struct DesignMatrix: Sendable {
    public enum Covariate: Sendable {
        case numeric(String, [Double])
        case categorical(String, [String])

        var name: String {
            switch self {
            case .numeric(let name, _), .categorical(let name, _): name
            }
        }
    }

    public let matrix: Matrix
    /// `(Intercept)`, then one name per column: `age`, `county_birch`, …
    public let names: [String]

    public init(_ covariates: [Covariate], rows: Int) {
        var names = ["(Intercept)"]
        var columns: [[Double]] = [Array(repeating: 1, count: rows)]
        for covariate in covariates {
            switch covariate {
            case .numeric(let name, let values):
                precondition(values.count == rows, "\(name) has \(values.count) values for \(rows) rows")
                names.append(name)
                columns.append(values)
            case .categorical(let name, let values):
                precondition(values.count == rows, "\(name) has \(values.count) values for \(rows) rows")
                for level in Set(values).sorted().dropFirst() {
                    names.append("\(name)_\(level)")
                    columns.append(values.map { $0 == level ? 1 : 0 })
                }
            }
        }
        var values: [Double] = []
        values.reserveCapacity(rows * columns.count)
        for row in 0..<rows { for column in columns { values.append(column[row]) } }
        matrix = Matrix(rows: rows, columns: columns.count, values: values)
        self.names = names
    }
}
