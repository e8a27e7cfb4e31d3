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
            server runs as the postgres OS user. Its postmaster.pid is trusted only when its \
            process serves this data directory: otherwise start, stop and reset stop and delete \
            nothing and exit 69, naming the process; reset also refuses (69) while any server \
            still uses the directory.

            migrate and status also work on a named database: \
            outcomes db migrate --database postgresql://analyst@ids-db/ids.

            Examples:
              outcomes db start
              outcomes db status --format json
              outcomes db reset --migrate --quiet
              outcomes db stop
            """,
        subcommands: [Start.self, Stop.self, Status.self, Reset.self, Migrate.self, Grant.self, Distribute.self]
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
                case .untrustedPidFile(let pid):
                    state = "unknown: postmaster.pid names process \(pid), which does not serve this data directory "
                        + "(`outcomes db stop` says what to do)"
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
                let layout = try TableLayout.of(connection) == .distributed
                    ? "distributed on Citus (\(try Distributor.workerCount(on: connection)) workers)" : "one server"
                table.rows += [
                    [.text("connection"), .text(connection.target)],
                    [.text("server version"), .text(version)],
                    [.text("layout"), .text(layout)],
                    [.text("migrations applied"), .int(applied.count)],
                    [.text("migrations pending"), .int(migrator.migrations.count - applied.count)],
                ]
            }
            report.tables = [table]
            try output.emit(report)
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

    struct Grant: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let a database user act as one of outcomes' roles (a provider's user: for one provider).",
            discussion: """
                Run by the schema's owner or a superuser. The user must exist (CREATE ROLE name LOGIN) \
                or be created with --create. analyst: metrics, quality, statements, summaries, verify; \
                payments: contract load, payment runs, attestations; provider: that provider's own \
                statement only, for a provider that a loaded contract names (load the contract first); \
                linker: link run and purge, reading and writing identifiers, no content.

                Only ordinary login users are given a role: a superuser, a role PostgreSQL predefines \
                (pg_*), outcomes' job roles themselves, a group role (NOLOGIN) or one with BYPASSRLS is \
                refused (exit 77), and so is a provider's user that already holds pg_read_all_data or \
                another job role, and the linker and any other job role are never given to one login \
                (separation of duties). A user that does not exist (without --create) or a provider that no \
                loaded contract names is exit 65. Nothing is changed when a grant is refused.

                Examples:
                  outcomes db grant --user cli_analyst_example --role analyst --create
                  outcomes contract load scenarios/housing-2021.yaml
                  outcomes db grant --user hearth_reader_example --role provider --provider hearth --create
                  outcomes db grant --user linker_example --role linker --create
                """)

        @Option(help: ArgumentHelp("The database user (a login role).", valueName: "name"))
        var user: String

        @Option(help: ArgumentHelp("analyst, payments, provider or linker.", valueName: "role"))
        var role: String

        @Option(help: ArgumentHelp("For --role provider: the provider whose lines the user reads.", valueName: "id"))
        var provider: String?

        @Flag(help: "Create the user as a login role first if it does not exist (no password: set one, or use your own auth).")
        var create = false

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard user.range(of: "^[a-z_][a-z0-9_]*$", options: .regularExpression) != nil, user.count <= 63 else {
                throw ValidationError("--user '\(user.printable)' must be a plain lower-case name (a-z, 0-9, '_').")
            }
            guard DatabaseRole(name: role) != nil else { throw ValidationError("--role must be analyst, payments, provider or linker, not '\(role.printable)'.") }
            if (role == "provider") != (provider != nil) {
                throw ValidationError("--provider is given with --role provider, and only then.")
            }
        }

        func run() throws {
            let (connection, _) = try database.connectReady(progress: output.progress)
            let granted = try DatabaseRole(name: role)!.grant(to: user, provider: provider, create: create, on: connection)
            try output.emit(Report(title: "Granted \(granted.rawValue) to \(user)" + (provider.map { " for provider \($0)" } ?? "")))
        }
    }
}

