import ArgumentParser
import Foundation
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

struct PaymentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments",
        abstract: "Compute what a contract owes and post it to the append-only payment ledger.",
        subcommands: [Run.self, Approve.self, Statement.self, Summary.self, Attest.self, Verify.self]
    )

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a run staged under maker–checker terms, so that it is posted; without --staged, list the staged runs.",
            discussion: """
                A contract whose payment terms say `approval: maker_checker` has its runs staged by the \
                login that runs them and posted only when a different login approves. Approval runs the \
                payment engine again on the staged inputs and requires exactly the staged lines; it is \
                refused when a later run of the period was staged, another run was posted, or the data or \
                metrics changed since staging (stage it again with `outcomes payments run`).

                Examples:
                  outcomes payments approve
                  outcomes payments approve --format json
                """)

        @Option(help: ArgumentHelp("The number of the staged run, as `payments run` printed it.", valueName: "n"))
        var staged: Int?

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let (connection, _) = try database.connectReady(progress: output.progress, as: .payments)
            guard let staged else {
                var report = Report(title: "Runs staged for approval")
                var table = ReportTable(name: "staged", title: "Staged runs awaiting a second login's approval",
                                        columns: ["staged", "contract", "version", "period", "kind", "lines", "total", "staged_by", "staged_at"])
                let pending = try StagedRuns.pending(on: connection)
                table.rows = pending.map {
                    [.int($0.stagedID), .text($0.contractID), .int($0.version), .text($0.period), .text($0.kind.rawValue), .int($0.lines),
                     .decimal($0.total), .text($0.stagedBy), .text($0.stagedAt)]
                }
                report.notes = [pending.isEmpty ? "No run awaits approval." : "Approve one with `outcomes payments approve --staged N`."]
                report.tables = [table]
                return try output.emit(report)
            }
            let posted = try StagedRuns.approve(staged, on: connection)
            var report = Report(title: "Approved staged run \(staged)")
            report.notes = ["Posted run \(posted.runID): \(posted.lines) ledger lines, \(posted.total) in all, approved by this login and "
                            + "sealed with the login that staged it."]
            report.notes.append(try ChainHeadNote.text(on: connection))
            try output.emit(report)
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the payment runs' hash chain and every run's total; exit 1 on any break.",
            discussion: """
                Every posted run is sealed: a SHA-256 over its header, lines, determinations, stored \
                inputs, approval, seal row and the contract text and terms it ran under, chained to the \
                seal before it. This recomputes them all, so an edit — even a superuser's, with the \
                append-only triggers switched off — is found.

                --recompute also runs the payment engine again on every run's stored inputs and \
                requires exactly the run's lines and determinations; where the results the run read are \
                still stored as they were, it reads the inputs again from them too.

                A chain can be rewritten whole, or its newest runs removed, by someone who can write \
                the database: only a head kept elsewhere shows it. Keep the head this prints (statements \
                and summaries print it too) and check later with --since that the chain still extends it.

                Examples:
                  outcomes payments verify
                  outcomes payments verify --recompute
                  outcomes payments verify --format json
                """)

        @Flag(help: "Also run the payment engine again on every run's stored inputs.")
        var recompute = false

        @Option(help: ArgumentHelp("A chain head published earlier (POSITION:SEAL, as printed): the chain must still extend it.",
                                   valueName: "head"))
        var since: String?

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let since, ChainAnchor(since) == nil {
                throw ValidationError("--since takes a chain head as printed, POSITION:SEAL (the seal 64 hex digits), not '\(since)'.")
            }
        }

        func run() throws {
            let (connection, _) = try database.connectReady(progress: output.progress, as: .analyst)
            let verification = try ChainVerification.verify(on: connection, recompute: recompute, since: since.flatMap(ChainAnchor.init))
            try output.emit(Report(verification: verification))
            guard verification.isIntact else {
                throw ChainBrokenError(breaks: verification.breaks.count)
            }
        }
    }

    struct Attest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that a milestone was delivered; the payment run of its period pays it.",
            discussion: """
                Attestations are kept for good, with who made them and when; attesting again changes nothing.

                Examples:
                  outcomes payments attest --contract housing-2021 --milestone first_year_report --note "report received 2021-12-15"
                """)

        @Option(help: ArgumentHelp("The contract id, as loaded.", valueName: "id"))
        var contract: String

        @Option(help: ArgumentHelp("The milestone id in the contract file.", valueName: "id"))
        var milestone: String

        @Option(help: "What was delivered, and how it was checked.")
        var note = ""

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func validate() throws { try ContractReference.validate(contract) }

        func run() throws {
            let (connection, _) = try database.connectReady(progress: output.progress, as: .payments)
            let stored = try ContractStore.stored(reference: contract, on: connection)
            let message = switch try MilestoneAttestation.attest(milestone, of: stored, note: note, on: connection) {
            case .attested: "Attested the delivery of milestone \(milestone) of \(contract)."
            case .already(let by, let at): "Milestone \(milestone) of \(contract) was already attested by \(by) at \(at): no change."
            }
            try output.emit(Report(title: message))
        }
    }

    struct Statement: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A provider's statement: earned and paid per line and period, caps that applied, adjustments, totals.",
            discussion: """
                Read from the ledger. A provider's own database users (role outcomes_provider) see their \
                provider's lines only.

                Examples:
                  outcomes payments statement --contract reentry-2021 --provider bridgeway
                  outcomes payments statement --contract reentry-2021 --provider bridgeway --format csv
                """)

        @OptionGroup var options: StatementOptions
        @OptionGroup var output: OutputOptions

        func run() throws { try output.emit(options.makeReport(progress: output.progress)) }
    }

    struct Summary: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Paid to date by provider, payer and period, and the headroom left under each cap.",
            discussion: """
                Examples:
                  outcomes payments summary --contract reentry-2021
                  outcomes payments summary --contract reentry-2021 --format json
                  outcomes payments summary --contract reentry-2021 --by race --by sex
                """)

        @OptionGroup var options: PaymentSummaryOptions
        @OptionGroup var output: OutputOptions

        func run() throws { try output.emit(options.makeReport(progress: output.progress)) }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Post a payment run for a contract and reporting period.",
            discussion: """
                Uses the latest loaded version of the contract (`outcomes contract load`) and the outcome \
                metrics stored for every period up to this one (`outcomes metrics`). Computes each \
                provider's payment lines — per participant, by pseudonymous id, for rate cards — and posts \
                the difference from what the ledger already holds for the period, in one transaction: \
                payment lines the first time, adjustment lines when late data or new terms changed what \
                is owed, and nothing ("no change") when nothing did. A run of the same contract and period \
                started meanwhile waits for this one.

                Examples:
                  outcomes payments run --contract reentry-2021 --period 2021Q1 --dry-run
                  outcomes metrics --contract reentry-2021 --period 2021Q2
                  outcomes payments run --contract reentry-2021 --period 2021Q2 --interim
                  outcomes payments run --contract reentry-2021@3 --period 2021Q2 --format json
                """)

        @Option(help: ArgumentHelp("The contract id, as loaded.", valueName: "id"))
        var contract: String

        @Option(help: ArgumentHelp("A reporting period of the contract.", valueName: "label"))
        var period: String

        @Flag(help: "An interim run: pays the contract's interim share of what is owed so far.")
        var interim = false

        @Flag(help: "Show what the run would post, and post nothing.")
        var dryRun = false

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func validate() throws { try ContractReference.validate(contract) }

        func run() throws {
            let (connection, _) = try database.connectReady(progress: output.progress, as: .payments)
            let stored = try ContractStore.stored(reference: contract, on: connection)
            let result = try PaymentRunner(stored: stored).run(
                period: period, kind: interim ? .interim : .final, dryRun: dryRun, on: connection)
            try output.emit(Report(run: result))
        }
    }
}

