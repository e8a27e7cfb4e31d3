import Foundation

/// A payment run asked for: a loaded contract version, the period to pay, the kind of run.
public struct PaymentRunRequest: Sendable {
    public let contract: OutcomeContract
    public let version: Int
    public let fileSHA256: String
    public let period: String
    public let kind: PaymentRunKind

    public init(contract: OutcomeContract, version: Int, fileSHA256: String, period: String, kind: PaymentRunKind) {
        (self.contract, self.version, self.fileSHA256, self.period, self.kind) = (contract, version, fileSHA256, period, kind)
    }
}

/// Everything a payment run decides on, read by the database layer in one snapshot.
public struct PaymentRunFacts: Sendable {
    public let request: PaymentRunRequest
    /// The newest finished data load.
    public var currentLoad: Int
    /// What `metrics.computed_periods` records for the contract-periods the run reads.
    public var computed: [ComputedPeriod]
    /// Whether the period already has a final run (interim runs come before it).
    public var finalRunPosted: Bool
    /// What the ledger holds for the period, by key.
    public var posted: [LedgerKey: Money]
    /// The inputs hash of the period's last run, if any.
    public var lastInputsSHA256: String?
    /// The periods whose stored participants' results have no one in them: such a period stores no
    /// matched comparison group (there is no one to match), and its cohorts pay nothing.
    public var periodsWithoutParticipants: Set<String> = []

    public init(request: PaymentRunRequest, currentLoad: Int, computed: [ComputedPeriod], finalRunPosted: Bool,
                posted: [LedgerKey: Money], lastInputsSHA256: String?)
    {
        (self.request, self.currentLoad, self.computed, self.finalRunPosted) = (request, currentLoad, computed, finalRunPosted)
        (self.posted, self.lastInputsSHA256) = (posted, lastInputsSHA256)
    }
}

/// What a payment run does.
public enum PaymentDecision: Sendable {
    /// Post these lines and determinations (a run of total 0 when only the determinations are new).
    case post(PaymentComputation)
    /// The ledger holds everything owed and the inputs are those of the last run: post nothing.
    case noChange(PaymentComputation)
    case refuse(PaymentRefusal)
}

/// The rules of a payment run, in one place: which periods it reads, when its metrics are
/// current, when it is refused, what it posts and when it posts nothing. The database reads the
/// facts (`PaymentRunner`) and writes the decision through the ledger's door.
public enum PaymentRun {
    /// The plan of a run — the terms and the periods up to the one paid — or why it cannot run.
    public static func plan(_ request: PaymentRunRequest) -> Result<PaymentPlan, PaymentRefusal> {
        let contract = request.contract
        guard let terms = contract.payments else { return .failure(.noPaymentTerms(contract: contract.id, version: request.version)) }
        guard let index = contract.periods.firstIndex(where: { $0.label == request.period }) else {
            return .failure(.unknownPeriod(contract: contract.id, period: request.period, periods: contract.periods.map(\.label)))
        }
        if request.kind == .interim, terms.interimSharePercent == nil {
            return .failure(.noInterimShare(contract: contract.id, version: request.version))
        }
        return .success(PaymentPlan(terms: terms, periods: contract.periods[...index].map(\.label),
                                    isLastPeriod: index == contract.periods.count - 1))
    }

    /// The stored results a run reads: the participants', and the control arm's or the matched
    /// group's when a line compares with them.
    public static func storedIDs(_ contract: OutcomeContract) -> [(id: String, arm: MetricsProblem.Arm)] {
        [(contract.id, .participants)]
            + (contract.needsComparisonArm ? [(contract.id + OutcomeContract.comparisonSuffix, .controlArm)] : [])
            + (contract.needsMatchedGroup ? [(contract.id + OutcomeContract.matchedSuffix, .matchedGroup)] : [])
    }

    /// The periods whose metrics a run reads: what came before the first (when the terms look back), then those paid.
    public static func periodsRead(_ contract: OutcomeContract, paid: [String]) -> [String] {
        (contract.needsPriorPeriod ? [OutcomeContract.priorPeriodLabel] : []) + paid
    }

    /// The one source of truth: every contract-period a run reads must have been computed from the
    /// stored text of its contract version, from the current data load, with every load numbered
    /// before it that had finished by then or since.
    public static func metricsProblems(_ request: PaymentRunRequest, paid: [String], computed: [ComputedPeriod], currentLoad: Int,
                                       periodsWithoutParticipants: Set<String> = []) -> [MetricsProblem]
    {
        let found = Dictionary(computed.map { ("\($0.storedID)\n\($0.period)", $0) }, uniquingKeysWith: { first, _ in first })
        var problems: [MetricsProblem] = []
        for (storedID, arm) in storedIDs(request.contract) {
            // What came before the first period is computed with the first, for the contract's own participants.
            let periods = arm == .participants ? periodsRead(request.contract, paid: paid) : paid
            for period in periods {
                guard let row = found["\(storedID)\n\(period)"] else {
                    if arm == .matchedGroup, periodsWithoutParticipants.contains(period) { continue }
                    problems.append(MetricsProblem(period: period, arm: arm, kind: .notComputed))
                    continue
                }
                let kind: MetricsProblem.Kind? = switch (row.version, row.fileSHA256) {
                case (nil, _): .unversioned
                case (let version?, _) where version != request.version: .otherVersion(version)
                case (_, let hash) where hash != request.fileSHA256: .otherText
                default: row.loadID != currentLoad ? .olderLoad(row.loadID) : row.missedLoads.min().map { .missedLoad($0) }
                }
                if let kind { problems.append(MetricsProblem(period: period, arm: arm, kind: kind)) }
            }
        }
        return problems
    }

