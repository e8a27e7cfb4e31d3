import Foundation
import OutcomesDomain
import PostgresClient

/// One line a run posts to the ledger (or, on a dry run, would post).
public struct LedgerEntry: Sendable, Equatable {
    public enum Kind: String, Sendable { case payment, adjustment }

    public let providerID: String
    public let payerID: String
    public let personID: Int?
    public let lineID: String
    public let kind: Kind
    public let amount: Money
    public let earned: Money?
    public let notes: String
}

/// What a payment run found and did.
public struct PaymentRunResult: Sendable {
    public enum Outcome: Sendable, Equatable {
        case posted(runID: Int)
        /// Everything owed is already in the ledger: nothing was posted.
        case noChange
        case dryRun
    }

    public let outcome: Outcome
    public let contractID: String
    public let version: Int
    public let period: String
    public let kind: PaymentRunner.Kind
    public let inputsSHA256: String
    /// What the period's lines owe in all (after caps, and the interim share for interim runs).
    public let owed: Money
    /// The lines posted (or that would be), and their sum.
    public let entries: [LedgerEntry]
    public let total: Money
    /// What the ledger held for the period before this run.
    public let postedBefore: Money
}

/// Computes what a contract owes for a reporting period from the stored outcome metrics and posts
/// the difference from what the ledger already holds, in one transaction: the first run of a
/// period posts payment lines; a later run posts adjustment lines only where late data or new terms
/// changed what is owed, and nothing at all when nothing changed. Runs of the same contract and
/// period take turns (the second waits for the first, then finds its lines posted).
public struct PaymentRunner {
    public enum Kind: String, Sendable { case interim, final }

    /// The payer named on lines of a contract that names none.
    public static let soleOutcomePayer = "outcome_payer"

    public let stored: StoredContract

    public init(stored: StoredContract) { self.stored = stored }

