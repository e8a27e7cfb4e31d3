import Foundation
import Yams

/// An input file that is missing, a directory or unreadable (exit 66, like `cat`).
public struct InputFileError: UserFacingError, Equatable {
    public enum Problem: Sendable, Equatable { case noSuchFile, isDirectory, unreadable }
    public let path: String
    public let problem: Problem

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public var message: String {
        switch problem {
        case .noSuchFile: "\(path): no such file."
        case .isDirectory: "\(path) is a directory; give the path of a file in it."
        case .unreadable: "\(path): the file cannot be read (permission denied?)."
        }
    }

    public var exitStatus: ExitStatus { .noInput }
}

/// A YAML node with the file it came from, for typed reads that fail with file:line.
struct YAMLValue {
    let node: Node
    let file: String

    var line: Int { node.mark?.line ?? 1 }

    func error(_ code: DefinitionFileError.Code, _ problem: String) -> DefinitionFileError {
        DefinitionFileError(file: file, line: line, code: code, problem: problem)
    }

    /// The text of a definition file, or an error naming it.
    static func readFile(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputFileError(path: path, problem: .noSuchFile)
        }
        guard !isDirectory.boolValue else { throw InputFileError(path: path, problem: .isDirectory) }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maximumFileBytes {
            throw DefinitionFileError(file: path, line: 1, code: .tooLarge, problem: "the file is \(size) bytes; a definition file is at most "
                                      + "\(maximumFileBytes / 1024) KiB")
        }
        // Read through a handle, at most one byte past the limit: a device or a pipe has no size to
        // check first (/dev/zero never ends; /dev/null and <(…) are read as they are).
        guard let handle = FileHandle(forReadingAtPath: path) else { throw InputFileError(path: path, problem: .unreadable) }
        defer { try? handle.close() }
        var data = Data()
        do {
            while data.count <= maximumFileBytes, let chunk = try handle.read(upToCount: maximumFileBytes + 1 - data.count), !chunk.isEmpty {
                data.append(chunk)
            }
        } catch {
            throw InputFileError(path: path, problem: .unreadable)
        }
        guard data.count <= maximumFileBytes else {
            throw DefinitionFileError(file: path, line: 1, code: .tooLarge, problem: "the file is more than \(maximumFileBytes / 1024) KiB; a definition file is at most "
                                      + "\(maximumFileBytes / 1024) KiB")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DefinitionFileError(file: path, line: 1, code: .notUTF8, problem: "the file is not UTF-8 text")
        }
        return text
    }

    /// Limits that keep a hostile file from exhausting the machine: size, and nesting (the YAML
    /// parser recurses once per level).
    static let maximumFileBytes = 1 << 20
    static let maximumDepth = 32

    /// Parses a document; YAML syntax errors come back with their line.
    static func parse(_ text: String, file: String) throws -> YAMLValue {
        guard text.utf8.count <= maximumFileBytes else {
            throw DefinitionFileError(file: file, line: 1, code: .tooLarge, problem: "the text is \(text.utf8.count) bytes; a definition file is at most "
                                      + "\(maximumFileBytes / 1024) KiB")
        }
        try checkNesting(text, file: file)
        // A byte-order mark is not part of the document.
        let text = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw DefinitionFileError(file: file, line: 1, code: .empty, problem: "the file is empty")
            }
            return YAMLValue(node: node, file: file)
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                .composer(_, let problem, let mark, _):
                throw DefinitionFileError(file: file, line: mark.line, code: .notYAML, problem: "not valid YAML: \(problem)")
            case .reader(let problem, let offset, let value, _):
                // The reader counts bytes; the line is the number of line breaks before the offset, plus one.
                let line = offset.map { 1 + text.utf8.prefix($0).filter { $0 == 0x0A }.count } ?? 1
                let character = value >= 0 ? String(format: " (U+%04X)", value) : ""
                throw DefinitionFileError(file: file, line: line, code: .notYAML, problem: "not valid YAML: \(problem)\(character)")
            default:
                throw DefinitionFileError(file: file, line: 1, code: .notYAML, problem: "not valid YAML: \(error)")
            }
        }
    }

    /// Flow collections (`[`, `{`) nested deeper than `maximumDepth`, or block indentation deeper
    /// than two columns a level, are refused before the parser sees them. Brackets are counted
    /// wherever they stand (in quotes and comments too): that only ever refuses more.
    static func checkNesting(_ text: String, file: String) throws {
        var depth = 0, line = 1, lineStart = true, indent = 0
        func tooDeep() -> DefinitionFileError {
            DefinitionFileError(file: file, line: line, code: .nestedTooDeeply, problem: "nested too deeply (more than \(maximumDepth) levels)")
        }
        for byte in text.utf8 {
            switch byte {
            case 0x0A:
                line += 1
                (lineStart, indent) = (true, 0)
                continue
            case 0x20 where lineStart, 0x2D where lineStart:  // leading spaces and "- " open block levels
                indent += 1
                if indent > maximumDepth * 2 { throw tooDeep() }
                continue
            case 0x5B, 0x7B:
                depth += 1
                if depth > maximumDepth { throw tooDeep() }
            case 0x5D, 0x7D:
                depth = max(0, depth - 1)
            default:
                break
            }
            lineStart = false
        }
    }

    /// The entries of a mapping; a key outside `allowed`, or given twice, is an error naming it.
    func mapping(allowed: [String], context: String) throws -> [String: YAMLValue] {
        guard let mapping = node.mapping else { throw error(.wrongForm(expected: .mapping), "\(context) must be a mapping of keys to values") }
        var entries: [String: YAMLValue] = [:]
        var lines: [String: Int] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            let keyLine = key.mark?.line ?? line
            guard allowed.contains(name) else {
                throw DefinitionFileError(
                    file: file, line: keyLine, code: .unknownKey(name, allowed: allowed),
                    problem: "unknown key '\(name)' in \(context); allowed: \(allowed.joined(separator: ", "))")
            }
            if let first = lines[name] {
                throw DefinitionFileError(file: file, line: keyLine, code: .repeatedKey(name, firstLine: first), problem: "key '\(name)' is given twice in \(context), on lines \(first) and \(keyLine)")
            }
            lines[name] = keyLine
            entries[name] = YAMLValue(node: value, file: file)
        }
        return entries
    }

    /// The entries of a mapping whose keys are names (providers, say), in file order.
    func pairs() throws -> [(String, YAMLValue)] {
        guard let mapping = node.mapping else { throw error(.wrongForm(expected: .mapping), "a mapping of names to values is expected here") }
        var lines: [String: Int] = [:]
        return try mapping.map { (key, value) in
            let name = key.string ?? "", keyLine = key.mark?.line ?? line
            if let first = lines[name] {
                throw DefinitionFileError(file: file, line: keyLine, code: .repeatedKey(name, firstLine: first), problem: "'\(name)' is given twice, on lines \(first) and \(keyLine)")
            }
            lines[name] = keyLine
            return (name, YAMLValue(node: value, file: file))
        }
    }

    func string(_ what: String) throws -> String {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else { throw error(.wrongForm(expected: .text), "\(what) must be a text value") }
        // YAML's "\0" escape: no database text holds it, and a C string would end there, unseen.
        guard !scalar.string.unicodeScalars.contains("\u{0}") else { throw error(.wrongForm(expected: .text), "\(what) holds a NUL character (\\0), which no text may hold") }
        return scalar.string
    }

    /// A whole number by the grammar of `NumberLiteral` (README, "Numbers in input files").
    func int(_ what: String) throws -> Int {
        let text = try scalarText(what, .wholeNumber, "a whole number")
        do throws(NumberLiteral.Problem) {
            return try NumberLiteral.integer(text)
        } catch {
            throw numberError("\(what) must be a whole number, not '\(text)'", text, error)
        }
    }

    /// The text of a scalar that should hold a number, or an error saying what was expected.
    private func scalarText(_ what: String, _ form: DefinitionFileError.Form, _ expected: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw error(.wrongForm(expected: form), "\(what) must be \(expected), not a list or mapping") }
        return scalar.string
    }

    /// An error about a number the grammar does not read, with the typed reason.
    func numberError(_ prefix: String, _ text: String, _ problem: NumberLiteral.Problem) -> DefinitionFileError {
        error(.unreadNumber(text: text, problem: problem), "\(prefix): \(problem.explanation)")
    }

    func date(_ what: String) throws -> LocalDate {
        guard case .scalar(let scalar) = node, let date = LocalDate(iso: scalar.string) else {
            throw error(.wrongForm(expected: .date), "\(what) must be a date written YYYY-MM-DD, not '\(node.string ?? "a list or mapping")'")
        }
        guard LocalDate.inputRange.contains(date) else { throw error(.outOfRange(what), "\(what) \(date) is outside \(LocalDate.inputRangeText)") }
        return date
    }

    func bool(_ what: String) throws -> Bool {
        guard case .scalar(let scalar) = node, let value = ["true": true, "false": false][scalar.string] else {
            throw error(.wrongForm(expected: .boolean), "\(what) must be true or false, not '\(node.string ?? "a list or mapping")'")
        }
        return value
    }

    /// A decimal number by the grammar of `NumberLiteral`: `1500`, `1500.25`, `-0.5`.
    func decimal(_ what: String) throws -> Decimal {
        let text = try scalarText(what, .number, "a number such as 1500 or 1500.25")
        do throws(NumberLiteral.Problem) {
            return try NumberLiteral(text).decimal
        } catch {
            throw numberError("\(what) must be a number such as 1500 or 1500.25, not '\(text)'", text, error)
        }
    }

    /// A comparison with a number, e.g. `"> 0"` or `">= 1000.50"`: spaces, an operator, spaces, a
    /// number by the grammar of `NumberLiteral`, spaces — and nothing else.
    func comparison(_ what: String) throws -> AmountCondition {
        let text = try string(what)
        var trimmed = Substring(text)
        while trimmed.first == " " { trimmed.removeFirst() }
        while trimmed.last == " " { trimmed.removeLast() }
        let operators = AmountCondition.Comparison.allCases.sorted { $0.rawValue.count > $1.rawValue.count }
        let comparison = operators.first { trimmed.starts(with: $0.rawValue) }
        let number = comparison.map { String(trimmed.dropFirst($0.rawValue.count).drop { $0 == " " }) } ?? ""
        guard let comparison, !["<", ">", "=", "!"].contains(where: number.hasPrefix) else {
            throw error(.wrongForm(expected: .comparison), "\(what) must be a comparison such as '> 0' or '>= 1000.50' (operators: > >= < <= = <>), not '\(text)'")
        }
        do throws(NumberLiteral.Problem) {
            return AmountCondition(comparison, try NumberLiteral(number).decimal)
        } catch {
            throw numberError("\(what) '\(text)': cannot read the number '\(number)'", number, error)
        }
    }

    /// A list, or a single value standing for a list of one.
    func list() -> [YAMLValue] {
        if let sequence = node.sequence { return sequence.map { YAMLValue(node: $0, file: file) } }
        return [self]
    }

    /// One of the allowed words.
    func choice<T>(_ what: String, _ options: [(String, T)]) throws -> T {
        let word = try string(what)
        guard let match = options.first(where: { $0.0 == word }) else {
            throw error(.unknownWord(word, allowed: options.map(\.0)), "unknown \(what) '\(word)'; allowed: \(options.map(\.0).joined(separator: ", "))")
        }
        return match.1
    }
}