/// What `outcomes payments statement` reads, and its report (also `report payments`).
struct StatementOptions: ReportOptions {
    static let kind = "payments"
    static let command = "payments statement"

    @Option(help: ArgumentHelp("The contract id, as loaded.", valueName: "id"))
    var contract: String

    @Option(help: ArgumentHelp("The provider id.", valueName: "id"))
    var provider: String

    @OptionGroup var database: DatabaseOptions

    func validate() throws { try ContractReference.validate(contract) }

    func makeReport(progress: Progress) throws -> Report {
        let (connection, _) = try database.connectReady(progress: progress, asFirstOf: [.analyst, .provider])
        let stored = try ContractStore.stored(reference: contract, on: connection)
        let statement = try ProviderStatement.read(contract: stored, provider: provider, on: connection)
        var report = Report(statement: statement)
        report.notes.append(try ChainHeadNote.text(on: connection))
        return report
    }
}

/// What `outcomes payments summary` reads, and its report (also `report summary` and `export notebook summary`).
struct PaymentSummaryOptions: NotebookOptions {
    static let kind = "summary"
    static let command = "payments summary"
    static let notebook = NotebookExport.Kind.summary

    @Option(help: ArgumentHelp("The contract id, as loaded.", valueName: "id"))
    var contract: String

    @Option(name: .long, help: ArgumentHelp("Also break what per-participant lines paid down by provider and a person attribute: race, sex, age_band or county (repeatable).",
                                            valueName: "attribute"))
    var by: [PersonAttribute] = []

    @OptionGroup var suppression: SuppressionOptions
    @OptionGroup var database: DatabaseOptions

    func validate() throws { try ContractReference.validate(contract) }

    func makeReport(progress: Progress) throws -> Report {
        let (connection, _) = try database.connectReady(progress: progress, as: .analyst)
        let stored = try ContractStore.stored(reference: contract, on: connection)
        var report = Report(summary: try PaymentSummary.read(contract: stored, on: connection))
        report.notes.append(try ChainHeadNote.text(on: connection))
        let currency = stored.contract.payments?.currency ?? Currency(code: "USD")!
        for attribute in by {
            let table = try PaymentEquity.table(contract: stored.contract, by: attribute, policy: suppression.policy, on: connection)
            report.add(paidBy: table, attribute: attribute, currency: currency, policy: suppression.policy)
        }
        return report
    }

    func notebookParameters() throws -> [String: String] { ["contract": contract] }
}