    /// Whether a run may read its inputs: every refusal that does not depend on them.
    public static func admit(_ facts: PaymentRunFacts) -> Result<PaymentPlan, PaymentRefusal> {
        let request = facts.request
        return plan(request).flatMap { plan in
            if request.kind == .interim, facts.finalRunPosted {
                return .failure(.interimAfterFinal(contract: request.contract.id, period: request.period))
            }
            let problems = metricsProblems(request, paid: plan.periods, computed: facts.computed, currentLoad: facts.currentLoad,
                                           periodsWithoutParticipants: facts.periodsWithoutParticipants)
            guard problems.isEmpty else {
                return .failure(.metricsNotCurrent(contract: request.contract.id, version: request.version, period: request.period,
                                                   currentLoad: facts.currentLoad, problems: problems))
            }
            return .success(plan)
        }
    }

    /// The decision: refuse, post nothing, or post the difference between what is owed and what
    /// the ledger holds, from the facts and the inputs read (`admit` first).
    public static func decide(_ facts: PaymentRunFacts, inputs: PaymentInputsRecord) -> PaymentDecision {
        let plan: PaymentPlan
        switch admit(facts) {
        case .failure(let refusal): return .refuse(refusal)
        case .success(let admitted): plan = admitted
        }
        if let refusal = missingComparison(plan, inputs.snapshot, contract: facts.request.contract.id) { return .refuse(refusal) }
        let computed: PaymentComputation
        do {
            computed = try plan.compute(kind: facts.request.kind, snapshot: inputs.snapshot, posted: facts.posted)
        } catch {
            return .refuse(.arithmeticOverflow(what: (error as? PaymentArithmeticError)?.what ?? "amounts"))
        }
        if computed.entries.isEmpty {
            // Nothing to post: a run on the inputs of the period's last run changes nothing; one on new
            // inputs (late data, new terms) records its determinations under a run of total 0.
            let sameInputs = facts.lastInputsSHA256 == inputs.sha256
            if sameInputs || (facts.lastInputsSHA256 == nil && computed.determinations.isEmpty) { return .noChange(computed) }
        }
        return .post(computed)
    }

    /// A comparison with nothing to compare with is refused, never paid as zero: a cohort whose
    /// participants have no comparison figure.
    static func missingComparison(_ plan: PaymentPlan, _ snapshot: PaymentSnapshot, contract: String) -> PaymentRefusal? {
        let lines: [(id: String, comparison: EffectLine.Comparison)] =
            plan.terms.effectLines.map { ($0.id, $0.comparison) } + plan.terms.savingsShares.map { ($0.id, $0.comparison) }
        for (id, comparison) in lines {
            if case .baseline = comparison { continue }
            let figures = snapshot.effectFigures[id].map { $0.cohorts + $0.overall } ?? snapshot.savingsFigures[id] ?? []
            if let missing = figures.first(where: { $0.comparison == nil && $0.treated.participants > 0 }) {
                return .noComparison(contract: contract, line: id, provider: missing.group, cohort: missing.cohort, basis: comparison.basis)
            }
        }
        return nil
    }
}

/// What the approval of a staged run (maker–checker) decides on.
public struct StagedRunFacts: Sendable {
    public let stagedID: Int
    public let stagedBy: String
    /// The login approving.
    public let login: String
    public let approvedAlready: Bool
    /// A later run of the same contract and period was staged.
    public let superseded: Bool
    /// The period's ledger holds what it held when the run was staged.
    public let ledgerUnchanged: Bool
    /// The data load and the metrics the run read are still the current ones.
    public let inputsCurrent: Bool

    public init(stagedID: Int, stagedBy: String, login: String, approvedAlready: Bool, superseded: Bool, ledgerUnchanged: Bool,
                inputsCurrent: Bool)
    {
        (self.stagedID, self.stagedBy, self.login, self.approvedAlready) = (stagedID, stagedBy, login, approvedAlready)
        (self.superseded, self.ledgerUnchanged, self.inputsCurrent) = (superseded, ledgerUnchanged, inputsCurrent)
    }
}

extension PaymentRun {
    /// Why a staged run may not be approved by this login now, or nil: a different login from the
    /// one that staged it, while it is the period's latest staging, on an unchanged ledger and current inputs.
    public static func approvalRefusal(_ facts: StagedRunFacts) -> PaymentRefusal? {
        if facts.approvedAlready { return .stagedRunStale(staged: facts.stagedID, reason: .alreadyApproved) }
        if facts.login == facts.stagedBy { return .approverStagedIt(staged: facts.stagedID, login: facts.login) }
        if facts.superseded { return .stagedRunStale(staged: facts.stagedID, reason: .superseded) }
        if !facts.ledgerUnchanged { return .stagedRunStale(staged: facts.stagedID, reason: .ledgerChanged) }
        if !facts.inputsCurrent { return .stagedRunStale(staged: facts.stagedID, reason: .metricsChanged) }
        return nil
    }
}
