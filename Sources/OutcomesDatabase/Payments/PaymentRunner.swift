import Foundation
import OutcomesDomain
import PostgresClient

/// What a payment run found and did.
public struct PaymentRunResult: Sendable {
    public enum Outcome: Sendable, Equatable {
        case posted(runID: Int)
        /// Everything owed is already in the ledger and the inputs are those of the last run: nothing was posted.
        case noChange
        case dryRun
    }

    public let outcome: Outcome
    public let contractID: String
    public let version: Int
    public let period: String
    public let kind: PaymentRunKind
    public let inputsSHA256: String
    /// What the period's lines owe in all (after caps, and the interim share for interim runs).
    public let owed: Money
    /// The lines posted (or that would be), and their sum.
    public let entries: [LedgerEntry]
    public let total: Money
    /// What the ledger held for the period before this run.
    public let postedBefore: Money
    /// How the period's effect-based, savings-share and clawback lines were determined.
    public let determinations: [Determination]
}

/// Computes what a contract owes for a reporting period from the stored outcome metrics and posts
/// the difference from what the ledger already holds, in one transaction: read a snapshot of the
/// figures, compute with the pure `PaymentPlan`, write. The first run of a period posts payment
/// lines; a later run posts adjustment lines only where late data or new terms changed what is
/// owed. A run whose inputs changed but owes nothing new still posts its header (total 0) and its
/// determinations; a run on the same inputs as the last posts nothing. Runs of the same contract
/// and period take turns (the second waits for the first, then finds its lines posted).
public struct PaymentRunner {
    public typealias Kind = PaymentRunKind

    public let stored: StoredContract

    public init(stored: StoredContract) { self.stored = stored }

