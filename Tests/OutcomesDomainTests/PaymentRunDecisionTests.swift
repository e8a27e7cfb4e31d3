import Foundation
import Testing
@testable import OutcomesDomain

/// The rules of a payment run as one pure function: facts in, a decision out — post, no change, or
/// a typed refusal. No database; the cases are asserted, never the wording.
@Suite struct PaymentRunDecisionTests {
    let contract = try! OutcomeContract.parse(yaml: PaymentPlanTests.contract, file: "plan.yaml")
    let hash = "h"

    func request(_ period: String = "2021", kind: PaymentRunKind = .final) -> PaymentRunRequest {
        PaymentRunRequest(contract: contract, version: 1, fileSHA256: hash, period: period, kind: kind)
    }

    /// Metrics computed for every contract-period the run reads, from version 1 and load 3 (the
    /// contract has no control arm: its shared control group is stated in the figures).
    func computed(_ periods: [String] = ["2021", "2022"]) -> [ComputedPeriod] {
        periods.map { ComputedPeriod(storedID: "plan-test", period: $0, loadID: 3, version: 1, fileSHA256: hash) }
    }

    func facts(_ request: PaymentRunRequest, computed: [ComputedPeriod]? = nil, finalRunPosted: Bool = false,
               posted: [LedgerKey: Money] = [:], last: String? = nil) -> PaymentRunFacts
    {
        PaymentRunFacts(request: request, currentLoad: 3, computed: computed ?? self.computed(), finalRunPosted: finalRunPosted,
                        posted: posted, lastInputsSHA256: last)
    }

    func inputs(_ request: PaymentRunRequest, _ snapshot: PaymentSnapshot = PaymentPlanTests().snapshot()) -> PaymentInputsRecord {
        PaymentInputsRecord(header: PaymentRunHeader(contractID: "plan-test", version: 1, fileSHA256: hash, period: request.period,
                                                     kind: request.kind, periods: ["2021"], isLastPeriod: false, loadID: 3),
                            snapshot: snapshot)
    }

