import Foundation
import OutcomesDomain
import PostgresClient

/// What an extract load did to each table.
public struct ExtractLoadReport: Sendable {
    public struct Table: Sendable, Equatable {
        public let file: String
        public let rows: Int
        public let inserted: Int
        public let updated: Int
    }

    public let loadID: Int
    public let tables: [Table]
    public let contentHash: String
    /// Entries of the folder that are not extract files, ignored as asked (neither loaded nor hashed).
    public var ignored: [ExtractFolderContents.Unknown] = []
    /// SSNs in identifiers.csv that the SSA never issues (area 000, 666, 900–999; group 00; serial
    /// 0000): placeholders for "unknown", stored as no value.
    public var placeholderSSNs = 0
    /// How many persons the load changed (what the next incremental metrics run computes again);
    /// nil when the load changed reference data, so that the next run computes in full.
    public var changedPersons: Int?
    /// Rows of the family files set aside because the index links both of their records to one
    /// person (`FamilyLoad.setAsideRecordsOfOnePerson`), per file.
    public var setAside: [String: SetAsideRows] = [:]
}

/// Loads a directory of CSV extract files (see `ExtractLayout`) in one transaction: every file is
/// checked — field by field while streaming, then by set-based queries for duplicate keys and
/// unknown references — before any row is written; a bad row rejects the whole set with file:line.
/// Rows are upserted on their keys, so loading the same extract again changes nothing.
/// An entry of the folder that is not an extract file (`Events.csv`, `notes.txt`) stops the load
/// before anything is read, unless `ignoreUnknown`: then it is reported and neither loaded nor hashed.
public struct ExtractLoader {
    public let directory: URL
    public let description: String
    public var ignoreUnknown: Bool

    public init(directory: URL, description: String? = nil, ignoreUnknown: Bool = false) {
        self.directory = directory
        self.description = description ?? "extract \(directory.lastPathComponent)"
        self.ignoreUnknown = ignoreUnknown
    }

