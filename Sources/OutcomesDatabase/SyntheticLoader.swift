import Foundation
import OutcomesDomain
import PostgresClient

/// What a synthetic load wrote.
public struct SyntheticLoadReport: Sendable, Equatable {
    public let loadID: Int
    public let persons: Int
    public let links: Int
    public let enrollments: Int
    public let events: Int
    /// Relationship rows and household memberships of the synthetic families (as stated, before inverses and inferred edges).
    public var relationships = 0
    public var householdMembers = 0
    /// SHA-256 over the rows written (COPY text, without load_id), table by table.
    public let contentHash: String
    public var totalRows: Int { persons + links + enrollments + events + relationships + householdMembers }
}

/// Replaces the IDS data with a synthetic data set, streamed through COPY in one transaction:
/// either all of it is loaded or nothing changes.
///
/// Foreign keys of the loaded tables are dropped for the load and re-added (validated) before
/// commit: see `ForeignKeyDeferral`.
///
/// Memory stays flat whatever the size: people are generated one at a time; events go straight
/// to the server, and links and enrollments (which must follow the persons they reference) are
/// spooled to temporary files and copied after.
public struct SyntheticLoader {
    public let ids: SyntheticIDS
    /// Called now and then with (people done, people in all); two passes count once each.
    public var progress: (Int, Int) -> Void = { _, _ in }

    public init(ids: SyntheticIDS) { self.ids = ids }

    // Small chunks keep the generator and the server working at the same time.
    static let flushSize = 1 << 16
    /// The IDS tables a synthetic load replaces.
    public static let tables = ["ids.relationships", "ids.household_members", "ids.events", "ids.enrollments", "ids.source_links", "ids.persons"]

    /// The tables the schema has (a database an earlier release migrated has no family tables).
    static func existingTables(on connection: PostgresConnection) throws -> [String] {
        try connection.execute("SELECT t FROM unnest(\(tables)::text[]) WITH ORDINALITY AS t(t, n) WHERE to_regclass(t) IS NOT NULL ORDER BY n")
            .map { try $0.decode(String.self, at: 0) }
    }

