import OutcomesDomain

/// Each payment refusal's paragraph and exit status: the one place they are worded.
extension PaymentRefusal {
    var exitStatus: ExitStatus {
        switch self {
        case .approverStagedIt: .permission
        case .nothingToApprove: .noInput
        case .stagedRunDiffers, .stagedInputsDiffer: .checkFailed
        default: .dataError
        }
    }

    var message: String {
        switch self {
        case .noPaymentTerms(let contract, let version):
            return "contract \(contract) version \(version) has no payment terms: there is nothing to pay."
        case .unknownPeriod(let contract, let period, let periods):
            return "\(period) is not a period of contract \(contract); it has: \(periods.joined(separator: ", "))."
        case .noInterimShare(let contract, let version):
            return "contract \(contract) version \(version) has no interim payments ('payments: interim: {share: …}')."
        case .interimAfterFinal(let contract, let period):
            return "period \(period) of contract \(contract) already has a final run; interim runs come before it."
        case .metricsNotCurrent(let contract, let version, let period, let currentLoad, let problems):
            return Self.metricsMessage(contract: contract, version: version, period: period, currentLoad: currentLoad, problems: problems)
        case .noComparison(let contract, let line, let provider, let cohort, let basis):
            // A pooled line measures all providers' participants together, under no one provider.
            let cohortText = cohort == Determination.allPeriods ? "all cohorts together" : cohort
            let whose = provider.isEmpty ? "the providers'" : "\(provider)'s"
            let what: String = switch basis {
            case .sharedControlGroup:
                "line \(line) compares every provider with the shared control group, which has no participants in \(cohortText): "
                    + "there is nothing to compare \(whose) participants with. Check the control arm's enrollments."
            case .matchedGroup:
                "line \(line) compares \(provider.isEmpty ? "all providers' participants" : provider) with "
                    + "\(provider.isEmpty ? "the" : "its") matched comparison group, which has no members in \(cohortText)."
            case .controlArm where provider.isEmpty:
                "line \(line) compares all providers' participants with the control arm, which has no participants in \(cohortText)."
            default:
                "line \(line) compares each provider with its own control arm, and \(provider) has no control-arm participants in "
                    + "\(cohortText). If the providers share one control group, write comparison: shared_control_group."
            }
            return "contract \(contract): \(what) Nothing was posted."
        case .arithmeticOverflow(let what):
            return "\(what) go beyond what the payment arithmetic holds (about 9.2 × 10^16 in the currency); check the prices and caps "
                + "of the contract. Nothing was posted."
        case .approverStagedIt(let staged, let login):
            return "staged run \(staged) was staged by \(login), and a run is approved by another login (the contract's "
                + "maker–checker terms). Nothing was posted."
        case .stagedRunStale(let staged, let reason):
            let why: String = switch reason {
            case .superseded: "a later run of its period was staged since"
            case .ledgerChanged: "another run of its period was posted since it was staged"
            case .metricsChanged: "the metrics or the data load it read changed since it was staged"
            case .alreadyApproved: "it was approved and posted already"
            }
            return "staged run \(staged) cannot be approved: \(why). Run `outcomes payments run` again to stage a current one. "
                + "Nothing was posted."
        case .nothingToApprove(let staged):
            return "no run \(staged) is staged for approval (`outcomes payments approve` lists the staged runs)."
        case .stagedInputsDiffer(let staged):
            return "staged run \(staged) was computed from inputs that are not what the stored results give, read again now: it was "
                + "not staged from them by outcomes, or they were changed after. It was not approved."
        case .stagedRunDiffers(let staged, let discrepancies):
            return "staged run \(staged) is not what the payment engine computes from its own staged inputs (\(discrepancies) "
                + "difference\(discrepancies == 1 ? "" : "s")): it was not staged by outcomes, or was changed after. It was not approved."
        }
    }

    private static func metricsMessage(contract: String, version: Int, period: String, currentLoad: Int, problems: [MetricsProblem])
        -> String
    {
        func unique(_ items: [String]) -> String {
            var seen: Set<String> = []
            return items.filter { seen.insert($0).inserted }.joined(separator: ", ")
        }
        func label(_ problem: MetricsProblem) -> String {
            problem.period + (problem.arm == .participants ? "" : problem.arm == .matchedGroup ? " (matched comparison group)" : " (control arm)")
        }
        var reasons: [String] = []
        let missing = problems.filter { $0.kind == .notComputed }.map(label)
        if !missing.isEmpty { reasons.append("are not computed for \(unique(missing))") }
        for problem in problems {
            switch problem.kind {
            case .notComputed: break
            case .unversioned: reasons.append("for \(label(problem)) were computed from a file tried out or before versions were recorded")
            case .otherVersion(let other): reasons.append("for \(label(problem)) were computed from version \(other)")
            case .otherText: reasons.append("for \(label(problem)) were computed from other text under version \(version)")
            case .olderLoad(let load): reasons.append("for \(label(problem)) come from data load \(load), not the current load \(currentLoad)")
            case .missedLoad(let load):
                reasons.append("for \(label(problem)) miss data load \(load), which finished after they were computed from load \(currentLoad)")
            }
        }
        if problems.contains(where: { $0.arm == .matchedGroup }) {
            return "the outcome metrics of contract \(contract) \(reasons.joined(separator: "; ")). A line pays against a matched "
                + "comparison group, which `outcomes compare --store-comparison` builds and stores for a contract version; store one "
                + "for version \(version) and every period up to \(period) first. Nothing was posted."
        }
        let stale = unique(problems.map { $0.period == OutcomeContract.priorPeriodLabel ? "the first period" : $0.period })
        let controlArm = problems.contains { $0.arm == .controlArm }
        return "the outcome metrics of contract \(contract) \(reasons.joined(separator: "; ")); a payment run under version \(version) "
            + "reads every period up to the one it pays, computed from that version and the current data. Run `outcomes metrics "
            + "--contract \(contract)@\(version) --period P` for \(stale) first" + (controlArm ? " (it computes the control arm too)." : ".")
    }
}