    /// The folder's entries sorted into extract files (named exactly) and the rest.
    public func contents() throws -> ExtractFolderContents {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw InputFileError(path: directory.path, problem: .noSuchFile)
        }
        guard isDirectory.boolValue else { throw ExtractFolderError(directory: directory.path, problem: .notADirectory) }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            throw InputFileError(path: directory.path, problem: .unreadable)
        }
        // Judged by lstat (and stat for a link, which is followed when it leads to a regular file),
        // before any entry is opened: opening a FIFO to read waits for a writer, forever.
        var special: [(name: String, kind: ExtractFolderError.EntryKind)] = []
        let entries = names.sorted().map { name in
            switch Self.entryKind(directory.appendingPathComponent(name).path) {
            case .directory: return name + "/"
            case .regularFile: return name
            case .special(let kind):
                special.append((name, kind))
                return name
            }
        }
        let files = ExtractLayout.extractFiles.map(\.file)
        if let folder = entries.first(where: { files.map { $0 + "/" }.contains($0) }) {
            throw ExtractFolderError(directory: directory.path, problem: .directoryNamedAsFile(String(folder.dropLast())))
        }
        // Other special entries are unknown entries: an error, or ignored unopened with --ignore-unknown.
        if let entry = special.first(where: { files.contains($0.name) }) {
            throw ExtractFolderError(directory: directory.path, problem: .notARegularFile(entry.name, entry.kind))
        }
        return ExtractFolderContents(entries: entries)
    }

    private enum EntryKind { case directory, regularFile, special(ExtractFolderError.EntryKind) }

    /// What an entry is; a symbolic link is what it leads to.
    private static func entryKind(_ path: String) -> EntryKind {
        var status = stat()
        guard lstat(path, &status) == 0 else { return .special(.brokenLink) }  // gone since it was listed
        if status.st_mode & S_IFMT == S_IFLNK, stat(path, &status) != 0 { return .special(.brokenLink) }
        return switch status.st_mode & S_IFMT {
        case S_IFREG: .regularFile
        case S_IFDIR: .directory
        case S_IFIFO: .special(.fifo)
        case S_IFSOCK: .special(.socket)
        case S_IFCHR: .special(.characterDevice)
        case S_IFBLK: .special(.blockDevice)
        default: .special(.unknown)
        }
    }

    /// The folder's contents when it can be loaded: an unknown entry is an error unless ignored,
    /// and at least one extract file must be present.
    public func checkedContents() throws -> ExtractFolderContents {
        let contents = try contents()
        if !contents.unknown.isEmpty, !ignoreUnknown {
            throw ExtractFolderError(directory: directory.path, problem: .unknownEntries(contents.unknown))
        }
        guard !contents.files.isEmpty else {
            throw ExtractFolderError(directory: directory.path, problem: .noExtractFiles(ignored: contents.unknown.map(\.name)))
        }
        return contents
    }

    /// The extract files present under their exact names (a case-insensitive file system does not
    /// make `Events.csv` into `events.csv`).
    public var presentLayouts: [ExtractLayout] {
        let files = (try? contents().files) ?? []
        return ExtractLayout.extractFiles.filter { files.contains($0.file) }
    }

    func path(_ layout: ExtractLayout) -> String { directory.appendingPathComponent(layout.file).path }

    static func stage(_ layout: ExtractLayout) -> SQLIdentifier { .generated("stage_" + layout.file.replacingOccurrences(of: ".csv", with: "")) }

    public func load(into connection: PostgresConnection) throws -> ExtractLoadReport {
        let contents = try checkedContents()
        let layouts = ExtractLayout.extractFiles.filter { contents.files.contains($0.file) }
        let ignored = contents.unknown.map(\.name)
        return try connection.transaction { connection in
            try LoadLock.holdForLoad(description, on: connection)
            try TableLayout.prepareLoadTransaction(on: connection)
            let loadID = try connection.execute("""
                INSERT INTO ids.data_loads (kind, description, parameters)
                VALUES ('extract', \(description), jsonb_build_object('directory', \(directory.path)::text,
                        'files', \(layouts.map(\.file))::text[])
                    || CASE WHEN \(ignored.count) > 0
                            THEN jsonb_build_object('ignored', \(ignored)::text[]) ELSE '{}' END)
                RETURNING load_id
                """).scalar(Int.self)
            try connection.execute("SELECT set_config('outcomes.load_id', \(String(loadID)), true)")
            let logged = try LoadChanges.isKept(on: connection)
            let written = try stageAndWrite(layouts, loadID: loadID, logChanges: logged, on: connection)
            let (tables, setAside) = (written.tables, written.setAside)
            if logged { try LoadChanges.finish(loadID: loadID, complete: !written.referenceDataChanged, on: connection) }
            let hash = written.hash.hexDigest()
            let counts = try PostgresJSON(Dictionary(uniqueKeysWithValues: tables.map { ($0.file, $0.rows) }
                + setAside.map { ("\($0.key) set aside (records of one person)", $0.value.rows) }))
            try connection.execute("""
                UPDATE ids.data_loads SET content_hash = \(hash), row_counts = \(counts),
                    finished_at = \(try connection.serverClock())::timestamptz
                WHERE load_id = \(loadID)
                """)
            var report = ExtractLoadReport(loadID: loadID, tables: tables, contentHash: hash)
            report.setAside = setAside
            report.ignored = contents.unknown
            if logged, !written.referenceDataChanged {
                report.changedPersons = try connection.execute("SELECT persons FROM ids.logged_loads WHERE load_id = \(loadID)").scalar(Int.self)
            }
            report.placeholderSSNs = try connection.execute(
                "SELECT count(*) FROM \(identifier: Self.stage(.identifiers)) WHERE ssn_placeholder").scalar(Int.self)
            return report
        }
    }

    /// What `stageAndWrite` wrote.
    struct Written {
        var tables: [ExtractLoadReport.Table] = []
        var hash = SHA256()
        var setAside: [String: SetAsideRows] = [:]
        /// A row of reference data (event domains, source systems, programs, providers, contracts)
        /// was inserted or changed: it may change anyone's results, so the load is not logged.
        var referenceDataChanged = false
    }

    /// Stages the files, resolves their source keys through the index, checks them and writes them,
    /// in the load's transaction: what every load of extract files does, the synthetic families' too.
    /// With `logChanges`, the persons whose rows it inserts or changes go in `ids.load_changes`.
    func stageAndWrite(_ layouts: [ExtractLayout], loadID: Int, logChanges: Bool, on connection: PostgresConnection) throws -> Written {
        var written = Written()
        for layout in ExtractLayout.extractFiles {
            try createStage(layout, on: connection)
            if layouts.contains(where: { $0.file == layout.file }) {
                written.hash.update(try stageFile(layout, on: connection).finalize())
            }
        }
        if let failure = try SourceKeyResolution.resolve(on: connection) { throw error(failure) }
        written.setAside = try FamilyLoad.setAsideRecordsOfOnePerson(on: connection)
        for check in ExtractChecks.all {
            if let failure = try check.firstFailure(on: connection) { throw error(failure) }
        }
        let logTo = logChanges ? loadID : nil
        for layout in layouts {
            let (inserted, updated, rows) = layout.file == ExtractLayout.relationships.file
                ? try FamilyLoad.upsertRelationships(loggingChangesTo: logTo, on: connection)
                : try upsert(layout, loggingChangesTo: logTo, on: connection)
            written.tables.append(.init(file: layout.file, rows: rows, inserted: inserted, updated: updated))
            if layout.isReferenceData, inserted + updated > 0 { written.referenceDataChanged = true }
            if layout.file == ExtractLayout.households.file { try FamilyLoad.inferHouseholdEdges(loggingChangesTo: logTo, on: connection) }
        }
        // Over what both family files wrote, with the stored edges (the transaction is undone on a cycle).
        if let failure = try FamilyLoad.firstParenthoodCycle(loadID: loadID, on: connection) { throw error(failure) }
        return written
    }

    private func error(_ failure: ExtractChecks.Failure) -> ExtractError {
        ExtractError(file: path(failure.layout), line: failure.line, column: failure.column, code: failure.code, reason: failure.reason)
    }

    private func createStage(_ layout: ExtractLayout, on connection: PostgresConnection) throws {
        let columns = layout.stagedColumns.map { column -> PostgresQuery in
            let type: PostgresQuery = switch column.value {
            case .integer: "bigint"
            case .date: "date"
            case .decimal: "numeric"  // unconstrained: the layout has checked the digits
            case .text: "text"
            case .flag: "boolean"
            }
            return "\(ExtractChecks.name(column.name)) \(type)"
        }
        try connection.execute(
            "CREATE TEMP TABLE \(identifier: Self.stage(layout)) (\(columns.joined(separator: ", ")), line integer NOT NULL) ON COMMIT DROP")
    }

    /// Streams a file into its staging table, checking every field on the way; returns the hash of what it staged.
    private func stageFile(_ layout: ExtractLayout, on connection: PostgresConnection) throws -> SHA256 {
        let file = path(layout)
        var reader = try CSVReader(path: file)
        guard let header = try reader.next() else {
            throw ExtractError(file: file, line: 1, column: nil, code: .emptyFile, reason: "the file is empty; it needs at least a header.")
        }
        let positions = try layout.positions(header: header, file: file)
        var hasher = SHA256()
        try connection.copyIn("COPY \(identifier: Self.stage(layout)) FROM STDIN") { writer in
            var buffer = CopyTextBuffer()
            while let record = try reader.next() {
                try layout.write(record, positions: positions, headerWidth: header.fields.count, file: file, into: &buffer)
                if buffer.count >= 1 << 16 {
                    buffer.bytes.withUnsafeBytes { hasher.update($0) }
                    try writer.write(buffer.bytes)
                    buffer.removeAll()
                }
            }
            buffer.bytes.withUnsafeBytes { hasher.update($0) }
            try writer.write(buffer.bytes)
        }
        return hasher
    }

    /// Inserts new rows and updates changed ones; identical rows are left alone. A person's rows
    /// inserted or changed name the person in `ids.load_changes` under `loggingChangesTo`.
    private func upsert(_ layout: ExtractLayout, loggingChangesTo loadID: Int?, on connection: PostgresConnection) throws -> (Int, Int, Int) {
        let names = layout.stagedColumns.filter(\.stored).map(\.name)
        let selected = names.map { ExtractChecks.stored($0, of: layout) }
        let changing = names.filter { !layout.key.contains($0) }
        let tracksLoad = layout.referencesPersons || [ExtractLayout.persons.table, ExtractLayout.identifiers.table].contains(layout.table)
        // A column that keeps what is stored when its cell is empty takes the stored value then.
        let keeping = Set(layout.columns.filter(\.keepsStoredWhenEmpty).map(\.name))
        let incoming = { (name: String) -> PostgresQuery in
            keeping.contains(name) ? "coalesce(excluded.\(ExtractChecks.name(name)), t.\(ExtractChecks.name(name)))" : "excluded.\(ExtractChecks.name(name))"
        }
        let assignments: [PostgresQuery] = changing.map { "\(ExtractChecks.name($0)) = \(incoming($0))" }
            + (tracksLoad ? ["load_id = excluded.load_id"] : [])
        let changed: PostgresQuery = changing.isEmpty ? "false"
            : "(\(changing.map { "t.\(ExtractChecks.name($0))" as PostgresQuery }.joined(separator: ", "))) IS DISTINCT FROM (\(changing.map(incoming).joined(separator: ", ")))"
        let stage = Self.stage(layout)
        let row = try connection.execute("""
            WITH upserted AS (
                INSERT INTO \(identifier: .generated(layout.table)) AS t (\(SQLIdentifier.list(names)))
                SELECT \(selected.joined(separator: ", ")) FROM \(identifier: stage) ORDER BY line
                ON CONFLICT (\(SQLIdentifier.list(layout.key))) DO UPDATE SET \(assignments.joined(separator: ", "))
                WHERE \(changed)
                RETURNING (xmax = 0) AS inserted\(layout.holdsPersons ? ", person_id" : "" as PostgresQuery))\(
                layout.holdsPersons ? LoadChanges.logging(from: "upserted", to: loadID) : "")
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),
                   (SELECT count(*) FROM \(identifier: stage))
            FROM upserted
            """)[0]
        return (try row.decode(at: 0), try row.decode(at: 1), try row.decode(at: 2))
    }
}

extension ExtractLayout {
    /// Its rows are a person's (keyed by `person_id`).
    var holdsPersons: Bool { referencesPersons || self.file == ExtractLayout.persons.file }
    /// The IDS's reference data, which any person's results may read (not the linker's identifiers,
    /// which change no one's until a link run, itself logged).
    var isReferenceData: Bool { !holdsPersons && table.hasPrefix("ids.") }
}