    public func load(into connection: PostgresConnection) throws -> SyntheticLoadReport {
        let report = try connection.transaction { connection in
            try LoadLock.holdForLoad("synthetic IDS, \(ids.personCount) persons, seed \(ids.seed)", on: connection)
            try TableLayout.prepareLoadTransaction(on: connection)
            try refuseToReplaceExtracts(on: connection)
            let tables = try Self.existingTables(on: connection)
            try connection.execute("TRUNCATE \(SQLIdentifier.list(tables))")
            try ReferenceData.upsert(ids.catalog, on: connection)
            let foreignKeys = try ForeignKeyDeferral(tables: tables, on: connection)
            try foreignKeys.drop(on: connection)
            let parameters = try PostgresJSON(SyntheticParameters(persons: ids.personCount, seed: ids.seed, model: ids.model))
            let loadID = try connection.execute("""
                INSERT INTO ids.data_loads (kind, description, parameters)
                VALUES ('synthetic', \("synthetic IDS, \(ids.personCount) persons, seed \(ids.seed)"), \(parameters))
                RETURNING load_id
                """).scalar(Int.self)
            try connection.execute("SELECT set_config('outcomes.load_id', \(String(loadID)), true)")

            let total = ids.personCount * 2
            var personsHash = SHA256()
            let persons = try copy(into: "ids.persons", columns: SyntheticRowWriter.personColumns, on: connection) { emit in
                var buffer = CopyTextBuffer(capacity: Self.flushSize + 4096)
                for id in ids.personIDs {
                    for member in ids.members(ofRoot: id) { SyntheticRowWriter.write(member, into: &buffer) }
                    if buffer.count >= Self.flushSize { try emit(&buffer, &personsHash) }
                    if id % 10_000 == 0 { progress(id, total) }
                }
                try emit(&buffer, &personsHash)
            }

            let linkSpool = try Spool(), enrollmentSpool = try Spool()
            let familyFiles = try FamilyFiles(enabled: ids.families)
            var linksHash = SHA256(), enrollmentsHash = SHA256(), eventsHash = SHA256()
            let events = try copy(into: "ids.events", columns: SyntheticRowWriter.eventColumns, on: connection) { emit in
                var events = CopyTextBuffer(capacity: Self.flushSize + 65536)
                var links = CopyTextBuffer(), enrollments = CopyTextBuffer()
                var nextEventID = 1, nextEnrollmentID = 1
                for id in ids.personIDs {
                    let members = ids.histories(ofRoot: id)
                    for (person, history) in members {
                        SyntheticRowWriter.writeEvents(history, personID: person.id, nextID: &nextEventID, into: &events)
                        SyntheticRowWriter.writeLinks(history, personID: person.id, into: &links)
                        SyntheticRowWriter.writeEnrollments(history, personID: person.id, nextID: &nextEnrollmentID, into: &enrollments)
                    }
                    if members.count > 1, let family = ids.family(ofRoot: members[0].person) {
                        try familyFiles.append(SyntheticFamilyRecords(family: family, histories: members))
                    }
                    if events.count >= Self.flushSize { try emit(&events, &eventsHash) }
                    if links.count >= Self.flushSize { try linkSpool.append(&links, hashing: &linksHash) }
                    if enrollments.count >= Self.flushSize { try enrollmentSpool.append(&enrollments, hashing: &enrollmentsHash) }
                    if id % 10_000 == 0 { progress(ids.personCount + id, total) }
                }
                try emit(&events, &eventsHash)
                try linkSpool.append(&links, hashing: &linksHash)
                try enrollmentSpool.append(&enrollments, hashing: &enrollmentsHash)
            }
            let links = try linkSpool.copy(into: "ids.source_links", columns: SyntheticRowWriter.linkColumns, on: connection)
            let enrollments = try enrollmentSpool.copy(
                into: "ids.enrollments", columns: SyntheticRowWriter.enrollmentColumns, on: connection)
            // The families' rows go in through the extract loader, keyed by their Medicaid records.
            let family = try familyFiles.load(loadID: loadID, on: connection)
            progress(total, total)
            try foreignKeys.restore(on: connection)

            try writeTruth(loadID: loadID, on: connection)
            var combined = SHA256()
            for digest in [personsHash, linksHash, enrollmentsHash, eventsHash] + (family.map { [$0.hash] } ?? []) {
                combined.update(digest.finalize())
            }
            var report = SyntheticLoadReport(
                loadID: loadID, persons: persons, links: links, enrollments: enrollments, events: events,
                contentHash: combined.hexDigest())
            var rowCounts = ["persons": persons, "source_links": links, "enrollments": enrollments, "events": events]
            if let family {
                report.relationships = family.tables.first { $0.file == ExtractLayout.relationships.file }?.rows ?? 0
                report.householdMembers = family.tables.first { $0.file == ExtractLayout.households.file }?.rows ?? 0
                rowCounts["relationships"] = report.relationships
                rowCounts["household_members"] = report.householdMembers
                // None with keys of 60 random bits; counted all the same, as an extract's load counts them.
                for (file, aside) in family.setAside { rowCounts["\(file) set aside (records of one person)"] = aside.rows }
            }
            let counts = try PostgresJSON(rowCounts)
            try connection.execute("""
                UPDATE ids.data_loads
                SET content_hash = \(report.contentHash), row_counts = \(counts), finished_at = \(try connection.serverClock())::timestamptz
                WHERE load_id = \(loadID)
                """)
            return report
        }
        return report
    }

    /// Synthetic data replace the IDS tables; real extracts must never be wiped that way.
    private func refuseToReplaceExtracts(on connection: PostgresConnection) throws {
        let extracts = try connection.execute("""
            SELECT string_agg(load_id::text, ', ' ORDER BY load_id) FROM ids.data_loads
            WHERE kind = 'extract' AND load_id IN (SELECT DISTINCT load_id FROM ids.persons)
            """).scalar(String?.self)
        guard let extracts else { return }
        throw DatabaseError(
            .wouldReplaceExtract,
            "\(connection.target) holds IDS data from extract load(s) \(extracts). A synthetic data set replaces all "
                + "IDS data, so outcomes refuses to load one here: use the embedded cluster or another database.")
    }

