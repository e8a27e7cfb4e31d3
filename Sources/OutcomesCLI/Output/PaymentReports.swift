import Foundation
import OutcomesDatabase
import OutcomesDomain
import PostgresClient

extension Report {
    /// A payment run: what happened, the posted lines summed by provider, line, payer and kind, and
    /// the determinations of its effect-based, savings-share and clawback lines.
    init(run result: PaymentRunResult) {
        let currency = result.total.currency
        self.init(title: "Payments of \(result.contractID), \(result.period) (\(result.kind.rawValue) run)")
        notes = [
            Self.outcome(of: result),
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

    /// What a payment run did — posted, staged, nothing owed, no change, a dry run — in a sentence:
    /// the run report's first note (the demo's too).
    static func outcome(of result: PaymentRunResult) -> String {
        let currency = result.total.currency
        return switch result.outcome {
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
    }
}

/// The chain head as a statement or summary prints it, for an auditor to keep.
enum ChainHeadNote {
    static func text(on connection: PostgresConnection) throws -> String {
        guard let head = try ChainVerification.head(on: connection) else { return "Ledger chain head: no runs posted yet." }
        return "Ledger chain head: \(head.position):\(head.seal) (keep it: `outcomes payments verify --since \(head.position):\(head.seal)` "
            + "proves later that the ledger still extends it)."
    }
}

/// `payments verify` found breaks: exit 1, like a failed check.
struct ChainBrokenError: UserFacingError {
    let breaks: Int
    var message: String {
        "the payment ledger does not verify: \(breaks) break\(breaks == 1 ? "" : "s") (listed above); each names what was changed after "
            + "it was posted, or posted that the contract and the engine do not give."
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
            let unproven = recomputed.runs - recomputed.checkedAgainstResults
            notes.append("Recomputed by the payment engine from their stored inputs: \(recomputed.runs) runs"
                         + (recomputed.checkedAgainstResults > 0
                            ? ", \(recomputed.checkedAgainstResults) of them also against the stored results they read." : ".")
                         + (unproven > 0
                            ? " \(unproven) could not be read again from results (their metrics were computed again since, or a later data "
                                + "load replaced them): their inputs rest on their seal." : "")
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

    package init(statement: ProviderStatement) {
        self.init(title: "Statement of \(statement.providerID) under \(statement.contractID)")
        notes = [
            Self.netPaid(statement),
            "Earned is what the outcomes earned before caps; adjustments are later runs' corrections (late data, new terms, final "
                + "determination after interim payments).",
        ]
        if statement.lines.isEmpty { notes.append("The ledger holds no lines of this provider under this contract (that you may read).") }
        tables = StatementTables(statement).all
        let currency = statement.currency
        reading = Reading.statement(provider: statement.providerID, contract: statement.contractID,
                                    earned: Money(statement.lines.reduce(Decimal(0)) { $0 + $1.earned }, currency),
                                    net: Money(statement.lines.reduce(Decimal(0)) { $0 + $1.payments + $1.adjustments }, currency),
                                    cut: Money(statement.caps.reduce(Decimal(0)) { $0 + $1.cut }, currency),
                                    periods: Array(Set(statement.lines.map(\.period))).sorted(), runs: statement.runs.count)
        addCharts(statement: statement)
    }

    /// What the provider was paid net to date, in how many runs: the statement's first note (the demo's too).
    static func netPaid(_ statement: ProviderStatement) -> String {
        let net = statement.lines.reduce(Decimal(0)) { $0 + $1.payments + $1.adjustments }
        return "Net paid to date: \(Money(net, statement.currency).grouped) \(statement.currency.code), in \(statement.runs.count) run"
            + "\(statement.runs.count == 1 ? "" : "s")."
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

    package init(summary: PaymentSummary) {
        let currency = summary.currency
        func money(_ value: Decimal) -> Cell { .money(Money(value, currency)) }
        self.init(title: "Payments under \(summary.contractID): paid to date and headroom")
        let total = summary.paid.reduce(Decimal(0)) { $0 + $1.amount }
        notes = ["Paid to date: \(Money(total, currency).grouped) \(currency.code)."]
        var paid = ReportTable(name: "paid", title: "Paid to date", columns: ["provider", "payer", "period", "amount"])
        paid.rows = summary.paid.map { [.text($0.provider), .text($0.payer), .text($0.period), money($0.amount)] }
        var headroom = ReportTable(name: "headroom", title: "Headroom under the caps", columns: ["scope", "cap", "paid", "left"])
        headroom.rows = summary.headroom.map { [.text($0.name), money($0.cap), money($0.paid), money($0.left)] }
        tables = [paid, headroom]
        reading = Reading.summary(contract: summary.contractID, paid: Money(total, currency), providers: Set(summary.paid.map(\.provider)).count,
                                  tightest: summary.headroom.min { $0.left < $1.left }.map { ($0.name, Money($0.left, currency)) })
        addCharts(summary: summary)
    }
}

/// A provider statement's tables, each by what it is, so that a caller (the demo) takes the ones it
/// shows without looking them up by name. With a small-cell policy, participant counts follow it.
struct StatementTables {
    var lines, caps, determinations, repayments, payers, runs: ReportTable

    init(_ statement: ProviderStatement, policy: SmallCellPolicy? = nil) {
        let currency = statement.currency
        func money(_ value: Decimal) -> Cell { .money(Money(value, currency)) }
        func count(_ value: Int?) -> Cell { value.map { count in policy.map { Cell.count(count, $0) } ?? .int(count) } ?? .null }
        lines = ReportTable(name: "lines", title: "Earned and paid, by period and line",
                            columns: ["period", "line", "participants", "earned", "payments", "adjustments", "net"])
        lines.rows = statement.lines.map {
            [.text($0.period), .text($0.lineID), count($0.participants), money($0.earned), money($0.payments),
             money($0.adjustments), money($0.payments + $0.adjustments)]
        }
        caps = ReportTable(name: "caps", title: "Caps that applied",
                           columns: ["period", "line", "cap", "cap amount", "cut", "participants cut"])
        caps.rows = statement.caps.map {
            [.text($0.period), .text($0.lineID), .text($0.scope.name), money($0.amount), money($0.cut), count($0.participants)]
        }
        determinations = ReportTable(
            name: "determinations", title: "How effect-based, savings-share and clawback lines were determined (latest run)",
            columns: ["period", "line", "cohort", "finding", "improvement", "threshold", "payable", "arithmetic", "run"])
        determinations.rows = statement.determinations.map {
            [.text($0.period), .text($0.lineID), .text($0.cohort), .text($0.finding.rawValue.replacingOccurrences(of: "_", with: " ")),
             $0.improvement.map(Cell.decimal) ?? .null, $0.threshold.map(Cell.decimal) ?? .null, money($0.payable), .text($0.arithmetic),
             .int($0.runID)]
        }
        repayments = ReportTable(name: "repayments", title: "Repayments due (clawbacks)", columns: ["period", "line", "repayment due"])
        repayments.rows = statement.repayments.map { [.text($0.period), .text($0.lineID), money($0.amount)] }
        payers = ReportTable(name: "payers", title: "Owed by payer", columns: ["payer", "net"])
        payers.rows = statement.payers.map { [.text($0.payer), money($0.amount)] }
        runs = ReportTable(name: "runs", title: "Runs", columns: ["run", "period", "kind", "contract version", "run at"])
        runs.rows = statement.runs.map { [.int($0.runID), .text($0.period), .text($0.kind.rawValue), .int($0.version), .text($0.runAt)] }
    }

    var all: [ReportTable] { [lines, caps, determinations, repayments, payers, runs] }
}
