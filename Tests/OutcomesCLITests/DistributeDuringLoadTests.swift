import Foundation
import OutcomesDatabase
import OutcomesLab
import OutcomesTestSupport
import PostgresClient
import Testing

/// `outcomes db distribute` on a Citus coordinator while a synthetic load is held open midway in
/// another connection: refused with exit 75 naming the load, nothing placed; the load then
/// finishes, and distribute moves its data. Citus must be installed (`.ci/run` builds it).
@Suite struct DistributeDuringLoadTests {
    @Test func distributeRefusesARunningLoadWhichThenFinishesAndIsDistributed() throws {
        let cluster = try LocalCitusCluster(directory: TestDatabase.scratchDirectory("citus-load"), workers: 1)
        defer { try? cluster.remove() }
        try cluster.start()
        let migrate = try CLI.run(["db", "migrate", "--database", cluster.conninfo, "--quiet"])
        try #require(migrate.status == 0, "\(migrate.errors)")
        let coordinator = try PostgresConnection(conninfo: cluster.conninfo)

        let load = HeldLoad(conninfo: cluster.conninfo, persons: 1_500)
        load.waitUntilInside()
        let loadPID = try #require(load.backendPID)
        let refused = try CLI.run(["db", "distribute", "--database", cluster.conninfo])
        CLI.expectCleanFailure(refused, status: 75, naming: [String(loadPID)])
        #expect(try coordinator.execute("SELECT count(*) FROM pg_dist_partition").scalar(Int.self) == 0)

        load.release()
        let report = try load.result()
        #expect(report.persons == 1_500)
        let distributed = try CLI.run(["db", "distribute", "--database", cluster.conninfo, "--shard-count", "4"])
        try #require(distributed.status == 0, "\(distributed.errors)")
        #expect(try TableLayout.of(coordinator) == .distributed)
        #expect(try coordinator.execute("SELECT count(*) FROM ids.persons").scalar(Int.self) == 1_500)
        let usage = try CLI.run(["db", "distribute", "--database", cluster.conninfo, "--wait-for-loads=-1"])
        #expect(usage.status == 64 && usage.errors.contains("--wait-for-loads"))
    }
}
