import Foundation
import OutcomesDomain

extension Report {
    /// `--format json`: the title, the notes and each table as an array of objects keyed by its
    /// columns' machine names; keys sorted and laid out as the command has always printed them.
    func json() throws(SortedJSONError) -> String {
        try SortedJSON.text(ReportDocument(self), prettyPrinted: true) + "\n"
    }
}

private struct ReportDocument: Encodable {
    let title: String
    let notes: [String]
    let tables: [String: [[String: Cell]]]

    init(_ report: Report) {
        title = report.title
        notes = report.notes
        var tables: [String: [[String: Cell]]] = [:]
        for table in report.tables {
            tables[table.name] = table.rows.map { Dictionary(uniqueKeysWithValues: zip(table.columns.map(Report.snakeCase), $0)) }
        }
        self.tables = tables
    }
}

extension Cell: Encodable {
    private enum MoneyKey: String, CodingKey { case amount, currency }
    private enum SuppressedKey: String, CodingKey { case suppressed, marker }

    /// Text as a string, numbers as numbers (a share to 4 decimals), money as its amount with its
    /// currency, a suppressed cell as its marker, a missing one as null.
    package func encode(to encoder: any Encoder) throws {
        switch self {
        case .money(let value):
            var container = encoder.container(keyedBy: MoneyKey.self)
            try container.encode(value.plain, forKey: .amount)
            try container.encode(value.currency.code, forKey: .currency)
        case .suppressed(let marker):
            var container = encoder.container(keyedBy: SuppressedKey.self)
            try container.encode(true, forKey: .suppressed)
            try container.encode(marker, forKey: .marker)
        default:
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text), .named(let text, _): try container.encode(text)
            case .int(let value): try container.encode(value)
            case .decimal(let value), .ratio(let value), .rate(let value): try container.encode(value)
            case .real(let value), .realRatio(let value): try container.encode(value)
            case .share(let value): try container.encode((value * 10_000).rounded() / 10_000)
            case .pValue(let value) where value < Self.smallestPValue: try container.encode("< 1e-300")
            case .pValue(let value): try container.encode(value)
            case .null, .money, .suppressed: try container.encodeNil()
            }
        }
    }
}
