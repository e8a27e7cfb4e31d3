import Foundation

/// Labels a link run is measured against (`outcomes link report --labels FILE`), in one of two CSV
/// forms told apart by the header (any column order):
/// - truth clusters, `source_system,source_key,entity`: records with the same entity are one person
///   (`synth --identifiers` writes this as truth.csv; so does the FEBRL reference);
/// - pair decisions, `source_system_l,source_key_l,source_system_r,source_key_r,decision` with
///   `match` or `non_match`: precision and recall over the labelled pairs only.
public enum LinkageLabels: Sendable, Equatable {
    case truth([TruthRecord])
    case decisions([PairDecision])

    /// A source record, as the index keys it.
    public struct Record: Sendable, Hashable, Comparable {
        public var sourceSystem: String
        public var sourceKey: String

        public init(_ sourceSystem: String, _ sourceKey: String) {
            (self.sourceSystem, self.sourceKey) = (sourceSystem, sourceKey)
        }

        public static func < (a: Record, b: Record) -> Bool { (a.sourceSystem, a.sourceKey) < (b.sourceSystem, b.sourceKey) }
    }

    public struct TruthRecord: Sendable, Equatable {
        public var record: Record
        public var entity: String
        public var line: Int
    }

    /// One labelled pair, its records in order (left < right).
    public struct PairDecision: Sendable, Equatable {
        public var left: Record
        public var right: Record
        public var isMatch: Bool
        public var line: Int
    }

    static let truthColumns = ["source_system", "source_key", "entity"]
    static let decisionColumns = ["source_system_l", "source_key_l", "source_system_r", "source_key_r", "decision"]

    /// Reads a labels file strictly: every problem is file:line with a typed code (exit 65).
    public static func read(path: String) throws -> LinkageLabels {
        var reader = try CSVReader(path: path)
        func next() throws -> CSVReader.Record? {
            do {
                return try reader.next()
            } catch let error as ExtractError {
                throw LinkageLabelsError(file: path, line: error.line, code: .unreadableCSV(error.code))
            }
        }
        guard let header = try next() else { throw LinkageLabelsError(file: path, line: 0, code: .emptyFile) }
        let columns = header.fields
        let form: [String]
        if Set(columns) == Set(truthColumns), columns.count == truthColumns.count {
            form = truthColumns
        } else if Set(columns) == Set(decisionColumns), columns.count == decisionColumns.count {
            form = decisionColumns
        } else {
            throw LinkageLabelsError(file: path, line: header.line, code: .unrecognisedHeader(columns))
        }
        let position = form.map { columns.firstIndex(of: $0)! }
        var truth: [TruthRecord] = [], decisions: [PairDecision] = []
        var firstLineOfRecord: [Record: Int] = [:], firstLineOfPair: [[Record]: Int] = [:]
        while let row = try next() {
            func fail(_ code: LinkageLabelsError.Code) -> LinkageLabelsError { LinkageLabelsError(file: path, line: row.line, code: code) }
            guard row.fields.count == columns.count else { throw fail(.fieldCount(found: row.fields.count, expected: columns.count)) }
            let values = position.map { row.fields[$0] }
            if let empty = values.firstIndex(of: "") { throw fail(.missingValue(column: form[empty])) }
            if form == truthColumns {
                let record = Record(values[0], values[1])
                if let first = firstLineOfRecord[record] { throw fail(.repeatedRecord(firstLine: first)) }
                firstLineOfRecord[record] = row.line
                truth.append(TruthRecord(record: record, entity: values[2], line: row.line))
            } else {
                let a = Record(values[0], values[1]), b = Record(values[2], values[3])
                guard a != b else { throw fail(.pairOfOneRecord) }
                let isMatch: Bool
                switch values[4] {
                case "match": isMatch = true
                case "non_match": isMatch = false
                default: throw fail(.unknownDecision(values[4]))
                }
                let pair = [min(a, b), max(a, b)]
                if let first = firstLineOfPair[pair] { throw fail(.repeatedPair(firstLine: first)) }
                firstLineOfPair[pair] = row.line
                decisions.append(PairDecision(left: pair[0], right: pair[1], isMatch: isMatch, line: row.line))
            }
        }
        return form == truthColumns ? .truth(truth) : .decisions(decisions)
    }
}

/// A labels file that cannot be read as one of the two forms, at file:line.
public struct LinkageLabelsError: UserFacingError, Equatable {
    public enum Code: Sendable, Equatable {
        /// The CSV itself is broken (an unclosed quote, not UTF-8…).
        case unreadableCSV(ExtractError.Code)
        case emptyFile
        /// A header that is neither form's columns.
        case unrecognisedHeader([String])
        case fieldCount(found: Int, expected: Int)
        case missingValue(column: String)
        /// A decision other than match or non_match.
        case unknownDecision(String)
        /// A truth record listed twice (the first line given).
        case repeatedRecord(firstLine: Int)
        /// A pair decided twice, in either order (the first line given).
        case repeatedPair(firstLine: Int)
        /// A pair of a record with itself.
        case pairOfOneRecord
        /// A record linkage.identifiers does not hold (checked against the database).
        case unknownRecord(LinkageLabels.Record)
    }

    public let file: String
    public let line: Int
    public let code: Code

    public init(file: String, line: Int, code: Code) {
        (self.file, self.line, self.code) = (file, line, code)
    }

    public var message: String {
        let place = line > 0 ? "\(file):\(line)" : file
        let reason: String
        switch code {
        case .unreadableCSV(let code): reason = "the file is not readable CSV (\(code))."
        case .emptyFile: reason = "the file is empty; it needs a header."
        case .unrecognisedHeader(let columns):
            reason = "the header (\(columns.joined(separator: ","))) is neither form of labels: "
                + "\(LinkageLabels.truthColumns.joined(separator: ",")) (truth clusters) or "
                + "\(LinkageLabels.decisionColumns.joined(separator: ",")) (pair decisions)."
        case .fieldCount(let found, let expected): reason = "\(found) fields where the header has \(expected)."
        case .missingValue(let column): reason = "\(column) is empty."
        case .unknownDecision(let text): reason = "decision \(text.debugDescription) is neither match nor non_match."
        case .repeatedRecord(let first): reason = "this record was already given an entity at line \(first)."
        case .repeatedPair(let first): reason = "this pair was already decided at line \(first)."
        case .pairOfOneRecord: reason = "a pair of a record with itself."
        case .unknownRecord(let record):
            reason = "\(record.sourceSystem)/\(record.sourceKey) is not an identifier record of the index (linkage.identifiers); "
                + "labels name loaded records only."
        }
        return "\(place): \(reason) Nothing was reported."
    }

    public var exitStatus: ExitStatus { .dataError }
}
