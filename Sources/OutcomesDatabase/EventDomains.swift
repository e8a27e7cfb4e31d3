import OutcomesDomain
import PostgresClient

/// The vocabulary of event domains the IDS knows (`ids.event_domains`): what definition files are
/// checked against before anything is computed from them.
public enum EventDomains {
    public static func known(on connection: PostgresConnection) throws -> Set<String> {
        var known: Set<String> = []
        for row in try connection.execute("SELECT domain FROM ids.event_domains") { known.insert(try row.decode(at: 0)) }
        return known
    }
}
