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
    /// SHA-256 over the rows written (COPY text, without load_id), table by table.
    public let contentHash: String
    public var totalRows: Int { persons + links + enrollments + events }
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
            let parameters = try PostgresJSON(SyntheticParameters(persons: ids.personCount, seed: ids.seed, model: SyntheticIDS.modelVersion))
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
                    SyntheticRowWriter.write(ids.person(id), into: &buffer)
                    if buffer.count >= Self.flushSize { try emit(&buffer, &personsHash) }
                    if id % 10_000 == 0 { progress(id, total) }
                }
                try emit(&buffer, &personsHash)
            }

            let linkSpool = try Spool(), enrollmentSpool = try Spool()
            var linksHash = SHA256(), enrollmentsHash = SHA256(), eventsHash = SHA256()
            let events = try copy(into: "ids.events", columns: SyntheticRowWriter.eventColumns, on: connection) { emit in
                var events = CopyTextBuffer(capacity: Self.flushSize + 65536)
                var links = CopyTextBuffer(), enrollments = CopyTextBuffer()
                var nextEventID = 1, nextEnrollmentID = 1
                for id in ids.personIDs {
                    let history = ids.history(of: ids.person(id))
                    SyntheticRowWriter.writeEvents(history, personID: id, nextID: &nextEventID, into: &events)
                    SyntheticRowWriter.writeLinks(history, personID: id, into: &links)
                    SyntheticRowWriter.writeEnrollments(history, personID: id, nextID: &nextEnrollmentID, into: &enrollments)
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
            progress(total, total)
            try foreignKeys.restore(on: connection)

            try writeTruth(loadID: loadID, on: connection)
            var combined = SHA256()
            for digest in [personsHash, linksHash, enrollmentsHash, eventsHash] { combined.update(digest.finalize()) }
            let report = SyntheticLoadReport(
                loadID: loadID, persons: persons, links: links, enrollments: enrollments, events: events,
                contentHash: combined.hexDigest())
            let counts = try PostgresJSON(["persons": persons, "source_links": links, "enrollments": enrollments, "events": events])
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

/// What a synthetic load was made from, stored with it (and matched by `SyntheticDataSet`).
struct SyntheticParameters: Codable {
    let persons: Int
    let seed: UInt64
    let model: String
}
