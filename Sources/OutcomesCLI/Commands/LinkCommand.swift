import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain

struct LinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Link agency identifier records into persons: the master person index.",
        discussion: """
            Identifier extracts (identifiers.csv, loaded with outcomes load) are compared, scored, \
            clustered and given stable person ids, as a linkage specification says (see \
            scenarios/linkage-*.yaml). Runs as outcomes_linker, the only role that reads identifiers.

            Examples:
              outcomes link run --spec scenarios/linkage-agencies.yaml
            """,
        subcommands: [LinkRunCommand.self, LinkReportCommand.self, LinkReviewCommand.self, LinkChangesCommand.self, LinkPurgeCommand.self]
    )
}

struct LinkRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Link the loaded identifier records into persons (one transaction).",
        discussion: """
            Candidate pairs come from the spec's blocking rules; each comparison's level is computed \
            in PostgreSQL; λ comes from the deterministic rules and their recall, u from random \
            pairs, m from EM over the pattern counts. Pairs at or above the match threshold are \
            clustered (with the guard against chains), clusters keep the person ids their records \
            had, and ids.persons and ids.source_links are rewritten where they change; content \
            loaded by source key moves with its record. Id changes are kept in linkage.id_changes.

            Examples:
              outcomes link run --spec scenarios/linkage-agencies.yaml
              outcomes link run --spec scenarios/linkage-agencies.yaml --format json --quiet
            """
    )

    @Option(name: .long, help: ArgumentHelp("The linkage specification (YAML).", valueName: "file"))
    var spec: String

    @Flag(name: .long, help: "Run even when the blocking rules are estimated to propose more pairs than the spec's max_pairs.")
    var force = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let specification = try LinkageSpec.read(path: spec)
        let progress = output.progress
        let (connection, _) = try database.connectReady(progress: progress, as: nil)
        try LinkageFunctions.ensure(on: connection)
        try DatabaseRole.linker.assume(on: connection)
        var runner = LinkRunner(spec: specification, specFile: spec)
        runner.force = force
        let bar = progress.bar("Linking")
        let steps = LinkRunner.steps
        var done = 0
        runner.step = { _ in
            bar.update(done, of: steps)
            done += 1
        }
        let report = try runner.run(on: connection)
        bar.finish()
        try output.emit(Report(link: report, spec: specification))
    }
}
