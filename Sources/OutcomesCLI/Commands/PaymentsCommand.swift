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
                    [.int($0.stagedID), .text($0.contractID), .int($0.version), .text($0.period), .text($0.kind), .int($0.lines),
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

        @Option(help: ArgumentHelp("The contract id, as loaded.", valueName: "id"))
        var contract: String

        @Option(help: ArgumentHelp("The provider id.", valueName: "id"))
        var provider: String

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func validate() throws { try ContractReference.validate(contract) }

        func run() throws {
            let (connection, _) = try database.connectReady(progress: output.progress, asFirstOf: [.analyst, .provider])
            let stored = try ContractStore.stored(reference: contract, on: connection)
            let statement = try ProviderStatement.read(contract: stored, provider: provider, on: connection)
            var report = Report(statement: statement)
            report.notes.append(try ChainHeadNote.text(on: connection))
            try output.emit(report)
        }
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

        @Option(help: ArgumentHelp("The contract id, as loaded.", valueName: "id"))
        var contract: String

        @Option(name: .long, help: ArgumentHelp("Also break what per-participant lines paid down by provider and a person attribute: race, sex, age_band or county (repeatable).",
                                                valueName: "attribute"))
        var by: [PersonAttribute] = []

        @OptionGroup var suppression: SuppressionOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func validate() throws { try ContractReference.validate(contract) }

        func run() throws {
            let (connection, _) = try database.connectReady(progress: output.progress, as: .analyst)
            let stored = try ContractStore.stored(reference: contract, on: connection)
            var report = Report(summary: try PaymentSummary.read(contract: stored, on: connection))
            report.notes.append(try ChainHeadNote.text(on: connection))
            let currency = stored.contract.payments?.currency ?? Currency(code: "USD")!
            for attribute in by {
                let table = try PaymentEquity.table(contract: stored.contract.id, by: attribute, policy: suppression.policy, on: connection)
                report.add(paidBy: table, attribute: attribute, currency: currency, policy: suppression.policy)
            }
            try output.emit(report)
        }
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
                  outcomes payments run --contract reentry-2021@2 --period 2021Q2 --format json
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

extension Report {
    /// A payment run: what happened, the posted lines summed by provider, line, payer and kind, and
    /// the determinations of its effect-based, savings-share and clawback lines.
    init(run result: PaymentRunResult) {
        let currency = result.total.currency
        let what: String = switch result.outcome {
        case .posted(let runID) where result.entries.isEmpty:
            "Posted run \(runID) with nothing new to pay (total 0): the ledger already holds what is owed; the run records "
                + "that these inputs (version \(result.version), new data or terms) were checked"
                + (result.determinations.isEmpty ? "." : ", and its determinations.")
        case .posted(let runID): "Posted run \(runID): \(result.entries.count) ledger lines, \(result.total.grouped) \(currency.code) in all."
        case .staged(let stagedID):
            "Staged run \(stagedID) for approval: \(result.entries.count) ledger lines, \(result.total.grouped) \(currency.code) in all. "
                + "Nothing is in the ledger until another login approves it: outcomes payments approve --staged \(stagedID)."
        case .noChange where result.owed.isZero && result.postedBefore.isZero:
            "Nothing is owed for \(result.period): no outcome earned a payment; nothing was posted."
        case .noChange: "No change: the ledger already holds everything owed for \(result.period); nothing was posted."
        case .dryRun: "Dry run: nothing was posted. A run would post \(result.entries.count) ledger lines, \(result.total.grouped) "
            + "\(currency.code) in all."
        }
        self.init(title: "Payments of \(result.contractID), \(result.period) (\(result.kind.rawValue) run)")
        notes = [
            what,
            "Owed for the period after caps\(result.kind == .interim ? ", at the interim share" : ""): \(result.owed.grouped) "
                + "\(currency.code). Contract version \(result.version); inputs SHA-256 \(result.inputsSHA256).",
        ]
        let verb = switch result.outcome {
        case .dryRun: "a run would post"
        case .staged: "staged for approval"
        default: "posted"
        }
        var table = ReportTable(name: "posted", title: "Lines \(verb)",
                                columns: ["provider", "line", "payer", "kind", "lines", "participants", "amount"])
        struct Group: Hashable { let provider, line, payer, kind: String }
        var groups: [Group: (lines: Int, people: Set<Int>, amount: Money)] = [:]
        for entry in result.entries {
            let key = Group(provider: entry.providerID, line: entry.lineID, payer: entry.payerID, kind: entry.kind.rawValue)
            groups[key, default: (0, [], .zero(currency))].lines += 1
            if let person = entry.personID { groups[key]!.people.insert(person) }
            groups[key]!.amount += entry.amount
        }
        table.rows = groups.keys.sorted { ($0.provider, $0.line, $0.payer, $0.kind) < ($1.provider, $1.line, $1.payer, $1.kind) }.map {
            let group = groups[$0]!
            return [.text($0.provider), .text($0.line), .text($0.payer), .text($0.kind), .int(group.lines), .int(group.people.count),
                    .money(group.amount)]
        }
        tables = [table]
        if !result.determinations.isEmpty {
            var determinations = ReportTable(
                name: "determinations", title: "Determinations",
                columns: ["line", "cohort", "provider", "finding", "improvement", "threshold", "payable", "arithmetic"])
            determinations.rows = result.determinations.map {
                [.text($0.lineID), .text($0.cohort), .text($0.provider), .text($0.finding.rawValue.replacingOccurrences(of: "_", with: " ")),
                 $0.improvement.map { .text($0.description) } ?? .null, $0.threshold.map(Cell.decimal) ?? .null, .money($0.payable),
                 .text($0.arithmetic)]
            }
            tables.append(determinations)
        }
    }
}

/// The chain head as a statement or summary prints it, for an auditor to keep.
enum ChainHeadNote {
    static func text(on connection: PostgresConnection) throws -> String {
        // A provider's users may not read the seals: then the note says so.
        let readable = try connection.execute("SELECT has_table_privilege('payments.run_seals', 'SELECT')").scalar(Bool.self)
        guard readable else { return "Ledger chain head: not visible to this role." }
        guard let head = try ChainVerification.head(on: connection) else { return "Ledger chain head: no runs posted yet." }
        return "Ledger chain head: \(head.position):\(head.seal) (keep it: `outcomes payments verify --since \(head.position):\(head.seal)` "
            + "proves later that the ledger still extends it)."
    }
}

/// `payments verify` found breaks: exit 1, like a failed check.
struct ChainBrokenError: UserFacingError {
    let breaks: Int
    var message: String {
        "the payment ledger does not match its seals: \(breaks) break\(breaks == 1 ? "" : "s") (listed above); the ledger was changed after it was posted."
    }
    var exitStatus: ExitStatus { .checkFailed }
}

extension Report {
    init(verification: ChainVerification) {
        self.init(title: "Payment ledger: hash chain verified")
        let head = verification.head.map { "\($0.position):\($0.seal)" } ?? "no runs posted yet"
        notes = [
            verification.isIntact ? "Intact: \(verification.runs) runs, every seal, link and total recomputed."
                : "BROKEN: \(verification.breaks.count) breaks in \(verification.runs) runs.",
            "Chain head: \(head).",
        ]
        if let recomputed = verification.recomputed {
            notes.append("Recomputed by the payment engine from their stored inputs: \(recomputed.runs) runs"
                         + (recomputed.checkedAgainstResults > 0
                            ? ", \(recomputed.checkedAgainstResults) of them also against the stored results they read." : ".")
                         + (recomputed.notRecomputable > 0
                            ? " \(recomputed.notRecomputable) runs were posted before runs stored their inputs: their seals are checked, "
                                + "their amounts cannot be recomputed." : ""))
        }
        if let anchor = verification.anchor {
            notes.append("Checked against the head published earlier, \(anchor.position.map { "\($0):" } ?? "")\(anchor.seal)"
                         + (verification.breaks.contains { $0.problem == .anchorMissing } ? ": NOT FOUND." : ": the chain extends it."))
        }
        var breaks = ReportTable(name: "breaks", title: "Breaks", columns: ["position", "run", "problem", "detail"])
        breaks.rows = verification.breaks.map {
            [$0.position.map(Cell.int) ?? .null, $0.runID.map(Cell.int) ?? .null, .text($0.problem.rawValue), .text($0.detail)]
        }
        tables = [breaks]
    }

    init(statement: ProviderStatement) {
        let currency = statement.currency
        func money(_ value: Decimal) -> Cell { .money(Money(value, currency)) }
        self.init(title: "Statement of \(statement.providerID) under \(statement.contractID)")
        let net = statement.lines.reduce(Decimal(0)) { $0 + $1.payments + $1.adjustments }
        notes = [
            "Net paid to date: \(Money(net, currency).grouped) \(currency.code), in \(statement.runs.count) run\(statement.runs.count == 1 ? "" : "s").",
            "Earned is what the outcomes earned before caps; adjustments are later runs' corrections (late data, new terms, final "
                + "determination after interim payments).",
        ]
        if statement.lines.isEmpty { notes.append("The ledger holds no lines of this provider under this contract (that you may read).") }
        var lines = ReportTable(name: "lines", title: "Earned and paid, by period and line",
                                columns: ["period", "line", "participants", "earned", "payments", "adjustments", "net"])
        lines.rows = statement.lines.map {
            [.text($0.period), .text($0.lineID), $0.participants.map(Cell.int) ?? .null, money($0.earned), money($0.payments),
             money($0.adjustments), money($0.payments + $0.adjustments)]
        }
        var caps = ReportTable(name: "caps", title: "Caps that applied",
                               columns: ["period", "line", "cap", "cap amount", "cut", "participants cut"])
        caps.rows = statement.caps.map {
            [.text($0.period), .text($0.lineID), .text($0.cap), money($0.amount), money($0.cut), $0.participants.map(Cell.int) ?? .null]
        }
        var determinations = ReportTable(
            name: "determinations", title: "How effect-based, savings-share and clawback lines were determined (latest run)",
            columns: ["period", "line", "cohort", "finding", "improvement", "threshold", "payable", "arithmetic", "run"])
        determinations.rows = statement.determinations.map {
            [.text($0.period), .text($0.lineID), .text($0.cohort), .text($0.finding.replacingOccurrences(of: "_", with: " ")),
             $0.improvement.map(Cell.decimal) ?? .null, $0.threshold.map(Cell.decimal) ?? .null, money($0.payable), .text($0.arithmetic),
             .int($0.runID)]
        }
        var repayments = ReportTable(name: "repayments", title: "Repayments due (clawbacks)", columns: ["period", "line", "repayment due"])
        repayments.rows = statement.repayments.map { [.text($0.period), .text($0.lineID), money($0.amount)] }
        var payers = ReportTable(name: "payers", title: "Owed by payer", columns: ["payer", "net"])
        payers.rows = statement.payers.map { [.text($0.payer), money($0.amount)] }
        var runs = ReportTable(name: "runs", title: "Runs", columns: ["run", "period", "kind", "contract version", "run at"])
        runs.rows = statement.runs.map { [.int($0.runID), .text($0.period), .text($0.kind), .int($0.version), .text($0.runAt)] }
        tables = [lines, caps, determinations, repayments, payers, runs]
        addCharts(statement: statement)
    }

    /// What per-participant lines paid, by provider and a person attribute, with every margin.
    mutating func add(paidBy equity: EquityTable, attribute: PersonAttribute, currency: Currency, policy: SmallCellPolicy) {
        var table = ReportTable(name: "paid_by_\(attribute.rawValue)", title: "Paid to participants by provider and \(attribute.rawValue.replacingOccurrences(of: "_", with: " "))",
                                columns: ["provider", attribute.rawValue, "participants_paid", "paid", "paid_per_participant"])
        let marker = Cell.suppressed(policy.marker)
        table.rows = equity.rows.map { row in
            [.text(row.provider ?? "(all)"), .text(row.group ?? "(all)"), row.participants.map(Cell.int) ?? marker,
             row.total.map { .money(Money($0, currency)) } ?? marker, row.figure.map { .money(Money($0, currency).rounded(.halfEven)) } ?? marker]
        }
        tables.append(table)
        notes.append("By \(attribute.rawValue.replacingOccurrences(of: "_", with: " ")): lines paid per participant only (an effect line pays a cohort); "
                     + "people paid of 1 to \(policy.threshold - 1) are suppressed with the cells that would reveal them, and their amounts too.")
    }

    init(summary: PaymentSummary) {
        let currency = summary.currency
        func money(_ value: Decimal) -> Cell { .money(Money(value, currency)) }
        self.init(title: "Payments under \(summary.contractID): paid to date and headroom")
        let total = summary.paid.reduce(Decimal(0)) { $0 + $1.amount }
        notes = ["Paid to date: \(Money(total, currency).grouped) \(currency.code)."]
        var paid = ReportTable(name: "paid", title: "Paid to date", columns: ["provider", "payer", "period", "amount"])
        paid.rows = summary.paid.map { [.text($0.provider), .text($0.payer), .text($0.period), money($0.amount)] }
        var headroom = ReportTable(name: "headroom", title: "Headroom under the caps", columns: ["scope", "cap", "paid", "left"])
        headroom.rows = summary.headroom.map { [.text($0.scope), money($0.cap), money($0.paid), money($0.left)] }
        tables = [paid, headroom]
        addCharts(summary: summary)
    }
}
