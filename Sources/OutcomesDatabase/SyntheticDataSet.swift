import OutcomesDomain
import PostgresClient

extension SyntheticLoader {
    /// The id of the current synthetic load if the IDS holds exactly this data set (same size,
    /// seed and model, finished, and no other load since), so a demo can reuse it.
    public func existingLoad(on connection: PostgresConnection) throws -> Int? {
        guard let newest = try DataLoads.newest(on: connection), newest.finished, newest.kind == .synthetic else { return nil }
        let loadID = newest.id
        let parameters = try PostgresJSON(SyntheticParameters(persons: ids.personCount, seed: ids.seed, model: ids.model))
        let same = try connection.execute("SELECT parameters = \(parameters) FROM ids.data_loads WHERE load_id = \(loadID)").scalar(Bool.self)
        guard same else { return nil }
        let foreign = try connection.execute("""
            SELECT count(*) FROM (SELECT 1 FROM ids.persons WHERE load_id <> \(loadID) LIMIT 1) AS other
            """).scalar(Int.self)
        return foreign == 0 ? loadID : nil
    }
}