extension [String: YAMLValue] {
    func required(_ key: String, in context: String, at parent: YAMLValue) throws -> YAMLValue {
        guard let value = self[key] else { throw parent.error(.missingKey(key), "\(context) needs '\(key)'") }
        return value
    }

    /// A file's own id under `key`: a-z, 0-9, '-' and '_'.
    func identifier(_ key: String, in context: String, at parent: YAMLValue) throws -> String {
        let id = try required(key, in: context, at: parent).string(key)
        guard id.range(of: "^[a-z0-9][a-z0-9_-]*$", options: .regularExpression) != nil else {
            throw self[key]!.error(.wrongForm(expected: .identifier), "the \(key) id '\(id)' may hold only a-z, 0-9, '-' and '_'")
        }
        return id
    }

    /// The loaded contract a file names under `contract`: `ID` or `ID@VERSION`, and its line.
    func contractReference(in context: String, at parent: YAMLValue) throws -> (reference: String, line: Int) {
        let node = try required("contract", in: context, at: parent)
        let reference = try node.string("contract")
        guard (try? ContractReference(parsing: reference)) != nil else {
            throw node.error(.wrongForm(expected: .contractReference), "'\(reference)' is not a contract reference: the id of a loaded contract, or id@version")
        }
        return (reference, node.line)
    }
}

/// Reading definition files (contracts, thresholds) for callers outside this module.
public enum YAMLFile {
    /// The file's text, or a `DefinitionFileError` naming it.
    public static func read(_ path: String) throws -> String { try YAMLValue.readFile(path) }
}
