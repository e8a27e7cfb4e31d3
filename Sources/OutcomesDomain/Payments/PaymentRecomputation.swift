import Foundation

/// A posted run as its sealed rows state it: enough to run the engine again on its inputs.
public struct SealedRun: Sendable {
    public let runID: Int
    public let contractID: String
    public let version: Int
    public let period: String
    public let kind: String
    public let inputsSHA256: String
    public let loadID: Int
    /// The contract text the run names, and the hash loaded with it.
    public let contractBody: String
    public let contractSHA256: String
    /// The stored inputs and context (format 1), or nil for runs posted before they were stored.
    public let inputs: [UInt8]?
    public let context: [UInt8]?

    public init(runID: Int, contractID: String, version: Int, period: String, kind: String, inputsSHA256: String, loadID: Int,
                contractBody: String, contractSHA256: String, inputs: [UInt8]?, context: [UInt8]?)
    {
        (self.runID, self.contractID, self.version, self.period, self.kind) = (runID, contractID, version, period, kind)
        (self.inputsSHA256, self.loadID, self.contractBody, self.contractSHA256) = (inputsSHA256, loadID, contractBody, contractSHA256)
        (self.inputs, self.context) = (inputs, context)
    }
}

/// Runs the payment engine again on a sealed run's own inputs: what `payments verify --recompute`
/// and the approval of a staged run rest on. A run passes when its stored inputs are what its
/// header and inputs hash say, and the engine — under the contract text the run names, with the
/// amounts the ledger held before it — computes exactly its lines and determinations (compared by
/// the caller, row by row, with what is stored).
public enum PaymentRecomputation {
    /// What stands between a sealed run and its recomputation.
    public enum Problem: Error, Sendable, Equatable {
        /// Posted before runs stored their inputs (before migration 0019): it cannot be recomputed.
        case inputsNotStored
        /// The contract text no longer has the hash it was loaded with.
        case contractTextChanged
        /// The contract text does not read under today's grammar (it was loaded under an earlier one).
        case contractUnreadable(String)
        /// The stored inputs do not have the run's inputs hash.
        case inputsHashMismatch
        /// The stored inputs do not read, or name another contract, version, text, period, kind or load than the run.
        case inputsUnreadable(String)
        case inputsOfAnotherRun(String)
        /// The stored context (prior amounts, computations read) does not read.
        case contextUnreadable(String)
        /// The engine refuses these inputs: no run should have been posted on them.
        case engineRefuses(PaymentRefusal)
    }

    public struct Recomputed: Sendable {
        public let inputs: PaymentInputsRecord
        public let context: RunContext
        public let computation: PaymentComputation
        public let contract: OutcomeContract
    }

    public static func recompute(_ run: SealedRun) -> Result<Recomputed, Problem> {
        guard let text = run.inputs, let contextText = run.context else { return .failure(.inputsNotStored) }
        guard SHA256.hex(run.contractBody) == run.contractSHA256 else { return .failure(.contractTextChanged) }
        let contract: OutcomeContract
        do {
            contract = try OutcomeContract.parse(yaml: run.contractBody, file: "\(run.contractID) version \(run.version)")
        } catch {
            return .failure(.contractUnreadable("\(error)"))
        }
        guard SHA256.hex(text) == run.inputsSHA256 else { return .failure(.inputsHashMismatch) }
        let inputs: PaymentInputsRecord
        do {
            inputs = try PaymentInputsRecord.decode(text)
        } catch {
            return .failure(.inputsUnreadable("\(error)"))
        }
        let header = inputs.header
        let named: [(String, String, String)] = [
            ("contract", header.contractID, run.contractID), ("version", "\(header.version)", "\(run.version)"),
            ("contract text", header.fileSHA256, run.contractSHA256), ("period", header.period, run.period),
            ("kind", header.kind.rawValue, run.kind), ("data load", "\(header.loadID)", "\(run.loadID)"),
        ]
        if let other = named.first(where: { $0.1 != $0.2 }) {
            return .failure(.inputsOfAnotherRun("the inputs name \(other.0) \(other.1), the run \(other.2)"))
        }
        let request = PaymentRunRequest(contract: contract, version: run.version, fileSHA256: run.contractSHA256, period: run.period,
                                        kind: header.kind)
        let plan: PaymentPlan
        switch PaymentRun.plan(request) {
        case .failure(let refusal): return .failure(.engineRefuses(refusal))
        case .success(let found): plan = found
        }
        guard plan.periods == header.periods, plan.isLastPeriod == header.isLastPeriod else {
            return .failure(.inputsOfAnotherRun("the inputs read periods \(header.periods.joined(separator: ", ")), the contract's are "
                                                + plan.periods.joined(separator: ", ")))
        }
        let context: RunContext
        do {
            context = try RunContext.decode(contextText, currency: plan.terms.currency)
        } catch {
            return .failure(.contextUnreadable("\(error)"))
        }
        if let refusal = PaymentRun.missingComparison(plan, inputs.snapshot, contract: contract.id) {
            return .failure(.engineRefuses(refusal))
        }
        do {
            let computation = try plan.compute(kind: header.kind, snapshot: inputs.snapshot, posted: context.prior)
            return .success(Recomputed(inputs: inputs, context: context, computation: computation, contract: contract))
        } catch {
            return .failure(.engineRefuses(.arithmeticOverflow(what: (error as? PaymentArithmeticError)?.what ?? "amounts")))
        }
    }
}