    @Test func refusalsThatNeedNothingRead() {
        let noTerms = try! OutcomeContract.parse(yaml: PaymentPlanTests.contract.components(separatedBy: "payments:")[0]
            .replacingOccurrences(of: "currency: USD\n", with: ""), file: "metrics.yaml")
        #expect(PaymentRun.plan(PaymentRunRequest(contract: noTerms, version: 1, fileSHA256: hash, period: "2021", kind: .final))
                .failure == .noPaymentTerms(contract: "plan-test", version: 1))
        #expect(PaymentRun.plan(request("2031")).failure == .unknownPeriod(contract: "plan-test", period: "2031", periods: ["2021", "2022"]))
        #expect(PaymentRun.plan(request(kind: .interim)).failure == .noInterimShare(contract: "plan-test", version: 1))
        let interim = PaymentRunRequest(contract: try! OutcomeContract.parse(
            yaml: PaymentPlanTests.contract.replacingOccurrences(of: "payments:\n", with: "payments:\n  interim: {share: 50}\n"), file: "p.yaml"),
                                        version: 1, fileSHA256: hash, period: "2021", kind: .interim)
        #expect(PaymentRun.admit(facts(interim, finalRunPosted: true)).failure == .interimAfterFinal(contract: "plan-test", period: "2021"))
        #expect(PaymentRun.admit(facts(interim)).failure == nil)
    }

    @Test func everyContractPeriodReadMustBeComputedFromTheVersionAndTheCurrentLoad() {
        func problems(_ rows: [ComputedPeriod], period: String = "2022") -> [MetricsProblem] {
            guard case .metricsNotCurrent(_, _, _, _, let found) = PaymentRun.admit(facts(request(period), computed: rows)).failure else { return [] }
            return found
        }
        #expect(PaymentRun.admit(facts(request("2022"))).failure == nil)
        // The 2021 row missing; 2022 from version 2, from another text, from an older load, with no version.
        var rows = computed().filter { $0.period != "2021" }
        #expect(problems(rows) == [MetricsProblem(period: "2021", arm: .participants, kind: .notComputed)])
        rows = computed().map { $0.period == "2022" ? ComputedPeriod(storedID: $0.storedID, period: "2022", loadID: 3, version: 2, fileSHA256: hash) : $0 }
        #expect(problems(rows) == [MetricsProblem(period: "2022", arm: .participants, kind: .otherVersion(2))])
        rows = computed().map { ComputedPeriod(storedID: $0.storedID, period: $0.period, loadID: 3, version: 1, fileSHA256: "edited") }
        #expect(problems(rows).map(\.kind) == [.otherText, .otherText])
        rows = computed().map { ComputedPeriod(storedID: $0.storedID, period: $0.period, loadID: 2, version: 1, fileSHA256: hash) }
        #expect(problems(rows, period: "2021") == [MetricsProblem(period: "2021", arm: .participants, kind: .olderLoad(2))])
        // From the current load, but while loads 1 and 2 (numbered before it) had not finished; they have since.
        rows = computed().map {
            var row = ComputedPeriod(storedID: $0.storedID, period: $0.period, loadID: 3, version: 1, fileSHA256: hash)
            row.missedLoads = $0.period == "2021" ? [2, 1] : []
            return row
        }
        #expect(problems(rows) == [MetricsProblem(period: "2021", arm: .participants, kind: .missedLoad(1))])
        rows = computed().map { ComputedPeriod(storedID: $0.storedID, period: $0.period, loadID: 3, version: nil, fileSHA256: nil) }
        #expect(problems(rows).map(\.kind) == [.unversioned, .unversioned])
        // A run comparing with a control arm reads the arm's metrics too.
        let randomized = try! OutcomeContract.parse(yaml: PaymentPlanTests.contract.replacingOccurrences(
            of: "cohort: {providers: [hearth, keystone]}", with: "cohort: {providers: [hearth, keystone], study_arm: treatment}"), file: "r.yaml")
        let armRequest = PaymentRunRequest(contract: randomized, version: 1, fileSHA256: hash, period: "2021", kind: .final)
        #expect(PaymentRun.metricsProblems(armRequest, paid: ["2021"], computed: computed(), currentLoad: 3)
                == [MetricsProblem(period: "2021", arm: .controlArm, kind: .notComputed)])
        // A later period's metrics are not read by an earlier period's run.
        #expect(PaymentRun.admit(facts(request("2021"), computed: computed(["2021"]))).failure == nil)
    }

    @Test func postsTheDifferenceThenNothingOnTheSameInputs() throws {
        let request = request()
        let first = PaymentRun.decide(facts(request), inputs: inputs(request))
        guard case .post(let computed) = first else { Issue.record("\(first)"); return }
        #expect(!computed.entries.isEmpty && computed.entries.allSatisfy { $0.kind == .payment })
        // What was posted, on the same inputs: no change.
        let posted = Dictionary(computed.owed.map { ($0.key, $0.amount) }, uniquingKeysWith: +)
        guard case .noChange = PaymentRun.decide(facts(request, posted: posted, last: inputs(request).sha256), inputs: inputs(request)) else {
            Issue.record("posted again")
            return
        }
        // New inputs owing the same: a run of total 0 records its determinations.
        guard case .post(let again) = PaymentRun.decide(facts(request, posted: posted, last: "older inputs"), inputs: inputs(request)) else {
            Issue.record("new inputs not recorded")
            return
        }
        #expect(again.entries.isEmpty && again.total.isZero && !again.determinations.isEmpty)
    }

    @Test func aCohortWithoutItsComparisonIsRefusedNotPaidZero() {
        var snapshot = PaymentPlanTests().snapshot()
        let figures = snapshot.effectFigures["fewer_nights"]!.cohorts
        snapshot.effectFigures["fewer_nights"] = (cohorts: [figures[0], EffectFigures(cohort: "2021", group: "keystone",
                                                                                       treated: figures[1].treated, comparison: nil)],
                                                  overall: [])
        let request = request()
        guard case .refuse(let refusal) = PaymentRun.decide(facts(request), inputs: inputs(request, snapshot)) else {
            Issue.record("paid without a comparison")
            return
        }
        #expect(refusal == .noComparison(contract: "plan-test", line: "fewer_nights", provider: "keystone", cohort: "2021",
                                         basis: .sharedControlGroup))
    }

    @Test func anApprovalNeedsAnotherLoginTheLatestStagingAndUnchangedInputs() {
        func facts(login: String = "checker", approved: Bool = false, superseded: Bool = false, ledger: Bool = true, inputs: Bool = true)
            -> StagedRunFacts
        {
            StagedRunFacts(stagedID: 7, stagedBy: "maker", login: login, approvedAlready: approved, superseded: superseded,
                           ledgerUnchanged: ledger, inputsCurrent: inputs)
        }
        #expect(PaymentRun.approvalRefusal(facts()) == nil)
        #expect(PaymentRun.approvalRefusal(facts(login: "maker")) == .approverStagedIt(staged: 7, login: "maker"))
        #expect(PaymentRun.approvalRefusal(facts(approved: true)) == .stagedRunStale(staged: 7, reason: .alreadyApproved))
        #expect(PaymentRun.approvalRefusal(facts(superseded: true)) == .stagedRunStale(staged: 7, reason: .superseded))
        #expect(PaymentRun.approvalRefusal(facts(ledger: false)) == .stagedRunStale(staged: 7, reason: .ledgerChanged))
        #expect(PaymentRun.approvalRefusal(facts(inputs: false)) == .stagedRunStale(staged: 7, reason: .metricsChanged))
    }
}

extension Result {
    var failure: Failure? { if case .failure(let error) = self { error } else { nil } }
}
