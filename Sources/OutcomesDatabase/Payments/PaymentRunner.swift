import Foundation
import OutcomesDomain
import PostgresClient

/// What a payment run found and did.
public struct PaymentRunResult: Sendable {
    public enum Outcome: Sendable, Equatable {
        case posted(runID: Int)
        /// Staged for a second login's approval (maker–checker): nothing is in the ledger yet.
        case staged(stagedID: Int)
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

/// Runs a payment run in one transaction: reads the facts (`PaymentFacts`), lets the pure
/// `PaymentRun.decide` decide, and writes the decision through the ledger's door
/// (`PaymentDoor`) — posted, or staged for approval when the contract asks for maker–checker.
/// Refusals are thrown as `PaymentRefusal`. Runs of the same contract and period take turns (the
/// second waits for the first, then finds its lines posted).
public struct PaymentRunner {
    public typealias Kind = PaymentRunKind

    public let stored: StoredContract

    public init(stored: StoredContract) { self.stored = stored }

    public func run(period label: String, kind: Kind = .final, dryRun: Bool = false, on connection: PostgresConnection) throws
        -> PaymentRunResult
    {
        let request = PaymentRunRequest(contract: stored.contract, version: stored.version, fileSHA256: stored.fileSHA256, period: label,
                                        kind: kind)
        // The plain refusals need nothing read.
        if case .failure(let refusal) = PaymentRun.plan(request) { throw refusal }
        return try connection.transaction { connection in
            // JIT costs more to compile than these statements take (as for the metrics).
            try connection.execute("SET LOCAL jit = off")
            try PaymentDoor.lock(contract: stored.contract.id, period: label, on: connection)
            let facts = try PaymentFacts.read(request, on: connection)
            let plan = try PaymentRun.admit(facts).get()
            let inputs = try PaymentFacts.inputs(request, plan: plan, loadID: facts.currentLoad, on: connection)
            let computed: PaymentComputation
            var outcome: PaymentRunResult.Outcome
            switch PaymentRun.decide(facts, inputs: inputs) {
            case .refuse(let refusal): throw refusal
            case .noChange(let found): (computed, outcome) = (found, .noChange)
            case .post(let found): (computed, outcome) = (found, .dryRun)
            }
            if outcome == .dryRun, !dryRun {
                try PaymentDoor.recordTerms(stored, on: connection)
                let context = RunContext(prior: facts.posted)
                outcome = stored.contract.payments?.approval == .makerChecker
                    ? .staged(stagedID: try PaymentDoor.stage(inputs, context: context, computed, on: connection))
                    : .posted(runID: try PaymentDoor.post(inputs, context: context, computed, on: connection))
            }
            return PaymentRunResult(
                outcome: outcome, contractID: stored.contract.id, version: stored.version, period: label, kind: kind,
                inputsSHA256: inputs.sha256, owed: computed.owedTotal, entries: computed.entries, total: computed.total,
                postedBefore: computed.postedBefore, determinations: computed.determinations)
        }
    }

    /// For each period whose metrics are current, in order, the plan and snapshot a final run of it
    /// would compute from — the inputs of a payment scenario, which runs the same engine on them.
    public func projection(on connection: PostgresConnection) throws -> [PaymentProjection.Period] {
        guard stored.contract.payments != nil else { return [] }
        // One transaction: one snapshot of the results for every period, and what the results guard refuses after
        // reading is undone (a projection writes nothing).
        return try connection.transaction { connection in
            var result: [PaymentProjection.Period] = []
            for period in stored.contract.periods {
                let request = PaymentRunRequest(contract: stored.contract, version: stored.version, fileSHA256: stored.fileSHA256,
                                                period: period.label, kind: .final)
                let facts = try PaymentFacts.read(request, on: connection)
                // The periods after the last one computed are not projected.
                guard case .success(let plan) = PaymentRun.admit(facts) else { break }
                let inputs = try PaymentFacts.inputs(request, plan: plan, loadID: facts.currentLoad, on: connection)
                result.append(.init(period: period.label, plan: plan, snapshot: inputs.snapshot))
            }
            return result
        }
    }
}
