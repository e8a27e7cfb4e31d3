import ArgumentParser
import Foundation
import OutcomesDatabase
import PostgresClient

struct DBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the embedded PostgreSQL cluster and the schema.",
        discussion: """
            start, stop, status and reset act on the embedded cluster, a private PostgreSQL server \
            that listens on a unix socket in its data directory: OUTCOMES_DATA_DIR, else \
            /var/lib/outcomes/cluster as root, else ~/.local/share/outcomes/cluster. As root the \
            server runs as the postgres OS user.

            migrate and status also work on a named database: \
            outcomes db migrate --database postgresql://analyst@ids-db/ids.

            Examples:
              outcomes db start
              outcomes db status --format json
              outcomes db reset --migrate --quiet
              outcomes db stop
            """,
        subcommands: [Start.self, Stop.self, Status.self, Reset.self, Migrate.self]
    )

    static func embeddedCluster() throws -> EmbeddedCluster {
        try EmbeddedCluster(directory: EmbeddedCluster.defaultDirectory())
    }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create (if needed) and start the embedded cluster; a no-op when it runs.")

        @Flag(name: .shortAndLong, help: "Print nothing but errors.")
        var quiet = false

        func run() throws {
            for note in try DBCommand.embeddedCluster().start() where !quiet { print(note) }
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the embedded cluster.")

        @Flag(name: .shortAndLong, help: "Print nothing but errors.")
        var quiet = false

        func run() throws {
            let note = try DBCommand.embeddedCluster().stop()
            if !quiet { print(note) }
        }
    }

    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete the embedded cluster and all its data, then create and start a new one.")

        @Flag(name: .long, help: "Also apply the migrations to the new cluster.")
        var migrate = false

        @Flag(name: .shortAndLong, help: "Print nothing but errors.")
        var quiet = false

        func run() throws {
            let cluster = try DBCommand.embeddedCluster()
            for note in try cluster.reset() where !quiet { print(note) }
            if migrate {
                let connection = try DatabaseTarget.embedded(cluster).connect()
                let applied = try Migrator().migrate(connection)
                if !quiet { print("Applied \(applied.count) migration(s).") }
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the database in use: embedded cluster state, server version, migrations.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let target = try database.target()
            var report = Report(title: "Database status")
            var table = ReportTable(name: "status", title: "Database", columns: ["item", "value"])
            table.rows.append([.text("target"), .text(target.description)])
            var reachable = true
            if case .embedded(let cluster) = target {
                let state: String
                switch cluster.status() {
                case .notInitialized: state = "not created (it is created on first use or by `outcomes db start`)"
                case .stopped: state = "stopped"
                case .running(let pid): state = "running (pid \(pid))"
                case .stalePidFile(let pid): state = "stopped, with a stale pid file (process \(pid) is gone)"
                }
                table.rows += [
                    [.text("embedded cluster"), .text(state)],
                    [.text("socket directory"), .text(cluster.socketDirectory.path)],
                    [.text("server log"), .text(cluster.logFile.path)],
                ]
                if case .running = cluster.status() {} else { reachable = false }
            }
            if reachable {
                let connection = try target.connect()
                let migrator = try Migrator()
                let applied = try migrator.applied(on: connection)
                let version = try connection.execute("SHOW server_version").scalar(String.self)
                table.rows += [
                    [.text("connection"), .text(connection.target)],
                    [.text("server version"), .text(version)],
                    [.text("migrations applied"), .int(applied.count)],
                    [.text("migrations pending"), .int(migrator.migrations.count - applied.count)],
                ]
            }
            report.tables = [table]
            print(report.render(output.format), terminator: "")
        }
    }

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending migrations from sql/migrations, each once, checksum-guarded.")
        @OptionGroup var database: DatabaseOptions
        @Flag(name: .shortAndLong, help: "Print nothing but errors.")
        var quiet = false

        func run() throws {
            let progress = Progress(quiet: quiet)
            let connection = try database.target().connect(notes: progress.note)
            let applied = try Migrator().migrate(connection)
            if !quiet {
                print(applied.isEmpty ? "The schema is up to date." : applied.map { "Applied \($0.fileName)." }.joined(separator: "\n"))
            }
        }
    }
}