    public func run(period label: String, kind: Kind = .final, dryRun: Bool = false, on connection: PostgresConnection) throws
        -> PaymentRunResult
    {
        let contract = stored.contract
        guard let terms = contract.payments else { preconditionFailure("stored contracts have payment terms") }
        guard let index = contract.periods.firstIndex(where: { $0.label == label }) else {
            throw DatabaseError(
                .noData, "\(label) is not a period of contract \(contract.id); it has: \(contract.periods.map(\.label).joined(separator: ", ")).",
                exitStatus: .dataError)
        }
        let periods = Array(contract.periods[...index].map(\.label))
        if kind == .interim, terms.interimSharePercent == nil {
            throw DatabaseError(
                .noData, "contract \(contract.id) version \(stored.version) has no interim payments ('payments: interim: {share: …}').",
                exitStatus: .dataError)
        }
        return try connection.transaction { connection in
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext(\("payments/" + contract.id + "/" + label)))")
            if kind == .interim {
                let finals = try connection.execute("""
                    SELECT count(*) FROM payments.runs WHERE contract_id = \(contract.id) AND period = \(label) AND kind = 'final'
                    """).scalar(Int.self)
                guard finals == 0 else {
                    throw DatabaseError(
                        .noData, "period \(label) of contract \(contract.id) already has a final run; interim runs come before it.",
                        exitStatus: .dataError)
                }
            }
            let loadID = try MetricsProvenance.requireCurrent(stored, periods: periods, on: connection)
            let inputs = try PaymentInputs.read(contract: contract, terms: terms, periods: periods, loadID: loadID, on: connection)
            let (cohortLines, figures) = try self.cohortLines(terms: terms, contract: contract, periods: periods, on: connection)
            // The content hash: the terms, the run, and every value and figure read.
            var hash = SHA256()
            hash.update("\(stored.fileSHA256)\n\(label)\n\(kind.rawValue)\n")
            hash.update(inputs.digest)
            hash.update(figures)
            let inputsSHA256 = hash.hexDigest()
            let owed = owedEntries(terms: terms, inputs: inputs, period: label, kind: kind, extra: cohortLines)
            let posted = try postedAmounts(contract: contract.id, period: label, currency: terms.currency, on: connection)
            let entries = differences(owed: owed, posted: posted, currency: terms.currency)
            let total = Money.sum(entries.lazy.map(\.amount), terms.currency)
            let owedTotal = Money.sum(owed.lazy.map(\.amount), terms.currency)
            func result(_ outcome: PaymentRunResult.Outcome) -> PaymentRunResult {
                PaymentRunResult(outcome: outcome, contractID: contract.id, version: stored.version, period: label, kind: kind,
                                 inputsSHA256: inputsSHA256, owed: owedTotal, entries: entries, total: total,
                                 postedBefore: posted.values.reduce(Money.zero(terms.currency), +))
            }
            if dryRun { return result(.dryRun) }
            if entries.isEmpty { return result(.noChange) }
            let runID = try connection.execute("""
                INSERT INTO payments.runs (contract_id, version, period, kind, inputs_sha256, load_id, total)
                VALUES (\(contract.id), \(stored.version), \(label), \(kind.rawValue), \(inputsSHA256), \(inputs.loadID), \(total.amount))
                RETURNING run_id
                """).scalar(Int.self)
            try post(entries, runID: runID, contract: contract.id, period: label, on: connection)
            return result(.posted(runID: runID))
        }
    }

    /// Lines owed per cohort rather than per participant — effect, savings share, milestone,
    /// clawback — for the run's period, and a canonical text of the figures and attestations they used.
    private func cohortLines(terms: PaymentTerms, contract: OutcomeContract, periods: [String], on connection: PostgresConnection)
        throws -> (lines: [PaymentLine], figures: String)
    {
        let label = periods.last!
        var lines: [PaymentLine] = []
        var figures = ""
        func record(_ line: String, _ list: [EffectFigures]) {
            for figure in list {
                figures += "\(line)\t\(figure.cohort)\t\(figure.group)\t\(figure.treatedParticipants)\t\(figure.treated)\t"
                    + "\(figure.comparison.map { "\($0)" } ?? "-")\n"
            }
        }
        for line in terms.effectLines {
            let (cohorts, overall) = try EffectInputs.figures(line: line, contract: contract, periods: periods, on: connection)
            record(line.id, cohorts + overall)
            lines += line.payments(cohorts: cohorts, overall: overall, currency: terms.currency, rounding: terms.rounding)
                .filter { $0.cohort == label || $0.cohort == "all periods" }
                .map { payment in
                    let improvement = payment.improvement.map { "improvement \($0.rounded(scale: 2))" } ?? "no improvement measured"
                    return PaymentLine(
                        period: label, providerID: payment.group, personID: nil, lineID: line.id, earned: payment.earned,
                        payable: payment.payable,
                        notes: ["\(payment.cohort == label ? "cohort \(label)" : "all cohorts together"): \(improvement)"] + payment.notes)
                }
        }
        for line in terms.savingsShares {
            let cohorts = try EffectInputs.figures(savings: line, contract: contract, periods: periods, on: connection)
            record(line.id, cohorts)
            lines += line.payments(cohorts: cohorts, rounding: terms.rounding).filter { $0.cohort == label }.map {
                PaymentLine(period: label, providerID: $0.group, personID: nil, lineID: line.id, earned: $0.earned,
                            payable: $0.payable, notes: $0.notes)
            }
        }
        let others = try milestoneAndClawbackLines(terms: terms, contract: contract, period: label, on: connection)
        for line in others { figures += "\(line.lineID)\t\(line.providerID)\t\(line.earned.plain)\t\(line.notes.joined(separator: "; "))\n" }
        return (lines + others, figures)
    }

    /// Milestones of the period that are attested, and clawbacks assessed in it.
    private func milestoneAndClawbackLines(terms: PaymentTerms, contract: OutcomeContract, period: String,
                                           on connection: PostgresConnection) throws -> [PaymentLine] {
        var lines: [PaymentLine] = []
        for milestone in terms.milestones where milestone.period == period {
            let rows = try connection.execute("""
                SELECT attested_by, to_char(attested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM payments.milestone_attestations
                WHERE contract_id = \(contract.id) AND milestone_id = \(milestone.id)
                """)
            guard rows.count == 1 else { continue }
            let note = "delivery attested by \(try rows[0].decode(String.self, at: 0)) on \(try rows[0].decode(String.self, at: 1))"
            lines.append(PaymentLine(period: period, providerID: milestone.provider, personID: nil, lineID: milestone.id,
                                     earned: milestone.amount, payable: milestone.amount, notes: [note]))
        }
        for clawback in terms.clawbacks where clawback.assessedIn == period {
            let subject = EffectInputs.Subject(id: clawback.id, outcome: clawback.outcome, statistic: clawback.statistic,
                                               comparison: .baseline(0), overall: false)
            let figures = try EffectInputs.statistics(subject, contract.id, [period], pooled: false, on: connection)
            let figure = figures[EffectInputs.Key(period: period, provider: clawback.provider)]?.figure
            let (amount, note) = clawback.repayment(figure: figure, rounding: terms.rounding)
            lines.append(PaymentLine(period: period, providerID: clawback.provider, personID: nil, lineID: clawback.id,
                                     earned: amount, payable: amount, notes: [note]))
        }
        return lines
    }

    /// What is owed in the period on each (provider, payer, participant, line), with what it earned
    /// and why, in the engines' order (stable: participants by id, lines in file order).
    private func owedEntries(terms: PaymentTerms, inputs: PaymentInputs, period: String, kind: Kind, extra: [PaymentLine]) -> [Owed] {
        var lines: [PaymentLine] = []
        if let engine = RateCardEngine(terms: terms) { lines += engine.lines(for: inputs.achievements) }
        for perDay in terms.perDayLines { lines += perDay.payments(for: inputs.values, rounding: terms.rounding) }
        lines += extra
        var owed: [Owed] = []
        owed.reserveCapacity(lines.count)
        for line in lines where line.period == period {
            var payable = line.payable, notes = line.notes
            if kind == .interim, let share = terms.interimSharePercent {
                payable = (payable * (share / 100)).rounded(terms.rounding)
                notes.append("interim: \(share)% of \(line.payable.plain)")
            }
            let parts = terms.payers.isEmpty
                ? [(payer: Self.soleOutcomePayer, amount: payable)] : terms.payers.split(payable, line: line.lineID, rounding: terms.rounding)
            for (index, part) in parts.enumerated() {
                // What the outcome earned is recorded once, on the first payer's part, so sums of it stay true.
                let key = LedgerKey(provider: line.providerID, payer: part.payer, person: line.personID, line: line.lineID)
                owed.append(Owed(key: key, amount: part.amount, earned: index == 0 ? line.earned : nil, notes: notes))
            }
        }
        return merged(owed)
    }

    /// One entry per key: an effect line's cohort and all-cohorts payments in the same run share a
    /// key. (Per-participant lines are unique by construction and are left alone.)
    private func merged(_ owed: [Owed]) -> [Owed] {
        var position: [LedgerKey: Int] = [:]
        var result: [Owed] = []
        result.reserveCapacity(owed.count)
        for entry in owed {
            guard entry.key.person == nil else {
                result.append(entry)
                continue
            }
            guard let index = position[entry.key] else {
                position[entry.key] = result.count
                result.append(entry)
                continue
            }
            let earlier = result[index]
            let earned: Money? = switch (earlier.earned, entry.earned) {
            case (let a?, let b?): a + b
            case (let a, let b): a ?? b
            }
            result[index] = Owed(key: entry.key, amount: earlier.amount + entry.amount, earned: earned, notes: earlier.notes + entry.notes)
        }
        return result
    }

    /// The ledger's sums so far for the period, by key.
    private func postedAmounts(contract: String, period: String, currency: Currency, on connection: PostgresConnection) throws
        -> [LedgerKey: Money]
    {
        var posted: [LedgerKey: Money] = [:]
        try connection.stream("""
            SELECT provider_id, payer_id, person_id, line_id, sum(amount) FROM payments.ledger
            WHERE contract_id = \(contract) AND period = \(period) GROUP BY 1, 2, 3, 4
            """) { row in
            let key = LedgerKey(provider: try row.decode(at: 0), payer: try row.decode(at: 1), person: try row.decode(at: 2),
                                line: try row.decode(at: 3))
            posted[key] = Money(try row.decode(Decimal.self, at: 4), currency)
        }
        return posted
    }

    /// Owed minus posted, per key, in a stable order (owed keys as the engines gave them, then keys
    /// no longer owed); keys with nothing to change are left out.
    private func differences(owed: [Owed], posted: [LedgerKey: Money], currency: Currency) -> [LedgerEntry] {
        // The period's first run posts payments; every later run's lines adjust it.
        let kind: LedgerEntry.Kind = posted.isEmpty ? .payment : .adjustment
        var entries: [LedgerEntry] = []
        entries.reserveCapacity(owed.count)
        var seen: Set<LedgerKey> = []
        for due in owed {
            let already = posted[due.key]
            if !posted.isEmpty { seen.insert(due.key) }
            let change = already.map { due.amount - $0 } ?? due.amount
            // A first line is posted even at zero when the outcome earned something (a cap took it all).
            let earnedSomething = due.earned.map { !$0.isZero } ?? false
            guard !change.isZero || (already == nil && earnedSomething) else { continue }
            var notes = due.notes
            if let already { notes.append("\(already.plain) posted before; now owed \(due.amount.plain)") }
            entries.append(LedgerEntry(
                providerID: due.key.provider, payerID: due.key.payer, personID: due.key.person, lineID: due.key.line,
                kind: kind, amount: change, earned: already == nil ? due.earned : nil, notes: notes.joined(separator: "; ")))
        }
        for key in posted.keys.filter({ !seen.contains($0) }).sorted() where !posted[key]!.isZero {
            entries.append(LedgerEntry(
                providerID: key.provider, payerID: key.payer, personID: key.person, lineID: key.line, kind: kind,
                amount: .zero(currency) - posted[key]!, earned: nil, notes: "no longer owed; \(posted[key]!.plain) posted before"))
        }
        return entries
    }

    private func post(_ entries: [LedgerEntry], runID: Int, contract: String, period: String, on connection: PostgresConnection) throws {
        try connection.copyIn("""
            COPY payments.ledger (run_id, line_no, contract_id, period, provider_id, payer_id, person_id, line_id, entry, amount, earned, notes)
            FROM STDIN
            """) { writer in
            var buffer = CopyTextBuffer()
            for (index, entry) in entries.enumerated() {
                buffer.int(runID)
                buffer.int(index + 1)
                buffer.text(contract)
                buffer.text(period)
                buffer.text(entry.providerID)
                buffer.text(entry.payerID)
                buffer.int(entry.personID)
                buffer.text(entry.lineID)
                buffer.text(entry.kind.rawValue)
                buffer.money(entry.amount)
                buffer.money(entry.earned)
                buffer.text(entry.notes)
                buffer.endRow()
                if buffer.count > 1 << 20 {
                    try writer.write(buffer.bytes)
                    buffer.removeAll()
                }
            }
            try writer.write(buffer.bytes)
        }
    }
}

/// What a period owes on one ledger key.
struct Owed {
    let key: LedgerKey
    let amount: Money
    let earned: Money?
    let notes: [String]
}

/// Where a ledger amount belongs: provider, payer, participant (if any) and payment line.
struct LedgerKey: Hashable, Comparable {
    let provider: String
    let payer: String
    let person: Int?
    let line: String

    static func < (lhs: LedgerKey, rhs: LedgerKey) -> Bool {
        (lhs.provider, lhs.person ?? -1, lhs.line, lhs.payer) < (rhs.provider, rhs.person ?? -1, rhs.line, rhs.payer)
    }
}
