import Foundation
import OutcomesDomain
import PostgresClient

/// Reads what a payment run decides on: first the facts every refusal rests on (which metrics
/// were computed from what, whether a final run exists, what the ledger holds), then — once the
/// run is admitted — its inputs: the snapshot of stored figures it computes from.
enum PaymentFacts {
    static func read(_ request: PaymentRunRequest, on connection: PostgresConnection) throws -> PaymentRunFacts {
        try ResultsReadGuard.hold(on: connection)
        let contract = request.contract
        let currentLoad = try DataLoads.current(on: connection)?.id ?? 0
        let computed = try computed(contract, on: connection)
        let finalRunPosted = try connection.execute("""
            SELECT EXISTS (SELECT 1 FROM payments.runs WHERE contract_id = \(contract.id) AND period = \(request.period) AND kind = 'final')
            """).scalar(Bool.self)
        let last = try connection.execute("""
            SELECT inputs_sha256 FROM payments.runs WHERE contract_id = \(contract.id) AND period = \(request.period)
            ORDER BY run_id DESC LIMIT 1
            """).map { try $0.decode(String.self, at: 0) }.first
        let currency = contract.payments?.currency ?? Currency(code: "USD")!
        var facts = PaymentRunFacts(request: request, currentLoad: currentLoad, computed: computed, finalRunPosted: finalRunPosted,
                                    posted: try posted(contract: contract.id, period: request.period, currency: currency, on: connection),
                                    lastInputsSHA256: last)
        if contract.needsMatchedGroup {
            let paid = contract.periods.map(\.label)
            let withParticipants = try connection.execute("""
                SELECT p FROM unnest(\(paid)::text[]) AS p
                WHERE EXISTS (SELECT 1 FROM metrics.person_results r WHERE r.contract_id = \(contract.id) AND r.period = p)
                """).map { try $0.decode(String.self, at: 0) }
            facts.periodsWithoutParticipants = Set(paid).subtracting(withParticipants)
        }
        try ResultsReadGuard.confirm(on: connection)
        return facts
    }

    /// What `metrics.computed_periods` records for every contract-period a run of the contract may
    /// read, as `payments.computations_of` gives it: the same function the door records with each
    /// run and a recomputation compares with, so the provenance is read one way.
    static func computed(_ contract: OutcomeContract, on connection: PostgresConnection) throws -> [ComputedPeriod] {
        let storedIDs = Set(PaymentRun.storedIDs(contract).map(\.id))
        let labels = PaymentRun.periodsRead(contract, paid: contract.periods.map(\.label))
        let computations = try connection.execute("SELECT payments.computations_of(\(contract.id), \(labels))")
            .scalar(PostgresJSON<[Computation]>.self).value
        let missed = try missedLoads(of: Array(storedIDs), periods: labels, on: connection)
        return computations.filter { storedIDs.contains($0.contractID) }.map {
            var period = ComputedPeriod(storedID: $0.contractID, period: $0.period, loadID: $0.loadID, version: $0.version,
                                        fileSHA256: $0.fileSHA256)
            period.missedLoads = missed["\($0.contractID)\n\($0.period)"] ?? []
            return period
        }
    }

    /// Per stored contract-period ("id\nperiod") of `periods` (nil: all), the loads that had not
    /// finished when it was computed (`pending_loads`, migration 0028) and have since: its results
    /// miss their data.
    static func missedLoads(of storedIDs: [String], periods: [String]?, on connection: PostgresConnection) throws -> [String: [Int]] {
        guard try LoadChanges.isKept(on: connection) else { return [:] }
        let rows = try connection.execute("""
            SELECT c.contract_id, c.period, array_agg(d.load_id ORDER BY d.load_id)
            FROM metrics.computed_periods c JOIN ids.data_loads d ON d.load_id = ANY (c.pending_loads) AND d.finished_at IS NOT NULL
            WHERE c.contract_id = ANY (\(storedIDs)::text[]) AND (\(periods)::text[] IS NULL OR c.period = ANY (\(periods)::text[]))
            GROUP BY c.contract_id, c.period
            """)
        return Dictionary(uniqueKeysWithValues: try rows.map {
            ("\(try $0.decode(String.self, at: 0))\n\(try $0.decode(String.self, at: 1))", try $0.decode([Int].self, at: 2))
        })
    }