    private func writeTruth(loadID: Int, on connection: PostgresConnection) throws {
        for effect in ids.catalog.effects {
            try connection.execute("""
                INSERT INTO ids.synthetic_truth (load_id, program_id, provider_id, outcome, kind, value, note)
                VALUES (\(loadID), \(effect.programID), \(effect.providerID), \(effect.outcome), \(effect.kind),
                        \(Decimal(string: String(effect.value))!), \(effect.note))
                """)
        }
    }

    /// COPYs what `body` emits; `emit` sends a buffer's rows, hashing them on the way.
    private func copy(
        into table: SQLIdentifier, columns: [String], on connection: PostgresConnection,
        _ body: ((inout CopyTextBuffer, inout SHA256) throws -> Void) throws -> Void
    ) throws -> Int {
        try connection.copyIn("COPY \(identifier: table) (\(SQLIdentifier.list(columns))) FROM STDIN") { writer in
            try body { buffer, hash in
                buffer.bytes.withUnsafeBytes { hash.update($0) }
                try writer.write(buffer.bytes)
                buffer.removeAll()
            }
        }
    }
}

/// An unlinked temporary file that holds COPY rows until their table's turn.
final class Spool {
    private let handle: FileHandle

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("outcomes-spool-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forUpdating: url)
        try FileManager.default.removeItem(at: url)  // the open handle keeps the data; nothing is left behind
    }

    deinit { try? handle.close() }

    func append(_ buffer: inout CopyTextBuffer, hashing hash: inout SHA256) throws {
        buffer.bytes.withUnsafeBytes { hash.update($0) }
        try handle.write(contentsOf: buffer.bytes)
        buffer.removeAll()
    }

    func copy(into table: SQLIdentifier, columns: [String], on connection: PostgresConnection) throws -> Int {
        try handle.seek(toOffset: 0)
        return try connection.copyIn("COPY \(identifier: table) (\(SQLIdentifier.list(columns))) FROM STDIN") { writer in
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                try writer.write(chunk)
            }
        }
    }
}

/// The synthetic families' relationships.csv and households.csv, written to a private scratch
/// folder while the histories stream, then loaded as any extract's family files are.
final class FamilyFiles {
    private let folder: URL?
    private var relationships = CSVTextBuffer(), households = CSVTextBuffer()
    private let relationshipsHandle: FileHandle?, householdsHandle: FileHandle?

    init(enabled: Bool) throws {
        guard enabled else { (folder, relationshipsHandle, householdsHandle) = (nil, nil, nil); return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outcomes-families-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        func create(_ layout: ExtractLayout) throws -> FileHandle {
            let path = folder.appendingPathComponent(layout.file).path
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
            return try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        }
        self.folder = folder
        relationshipsHandle = try create(.relationships)
        householdsHandle = try create(.households)
        relationships.row(SyntheticFamilyRecords.relationshipColumns)
        households.row(SyntheticFamilyRecords.householdColumns)
    }

    deinit {
        try? relationshipsHandle?.close()
        try? householdsHandle?.close()
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    func append(_ records: SyntheticFamilyRecords) throws {
        for row in records.relationships { relationships.row(row) }
        for row in records.households { households.row(row) }
        if relationships.count >= SyntheticLoader.flushSize { try flush() }
    }

    private func flush() throws {
        try relationshipsHandle?.write(contentsOf: relationships.bytes)
        try householdsHandle?.write(contentsOf: households.bytes)
        relationships.removeAll()
        households.removeAll()
    }

    /// Loads both files in the load's transaction; nil when families are off.
    func load(loadID: Int, on connection: PostgresConnection) throws -> (tables: [ExtractLoadReport.Table], hash: SHA256, setAside: [String: SetAsideRows])? {
        guard let folder else { return nil }
        try flush()
        try relationshipsHandle?.synchronize()
        try householdsHandle?.synchronize()
        let layouts = ExtractLayout.extractFiles.filter { [ExtractLayout.relationships.file, ExtractLayout.households.file].contains($0.file) }
        // A synthetic load replaces everything: it is not logged person by person.
        let written = try ExtractLoader(directory: folder, description: "synthetic families")
            .stageAndWrite(layouts, loadID: loadID, logChanges: false, on: connection)
        return (written.tables, written.hash, written.setAside)
    }
}

/// What a synthetic load was made from, stored with it (and matched by `SyntheticDataSet`).
struct SyntheticParameters: Codable {
    let persons: Int
    let seed: UInt64
    let model: String
}
