import Foundation
import OutcomesDatabase
import OutcomesTestSupport
import PostgresClient
import Testing

/// The linker's login links and purges; the analyst's lists the changes downstream; neither does
/// the other's job, and no login is given both roles.
@Suite struct LinkPurgeCommandTests {
    @Test func theLinkerPurgesAndTheAnalystListsChanges() throws {
        let folder = TestDatabase.scratchDirectory("link-purge")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try CLI.run(["synth", "--persons", "300", "--seed", "4", "--identifiers", folder.path, "--quiet"]).status == 0)
        let (db, conninfo) = try TestDatabase.fresh()
        let loaded = try CLI.run(["load", folder.appendingPathComponent("identifiers").path, "--database", conninfo, "-q"])
        #expect(loaded.status == 0, "\(loaded.errors)")
        let records = try db.execute("SELECT count(*) FROM linkage.identifiers").scalar(Int.self)
        #expect(records > 300)

        for (user, role) in [("cli_linker", "linker"), ("cli_link_analyst", "analyst")] {
            let granted = try CLI.run(["db", "grant", "--user", user, "--role", role, "--create", "--database", conninfo, "-q"])
            #expect(granted.status == 0, "\(granted.errors)")
        }
        #expect(try db.execute("SELECT pg_has_role('cli_linker', 'outcomes_linker', 'MEMBER')").scalar(Bool.self))
        // Separation of duties: the linker's login is given no other job role, nor another's the linker role.
        CLI.expectCleanFailure(try CLI.run(["db", "grant", "--user", "cli_linker", "--role", "analyst", "--database", conninfo, "-q"]),
                               status: 77, naming: ["cli_linker", "outcomes_linker"])
        CLI.expectCleanFailure(try CLI.run(["db", "grant", "--user", "cli_link_analyst", "--role", "linker", "--database", conninfo, "-q"]),
                               status: 77, naming: ["cli_link_analyst", "outcomes_analyst"])
        #expect(try !db.execute("SELECT pg_has_role('cli_linker', 'outcomes_analyst', 'MEMBER')").scalar(Bool.self))

        func run(_ user: String?, _ arguments: [String]) throws -> ProcessRunner.Result {
            try CLI.run(arguments + ["--database", conninfo + (user.map { " user=\($0)" } ?? ""), "-q"])
        }
        let spec = ScenarioCommandTests.path("linkage-agencies.yaml")
        // The owner links first (installing the similarity functions); the linker's login then re-links.
        #expect(try run(nil, ["link", "run", "--spec", spec]).status == 0)
        let relinked = try run("cli_linker", ["link", "run", "--spec", spec])
        #expect(relinked.status == 0, "\(relinked.errors)")
        CLI.expectCleanFailure(try run("cli_link_analyst", ["link", "run", "--spec", spec]), status: 77, naming: ["cli_link_analyst", "outcomes_linker"])

        // Changes are the analyst's to read: the re-link of the same records kept every id.
        let changes = try CLI.report(try run("cli_link_analyst", ["link", "changes", "--format", "json"]))
        #expect(changes.tables["periods"]?.count == 0 && changes.tables["payment_runs"]?.count == 0)
        #expect(changes.title.hasSuffix(" 2"), "the latest run: \(changes.title)")
        let csv = try run("cli_link_analyst", ["link", "changes", "--run", "1", "--format", "csv"])
        #expect(csv.status == 0, "\(csv.errors)")
        CLI.expectCleanFailure(try run("cli_link_analyst", ["link", "changes", "--run", "9"]), status: 65, naming: ["--run 9"])
        CLI.expectCleanFailure(try run("cli_linker", ["link", "changes"]), status: 77, naming: ["cli_linker", "outcomes_analyst"])

        // The purge: refused unconfirmed with no terminal to ask on, and to the analyst; done by the linker.
        CLI.expectCleanFailure(try run("cli_linker", ["link", "purge"]), status: 64, naming: ["--yes"])
        CLI.expectCleanFailure(try run("cli_link_analyst", ["link", "purge", "--yes"]), status: 77, naming: ["cli_link_analyst", "outcomes_linker"])
        #expect(try db.execute("SELECT count(*) FROM linkage.identifiers").scalar(Int.self) == records)
        let links = try db.execute("SELECT count(*) FROM ids.source_links").scalar(Int.self)
        let purged = try CLI.report(try run("cli_linker", ["link", "purge", "--yes", "--format", "json"]))
        #expect(purged.column("rows", of: "purged").first as? Int == records)
        #expect(try db.execute("SELECT count(*) FROM linkage.identifiers").scalar(Int.self) == 0)
        #expect(try db.execute("SELECT count(*) FROM ids.source_links").scalar(Int.self) == links)
        #expect(try db.execute("SELECT done_by FROM linkage.audit_log WHERE action = 'purge'").scalar(String.self) == "cli_linker")
        // A link run now says the identifiers were purged, and by whom.
        CLI.expectCleanFailure(try run("cli_linker", ["link", "run", "--spec", spec]), status: 65, naming: ["cli_linker", "link purge"])
    }
}