    /// One element of `payments.computations_of` (migration 0019); its `computed_at` is not read.
    private struct Computation: Decodable {
        let contractID: String
        let period: String
        let loadID: Int
        let version: Int?
        let fileSHA256: String?

        enum CodingKeys: String, CodingKey {
            case contractID = "contract_id", period, loadID = "load_id", version, fileSHA256 = "file_sha256"
        }
    }

    /// The ledger's sums so far for the period, by key (`before`: only the lines of runs before that one).
    static func posted(contract: String, period: String, before run: Int? = nil, currency: Currency, on connection: PostgresConnection)
        throws -> [LedgerKey: Money]
    {
        var posted: [LedgerKey: Money] = [:]
        try connection.stream("""
            SELECT l.provider_id, l.payer_id, l.person_id, l.line_id, sum(l.amount)
            FROM payments.runs r JOIN payments.ledger l ON l.run_id = r.run_id   -- through the runs' index
            WHERE r.contract_id = \(contract) AND r.period = \(period) AND (\(run)::bigint IS NULL OR r.run_id < \(run)::bigint)
            GROUP BY 1, 2, 3, 4
            """) { row in
            let key = LedgerKey(provider: try row.decode(at: 0), payer: try row.decode(at: 1), person: try row.decode(at: 2),
                                line: try row.decode(at: 3))
            posted[key] = Money(try row.decode(Decimal.self, at: 4), currency)
        }
        return posted
    }

    /// The inputs of an admitted run, read in the run's transaction: rate-card achievements and
    /// per-day values of every period up to the one paid, and the figures of the lines owed per
    /// cohort. `attestedBy`: only attestations made by then (re-reading a posted run's inputs).
    static func inputs(_ request: PaymentRunRequest, plan: PaymentPlan, loadID: Int, attestedBy: String? = nil,
                       on connection: PostgresConnection) throws -> PaymentInputsRecord
    {
        try ResultsReadGuard.hold(on: connection)  // again: an approval reads the inputs without the facts
        let contract = request.contract
        let terms = plan.terms
        let values = try PaymentInputs.read(contract: contract, terms: terms, periods: plan.periods, on: connection)
        var snapshot = PaymentSnapshot()
        snapshot.achievements = values.achievements
        snapshot.values = values.values
        snapshot.relatives = values.relatives
        // Which stored comparison each period's matched group came from, with its weights, read once for every line.
        let matched = try EffectInputs.MatchedGroups.read(contract: contract, periods: plan.periods, on: connection)
        snapshot.comparisonRuns = matched.runs
        for line in terms.effectLines {
            snapshot.effectFigures[line.id] = try EffectInputs.figures(.init(line), contract: contract, periods: plan.periods,
                                                                       matched: matched, on: connection)
        }
        for line in terms.savingsShares {
            snapshot.savingsFigures[line.id] = try EffectInputs.figures(.init(line), contract: contract, periods: plan.periods,
                                                                        matched: matched, on: connection).cohorts
        }
        let milestones = terms.milestones.filter { plan.periods.contains($0.period) }.map(\.id)
        if !milestones.isEmpty {
            for row in try connection.execute("""
                SELECT milestone_id, attested_by, to_char(attested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM payments.milestone_attestations
                WHERE contract_id = \(contract.id) AND milestone_id = ANY (\(milestones))
                  AND (\(attestedBy)::timestamptz IS NULL OR attested_at <= \(attestedBy)::timestamptz)
                ORDER BY milestone_id
                """) {
                snapshot.attestations[try row.decode(at: 0)] = (try row.decode(at: 1), try row.decode(at: 2))
            }
        }
        for clawback in terms.clawbacks where clawback.assessedIn == plan.period {
            let found = try EffectInputs.statistics(.init(clawback), contract.id, [plan.period], pooledPeriods: false, pooledProviders: false,
                                                    on: connection)
            snapshot.clawbackFigures[clawback.id] = .some(found[EffectInputs.Key(period: plan.period, provider: clawback.provider)])
        }
        let header = PaymentRunHeader(contractID: contract.id, version: request.version, fileSHA256: request.fileSHA256,
                                      period: request.period, kind: request.kind, periods: plan.periods, isLastPeriod: plan.isLastPeriod,
                                      loadID: loadID)
        try ResultsReadGuard.confirm(on: connection)
        return PaymentInputsRecord(header: header, snapshot: snapshot)
    }
}
