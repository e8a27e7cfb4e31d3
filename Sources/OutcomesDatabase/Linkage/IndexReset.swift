import OutcomesDomain
import PostgresClient

/// Emptying the IDS and the index before the demo builds its data set again.
public enum IndexReset {
    /// Empties the IDS tables and the index (identifiers, pairs, labels; the runs, id changes and
    /// audit log stay), refusing a database that holds an extract the demo did not load.
    public static func replaceForDemo(on connection: PostgresConnection) throws {
        try connection.transaction { connection in
            try TableLayout.prepareLoadTransaction(on: connection)
            let extracts = try connection.execute("""
                SELECT string_agg(load_id::text, ', ' ORDER BY load_id) FROM ids.data_loads
                WHERE kind = 'extract' AND description NOT LIKE 'demo %'
                  AND (load_id IN (SELECT DISTINCT load_id FROM ids.persons) OR load_id IN (SELECT DISTINCT load_id FROM ids.events)
                       OR load_id IN (SELECT DISTINCT load_id FROM linkage.identifiers))
                """).scalar(String?.self)
            if let extracts {
                throw DatabaseError(
                    .wouldReplaceExtract,
                    "\(connection.target) holds IDS data from extract load(s) \(extracts). The demo data set replaces all "
                        + "IDS data, so outcomes refuses to load one here: use the embedded cluster or another database.")
            }
            try LoadChanges.recordReplacement(on: connection)
            try connection.execute("""
                TRUNCATE ids.relationships, ids.household_members, ids.events, ids.enrollments, ids.source_links, ids.persons, linkage.pairs, linkage.labels, linkage.identifiers
                """)
        }
    }
}
