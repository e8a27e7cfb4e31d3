import OutcomesDomain
import PostgresClient

extension SyntheticLoader {
    /// The id of the current synthetic load if the IDS holds exactly this data set (same size,
    /// seed and model, finished, and no other load since), so a demo can reuse it.
    public func existingLoad(on connection: PostgresConnection) throws -> Int? {
        let rows = try connection.execute("""
            SELECT load_id FROM ids.data_loads
            WHERE load_id = (SELECT max(load_id) FROM ids.data_loads)
              AND finished_at IS NOT NULL AND kind = 'synthetic'
              AND parameters = \(try PostgresJSON(SyntheticParameters(persons: ids.personCount, seed: ids.seed, model: SyntheticIDS.modelVersion)))
            """)
        guard rows.count == 1 else { return nil }
        let loadID: Int = try rows[0].decode(at: 0)
        let foreign = try connection.execute("""
            SELECT count(*) FROM (SELECT 1 FROM ids.persons WHERE load_id <> \(loadID) LIMIT 1) AS other
            """).scalar(Int.self)
        return foreign == 0 ? loadID : nil
    }
}
