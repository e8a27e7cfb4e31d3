import PostgresClient

/// One row of `ids.data_loads`: a synthetic data set or an extract loaded into the IDS.
public struct DataLoad: Sendable, Equatable {
    public enum Kind: String, Sendable, PostgresDecodable {
        /// `linkage`: a link run, which changes which person a record and its content belong to (migration 0023).
        case synthetic, extract, linkage

        public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingError) {
            guard let kind = Kind(rawValue: text) else { throw PostgresDecodingError(reason: "'\(text)' is not a kind of data load") }
            self = kind
        }
    }

    public let id: Int
    public let kind: Kind
    public let description: String
    /// The SHA-256 of the rows as loaded; nil until the load finishes.
    public let contentHash: String?
    public let finished: Bool
}

/// The one reader of `ids.data_loads`: which load is current. Loads run in one transaction each,
/// so others see a load only once it has finished; an unfinished row is a load seen from inside
/// its own transaction (or one that never finished).
public enum DataLoads {
    /// The id of the current load, for statements that compare with it in the server: the newest
    /// load that finished. `payments.approve_run` and `payments.check_run` (migrations 0019 and 0030) mirror
    /// it in plpgsql as `(SELECT max(load_id) FROM ids.data_loads WHERE finished_at IS NOT NULL)`;
    /// `CurrentDataLoadTests` holds the two to the same answer.
    static let currentID: PostgresQuery = "(SELECT max(load_id) FROM ids.data_loads WHERE finished_at IS NOT NULL)"

    /// The current load: the newest that finished (the one metrics, payments and comparisons
    /// read), or nil when none has.
    public static func current(on connection: PostgresConnection) throws -> DataLoad? {
        try read("load_id = \(currentID)", on: connection)
    }

    /// The newest load whether or not it finished (a synthetic data set is reused only when it is
    /// this one, finished), or nil when there is none.
    public static func newest(on connection: PostgresConnection) throws -> DataLoad? {
        try read("load_id = (SELECT max(load_id) FROM ids.data_loads)", on: connection)
    }

    private static func read(_ which: PostgresQuery, on connection: PostgresConnection) throws -> DataLoad? {
        try connection.execute("""
            SELECT load_id, kind, description, content_hash, finished_at IS NOT NULL FROM ids.data_loads WHERE \(which)
            """).map {
            DataLoad(id: try $0.decode(at: 0), kind: try $0.decode(at: 1), description: try $0.decode(at: 2),
                     contentHash: try $0.decode(at: 3), finished: try $0.decode(at: 4))
        }.first
    }
}
