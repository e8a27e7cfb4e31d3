import PostgresClient

/// Where each table goes on a Citus cluster.
///
/// - Person-level tables are hash-distributed by `person_id` and co-located, so every join on
///   `person_id` (a participant's enrollment with their events, their results with their
///   attributes) and every GROUP BY person runs on the worker that holds the person.
/// - The IDS's small tables are reference tables, copied to every node, so the workers join them
///   locally and the person-level tables keep their foreign keys to them.
/// - Everything else stays an ordinary table on the coordinator: the payment ledger and its door,
///   seals, triggers and row-level security work exactly as on one server, and so do provider
///   aggregates, computed periods, evaluation and scenario runs — small tables written once per run.
public enum DistributedLayout {
    public enum Placement: String, Sendable {
        case distributed = "distributed by person_id"
        case reference = "reference (on every node)"
        case coordinator = "coordinator"
    }

    /// Distributed by `person_id`, co-located with the first.
    public static let distributedTables: [SQLIdentifier] = [
        "ids.persons", "ids.source_links", "ids.enrollments", "ids.events", "ids.household_members", "ids.relationships",
        "metrics.person_results",
    ]

    public static let referenceTables: [SQLIdentifier] = [
        "ids.data_loads", "ids.source_systems", "ids.event_domains", "ids.programs", "ids.providers", "ids.contracts",
        "ids.synthetic_truth", "ids.relationship_codes",
    ]

    /// Foreign keys from coordinator tables to `ids.data_loads`, dropped: Citus keeps a key from a
    /// coordinator table to a reference table only by making the table a Citus table, after which
    /// a command that has written the distributed tables in parallel may no longer write it.
    /// Their loads are still the ones the runs name; what is lost is the database's check of it.
    public static let droppedKeys: [(table: SQLIdentifier, constraint: String)] = [
        ("metrics.provider_results", "provider_results_load_id_fkey"),
        ("evaluation.runs", "runs_load_id_fkey"),
        // The linkage schema stays a set of plain tables on the coordinator: a key to a reference
        // table would make Citus turn it into a Citus table, together with every table its keys
        // reach. The loader checks an identifier's source system itself (as it does every file's).
        ("linkage.identifiers", "identifiers_source_system_fkey"),
        ("linkage.identifiers", "identifiers_load_id_fkey"),
        ("linkage.runs", "runs_load_id_fkey"),
    ]

    /// The schemas whose tables are placed; a table not named above stays on the coordinator.
    static let schemas = ["ids", "metrics", "payments", "evaluation", "scenario"]
}
