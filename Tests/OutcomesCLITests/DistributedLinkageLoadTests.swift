import Foundation
import OutcomesDatabase
import OutcomesLab
import OutcomesTestSupport
import PostgresClient
import Testing

/// On Citus the linkage schema stays plain tables on the coordinator, and an extract with
/// identifiers and content by source key loads as on one server. Citus must be installed (`.ci/run` builds it).
@Suite struct DistributedLinkageLoadTests {
    static let prelinked: [String: String] = [
        "source_systems.csv": "source_system,name,agency,domain\nJMS,Jail system,Sheriff,jail\n",
        "programs.csv": "program_id,name\nreentry,Reentry employment\n",
        "providers.csv": "provider_id,name,program_id\nbridgeway,Bridgeway,reentry\n",
        "persons.csv": "person_id,birth_year\n1,1990\n2,1985\n",
        "source_links.csv": "person_id,source_system,source_key,match_method,match_score\n1,JMS,J-1,deterministic,1\n",
    ]
    static let keyed: [String: String] = [
        "identifiers.csv": "source_system,source_key,last_name,birth_date,ssn\nJMS,J-1,Ruiz,1990-05,123-45-6789\nJMS,J-2,Lee,1985,000-00-0000\n",
        "source_links.csv": "person_id,source_system,source_key,match_method,match_score\n2,JMS,J-2,probabilistic,0.97\n",
        "enrollments.csv": "source_system,source_key,enrollment_id,program_id,provider_id,start_date\nJMS,J-1,10,reentry,bridgeway,2022-01-01\n",
        "events.csv": "source_key,event_id,domain,source_system,source_record,start_date\nJ-2,20,jail,JMS,B-1,2022-02-01\nJ-1,21,jail,JMS,B-2,2022-03-01\n",
    ]

    static func folder(_ files: [String: String]) throws -> URL {
        let directory = TestDatabase.scratchDirectory("citus-extract")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
        return directory
    }

    /// A local Citus cluster in `directory`, migrated and distributed through the binary (4 shards).
    /// The caller removes it.
    static func distributedCluster(in directory: URL, workers: Int) throws -> LocalCitusCluster {
        let cluster = try LocalCitusCluster(directory: directory, workers: workers)
        do {
            try cluster.start()
            let migrate = try CLI.run(["db", "migrate", "--database", cluster.conninfo, "--quiet"])
            try #require(migrate.status == 0, "\(migrate.errors)")
            let distributed = try CLI.run(["db", "distribute", "--database", cluster.conninfo, "--shard-count", "4"])
            try #require(distributed.status == 0, "\(distributed.errors)")
            return cluster
        } catch {
            try? cluster.remove()
            throw error
        }
    }

    @Test func identifiersStayOnTheCoordinatorAndKeyedContentLoads() throws {
        let cluster = try Self.distributedCluster(in: TestDatabase.scratchDirectory("citus-linkage"), workers: 1)
        defer { try? cluster.remove() }
        let db = try PostgresConnection(conninfo: cluster.conninfo)
        #expect(try db.execute("""
            SELECT count(*) FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'linkage'
            """).scalar(Int.self) == 0)

        let first = try Self.folder(Self.prelinked), second = try Self.folder(Self.keyed)
        defer { for url in [first, second] { try? FileManager.default.removeItem(at: url) } }
        _ = try ExtractLoader(directory: first).load(into: db)
        let report = try ExtractLoader(directory: second).load(into: db)
        #expect(report.placeholderSSNs == 1)
        #expect(try db.execute("SELECT string_agg(source_key || ':' || coalesce(ssn, '-'), ',' ORDER BY source_key) FROM linkage.identifiers")
            .scalar(String.self) == "J-1:123456789,J-2:-")
        #expect(try db.execute("SELECT string_agg(event_id || ':' || person_id, ',' ORDER BY event_id) FROM ids.events").scalar(String.self)
            == "20:2,21:1")
        #expect(try db.execute("SELECT person_id FROM ids.enrollments WHERE source_key = 'J-1'").scalar(Int.self) == 1)
        // Still plain tables after writing them beside the distributed ones.
        #expect(try db.execute("""
            SELECT count(*) FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'linkage'
            """).scalar(Int.self) == 0)
    }
}
