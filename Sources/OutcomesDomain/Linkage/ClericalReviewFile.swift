/// The clerical review file (`outcomes link review --export` writes it, `--import` reads it back):
/// one row per pair of identifier records between the review and match thresholds, with the least
/// identifying detail a person needs to decide: each comparison's level and, only where the pair's
/// values differ, the two values (an SSN as its last four only). See docs/linkage.md.
public enum ClericalReviewFile {
    /// The pair's key, left then right; the import reads these.
    public static let keyColumns = ["source_system_l", "source_key_l", "source_system_r", "source_key_r"]
    public static let decisionColumn = "decision"
    public static let noteColumn = "note"
    /// Context for the reviewer; the import accepts them and does not read them.
    public static let scoreColumns = ["match_probability", "match_weight"]
    /// Each comparison's columns are its name with these suffixes (none of the fixed columns ends so).
    public static let comparisonSuffixes = ["_level", "_left", "_right"]
    /// Written in both value columns where the values agree, instead of repeating them.
    public static let agrees = "="

    /// First characters that make a spreadsheet read a cell as a formula (OWASP's list for CSV
    /// injection): `=`, `+`, `-`, `@`, tab and carriage return.
    public static let formulaStarts: [Unicode.Scalar] = ["=", "+", "-", "@", "\t", "\r"]

    /// A cell as the file writes it: one that begins like a formula is prefixed with a single quote,
    /// which a spreadsheet shows as text (`'=HYPERLINK(…)`). A plain number (`-1.25`, the match
    /// weight) is a number to a spreadsheet, not a formula, and `=` alone (`agrees`) holds no
    /// formula: both are written as they are.
    public static func neutralised(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first, formulaStarts.contains(first), cell != agrees, !isPlainNumber(cell) else { return cell }
        return "'" + cell
    }

    /// `-` (optional), digits, and optionally a point and more digits: ASCII only.
    static func isPlainNumber(_ cell: String) -> Bool {
        let unsigned = cell.utf8.first == UInt8(ascii: "-") ? cell.utf8.dropFirst() : cell.utf8[...]
        let parts = unsigned.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return (1...2).contains(parts.count) && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { (0x30...0x39).contains($0) } }
    }

    /// A key cell as the import reads it: the quote `neutralised` put before a formula's first
    /// character taken off. No loaded key begins with `'` or a formula's character
    /// (`IdentifierText.refusedKeyStarts`), so this reads every exported key back as stored.
    public static func key(fromCell cell: String) -> String {
        let scalars = cell.unicodeScalars
        guard scalars.first == "'", let second = scalars.dropFirst().first, formulaStarts.contains(second) else { return cell }
        return String(scalars.dropFirst())
    }

    public static func header(comparisons: [String]) -> [String] {
        keyColumns + scoreColumns + comparisons.flatMap { name in comparisonSuffixes.map { name + $0 } } + [decisionColumn, noteColumn]
    }

    /// How a value is shown: an SSN as its last four only (`XXX-XX-1234`), a date of birth in the
    /// form it is known (`YYYY-MM-DD`, `YYYY-MM`, `YYYY`), text trimmed.
    public static func shownSSN(lastFour: String?) -> String? { lastFour.map { "XXX-XX-" + $0 } }

    public static func shownBirthDate(date: String?, year: Int?, month: Int?) -> String? {
        if let date { return date }
        guard let year else { return nil }
        guard let month else { return String(year) }
        return String(year) + "-" + (month < 10 ? "0" : "") + String(month)
    }

    /// A comparison's two value cells for a pair: empty at the null level (nothing was compared),
    /// `=` twice where the level is exact or the shown values are equal, else the two values.
    public static func valueCells(left: String?, right: String?, level: Int?, exactLevel: Int?) -> (left: String, right: String) {
        guard let level else { return ("", "") }
        if level == exactLevel || left == right { return (agrees, agrees) }
        return (left ?? "", right ?? "")
    }
}

/// One row of an imported review file: a pair of source records and the reviewer's decision.
public struct ClericalDecision: Sendable, Equatable {
    public enum Decision: String, Sendable, CaseIterable, Equatable {
        case match
        case nonMatch = "non_match"
    }

    public struct RecordKey: Sendable, Hashable {
        public var sourceSystem: String
        public var sourceKey: String

        public init(sourceSystem: String, sourceKey: String) {
            self.sourceSystem = sourceSystem
            self.sourceKey = sourceKey
        }
    }

    /// The row's line in the file (its first line, when a quoted note spans several).
    public var line: Int
    public var left: RecordKey
    public var right: RecordKey
    public var decision: Decision
    public var note: String?

    public init(line: Int, left: RecordKey, right: RecordKey, decision: Decision, note: String?) {
        self.line = line
        self.left = left
        self.right = right
        self.decision = decision
        self.note = note
    }
}

/// What an imported review file held: its decisions (each pair once) and the rows left undecided.
public struct ClericalReviewImport: Sendable, Equatable {
    public var decisions: [ClericalDecision]
    public var undecidedRows: Int
    /// Rows naming a pair an earlier row decided the same way.
    public var repeatedRows: Int

