import OutcomesDomain
import PostgresClient

/// What a published period's metrics were computed from: the contract version and text, the data
/// load and its content hash, and when. A package publishes only periods computed from the
/// loaded version it names, so its numbers can be recomputed from what it cites.
public struct PublishedComputation: Sendable, Equatable {
    public let period: String
    public let version: Int
    public let fileSHA256: String
    public let loadID: Int
    public let loadDescription: String
    public let contentHash: String?
    /// `YYYY-MM-DD`, UTC.
    public let computedOn: String
    /// How the figures came about: "computed" (metrics), "posted in payment run 5 (final, …)", ….
    public var origin = "computed"
    /// What the line of provenance is about: "Period 2023" unless said otherwise ("Scenario …").
    public var subject: String?

    /// "Period 2023", or the subject given.
    public var about: String { subject ?? "Period \(period)" }

    /// The computations of `periods` of a loaded contract version; a period not computed, or
    /// computed from another version or text, is an error that says what to run.
    public static func of(_ stored: StoredContract, periods: [String], on connection: PostgresConnection) throws -> [PublishedComputation] {
        let rows = try connection.execute("""
            SELECT c.period, c.version, c.file_sha256, c.load_id, l.description, l.content_hash,
                   to_char(c.computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
            FROM metrics.computed_periods c JOIN ids.data_loads l USING (load_id)
            WHERE c.contract_id = \(stored.contract.id) AND c.period = ANY (\(periods)::text[])
            """)
        var found: [String: PublishedComputation] = [:]
        for row in rows {
            let computation = PublishedComputation(
                period: try row.decode(at: 0), version: try row.decode(Int?.self, at: 1) ?? 0, fileSHA256: try row.decode(String?.self, at: 2) ?? "",
                loadID: try row.decode(at: 3), loadDescription: try row.decode(at: 4), contentHash: try row.decode(at: 5),
                computedOn: try row.decode(at: 6))
            found[computation.period] = computation
        }
        return try periods.map { period in
            guard let computation = found[period], computation.version == stored.version, computation.fileSHA256 == stored.fileSHA256 else {
                let then = found[period].map { " (its results are from version \($0.version))" } ?? ""
                throw DatabaseError(
                    .noData,
                    "period \(period) of \(stored.contract.id) is not computed from version \(stored.version)\(then); compute it first: "
                        + "outcomes metrics --contract \(stored.contract.id) --period \(period)")
            }
            return computation
        }
    }
}
