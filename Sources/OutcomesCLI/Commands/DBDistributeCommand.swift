import ArgumentParser
import OutcomesDatabase

extension DBCommand {
    struct Distribute: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Distribute a migrated database on a Citus coordinator: the IDS by person_id, small tables everywhere.",
            discussion: """
                Run once, as a superuser, on the coordinator of a Citus cluster (Citus 13, \
                CREATE EXTENSION citus in the database, workers added with citus_add_node), after \
                `outcomes db migrate` and before or after loading data, against the coordinator named \
                by --database, DATABASE_URL or the PG* variables. Person-level tables \
                (ids.persons, source_links, enrollments, events, metrics.person_results) are \
                hash-distributed by person_id and co-located; the IDS's small tables become \
                reference tables; the payment ledger, runs and reports stay on the coordinator. \
                In one transaction: on an error nothing is changed. Every command then works \
                unchanged against the coordinator. See README, "Citus".

                A data load (`synth`, `load`) running meanwhile is never broken: distribute \
                refuses at once with exit 75 naming the load (or waits up to --wait-for-loads \
                seconds for it to finish), and a load started during a distribution waits for it.

                Examples:
                  outcomes db distribute --shard-count 8 --format json
                """)

        @Option(help: ArgumentHelp("Shards per distributed table (default: the server's citus.shard_count, 32 unless set).",
                                   valueName: "n"))
        var shardCount: Int?

        @Option(help: ArgumentHelp("Wait up to this many seconds for running data loads to finish (default 0: refuse at once, exit 75).",
                                   valueName: "seconds"))
        var waitForLoads = 0

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let shardCount, !(1...4096).contains(shardCount) {
                throw ValidationError("--shard-count must be between 1 and 4096, not \(shardCount).")
            }
            if !(0...86_400).contains(waitForLoads) {
                throw ValidationError("--wait-for-loads must be between 0 and 86400 seconds, not \(waitForLoads).")
            }
        }

        func run() throws {
            let target = try database.target()
            let connection = try target.connect(notes: output.progress.note)
            try Migrator().requireCurrent(connection)
            let result = try Distributor(shardCount: shardCount, loadWaitSeconds: waitForLoads).distribute(connection)
            // The shards' planner statistics, for data distributed as they were.
            if result.tables.contains(where: { $0.name == "ids.persons" && $0.rows > 0 }) { try IDSMaintenance.refreshAfterLoad(connection) }
            var report = Report(title: "Distributed on Citus")
            report.notes = [
                "\(result.workers.count) worker(s): \(result.workers.joined(separator: ", ")); \(result.shardCount) shards per distributed table.",
                "The job roles (outcomes_analyst, outcomes_payments, outcomes_provider) may now log in on the nodes, as Citus "
                    + "reaches them: give them no password, and let pg_hba admit them only from the cluster's own nodes.",
            ]
            var tables = ReportTable(name: "tables", title: "Tables", columns: ["table", "placement", "rows"])
            tables.rows = result.tables.map { [.text($0.name), .text($0.placement.rawValue), .int($0.rows)] }
            report.tables = [tables]
            try output.emit(report)
        }
    }
}
