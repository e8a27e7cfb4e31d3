/// What an extract folder holds, judged by name alone: the extract files it names exactly (case
/// and all), and every other entry — which is never loaded, never hashed, and is an error unless
/// the load is told to ignore it.
public struct ExtractFolderContents: Sendable, Equatable {
    /// An entry that is not an extract file, with the extract file it most likely meant.
    public struct Unknown: Sendable, Equatable {
        public let name: String
        public let nearest: String?

        public init(name: String, nearest: String?) {
            self.name = name
            self.nearest = nearest
        }
    }

    /// The extract files present, in loading order.
    public let files: [String]
    /// Every other entry, in name order.
    public let unknown: [Unknown]

    /// Sorts the names of a folder's entries (a directory's with a trailing `/`).
    public init(entries: [String]) {
        let expected = ExtractLayout.extractFiles.map(\.file)
        files = expected.filter(entries.contains)
        unknown = entries.filter { !expected.contains($0) }.sorted().map { Unknown(name: $0, nearest: Self.nearest(to: $0)) }
    }

    /// The extract file a misnamed entry most likely meant: the same name in another case, the same
    /// stem with another extension (`events.txt`, `events.csv.gz`), or a stem at most two edits away
    /// (`event.csv`, `enrolments.csv`, `source-links.csv`). Nil when nothing is that close.
    public static func nearest(to name: String) -> String? {
        let lower = name.lowercased().trimmingSuffix("/")
        let stem = String(lower.prefix { $0 != "." })
        let candidates = ExtractLayout.extractFiles.map(\.file)
        if let same = candidates.first(where: { $0 == lower || $0.dropLast(4) == stem }) { return same }
        let scored = candidates.map { ($0, editDistance(Array(stem), Array($0.dropLast(4)))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2, !stem.isEmpty else { return nil }
        return best.0
    }

    /// Levenshtein distance: insertions, deletions and substitutions.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}

/// An extract folder holding entries that are not extract files: nothing is loaded.
public struct ExtractFolderError: UserFacingError, Equatable {
    public enum Problem: Sendable, Equatable {
        /// Entries that are not extract files (and the load was not told to ignore them).
        case unknownEntries([ExtractFolderContents.Unknown])
        /// None of the extract files (there may be other entries, ignored).
        case noExtractFiles(ignored: [String])
        /// An extract file's name given to a directory.
        case directoryNamedAsFile(String)
        /// An extract file's name given to something that is not a regular file (nor a link to
        /// one): a FIFO, socket, device or broken link, refused before anything is opened — reading
        /// a FIFO would wait forever for a writer.
        case notARegularFile(String, EntryKind)
        /// The path given is a file, not a folder.
        case notADirectory
    }

    /// What an entry that is not a regular file is (a symbolic link is judged by what it leads to).
    public enum EntryKind: Sendable, Equatable {
        case fifo, socket, characterDevice, blockDevice, brokenLink, unknown

        var described: String {
            switch self {
            case .fifo: "a FIFO (named pipe)"
            case .socket: "a socket"
            case .characterDevice: "a character device"
            case .blockDevice: "a block device"
            case .brokenLink: "a symbolic link that leads nowhere"
            case .unknown: "a special file"
            }
        }
    }

    public let directory: String
    public let problem: Problem

    public init(directory: String, problem: Problem) {
        self.directory = directory
        self.problem = problem
    }

    static var expected: String { ExtractLayout.extractFiles.map(\.file).joined(separator: ", ") }

    public var message: String {
        switch problem {
        case .unknownEntries(let entries):
            let named = entries.map { entry in entry.name + (entry.nearest.map { " — did you mean \($0)?" } ?? "") }
            return "\(directory) holds \(entries.count == 1 ? "an entry that is not an extract file" : "\(entries.count) entries that are not extract files"): "
                + named.joined(separator: "; ") + ". An extract folder holds only \(Self.expected) (names as written, lower case). "
                + "Rename or remove \(entries.count == 1 ? "it" : "them"), or give --ignore-unknown to load the extract files and ignore the rest. "
                + "Nothing was loaded."
        case .noExtractFiles(let ignored):
            return "\(directory) holds none of the extract files (\(Self.expected))"
                + (ignored.isEmpty ? "" : "; it holds only \(ignored.joined(separator: ", ")), ignored") + ". Nothing was loaded."
        case .directoryNamedAsFile(let name):
            return "\(directory)/\(name) is a directory; an extract file is a CSV file. Nothing was loaded."
        case .notARegularFile(let name, let kind):
            return "\(directory)/\(name) is \(kind.described), not a regular file; an extract file is a regular CSV file "
                + "(or a symbolic link to one). Nothing was read or loaded."
        case .notADirectory:
            return "\(directory) is not a directory; name the directory holding the extract's CSV files."
        }
    }

    public var exitStatus: ExitStatus { problem == .notADirectory ? .noInput : .dataError }
}
