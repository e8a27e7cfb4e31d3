import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

extension MigratorTests {
    /// A database the release before migration `version` left, holding `families` (written to and
    /// loaded from `folder`), their contract, its metrics for the period "all" and a payment run
    /// posted on them: the data a migration test upgrades. Returns the families' load.
    func lastReleaseWithFamilies(before version: Int, _ families: RandomFamilies, folder: URL) throws
        -> (db: PostgresConnection, stored: StoredContract, load: Int)
    {
        let db = try migrated(before: version)
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 1, seed: 1)).load(into: db)  // reference data and a load
        try db.execute("TRUNCATE ids.relationships, ids.household_members, ids.events, ids.enrollments, ids.source_links, ids.persons")
        try families.write(to: folder)
        let load = try ExtractLoader(directory: folder).load(into: db).loadID
        let stored = try ContractStore.loadStored(text: RandomFamilies.contractYAML, file: "families.yaml", on: db)
        try MetricsRunner(stored: stored).run(period: try #require(stored.contract.period("all")), on: db)
        _ = try PaymentRunner(stored: stored).run(period: "all", on: db)
        return (db, stored, load)
    }
}