    /// Reads a review file strictly: a header naming the key columns and `decision` (`note` and the
    /// export's context columns are allowed; any other column is an error), each row as many
    /// fields as the header, the four keys non-empty, a decision of `match`, `non_match` or empty
    /// (undecided: the row is skipped), the two records distinct, and no pair given two decisions.
    public static func read(path: String) throws -> ClericalReviewImport {
        var reader = try CSVReader(path: path)
        guard let header = try reader.next() else { throw ClericalReviewError(file: path, line: 1, code: .emptyFile) }
        let columns = try Columns(header, file: path)
        var result = ClericalReviewImport(decisions: [], undecidedRows: 0, repeatedRows: 0)
        var decided: [Set<ClericalDecision.RecordKey>: ClericalDecision] = [:]
        while let record = try reader.next() {
            guard record.fields.count == header.fields.count else {
                throw ClericalReviewError(file: path, line: record.line,
                                          code: .fieldCount(found: record.fields.count, expected: header.fields.count))
            }
            let text = record.fields[columns.decision]
            if text.isEmpty {
                result.undecidedRows += 1
                continue
            }
            guard let decision = ClericalDecision.Decision(rawValue: text) else {
                throw ClericalReviewError(file: path, line: record.line, code: .unknownDecision(text))
            }
            let keys = try columns.keys.enumerated().map { index, column -> String in
                let value = ClericalReviewFile.key(fromCell: record.fields[column])
                guard !value.isEmpty else {
                    throw ClericalReviewError(file: path, line: record.line, code: .missingKey(ClericalReviewFile.keyColumns[index]))
                }
                return value
            }
            let left = ClericalDecision.RecordKey(sourceSystem: keys[0], sourceKey: keys[1])
            let right = ClericalDecision.RecordKey(sourceSystem: keys[2], sourceKey: keys[3])
            guard left != right else { throw ClericalReviewError(file: path, line: record.line, code: .sameRecord) }
            let note = columns.note.map { record.fields[$0] }.flatMap { $0.isEmpty ? nil : $0 }
            let row = ClericalDecision(line: record.line, left: left, right: right, decision: decision, note: note)
            // Either orientation names the same pair.
            let pair: Set = [left, right]
            if let earlier = decided[pair] {
                guard earlier.decision == decision else {
                    throw ClericalReviewError(file: path, line: record.line, code: .conflictingDecision(earlierLine: earlier.line))
                }
                result.repeatedRows += 1
                continue
            }
            decided[pair] = row
            result.decisions.append(row)
        }
        return result
    }

    /// Where the columns the import reads are in the header.
    private struct Columns {
        var keys: [Int]
        var decision: Int
        var note: Int?

        init(_ header: CSVReader.Record, file: String) throws {
            var positions: [String: Int] = [:]
            for (index, name) in header.fields.enumerated() {
                guard positions[name] == nil else { throw ClericalReviewError(file: file, line: header.line, code: .repeatedColumn(name)) }
                let known = ClericalReviewFile.keyColumns.contains(name) || ClericalReviewFile.scoreColumns.contains(name)
                    || [ClericalReviewFile.decisionColumn, ClericalReviewFile.noteColumn].contains(name)
                    || ClericalReviewFile.comparisonSuffixes.contains { name.count > $0.count && name.hasSuffix($0) }
                guard known else { throw ClericalReviewError(file: file, line: header.line, code: .unknownColumn(name)) }
                positions[name] = index
            }
            keys = try (ClericalReviewFile.keyColumns + [ClericalReviewFile.decisionColumn]).map { name in
                guard let index = positions[name] else { throw ClericalReviewError(file: file, line: header.line, code: .missingColumn(name)) }
                return index
            }
            decision = keys.removeLast()
            note = positions[ClericalReviewFile.noteColumn]
        }
    }
}

/// A problem in an imported review file, at file:line. Nothing is imported.
public struct ClericalReviewError: UserFacingError, Equatable {
    public enum Code: Sendable, Equatable {
        case emptyFile
        case unknownColumn(String)
        case repeatedColumn(String)
        case missingColumn(String)
        case fieldCount(found: Int, expected: Int)
        /// A decision other than `match`, `non_match` or empty.
        case unknownDecision(String)
        /// A key column left empty on a decided row.
        case missingKey(String)
        /// Both sides name the same record.
        case sameRecord
        /// The pair was given the other decision at an earlier line.
        case conflictingDecision(earlierLine: Int)
        /// A record (`source_system/source_key`) that linkage.identifiers does not hold.
        case unknownRecord(String)
    }

    public let file: String
    public let line: Int
    public let code: Code

    public init(file: String, line: Int, code: Code) {
        self.file = file
        self.line = line
        self.code = code
    }

    public var message: String {
        let problem: String =
            switch code {
            case .emptyFile: "the file is empty; it needs the header the export writes."
            case .unknownColumn(let name):
                "unknown column \"\(name)\"; a review file has the columns outcomes link review --export writes (decision and note are the reviewer's)."
            case .repeatedColumn(let name): "the column \"\(name)\" appears twice in the header."
            case .missingColumn(let name): "the header has no column \"\(name)\"."
            case .fieldCount(let found, let expected): "the row has \(found) fields; the header has \(expected)."
            case .unknownDecision(let text): "the decision \"\(text)\" is not match, non_match or empty (undecided)."
            case .missingKey(let column): "the row is decided but its \(column) is empty."
            case .sameRecord: "both sides of the pair are the same record."
            case .conflictingDecision(let earlier): "the pair was given the other decision at line \(earlier)."
            case .unknownRecord(let key): "no identifier record has the key \(key); the pair must be two loaded records."
            }
        return "\(file):\(line): \(problem) Nothing was imported."
    }

    public var exitStatus: ExitStatus { .dataError }
}