    public func run(period label: String, kind: Kind = .final, dryRun: Bool = false, on connection: PostgresConnection) throws
        -> PaymentRunResult
    {
        let contract = stored.contract
        guard let terms = contract.payments else {
            throw DatabaseError(.noData, "contract \(contract.id) version \(stored.version) has no payment terms: there is nothing to pay.",
                                exitStatus: .dataError)
        }
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
            let (snapshot, inputs, figures) = try readSnapshot(terms: terms, periods: periods, on: connection)
            // The content hash: the terms, the run, and every value and figure read.
            var hash = SHA256()
            hash.update("\(stored.fileSHA256)\n\(label)\n\(kind.rawValue)\n")
            hash.update(inputs.digest)
            hash.update(figures)
            let inputsSHA256 = hash.hexDigest()
            let posted = try postedAmounts(contract: contract.id, period: label, currency: terms.currency, on: connection)
            let plan = PaymentPlan(terms: terms, periods: periods, isLastPeriod: index == contract.periods.count - 1)
            let computed = try plan.compute(kind: kind, snapshot: snapshot, posted: posted)
            func result(_ outcome: PaymentRunResult.Outcome) -> PaymentRunResult {
                PaymentRunResult(outcome: outcome, contractID: contract.id, version: stored.version, period: label, kind: kind,
                                 inputsSHA256: inputsSHA256, owed: computed.owedTotal, entries: computed.entries, total: computed.total,
                                 postedBefore: computed.postedBefore, determinations: computed.determinations)
            }
            if dryRun { return result(.dryRun) }
            if computed.entries.isEmpty {
                // Nothing to post: a run on the inputs of the period's last run changes nothing; one on new
                // inputs (late data, new terms) records its determinations under a run of total 0.
                let last = try connection.execute("""
                    SELECT inputs_sha256 FROM payments.runs WHERE contract_id = \(contract.id) AND period = \(label)
                    ORDER BY run_id DESC LIMIT 1
                    """).map { try $0.decode(String.self, at: 0) }.first
                if last == inputsSHA256 || (last == nil && computed.determinations.isEmpty) { return result(.noChange) }
            }
            // Through the database's door: open the run, stage its lines and determinations, close and seal it.
            let runID = try connection.execute("""
                SELECT payments.open_run(\(contract.id)::text, \(stored.version)::int, \(label)::text, \(kind.rawValue)::text,
                                         \(inputsSHA256)::text, \(inputs.loadID)::int, \(computed.total.amount)::numeric)
                """).scalar(Int.self)
            try LedgerWriter.stage(computed.entries, computed.determinations, on: connection)
            _ = try connection.execute("SELECT payments.close_run(\(runID)::bigint)").scalar(String.self)
            return result(.posted(runID: runID))
        }
    }

    /// What a run of the last of `periods` reads: the snapshot, the values read and a text of the figures.
    private func readSnapshot(terms: PaymentTerms, periods: [String], on connection: PostgresConnection) throws
        -> (PaymentSnapshot, PaymentInputs, String)
    {
        let loadID = try MetricsProvenance.requireCurrent(stored, periods: periods, on: connection)
        let inputs = try PaymentInputs.read(contract: stored.contract, terms: terms, periods: periods, loadID: loadID, on: connection)
        var snapshot = PaymentSnapshot()
        snapshot.achievements = inputs.achievements
        snapshot.values = inputs.values
        let figures = try readCohortFigures(terms: terms, contract: stored.contract, periods: periods, into: &snapshot, on: connection)
        return (snapshot, inputs, figures)
    }

    /// For each period whose metrics are current, in order, the plan and snapshot a final run of it
    /// would compute from — the inputs of a payment scenario, which runs the same engine on them.
    public func projection(on connection: PostgresConnection) throws -> [PaymentProjection.Period] {
        guard let terms = stored.contract.payments else { return [] }
        var result: [PaymentProjection.Period] = []
        let labels = stored.contract.periods.map(\.label)
        for index in labels.indices {
            let periods = Array(labels[...index])
            let snapshot: PaymentSnapshot
            do {
                snapshot = try readSnapshot(terms: terms, periods: periods, on: connection).0
            } catch let error as DatabaseError where error.code == .noData || error.code == .staleMetrics {
                break  // the periods after the last one computed are not projected
            }
            result.append(.init(period: labels[index], plan: PaymentPlan(terms: terms, periods: periods, isLastPeriod: index == labels.count - 1),
                                snapshot: snapshot))
        }
        return result
    }

    /// The figures of lines owed per cohort — effect, savings share, milestones, clawbacks — into
    /// the snapshot, and a canonical text of them for the inputs hash.
    private func readCohortFigures(terms: PaymentTerms, contract: OutcomeContract, periods: [String], into snapshot: inout PaymentSnapshot,
                                   on connection: PostgresConnection) throws -> String
    {
        var figures = ""
        func record(_ line: String, _ list: [EffectFigures]) { figures += EffectInputs.inputsText(line, list) }
        // Which stored comparison each period's matched group came from, read once for every line.
        let matched = try EffectInputs.MatchedGroups.read(contract: contract, periods: periods, on: connection)
        snapshot.comparisonRuns = matched.runs
        figures += matched.text
        for line in terms.effectLines {
            let found = try EffectInputs.figures(.init(line), contract: contract, periods: periods, matched: matched, on: connection)
            record(line.id, found.cohorts + found.overall)
            snapshot.effectFigures[line.id] = found
        }
        for line in terms.savingsShares {
            let found = try EffectInputs.figures(.init(line), contract: contract, periods: periods, matched: matched, on: connection).cohorts
            record(line.id, found)
            snapshot.savingsFigures[line.id] = found
        }
        let milestones = terms.milestones.filter { periods.contains($0.period) }.map(\.id)
        if !milestones.isEmpty {
            for row in try connection.execute("""
                SELECT milestone_id, attested_by, to_char(attested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM payments.milestone_attestations
                WHERE contract_id = \(contract.id) AND milestone_id = ANY (\(PostgresArrayLiteral.text(milestones))::text[])
                ORDER BY milestone_id
                """) {
                let (id, by, on): (String, String, String) = (try row.decode(at: 0), try row.decode(at: 1), try row.decode(at: 2))
                snapshot.attestations[id] = (by, on)
                figures += "\(id)\tattested\t\(by)\t\(on)\n"
            }
        }
        let label = periods.last!
        for clawback in terms.clawbacks where clawback.assessedIn == label {
            let found = try EffectInputs.statistics(.init(clawback), contract.id, [label], pooledPeriods: false, pooledProviders: false,
                                                    on: connection)
            let figure = found[EffectInputs.Key(period: label, provider: clawback.provider)]
            snapshot.clawbackFigures[clawback.id] = .some(figure)
            record(clawback.id, figure.map { [EffectFigures(cohort: label, group: clawback.provider, treated: $0, comparison: nil)] } ?? [])
        }
        return figures
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
}
