import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// After a load the planner knows how many distinct persons the events belong to: the rows are in
/// person order, and ANALYZE's sample alone would see far fewer.
@Suite struct PlannerStatisticsTests {
    @Test func eventsKnowTheirDistinctPersonsAfterALoad() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 2_000, seed: 3)).load(into: db)
        try IDSMaintenance.refreshAfterLoad(db)
        let persons = try db.execute("SELECT count(*) FROM ids.persons").scalar(Int.self)
        for table in ["events", "source_links"] {
            let estimate = try db.execute("""
                SELECT n_distinct FROM pg_stats WHERE schemaname = 'ids' AND tablename = \(table) AND attname = 'person_id'
                """).scalar(Double.self)
            #expect(estimate == Double(persons), "ids.\(table): n_distinct \(estimate), persons \(persons)")
        }
    }
}
