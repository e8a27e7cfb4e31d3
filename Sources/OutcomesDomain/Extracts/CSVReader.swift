import Foundation

/// Reads a CSV file (RFC 4180: comma-separated, fields optionally in double quotes, `""` for a
/// quote inside one, CRLF or LF line ends) record by record, in chunks, with the line each record
/// starts on — so errors can name file:line even when quoted fields hold line breaks.
public struct CSVReader {
    public struct Record {
        public let line: Int
        public let fields: [String]
    }

    private let handle: FileHandle
    public let path: String
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var line = 1
    private var startOfFile = true

    /// The longest field accepted: a longer one is an error, never a reason to fill memory.
    public static let maximumFieldBytes = 1 << 20

    /// Opens a file to read: one that is missing, a directory or unreadable is an `InputFileError` (exit 66).
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputFileError(path: path, problem: .noSuchFile)
        }
        guard !isDirectory.boolValue else { throw InputFileError(path: path, problem: .isDirectory) }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw InputFileError(path: path, problem: .unreadable) }
        self.handle = handle
        self.path = path
    }

    private mutating func nextByte() throws -> UInt8? {
        if position == buffer.count {
            guard !atEnd else { return nil }
            do {
                buffer = [UInt8](try handle.read(upToCount: 1 << 20) ?? Data())
            } catch {
                // The system's words for it (EIO, EISDIR…) are not the user's: say which file.
                throw InputFileError(path: path, problem: .unreadable)
            }
            position = 0
            // A byte-order mark at the start of the file is not part of the first column's name.
            if startOfFile, buffer.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
            startOfFile = false
            if position == buffer.count {
                atEnd = true
                return nil
            }
            if buffer.isEmpty {
                atEnd = true
                return nil
            }
        }
        defer { position += 1 }
        return buffer[position]
    }

    private mutating func peekByte() throws -> UInt8? {
        guard let byte = try nextByte() else { return nil }
        position -= 1
        return byte
    }

    private func tooLong(_ line: Int) -> ExtractError {
        ExtractError(file: path, line: line, column: nil, code: .fieldTooLong, reason: "a field is longer than \(Self.maximumFieldBytes / 1024) KiB.")
    }

    /// The next record, or nil at the end of the file. Blank lines are skipped.
    public mutating func next() throws -> Record? {
        let (quote, comma, carriageReturn, lineFeed): (UInt8, UInt8, UInt8, UInt8) = (0x22, 0x2C, 0x0D, 0x0A)
        while true {
            let start = line
            var fields: [String] = []
            var field: [UInt8] = []
            var inQuotes = false, closedQuote = false, readAnything = false
            func finishField() throws {
                guard let text = String(validating: field, as: UTF8.self) else {
                    throw ExtractError(file: path, line: start, column: nil, code: .notUTF8, reason: "the file is not UTF-8 text.")
                }
                // Valid UTF-8, but no text column (nor PostgreSQL) holds it: a sign of a binary file.
                guard !field.contains(0) else {
                    throw ExtractError(file: path, line: start, column: nil, code: .nulCharacter, reason: "a field holds a NUL character (U+0000); the file is not text.")
                }
                fields.append(text)
                field.removeAll(keepingCapacity: true)
                closedQuote = false
            }
            reading: while let byte = try nextByte() {
                readAnything = true
                if inQuotes {
                    if byte == quote {
                        if try peekByte() == quote {
                            _ = try nextByte()
                            field.append(quote)
                        } else {
                            inQuotes = false
                            closedQuote = true
                        }
                    } else {
                        if byte == lineFeed { line += 1 }
                        field.append(byte)
                        if field.count > Self.maximumFieldBytes { throw tooLong(start) }
                    }
                    continue
                }
                switch byte {
                case quote where field.isEmpty && !closedQuote:
                    inQuotes = true
                case comma:
                    try finishField()
                case carriageReturn where try peekByte() == lineFeed:
                    continue
                case lineFeed:
                    line += 1
                    break reading
                default:
                    guard !closedQuote else {
                        throw ExtractError(file: path, line: start, column: nil,
                                           code: .textAfterClosingQuote, reason: "text after a closing quote; a quote inside a quoted field is written \"\".")
                    }
                    field.append(byte)
                    if field.count > Self.maximumFieldBytes { throw tooLong(start) }
                }
            }
            guard !inQuotes else {
                throw ExtractError(file: path, line: start, column: nil, code: .unclosedQuote, reason: "a quoted field is never closed.")
            }
            guard readAnything else { return nil }
            try finishField()
            if fields == [""] { continue }  // a blank line
            return Record(line: start, fields: fields)
        }
    }
}

/// A problem in an extract file, located at file:line (and column when it is about one field).
/// `code` says what kind of problem it is; `reason` says the same in English.
public struct ExtractError: UserFacingError, Equatable {
    public let file: String
    public let line: Int
    public let column: String?
    public let code: Code
    public let reason: String

    public init(file: String, line: Int, column: String?, code: Code, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.code = code
        self.reason = reason
    }

    public var message: String {
        "\(file)\(line > 0 ? ":\(line)" : ""): " + (column.map { "column \($0): " } ?? "") + reason + " Nothing was loaded."
    }

    public var exitStatus: ExitStatus { .dataError }
}
